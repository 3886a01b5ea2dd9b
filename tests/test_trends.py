"""Trends from git history: the timelines the fold keeps, the weekly series, a risk's score
over time and the Markdown the report shows, from real repositories with dated commits."""

from __future__ import annotations

import dataclasses
import datetime
import json

import pytest

from helpers import git, make_repo, write_files
from tpm import cachefile
from tpm.config import Config, TypeConfig, builtin_types
from tpm.history import CACHE_FORMAT, FileHistory, Tracking, TrendPoint, snapshot
from tpm.pipeline import Options, lint
from tpm.report.trends import render, score_trend, weekly

TODAY = datetime.date(2026, 11, 30)
MILESTONE = "project/milestones/M-1-launch.md"
DROPPED_MILESTONE = "project/milestones/M-2-pilot.md"
RISK = "project/risks/R-1-vendor.md"
OTHER_RISK = "project/risks/R-2-staff.md"
DECISION = "project/decisions/0001-stack.md"


def milestone(ticks: str, status: str = "in-progress", ident: str = "M-1") -> str:
    """A milestone whose checkpoints are `ticks`: "x" done, "." open, one per item."""
    items = "".join(f"- [{'x' if t == 'x' else ' '}] 2026-12-0{i + 1} Step {i + 1}\n" for i, t in enumerate(ticks))
    return (
        f"---\nid: {ident}\ntitle: Launch\nstatus: {status}\ndue: 2026-12-20\n---\n# Launch\n\n"
        f"- [x] a task outside the checkpoints does not count\n\n## Checkpoints\n\n{items}\n"
        "## Notes\n\n- [ ] nor here\n"
    )


def risk(likelihood: int, impact: int, status: str = "open", ident: str = "R-1") -> str:
    return (
        f"---\nid: {ident}\ntitle: Vendor\nstatus: {status}\nowner: '@omar'\nlikelihood: {likelihood}\n"
        f"impact: {impact}\nreviewed: 2026-11-01\n---\n# Vendor\n\n## Mitigation\n\nA second vendor.\n"
    )


def commit(repo, when: str, files: dict) -> None:
    write_files(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"on {when}", date=f"{when}+00:00")


@pytest.fixture
def repo(tmp_path):
    """Weekly commits: checkpoints ticked and added, a risk re-scored, another closed, a
    milestone created and then cancelled; two commits on 2026-11-09."""
    repo = make_repo(tmp_path / "repo")
    decision = "---\nid: ADR-1\ntitle: Stack\nstatus: proposed\ndate: 2026-01-01\n---\n# Stack\n"
    commit(repo, "2026-10-01T12:00:00", {DECISION: decision})  # no checkpoints, no score: not followed
    commit(repo, "2026-11-02T12:00:00", {MILESTONE: milestone("...."), RISK: risk(3, 4), OTHER_RISK: risk(2, 2)})
    commit(repo, "2026-11-09T09:00:00", {MILESTONE: milestone("x..."), RISK: risk(4, 4)})
    commit(repo, "2026-11-09T17:00:00", {MILESTONE: milestone("xx..")})  # the day's last state counts
    commit(repo, "2026-11-16T12:00:00", {MILESTONE: milestone("xx..."), RISK: risk(3, 3)})
    commit(repo, "2026-11-16T13:00:00", {DROPPED_MILESTONE: milestone("x.", "planned", "M-2")})
    commit(
        repo, "2026-11-23T12:00:00", {OTHER_RISK: risk(2, 2, "closed"), DROPPED_MILESTONE: milestone("x.", "cancelled")}
    )
    return repo


def read(repo, **options):
    run = lint(Options(repo, today=TODAY.isoformat(), history_wanted=True, **options))
    return run, run.history


WEEKS = ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"]
COMMITTED = {
    "weeks": WEEKS,
    "checkpoints_done": [0, 2, 3, 2, 2],  # M-2 (1 of 2) counts on 11-16 only: cancelled on 11-23
    "checkpoints_total": [4, 4, 7, 5, 5],
    "risk_exposure": [16, 20, 13, 9, 9],  # R-1 12 -> 16 -> 9, R-2 4 until closed
    "open_risks": [2, 2, 2, 1, 1],
}


def test_weekly_series_from_weekly_commits(repo):
    run, history = read(repo)
    assert weekly(run.project, history, run.config, TODAY) == COMMITTED


def test_score_trend_lists_each_change_of_score(repo):
    run, history = read(repo)
    risk_type = run.config.types["risk"]
    assert score_trend(history.for_path(RISK), risk_type) == [("2026-11-02", 12), ("2026-11-09", 16), ("2026-11-16", 9)]
    assert score_trend(history.for_path(OTHER_RISK), risk_type) == [("2026-11-02", 4)]  # closing is no new score
    assert score_trend(history.for_path(RISK), TypeConfig("plain", ())) == []  # no lifecycle: never open


def test_the_rendered_markdown(repo):
    write_files(repo, {MILESTONE: milestone("xxx..")})  # uncommitted: today
    run, history = read(repo)
    assert render(weekly(run.project, history, run.config, TODAY), TODAY) == [
        "```mermaid",
        "---",
        "config:",
        "  themeVariables:",
        "    xyChart:",
        '      plotColorPalette: "#54aeff, #0550ae"',
        "---",
        "xychart-beta",
        '    title "Checkpoints done of total, weekly"',
        '    x-axis ["11-02", "11-09", "11-16", "11-23", "11-30"]',
        '    y-axis "Checkpoints" 0 --> 7',
        "    bar [0, 2, 3, 2, 3]",
        "    line [4, 4, 7, 5, 5]",
        "```",
        "",
        "Checkpoints done as of 2026-11-30: 3 of 5 (60%), up 3 in the last 4 weeks.",
        "",
        "```mermaid",
        "---",
        "config:",
        "  themeVariables:",
        "    xyChart:",
        '      plotColorPalette: "#cf222e"',
        "---",
        "xychart-beta",
        '    title "Open risk exposure, weekly"',
        '    x-axis ["11-02", "11-09", "11-16", "11-23", "11-30"]',
        '    y-axis "Sum of scores" 0 --> 20',
        "    line [16, 20, 13, 9, 9]",
        "```",
        "",
        "Open risk exposure as of 2026-11-30: 9 (1 open risk), down from 16 four weeks ago.",
    ]


def test_an_uncommitted_edit_counts_as_made_today(repo):
    write_files(repo, {MILESTONE: milestone("xxx.."), RISK: risk(5, 5)})
    run, history = read(repo)
    trends = weekly(run.project, history, run.config, TODAY)
    assert trends["checkpoints_done"] == [0, 2, 3, 2, 3]
    assert trends["risk_exposure"] == [16, 20, 13, 9, 25]
    assert history.for_path(RISK).timeline()[-1].date == "2026-11-30"
    assert score_trend(history.for_path(RISK), run.config.types["risk"])[-1] == ("2026-11-30", 25)
    assert history.files[RISK].timeline()[-1].date == "2026-11-16"  # never cached


def test_a_cached_run_gives_what_a_run_without_cache_gives(repo, monkeypatch):
    run, history = read(repo, no_cache=True)
    fresh = weekly(run.project, history, run.config, TODAY)
    run, history = read(repo)  # writes the cache
    assert weekly(run.project, history, run.config, TODAY) == fresh == COMMITTED
    cached = json.loads((repo / ".git" / "tpm-cache" / "history.json").read_text())
    assert cached["files"][RISK]["points"][0] == [
        "2026-11-02",
        0,
        0,
        {"impact": "4", "likelihood": "3", "status": "open"},
    ]

    def no_log(*args, **kwargs):
        raise AssertionError("the cache should have answered")

    monkeypatch.setattr("tpm.history._collect_versions", no_log)
    run, history = read(repo)
    assert weekly(run.project, history, run.config, TODAY) == COMMITTED
    assert score_trend(history.for_path(RISK), run.config.types["risk"]) == [
        ("2026-11-02", 12),
        ("2026-11-09", 16),
        ("2026-11-16", 9),
    ]


BAD_POINTS = [
    "not a list",
    [["2026-11-02", 0]],  # too short
    [["2026-11-02", 0, 0, {}, "extra"]],
    [["02/11/2026", 0, 0]],  # not an ISO date
    [[None, 0, 0]],
    [["2026-11-09", 0, 0], ["2026-11-02", 0, 0]],  # out of order
    [["2026-11-02", 0, 0], ["2026-11-02", 1, 1]],  # two points on one day
    [["2026-11-02", 2, 1]],  # more done than in total
    [["2026-11-02", -1, 1]],
    [["2026-11-02", True, 1]],  # a boolean is no count
    [["2026-11-02", 0, "1"]],
    [["2026-11-02", 0, 1, ["status", "open"]]],
    [["2026-11-02", 0, 1, {"status": 3}]],
]


@pytest.mark.parametrize("points", BAD_POINTS)
def test_malformed_cached_points_are_refused(points):
    with pytest.raises(TypeError):
        FileHistory.from_json({"points": points})


@pytest.mark.parametrize("points", [BAD_POINTS[1], BAD_POINTS[5], BAD_POINTS[12]])
def test_a_cache_with_malformed_points_is_rebuilt(repo, points):
    read(repo)
    cache = repo / ".git" / "tpm-cache" / "history.json"
    data = json.loads(cache.read_text())
    good = data["files"][RISK]["points"]
    data["files"][RISK]["points"] = points
    del data["format"]
    cachefile.save(cache, repo / ".git", CACHE_FORMAT, data)  # signed as tpm would: only the shape is wrong
    assert cachefile.load(cache, repo / ".git", CACHE_FORMAT)["files"][RISK]["points"] == points
    run, history = read(repo)
    assert weekly(run.project, history, run.config, TODAY) == COMMITTED
    assert json.loads(cache.read_text())["files"][RISK]["points"] == good  # rebuilt


def test_a_declared_type_with_its_own_checkpoints_heading_counts(tmp_path):
    config = """
[types.task]
paths = ["project/tasks/*.md"]
checkpoints = "Steps"

[types.task.lifecycle]
active = ["doing"]
dropped = ["abandoned"]

[types.task.dates]
due = "deadline"
"""
    task = "---\ntitle: Migrate\nstatus: {status}\ndeadline: 2026-12-24\n---\n# Migrate\n\n## Steps\n\n{steps}\n"
    repo = make_repo(tmp_path / "repo")
    commit(
        repo,
        "2026-11-16T12:00:00",
        {
            ".tpm.toml": config,
            "project/tasks/migrate.md": task.format(
                status="doing", steps="- [ ] one\n- [ ] two\n- [ ] three\n### Detail\n- [x] four, in a subsection"
            ),
        },
    )
    commit(
        repo,
        "2026-11-23T12:00:00",
        {
            "project/tasks/migrate.md": task.format(
                status="doing", steps="- [x] one\n- [x] two\n- [ ] three\n## Notes\n- [ ] not under Steps"
            )
        },
    )
    run, history = read(repo)
    assert "steps" in history.tracking.checkpoints
    assert weekly(run.project, history, run.config, TODAY) == {
        "weeks": ["2026-11-16", "2026-11-23", "2026-11-30"],
        "checkpoints_done": [1, 2, 2],
        "checkpoints_total": [4, 3, 3],
        "risk_exposure": [0, 0, 0],
        "open_risks": [0, 0, 0],
    }
    write_files(repo, {"project/tasks/migrate.md": task.format(status="abandoned", steps="- [x] one")})
    run, history = read(repo)
    trends = weekly(run.project, history, run.config, TODAY)
    assert (trends["checkpoints_done"], trends["checkpoints_total"]) == ([1, 2, 0], [4, 3, 0])  # dropped today


def test_without_history_or_enough_of_it_no_chart(repo):
    run, history = read(repo, no_history=True)
    assert history is None
    assert weekly(run.project, history, run.config, TODAY) == {
        "weeks": [],
        "checkpoints_done": [],
        "checkpoints_total": [],
        "risk_exposure": [],
        "open_risks": [],
    }
    assert render(None, TODAY) == ["Trends need git history: run without --no-history to see them."]
    nothing = {"weeks": [], "checkpoints_done": [], "checkpoints_total": [], "risk_exposure": [], "open_risks": []}
    assert render(nothing, TODAY) == [  # history read, but no document to follow (a repository of ADRs, say)
        "Nothing to draw over time: no document has checkpoints under a due date, or a risk score."
    ]
    run, history = read(repo)
    early = weekly(run.project, history, run.config, datetime.date(2026, 11, 5))  # a single week point: 11-05
    assert early["weeks"] == ["2026-11-05"]
    assert render(early, datetime.date(2026, 11, 5)) == [
        "Not enough history yet for weekly trends (as of 2026-11-05): they need two weeks of it."
    ]


def test_at_most_26_week_points(repo):
    run, history = read(repo)
    trends = weekly(run.project, history, run.config, datetime.date(2027, 11, 30))
    assert len(trends["weeks"]) == 26
    assert trends["weeks"][0] == "2027-06-08" and trends["weeks"][-1] == "2027-11-30"
    assert trends["checkpoints_total"][0] == 5 and trends["risk_exposure"][0] == 9


# The fold itself.

BUILTIN = Tracking.of(Config(types=builtin_types("project")))


def test_tracking_follows_declared_checkpoints_and_statuses_and_keys_them():
    assert BUILTIN.checkpoints == {"checkpoints", "action items"}
    assert BUILTIN.trended == {"status", "likelihood", "impact"}
    plain = Config(types={"note": TypeConfig("note", ("notes/*.md",), checkpoints="To do")})
    assert Tracking.of(plain).trended == frozenset()  # no lifecycle: neither status nor score followed
    assert "status" not in Tracking.of(plain).fields
    assert Tracking.of(plain).checkpoints == {"to do"}
    assert Tracking.of(plain).key() != Tracking(checkpoints=frozenset({"other"})).key()


def test_checkpoints_are_counted_under_the_heading_until_one_of_its_level():
    body = (
        "- [x] before\n# Plan\n## Checkpoints\n- [x] a\n  - [X] nested\n* [ ] b\n1. [ ] c\n"
        "### Detail\n- [ ] d\n## Later\n- [x] e\n## Checkpoints\n- [ ] f\n"
    )
    assert snapshot(body, BUILTIN).checkpoints == (2, 6)
    assert snapshot(body, Tracking()).checkpoints == (0, 0)


def test_one_point_per_day_only_on_a_change_and_unknown_dates_kept_under_the_previous():
    state = FileHistory()
    state.advance(None, milestone("x."), BUILTIN)  # nothing dated yet: no point
    assert state.points == []
    state.advance("2026-11-02", milestone("x."), BUILTIN)
    state.advance("2026-11-03", milestone("x.") + "\nNotes.\n", BUILTIN)  # nothing followed changed
    state.advance("2026-11-09", milestone("xx"), BUILTIN)
    state.advance("2026-11-09", milestone("x.."), BUILTIN)  # the day's last state replaces its first
    state.advance(None, milestone("x..", "done"), BUILTIN)  # unknown date: under 2026-11-09
    state.advance("2026-11-05", milestone("xxx", "done"), BUILTIN)  # a date going backwards: 2026-11-09
    state.advance("2026-11-10", milestone("xxx", "done"), BUILTIN)
    state.advance("2026-11-12", milestone("x.", "in-progress"), BUILTIN)
    state.advance("2026-11-12", milestone("x.", "done"), BUILTIN)  # the day's last state replaces its first
    state.advance("2026-11-14", milestone("xxx", "done"), BUILTIN)
    state.advance("2026-11-14", milestone("x.", "done"), BUILTIN)  # back to the previous point: none added
    assert state.points == [
        ["2026-11-02", 1, 2, {"status": "in-progress"}],
        ["2026-11-09", 3, 3, {"status": "done"}],
        ["2026-11-12", 1, 2],
    ]
    assert state.timeline() == [
        TrendPoint("2026-11-02", 1, 2, {"status": "in-progress"}),
        TrendPoint("2026-11-09", 3, 3, {"status": "done"}),
        TrendPoint("2026-11-12", 1, 2, {"status": "done"}),
    ]
    assert FileHistory.from_json(json.loads(json.dumps(dataclasses.asdict(state)))) == state

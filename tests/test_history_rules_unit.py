"""The four git-history rules on a fake history index: a few lines of data per case, no git.

Each case runs the rule through the engine (so slug, code, severity and options come from
the registry and the config as in a real run) and compares the complete diagnostics:
path, line, column, slug, severity and the exact message.
"""

from __future__ import annotations

import datetime
import inspect
from pathlib import Path

import pytest

from fakes import FakeHistory, as_index, config_of, file_history, project_of
from tpm import engine
from tpm.history import FileHistory
from tpm.rules import REGISTRY
from tpm.rules.registry import HistoryIndex

TODAY = datetime.date(2026, 11, 27)
M1 = "project/milestones/M-1-launch.md"
R1 = "project/risks/R-1-vendor.md"

MILESTONE = """\
---
id: M-1
title: Launch
status: {status}
due: 2026-12-20
---
## Checkpoints

- [ ] 2026-11-10 Load test @bob
- [x] 2026-11-05 Kickoff
- [ ] 2026-11-26 Dry run
"""
LOAD_TEST = "- [ ] 2026-11-10 Load test @bob"
DRY_RUN = "- [ ] 2026-11-26 Dry run"

RISK = """\
---
id: R-1
title: Vendor
status: {status}
owner: bob
likelihood: {likelihood}
impact: {impact}
reviewed: 2026-11-01
{extra}---
## Mitigation

A second vendor.
"""


def milestone(status: str = "in-progress") -> dict:
    return {M1: MILESTONE.format(status=status)}


def risk(status: str = "open", likelihood: int = 4, impact: int = 4, extra: str = "") -> dict:
    return {R1: RISK.format(status=status, likelihood=likelihood, impact=impact, extra=extra)}


def check(slug: str, files: dict, history: FakeHistory, config: dict | None = None) -> list[tuple]:
    """(path, line, column, slug, severity, message) of every diagnostic of rule `slug`."""
    parsed = config_of(config)
    project = project_of(files, parsed)
    assert all(not d.problems for d in project.documents), [d.problems for d in project.documents]
    result = engine.run(project, [REGISTRY[slug]], TODAY, history=history)
    return [(d.path, d.line, d.column, d.rule, d.severity.value, d.message) for d in result.diagnostics]


# stale-checkpoint -----------------------------------------------------------------------


def test_stale_checkpoint_fires_at_a_line_untouched_since_before_its_date():
    history = FakeHistory({M1: file_history(created="2026-11-01", lines={LOAD_TEST: "2026-11-01"})})
    assert check("stale-checkpoint", milestone(), history) == [
        (
            M1,
            9,
            3,
            "stale-checkpoint",
            "warning",
            "checkpoint dated 2026-11-10 is still open 17 days later, and its line has not changed since 2026-11-01",
        )
    ]
    assert history.asked == [M1]


@pytest.mark.parametrize(
    "since",
    [
        "2026-11-10",  # edited on the checkpoint's own date: an update
        "2026-11-20",  # edited after it
        None,  # unknown date: counts as today
    ],
)
def test_stale_checkpoint_passes_a_line_edited_on_or_after_its_date(since):
    history = FakeHistory({M1: file_history(created="2026-11-01", lines={LOAD_TEST: since})})
    assert check("stale-checkpoint", milestone(), history) == []


def test_stale_checkpoint_passes_a_line_with_no_history_at_all():
    """A file the index does not know (new, uncommitted) has every line dated today."""
    assert check("stale-checkpoint", milestone(), FakeHistory()) == []


def test_stale_checkpoint_grace_days_is_read_from_the_config():
    history = FakeHistory({M1: file_history(created="2026-11-01", lines={DRY_RUN: "2026-11-01"})})
    assert check("stale-checkpoint", milestone(), history) == []  # 1 day late, within the default grace
    config = {"rules": {"stale-checkpoint": {"grace_days": 0}}}
    assert check("stale-checkpoint", milestone(), history, config) == [
        (
            M1,
            11,
            3,
            "stale-checkpoint",
            "warning",
            "checkpoint dated 2026-11-26 is still open 1 day later, and its line has not changed since 2026-11-01",
        )
    ]


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_stale_checkpoint_does_not_judge_closed_milestones(status):
    history = FakeHistory({M1: file_history(created="2026-11-01", lines={LOAD_TEST: "2026-11-01"})})
    files = {M1: MILESTONE.format(status=status).replace("due: 2026-12-20", "due: 2026-12-20\ncompleted: 2026-11-20")}
    assert check("stale-checkpoint", files, history) == []


# stale-milestone ------------------------------------------------------------------------


def test_stale_milestone_fires_after_more_than_seven_idle_days():
    history = FakeHistory({M1: file_history(created="2026-10-01", last_change="2026-11-19")})
    assert check("stale-milestone", milestone(), history) == [
        (
            M1,
            4,
            9,
            "stale-milestone",
            "warning",
            "M-1 is in progress but its file has had no commit for 8 days (last 2026-11-19)",
        )
    ]


@pytest.mark.parametrize(
    ("status", "last"),
    [
        ("in-progress", "2026-11-20"),  # exactly 7 days: not more than the limit
        ("in-progress", None),  # unknown date: today
        ("planned", "2026-01-01"),  # only in-progress milestones are judged
    ],
)
def test_stale_milestone_passes(status, last):
    history = FakeHistory({M1: file_history(created="2026-01-01", last_change=last)})
    if last is None:
        history = FakeHistory({M1: FileHistory(seq=1, created=None, last_change=None)})
    assert check("stale-milestone", milestone(status), history) == []


def test_stale_milestone_limit_is_read_from_the_config():
    history = FakeHistory({M1: file_history(created="2026-11-01", last_change="2026-11-24")})
    config = {"rules": {"stale-milestone": {"stale_after_days": 2}}}
    assert [d[5] for d in check("stale-milestone", milestone(), history, config)] == [
        "M-1 is in progress but its file has had no commit for 3 days (last 2026-11-24)"
    ]


# unreviewed-risk ------------------------------------------------------------------------


def test_unreviewed_risk_high_band_is_an_error_after_seven_days():
    history = FakeHistory({R1: file_history(created="2026-11-01", front_matter_changed="2026-11-19")})
    assert check("unreviewed-risk", risk(), history) == [
        (
            R1,
            8,
            11,
            "unreviewed-risk",
            "error",
            "last reviewed 8 days ago (2026-11-19); high risks are reviewed every 7 days",
        )
    ]
    fresh = FakeHistory({R1: file_history(created="2026-11-01", front_matter_changed="2026-11-20")})
    assert check("unreviewed-risk", risk(), fresh) == []


def test_unreviewed_risk_medium_and_low_bands_are_warnings_with_their_own_cadence():
    history = FakeHistory({R1: file_history(created="2026-10-01", front_matter_changed="2026-11-12")})
    medium = check("unreviewed-risk", risk(likelihood=3, impact=3), history)  # score 9: medium, 14 days
    assert medium == [
        (
            R1,
            8,
            11,
            "unreviewed-risk",
            "warning",
            "last reviewed 15 days ago (2026-11-12); medium risks are reviewed every 14 days",
        )
    ]
    assert check("unreviewed-risk", risk(likelihood=2, impact=3), history) == []  # score 6: low, 30 days
    old = FakeHistory({R1: file_history(created="2026-10-01", front_matter_changed="2026-10-27")})
    assert [d[5] for d in check("unreviewed-risk", risk(likelihood=1, impact=1), old)] == [
        "last reviewed 31 days ago (2026-10-27); low risks are reviewed every 30 days"
    ]


def test_unreviewed_risk_review_every_and_bands_come_from_the_document_and_config():
    history = FakeHistory({R1: file_history(created="2026-10-01", front_matter_changed="2026-11-12")})
    assert check("unreviewed-risk", risk(extra="review_every: 30\n"), history) == []
    assert [d[5] for d in check("unreviewed-risk", risk(extra="review_every: 10\n"), history)] == [
        "last reviewed 15 days ago (2026-11-12); high risks are reviewed every 10 days"
    ]
    config = {"risk_bands": {"high": 20, "medium": 17}, "rules": {"unreviewed-risk": {"low_days": 14}}}
    assert [d[4:] for d in check("unreviewed-risk", risk(), history, config)] == [
        ("warning", "last reviewed 15 days ago (2026-11-12); low risks are reviewed every 14 days")
    ]


def test_unreviewed_risk_fires_when_scoring_changed_after_the_review():
    history = FakeHistory(
        {
            R1: file_history(
                created="2026-11-01",
                front_matter_changed="2026-11-26",
                reviewed=("2026-11-10", 2),
                scoring_changed=("2026-11-26", 3, ["likelihood", "mitigation"]),
            )
        }
    )
    assert check("unreviewed-risk", risk(), history) == [
        (
            R1,
            8,
            11,
            "unreviewed-risk",
            "error",
            "likelihood, mitigation changed on 2026-11-26, after the last review (2026-11-10); "
            "re-assess it and update `reviewed`",
        )
    ]


def test_unreviewed_risk_names_an_unknown_date_and_passes_a_change_in_the_review_commit():
    unknown = FakeHistory(
        {R1: file_history(created="2026-11-01", reviewed=("2026-11-10", 2), scoring_changed=(None, 3, ["status"]))}
    )
    assert [d[5] for d in check("unreviewed-risk", risk(), unknown)] == [
        "status changed on an unknown date, after the last review (2026-11-10); re-assess it and update `reviewed`"
    ]
    same_commit = FakeHistory(
        {
            R1: file_history(
                created="2026-11-01",
                front_matter_changed="2026-11-25",
                reviewed=("2026-11-25", 3),
                scoring_changed=("2026-11-25", 3, ["impact"]),
            )
        }
    )
    assert check("unreviewed-risk", risk(), same_commit) == []


def test_unreviewed_risk_a_review_on_an_unknown_date_still_counts_as_a_review():
    history = FakeHistory({R1: file_history(created=None, reviewed=(None, 1), scoring_changed=(None, 2, ["status"]))})
    assert [d[5] for d in check("unreviewed-risk", risk(), history)] == [
        "status changed on an unknown date, after the last review (an unknown date); re-assess it and update `reviewed`"
    ]


@pytest.mark.parametrize("status", ["accepted", "closed"])
def test_unreviewed_risk_does_not_judge_closed_risks(status):
    history = FakeHistory({R1: file_history(created="2025-01-01")})
    assert check("unreviewed-risk", risk(status=status), history) == []


def test_unreviewed_risk_configured_severity_wins_over_the_band():
    history = FakeHistory({R1: file_history(created="2025-01-01")})
    config = {"rules": {"unreviewed-risk": {"severity": "info"}}}
    assert [d[4] for d in check("unreviewed-risk", risk(), history, config)] == ["info"]


# slipped-milestone ----------------------------------------------------------------------


def test_slipped_milestone_fires_on_days_in_total_and_ignores_moves_earlier():
    moves = [
        ("2026-11-05", "2026-12-01", "2026-12-05"),
        ("2026-11-12", "2026-12-05", "2026-12-03"),  # earlier: not a slip
        ("2026-11-20", "2026-12-03", "2026-12-20"),
    ]
    history = FakeHistory({M1: file_history(created="2026-11-01", due_moves=moves)})
    assert check("slipped-milestone", milestone(), history) == [
        (
            M1,
            5,
            6,
            "slipped-milestone",
            "warning",
            "due moved later 2 times, 21 days in total: "
            "2026-11-05: 2026-12-01 → 2026-12-05 (+4d); 2026-11-20: 2026-12-03 → 2026-12-20 (+17d)",
        )
    ]


def test_slipped_milestone_fires_on_the_number_of_slips():
    moves = [(None, "2026-12-01", "2026-12-02"), ("2026-11-02", "2026-12-02", "2026-12-03")]
    moves.append(("2026-11-03", "2026-12-03", "2026-12-04"))
    history = FakeHistory({M1: file_history(created="2026-11-01", due_moves=moves)})
    assert [d[5] for d in check("slipped-milestone", milestone(), history)] == [
        "due moved later 3 times, 3 days in total: an unknown date: 2026-12-01 → 2026-12-02 (+1d); "
        "2026-11-02: 2026-12-02 → 2026-12-03 (+1d); 2026-11-03: 2026-12-03 → 2026-12-04 (+1d)"
    ]


def test_slipped_milestone_once_over_the_limit_in_days():
    history = FakeHistory(
        {M1: file_history(created="2026-11-01", due_moves=[("2026-11-05", "2026-12-01", "2026-12-16")])}
    )
    assert [d[5] for d in check("slipped-milestone", milestone(), history)] == [
        "due moved later once, 15 days in total: 2026-11-05: 2026-12-01 → 2026-12-16 (+15d)"
    ]


@pytest.mark.parametrize(
    "moves",
    [
        [],
        [("2026-11-05", "2026-12-01", "2026-12-08"), ("2026-11-06", "2026-12-08", "2026-12-15")],  # 2 slips, 14 days
        [("2026-11-05", "2026-12-01", "2026-11-01")],  # earlier only
        [("2026-11-05", "2026-12-01", "2026-13-45"), ("2026-11-06", "soon", "2027-06-01")],  # not dates: skipped
    ],
)
def test_slipped_milestone_passes_at_the_limits(moves):
    history = FakeHistory({M1: file_history(created="2026-11-01", due_moves=moves)})
    assert check("slipped-milestone", milestone(), history) == []


def test_slipped_milestone_limits_are_read_from_the_config():
    history = FakeHistory(
        {M1: file_history(created="2026-11-01", due_moves=[("2026-11-05", "2026-12-01", "2026-12-03")])}
    )
    config = {"rules": {"slipped-milestone": {"max_slips": 0}}}
    assert [d[5] for d in check("slipped-milestone", milestone(), history, config)] == [
        "due moved later once, 2 days in total: 2026-11-05: 2026-12-01 → 2026-12-03 (+2d)"
    ]


# the fake itself ------------------------------------------------------------------------


def test_the_fake_agrees_with_the_real_fold():
    """What `file_history` states is what `FileHistory.advance` folds from real versions."""
    base = "---\nid: M-1\ntitle: Launch\nstatus: in-progress\ndue: {due}\n---\n## Checkpoints\n\n{line}\n"
    folded = FileHistory()
    folded.advance("2026-11-01", base.format(due="2026-12-01", line=LOAD_TEST))
    folded.advance("2026-11-05", base.format(due="2026-12-09", line=LOAD_TEST))
    folded.advance("2026-11-20", base.format(due="2026-12-09", line=LOAD_TEST + " (booked)"))
    fake = file_history(
        created="2026-11-01",
        last_change="2026-11-20",
        front_matter_changed="2026-11-05",
        due_moves=[("2026-11-05", "2026-12-01", "2026-12-09")],
        lines={LOAD_TEST + " (booked)": "2026-11-20"},
    )
    for name in ("created", "last_change", "front_matter_changed", "due_moves", "reviewed_set", "scoring_fields"):
        assert getattr(fake, name) == getattr(folded, name), name
    assert fake.slips() == folded.slips()
    for line in (LOAD_TEST, LOAD_TEST + " (booked)"):
        assert fake.unchanged_since(line) == folded.unchanged_since(line)


def test_the_fake_has_the_protocols_signature():
    """`HistoryIndex` is a typing protocol (not checked at run time): compare by hand."""
    protocol = inspect.signature(HistoryIndex.for_path)
    fake = inspect.signature(FakeHistory.for_path)
    assert [p.name for p in fake.parameters.values()][1:] == [p.name for p in protocol.parameters.values()][1:]
    assert fake.return_annotation == protocol.return_annotation == "FileHistory"
    assert isinstance(as_index(FakeHistory()).for_path("x.md"), FileHistory)


def test_every_history_rule_has_a_unit_test_here():
    source = Path(__file__).read_text(encoding="utf-8")
    history_rules = sorted(slug for slug, rule in REGISTRY.items() if rule.scope == "history")
    assert history_rules == ["slipped-milestone", "stale-checkpoint", "stale-milestone", "unreviewed-risk"]
    for slug in history_rules:
        assert source.count(f'check("{slug}"') >= 3, slug

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

# A type of the user's own: proposals whose status field is `stage`, active in Review, with
# their due date in `due_date`; paths alone decide the type.
P12, P13 = "proposals/0012-fees.md", "proposals/0013-old.md"
C1 = "concerns/C-1-fees.md"
PROPOSALS = {
    "type_key": "",
    "types": {
        "proposal": {
            "paths": ["proposals/*.md"],
            "id_field": "number",
            "status_field": "stage",
            "checkpoints": "Checkpoints",
            "lifecycle": {"planned": ["Draft"], "active": ["Review"], "done": ["Final"], "dropped": ["Withdrawn"]},
            "dates": {"due": "due_date"},
        }
    },
}


def proposal(number: int, stage: str) -> str:
    return (
        f"---\nnumber: {number}\ntitle: Fees\nstage: {stage}\ndue_date: 2026-12-20\ntype: Standards Track\n---\n"
        "## Checkpoints\n\n- [ ] 2026-11-10 Draft the table\n"
    )


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


def test_stale_checkpoint_reads_the_heading_a_type_declares_when_it_has_a_due_date():
    history = FakeHistory(
        {P12: file_history(created="2026-11-01", lines={"- [ ] 2026-11-10 Draft the table": "2026-11-01"})}
    )
    assert [d[:4] for d in check("stale-checkpoint", {P12: proposal(12, "Review")}, history, PROPOSALS)] == [
        (P12, 10, 3, "stale-checkpoint")
    ]
    assert check("stale-checkpoint", {P12: proposal(12, "Final")}, history, PROPOSALS) == []
    assert check("stale-checkpoint", {P12: proposal(12, "Withdrawn")}, history, PROPOSALS) == []
    undated = {"type_key": "", "types": {"proposal": {**PROPOSALS["types"]["proposal"], "dates": {}}}}
    assert check("stale-checkpoint", {P12: proposal(12, "Review")}, history, undated) == []  # no due date role


# stale ----------------------------------------------------------------------------------


def test_stale_fires_after_more_than_seven_idle_days():
    history = FakeHistory({M1: file_history(created="2026-10-01", last_change="2026-11-19")})
    assert check("stale", milestone(), history) == [
        (
            M1,
            4,
            9,
            "stale",
            "warning",
            "M-1 is in progress but its file has had no commit for 8 days (last 2026-11-19)",
        )
    ]


@pytest.mark.parametrize(
    ("status", "last"),
    [
        ("in-progress", "2026-11-20"),  # exactly 7 days: not more than the limit
        ("in-progress", None),  # unknown date: today
        ("planned", "2026-01-01"),  # only the active role is judged
    ],
)
def test_stale_passes(status, last):
    history = FakeHistory({M1: file_history(created="2026-01-01", last_change=last)})
    if last is None:
        history = FakeHistory({M1: FileHistory(seq=1, created=None, last_change=None)})
    assert check("stale", milestone(status), history) == []


def test_stale_limit_is_read_from_the_config_under_either_slug():
    history = FakeHistory({M1: file_history(created="2026-11-01", last_change="2026-11-24")})
    for slug in ("stale", "stale-milestone"):
        config = {"rules": {slug: {"stale_after_days": 2}}}
        assert [d[5] for d in check("stale", milestone(), history, config)] == [
            "M-1 is in progress but its file has had no commit for 3 days (last 2026-11-24)"
        ]


def test_stale_judges_any_type_by_its_active_role_and_status_field():
    history = FakeHistory({P12: file_history(created="2026-10-01"), P13: file_history(created="2026-10-01")})
    files = {P12: proposal(12, "Review"), P13: proposal(13, "Final")}
    assert check("stale", files, history, PROPOSALS) == [
        (P12, 4, 8, "stale", "warning", "12 is Review but its file has had no commit for 57 days (last 2026-10-01)")
    ]
    # The status is read from the type's `status_field`, nowhere else.
    restated = {P12: proposal(12, "Review").replace("stage: ", "condition: ")}
    assert check("stale", restated, history, PROPOSALS) == []
    declared = {**PROPOSALS, "types": {"proposal": {**PROPOSALS["types"]["proposal"], "status_field": "condition"}}}
    assert [d[1:3] for d in check("stale", restated, history, declared)] == [(4, 12)]


def test_stale_leaves_types_with_a_reviewed_date_to_unreviewed():
    history = FakeHistory({R1: file_history(created="2025-01-01")})
    assert check("stale", risk(), history) == []  # an open risk is active, but judged by its reviews


# unreviewed -----------------------------------------------------------------------------


def test_unreviewed_high_band_is_an_error_after_seven_days():
    history = FakeHistory({R1: file_history(created="2026-11-01", reviewed=("2026-11-19", 2))})
    assert check("unreviewed", risk(), history) == [
        (
            R1,
            8,
            11,
            "unreviewed",
            "error",
            "last reviewed 8 days ago (2026-11-19); high risks are reviewed every 7 days",
        )
    ]
    fresh = FakeHistory({R1: file_history(created="2026-11-01", reviewed=("2026-11-20", 2))})
    assert check("unreviewed", risk(), fresh) == []


def test_unreviewed_the_last_review_is_the_creation_when_reviewed_was_never_set():
    """SPEC §2: with no commit that set `reviewed`, the document's creation is its last review;
    other edits (`last_change`) are not reviews."""
    history = FakeHistory({R1: file_history(created="2026-11-12", last_change="2026-11-26")})
    assert [d[4:] for d in check("unreviewed", risk(likelihood=3, impact=3), history)] == [
        ("warning", "not reviewed since its creation 15 days ago (2026-11-12); medium risks are reviewed every 14 days")
    ]


def test_unreviewed_medium_and_low_bands_are_warnings_with_their_own_cadence():
    history = FakeHistory({R1: file_history(created="2026-10-01", reviewed=("2026-11-12", 3))})
    medium = check("unreviewed", risk(likelihood=3, impact=3), history)  # score 9: medium, 14 days
    assert medium == [
        (
            R1,
            8,
            11,
            "unreviewed",
            "warning",
            "last reviewed 15 days ago (2026-11-12); medium risks are reviewed every 14 days",
        )
    ]
    assert check("unreviewed", risk(likelihood=2, impact=3), history) == []  # score 6: low, 30 days
    old = FakeHistory({R1: file_history(created="2026-10-01", reviewed=("2026-10-27", 2))})
    assert [d[5] for d in check("unreviewed", risk(likelihood=1, impact=1), old)] == [
        "last reviewed 31 days ago (2026-10-27); low risks are reviewed every 30 days"
    ]


def test_unreviewed_review_every_comes_from_the_document_then_the_type_then_the_band():
    history = FakeHistory({R1: file_history(created="2026-10-01", reviewed=("2026-11-12", 2))})
    assert check("unreviewed", risk(extra="review_every: 30\n"), history) == []
    assert [d[5] for d in check("unreviewed", risk(extra="review_every: 10\n"), history)] == [
        "last reviewed 15 days ago (2026-11-12); its `review_every` is 10 days"
    ]
    typed = {"types": {"risk": {"review_every": 12}}}
    assert [d[4:] for d in check("unreviewed", risk(), history, typed)] == [
        ("error", "last reviewed 15 days ago (2026-11-12); risks are reviewed every 12 days")
    ]
    assert check("unreviewed", risk(extra="review_every: 20\n"), history, typed) == []  # the document's wins
    config = {"risk_bands": {"high": 20, "medium": 17}, "rules": {"unreviewed-risk": {"low_days": 14}}}
    assert [d[4:] for d in check("unreviewed", risk(), history, config)] == [
        ("warning", "last reviewed 15 days ago (2026-11-12); low risks are reviewed every 14 days")
    ]


def test_unreviewed_fires_when_the_assessment_changed_after_the_review():
    history = FakeHistory(
        {
            R1: file_history(
                created="2026-11-01",
                reviewed=("2026-11-10", 2),
                changed=("2026-11-26", 3, ["likelihood", "mitigation", "#mitigation"]),
            )
        }
    )
    assert check("unreviewed", risk(), history) == [
        (
            R1,
            8,
            11,
            "unreviewed",
            "error",
            "likelihood, mitigation changed on 2026-11-26, after the last review (2026-11-10); "
            "re-assess it and update `reviewed`",
        )
    ]


@pytest.mark.parametrize("items", [["owner"], ["tags"], ["due"], ["reviewed_by"]])
def test_unreviewed_changes_outside_the_assessment_do_not_count(items):
    history = FakeHistory(
        {R1: file_history(created="2026-11-01", reviewed=("2026-11-20", 2), changed=("2026-11-26", 3, items))}
    )
    assert check("unreviewed", risk(), history) == []


def test_unreviewed_an_assessment_change_after_the_creation_with_no_review_since():
    history = FakeHistory({R1: file_history(created="2026-11-20", changed=("2026-11-26", 2, ["impact"]))})
    assert [d[5] for d in check("unreviewed", risk(), history)] == [
        "impact changed on 2026-11-26, after the last review (2026-11-20, its creation); "
        "re-assess it and update `reviewed`"
    ]


def test_unreviewed_names_an_unknown_date_and_passes_a_change_in_the_review_commit():
    unknown = FakeHistory(
        {R1: file_history(created="2026-11-01", reviewed=("2026-11-10", 2), changed=(None, 3, ["status"]))}
    )
    assert [d[5] for d in check("unreviewed", risk(), unknown)] == [
        "status changed on an unknown date, after the last review (2026-11-10); re-assess it and update `reviewed`"
    ]
    same_commit = FakeHistory(
        {R1: file_history(created="2026-11-01", reviewed=("2026-11-25", 3), changed=("2026-11-25", 3, ["impact"]))}
    )
    assert check("unreviewed", risk(), same_commit) == []


def test_unreviewed_a_review_on_an_unknown_date_still_counts_as_a_review():
    history = FakeHistory({R1: file_history(created=None, reviewed=(None, 1), changed=(None, 2, ["status"]))})
    assert [d[5] for d in check("unreviewed", risk(), history)] == [
        "status changed on an unknown date, after the last review (an unknown date); re-assess it and update `reviewed`"
    ]


@pytest.mark.parametrize("status", ["accepted", "closed"])
def test_unreviewed_does_not_judge_closed_risks(status):
    history = FakeHistory({R1: file_history(created="2025-01-01")})
    assert check("unreviewed", risk(status=status), history) == []


def test_unreviewed_configured_severity_wins_over_the_band():
    history = FakeHistory({R1: file_history(created="2025-01-01")})
    config = {"rules": {"unreviewed": {"severity": "info"}}}
    assert [d[4] for d in check("unreviewed", risk(), history, config)] == ["info"]


def test_unreviewed_reads_a_custom_type_by_its_reviewed_field_and_status_field():
    config = {
        "types": {
            "concern": {
                "paths": ["concerns/*.md"],
                "status_field": "state",
                "lifecycle": {"active": ["Open"], "done": ["Closed"]},
                "dates": {"reviewed": "updated"},
            }
        }
    }
    text = "---\nid: C-1\ntitle: Fees\nstate: {state}\nupdated: 2026-11-01\nreviewed: 2026-11-25\n---\n"
    files = {C1: text.format(state="Open")}
    review = FakeHistory({C1: file_history(created="2026-10-01", reviewed=("2026-11-01", 2), reviewed_field="updated")})
    assert check("unreviewed", files, review, config) == []  # unscored: low_days, 30
    changed = FakeHistory(
        {
            C1: file_history(
                created="2026-10-01",
                reviewed=("2026-11-01", 2),
                reviewed_field="updated",
                changed=("2026-11-20", 3, ["state", "reviewed"]),
            )
        }
    )
    assert check("unreviewed", files, changed, config) == [
        (
            C1,
            5,
            10,
            "unreviewed",
            "warning",
            "state changed on 2026-11-20, after the last review (2026-11-01); re-assess it and update `updated`",
        )
    ]
    assert check("unreviewed", {C1: text.format(state="Closed")}, changed, config) == []
    # A field merely called `reviewed` is no review of this type.
    other = FakeHistory({C1: file_history(created="2026-10-01", reviewed=("2026-11-25", 2))})
    assert [d[5] for d in check("unreviewed", files, other, config)] == [
        "not reviewed since its creation 57 days ago (2026-10-01); concerns are reviewed every 30 days"
    ]


# slipped --------------------------------------------------------------------------------


def test_slipped_fires_on_days_in_total_and_ignores_moves_earlier():
    moves = [
        ("2026-11-05", "2026-12-01", "2026-12-05"),
        ("2026-11-12", "2026-12-05", "2026-12-03"),  # earlier: not a slip
        ("2026-11-20", "2026-12-03", "2026-12-20"),
    ]
    history = FakeHistory({M1: file_history(created="2026-11-01", due_moves=moves)})
    assert check("slipped", milestone(), history) == [
        (
            M1,
            5,
            6,
            "slipped",
            "warning",
            "due moved later 2 times, 21 days in total: "
            "2026-11-05: 2026-12-01 → 2026-12-05 (+4d); 2026-11-20: 2026-12-03 → 2026-12-20 (+17d)",
        )
    ]


def test_slipped_fires_on_the_number_of_slips():
    moves = [(None, "2026-12-01", "2026-12-02"), ("2026-11-02", "2026-12-02", "2026-12-03")]
    moves.append(("2026-11-03", "2026-12-03", "2026-12-04"))
    history = FakeHistory({M1: file_history(created="2026-11-01", due_moves=moves)})
    assert [d[5] for d in check("slipped", milestone(), history)] == [
        "due moved later 3 times, 3 days in total: an unknown date: 2026-12-01 → 2026-12-02 (+1d); "
        "2026-11-02: 2026-12-02 → 2026-12-03 (+1d); 2026-11-03: 2026-12-03 → 2026-12-04 (+1d)"
    ]


def test_slipped_once_over_the_limit_in_days():
    history = FakeHistory(
        {M1: file_history(created="2026-11-01", due_moves=[("2026-11-05", "2026-12-01", "2026-12-16")])}
    )
    assert [d[5] for d in check("slipped", milestone(), history)] == [
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
def test_slipped_passes_at_the_limits(moves):
    history = FakeHistory({M1: file_history(created="2026-11-01", due_moves=moves)})
    assert check("slipped", milestone(), history) == []


def test_slipped_limits_are_read_from_the_config():
    history = FakeHistory(
        {M1: file_history(created="2026-11-01", due_moves=[("2026-11-05", "2026-12-01", "2026-12-03")])}
    )
    config = {"rules": {"slipped": {"max_slips": 0}}}
    assert [d[5] for d in check("slipped", milestone(), history, config)] == [
        "due moved later once, 2 days in total: 2026-11-05: 2026-12-01 → 2026-12-03 (+2d)"
    ]


def test_slipped_reads_the_due_field_its_type_declares():
    moves = [("2026-11-05", "2026-12-01", "2026-12-31")]
    custom = FakeHistory({P12: file_history(created="2026-11-01", due_moves=moves, due_field="due_date")})
    assert check("slipped", {P12: proposal(12, "Review")}, custom, PROPOSALS) == [
        (
            P12,
            5,
            11,
            "slipped",
            "warning",
            "due_date moved later once, 30 days in total: 2026-11-05: 2026-12-01 → 2026-12-31 (+30d)",
        )
    ]
    named_due = FakeHistory({P12: file_history(created="2026-11-01", due_moves=moves)})
    assert check("slipped", {P12: proposal(12, "Review")}, named_due, PROPOSALS) == []  # `due` is not its due


# the fake itself ------------------------------------------------------------------------


def test_the_fake_agrees_with_the_real_fold():
    """What `file_history` states is what `FileHistory.advance` folds from real versions."""
    base = (
        "---\nid: R-1\ntitle: Vendor\nstatus: open\nlikelihood: {l}\nimpact: 4\n{extra}---\n## Checkpoints\n\n{line}\n"
    )
    folded = FileHistory()
    folded.advance("2026-11-01", base.format(l=3, extra="due: 2026-12-01\n", line=LOAD_TEST))
    folded.advance("2026-11-05", base.format(l=3, extra="due: 2026-12-09\nreviewed: 2026-11-05\n", line=LOAD_TEST))
    folded.advance("2026-11-09", base.format(l=4, extra="due: 2026-12-09\nreviewed: 2026-11-05\n", line=LOAD_TEST))
    folded.advance(
        "2026-11-20", base.format(l=4, extra="due: 2026-12-09\nreviewed: 2026-11-05\n", line=LOAD_TEST + " (booked)")
    )
    fake = file_history(
        created="2026-11-01",
        last_change="2026-11-20",
        due_moves=[("2026-11-05", "2026-12-01", "2026-12-09")],
        reviewed=("2026-11-05", 2),
        changed=("2026-11-09", 3, ["likelihood"]),
        lines={LOAD_TEST + " (booked)": "2026-11-20"},
    )
    fake.seq = 4
    for name in ("seq", "created", "last_change", "moves", "set_on"):
        assert getattr(fake, name) == getattr(folded, name), name
    for field in (None, "due", "reviewed"):
        assert fake.slips(field) == folded.slips(field)
        assert fake.last_review(field) == folded.last_review(field)
    assessment = ["likelihood", "impact", "status", "mitigation", "#mitigation"]
    assert fake.last_change_of(assessment) == folded.last_change_of(assessment)
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
    assert history_rules == ["slipped", "stale", "stale-checkpoint", "unreviewed"]
    for slug in history_rules:
        assert source.count(f'check("{slug}"') >= 3, slug


@pytest.mark.parametrize(
    ("status", "fires"), [("planned", True), ("in-progress", True), ("done", False), ("cancelled", False)]
)
def test_slipped_judges_only_planned_and_active_documents(status, fires):
    moves = [("2026-11-05", "2026-12-01", "2026-12-16")]
    history = FakeHistory({M1: file_history(created="2026-11-01", due_moves=moves)})
    extra = "completed: 2026-11-20\n" if status == "done" else ""
    files = {M1: MILESTONE.format(status=status).replace("due:", extra + "due:", 1)}
    assert bool(check("slipped", files, history)) is fires

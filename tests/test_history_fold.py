"""The history fold on its own: `FileHistory.advance` over a list of (date, text) versions,
the line scan behind it (`snapshot`), the cache's shape check and the index's view of
uncommitted changes. No git: the versions are written here."""

from __future__ import annotations

import datetime
import re
import subprocess
from dataclasses import asdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakes import config_of
from tpm import history
from tpm.vocabulary import heading_key
from tpm.history import Change, FileHistory, History, Review, Tracking, pathspecs, snapshot

ASSESSMENT = ("likelihood", "impact", "status", "mitigation", "#mitigation")  # the built-in risk's


def fold(*versions: tuple[str | None, str | bytes]) -> FileHistory:
    state = FileHistory()
    for date, text in versions:
        state.advance(date, text)
    return state


def milestone(due: str | None = "2026-12-01", body: str = "", status: str = "in-progress") -> str:
    due_line = f"due: {due}\n" if due is not None else ""
    return f"---\nid: M-1\ntitle: Launch\nstatus: {status}\n{due_line}---\n# Launch\n{body}"


def risk(likelihood: str = "3", impact: str = "4", reviewed: str | None = "2026-10-01", **more: str) -> str:
    mitigation = more.pop("mitigation_section", "Second vendor.\n")
    status = more.pop("status", "open")
    extra = "".join(f"{key}: {value}\n" for key, value in more.items())
    review = f"reviewed: {reviewed}\n" if reviewed is not None else ""
    return (
        f"---\nid: R-1\ntitle: Vendor\nstatus: {status}\nlikelihood: {likelihood}\nimpact: {impact}\n{review}{extra}"
        f"---\n# Vendor\n\n## Mitigation\n\n{mitigation}\n## Notes\n\nfree text\n"
    )


# dates of the file ----------------------------------------------------------------------


def test_created_and_last_change():
    state = fold(
        ("2026-10-01", milestone()),
        ("2026-10-05", milestone(body="Notes.\n")),  # body only
        ("2026-10-07", milestone(body="Notes.\n")),  # the same text: a rename or a mode change, still a commit
    )
    assert (state.seq, state.created, state.last_change) == (3, "2026-10-01", "2026-10-07")
    state.advance("2026-10-09", milestone(status="planned", body="Notes.\n"))
    assert (state.seq, state.last_change) == (4, "2026-10-09")


@pytest.mark.parametrize(
    ("body", "activity"),
    [
        ("Some notes\nhere.\n", False),  # re-wrapped
        ("Some notes here.   \n\n\n", False),  # trailing spaces, blank lines
        ("  Some\tnotes here.\n", False),  # indented, a tab
        ("Some notes there.\n", True),  # a word
        ("Somenotes here.\n", False),  # a space removed: whitespace only, as `git diff -w` sees it
        ("- Some notes here.\n", True),
    ],
)
def test_a_whitespace_only_change_is_not_activity(body, activity):
    state = fold(("2026-10-01", milestone(body="Some notes here.\n")), ("2026-10-20", milestone(body=body)))
    assert (state.seq, state.last_change) == (2, "2026-10-20" if activity else "2026-10-01")
    state.advance("2026-10-25", milestone(body=body))  # then a commit that keeps the text (a rename)
    assert state.last_change == "2026-10-25"


def test_unknown_dates_are_folded_in_order_as_none():
    state = fold((None, milestone()), ("2026-10-05", milestone("2026-12-09")), (None, milestone("2026-12-20")))
    assert state.created is None and state.last_change is None
    assert state.moves == {"due": [["2026-10-05", "2026-12-01", "2026-12-09"], [None, "2026-12-09", "2026-12-20"]]}
    assert state.slips("due") == [
        {"date": "2026-10-05", "from": "2026-12-01", "to": "2026-12-09", "days": 8},
        {"date": None, "from": "2026-12-09", "to": "2026-12-20", "days": 11},
    ]


def test_a_file_without_front_matter_has_none_but_still_ages():
    state = fold(("2026-10-01", "# just notes\n"), ("2026-10-02", "# just notes, edited\n"))
    assert (state.last_change, state.values, state.moves, state.set_on) == ("2026-10-02", {}, {}, {})
    state.advance("2026-10-03", milestone())
    assert state.values == {"due": "2026-12-01", "status": "in-progress"} and state.moves == {}


# due moves and slips --------------------------------------------------------------------


def test_due_moves_and_slips():
    state = fold(
        ("2026-10-01", milestone("2026-12-01")),
        ("2026-10-05", milestone("2026-12-09")),
        ("2026-10-06", milestone("2026-12-09", body="Re-planned.\n")),  # due unchanged: no move
        ("2026-10-10", milestone("2026-12-05")),  # earlier: a move, not a slip
        ("2026-10-20", milestone("'2026-12-20'")),  # quoted: the same date
    )
    assert state.values["due"] == "2026-12-20"
    assert state.moves["due"] == [
        ["2026-10-05", "2026-12-01", "2026-12-09"],
        ["2026-10-10", "2026-12-09", "2026-12-05"],
        ["2026-10-20", "2026-12-05", "2026-12-20"],
    ]
    assert [(s["date"], s["days"]) for s in state.slips("due")] == [("2026-10-05", 8), ("2026-10-20", 15)]
    assert state.slips("start") == state.slips(None) == []


def test_a_due_that_appears_or_disappears_is_no_move():
    state = fold(
        ("2026-10-01", milestone(None)),
        ("2026-10-02", milestone("2026-12-01")),
        ("2026-10-03", milestone("soon")),  # no date in it: none
        ("2026-10-04", milestone("2026-12-24")),
    )
    assert state.values["due"] == "2026-12-24" and state.moves == {}


def test_due_values_the_scan_cannot_read_are_read_as_yaml_would():
    state = fold(
        ("2026-10-01", milestone("2026-12-01  # was 11-20")),
        ("2026-10-02", milestone('"2026-12-03"')),
        ("2026-10-03", milestone("&d 2026-12-07")),
    )
    assert state.moves["due"] == [
        ["2026-10-02", "2026-12-01", "2026-12-03"],
        ["2026-10-03", "2026-12-03", "2026-12-07"],
    ]


def test_slips_skip_moves_that_are_not_dates():
    state = FileHistory(
        moves={
            "due": [
                ["2026-10-01", "2026-02-30", "2026-03-01"],
                ["2026-10-02", None, "2026-03-01"],
                ["2026-10-03", "2026-03-01", "2026-03-02"],
            ]
        }
    )
    assert state.slips("due") == [{"date": "2026-10-03", "from": "2026-03-01", "to": "2026-03-02", "days": 1}]


# reviews and assessment changes ----------------------------------------------------------


def test_review_then_an_assessment_change_after_it():
    state = fold(("2026-10-01", risk()), ("2026-10-08", risk(likelihood="4")))
    assert state.last_review("reviewed") == Review("2026-10-01", 1, True)
    assert state.last_change_of(ASSESSMENT) == Change("2026-10-08", 2, ("likelihood",))


def test_the_first_version_is_no_assessment_change_and_a_review_with_the_change_covers_it():
    state = fold(("2026-10-01", risk()))
    assert state.last_change_of(ASSESSMENT) is None
    state.advance("2026-10-09", risk(impact="5", status="mitigating", reviewed="2026-10-09"))
    assert state.last_review("reviewed") == Review("2026-10-09", 2, True)
    assert state.last_change_of(ASSESSMENT) == Change("2026-10-09", 2, ("impact", "status"))


def test_without_a_review_the_creation_is_the_last_review():
    state = fold(("2026-10-01", risk(reviewed=None)), ("2026-10-08", risk(reviewed=None, owner="ann", tags="[x]")))
    assert state.last_review("reviewed") == Review("2026-10-01", 1, False)
    assert state.last_review(None) == Review("2026-10-01", 1, False)
    assert FileHistory().last_review("reviewed") == Review(None, 0, False)


@pytest.mark.parametrize(
    "edit",
    [
        {"owner": "ann"},
        {"tags": "[vendor]"},
        {"reviewed_by": "ann"},
        {"mitigation_section": "Second vendor.\n\nMore words on it.\n", "reviewed": "'2026-10-01'"},  # quoted: same
    ],
)
def test_only_a_change_of_reviewed_is_a_review(edit):
    state = fold(("2026-10-01", risk()), ("2026-10-20", risk(**edit)))
    assert state.last_review("reviewed") == Review("2026-10-01", 1, True)


def test_the_mitigation_section_counts_but_not_its_whitespace_or_other_sections():
    base = fold(("2026-10-01", risk()))
    reflowed = base.copy()
    reflowed.advance("2026-10-02", risk(mitigation_section="  Second\n   vendor.  \n"))
    assert reflowed.last_change_of(ASSESSMENT) is None
    other = base.copy()
    other.advance("2026-10-02", risk().replace("free text", "other text"))
    assert other.last_change_of(ASSESSMENT) is None
    changed = base.copy()
    changed.advance("2026-10-03", risk(mitigation_section="Second vendor.\n\n### Detail\n\nSigned.\n"))
    assert changed.last_change_of(ASSESSMENT) == Change("2026-10-03", 2, ("#mitigation",))
    field = base.copy()
    field.advance("2026-10-04", risk(mitigation="dual-source"))
    assert field.last_change_of(ASSESSMENT) == Change("2026-10-04", 2, ("mitigation",))
    assert base.last_change_of(ASSESSMENT) is None  # copies are independent


def test_a_long_mitigation_is_kept_as_its_digest_and_still_compared():
    long_text = "Second vendor, " * 20 + "\n"
    state = fold(("2026-10-01", risk(mitigation_section=long_text)))
    assert len(state.values["#mitigation"]) == 16
    state.advance("2026-10-02", risk(mitigation_section=long_text.replace("Second", "Third", 1)))
    assert state.last_change_of(ASSESSMENT) == Change("2026-10-02", 2, ("#mitigation",))


def test_quoting_a_score_is_no_change():
    state = fold(("2026-10-01", risk()), ("2026-10-02", risk(likelihood='"3"', impact="'4'")))
    assert state.last_change_of(ASSESSMENT) is None


def test_a_removed_review_keeps_the_last_review_date_and_a_text_review_counts():
    state = fold(("2026-10-01", risk()), ("2026-10-02", risk(reviewed=None)))
    assert state.last_review("reviewed") == Review("2026-10-01", 1, True)
    state.advance("2026-10-03", risk(reviewed="last week"))
    assert state.last_review("reviewed") == Review("2026-10-03", 3, True)
    state.advance("2026-10-04", risk(reviewed="2026-10-03 (again)"))
    assert state.last_review("reviewed") == Review("2026-10-04", 4, True)
    state.advance("2026-10-05", risk(reviewed="2026-10-03"))  # the same date, written otherwise
    assert state.last_review("reviewed") == Review("2026-10-04", 4, True)


def test_a_review_on_an_unknown_date_sets_the_sequence_but_not_the_date():
    state = fold((None, risk()), (None, risk(impact="5")))
    assert state.last_review("reviewed") == Review(None, 1, True)
    assert state.last_change_of(ASSESSMENT) == Change(None, 2, ("impact",))


def test_a_custom_declaration_is_followed_by_its_own_names():
    config = config_of(
        {
            "types": {
                "concern": {
                    "paths": ["concerns/*.md"],
                    "status_field": "state",
                    "lifecycle": {"active": ["Open"]},
                    "dates": {"reviewed": "updated", "due": "due_date"},
                }
            }
        }
    )
    tracking = Tracking.of(config)
    assert sorted(tracking.moves) == ["due", "due_date"]
    assert sorted(tracking.reviews) == ["reviewed", "updated"]
    assert sorted(tracking.assessed) == ["impact", "likelihood", "mitigation", "state", "status"]
    text = "---\nid: C-1\nstate: {state}\nupdated: {updated}\ndue_date: {due}\nowner: {owner}\n---\n"
    state = FileHistory()
    state.advance("2026-10-01", text.format(state="Open", updated="2026-10-01", due="2026-11-01", owner="a"), tracking)
    state.advance("2026-10-05", text.format(state="Open", updated="2026-10-01", due="2026-11-09", owner="b"), tracking)
    state.advance("2026-10-09", text.format(state="Held", updated="2026-10-01", due="2026-11-09", owner="b"), tracking)
    assert state.slips("due_date") == [{"date": "2026-10-05", "from": "2026-11-01", "to": "2026-11-09", "days": 8}]
    assert state.last_review("updated") == Review("2026-10-01", 1, True)
    assert state.last_change_of(("state", "mitigation")) == Change("2026-10-09", 3, ("state",))
    # The built-in tracking knows none of these names.
    builtin = FileHistory()
    builtin.advance("2026-10-01", text.format(state="Open", updated="2026-10-01", due="2026-11-01", owner="a"))
    builtin.advance("2026-10-05", text.format(state="Held", updated="2026-10-05", due="2026-11-09", owner="a"))
    assert (builtin.moves, builtin.set_on, builtin.changed) == ({}, {}, {})


# task-line ages -------------------------------------------------------------------------


def test_task_lines_keep_the_date_since_they_stand_as_they_are():
    a, b = "- [ ] 2026-11-10 Load test @bob", "- [ ] 2026-11-20 Dry run"
    state = fold(
        ("2026-10-01", milestone(body=f"\n## Checkpoints\n\n{a}\n{b}\n")),
        ("2026-10-05", milestone(body=f"\n## Checkpoints\n\n{b}\n  {a}   \n")),  # reordered, indented
        ("2026-10-09", milestone(body=f"\n## Checkpoints\n\n{a}\n{b} (moved)\n")),
    )
    assert state.unchanged_since(a) == "2026-10-01"
    assert state.unchanged_since(b + " (moved)") == "2026-10-09"
    assert state.unchanged_since(b) is None  # no longer there
    state.advance("2026-10-12", milestone(body="\n## Checkpoints\n\n"))
    state.advance("2026-10-15", milestone(body=f"\n## Checkpoints\n\n{a}\n"))
    assert state.unchanged_since(a) == "2026-10-15"  # removed, then written again: new


@pytest.mark.parametrize(
    ("line", "is_task"),
    [
        ("- [ ] 2026-11-10 Plain", True),
        ("* [x] 2026-11-10 Done", True),
        ("+ [X] 2026-11-10 Done", True),
        ("1. [ ] 2026-11-10 Numbered", True),
        ("12) [ ] 2026-11-10 Numbered", True),
        ("\t- [ ] 2026-11-10 Tabbed", True),
        ("- [] 2026-11-10 Not a box", False),
        ("- 2026-11-10 No box", False),
        ("-[ ] 2026-11-10 No space", False),
        ("1234567890. [ ] too long a number", False),
    ],
)
def test_what_counts_as_a_task_line(line, is_task):
    assert snapshot(milestone(body=f"\n{line}\n")).task_lines == ([line.strip()] if is_task else [])
    state = fold(("2026-10-01", milestone(body=f"\n{line}\n")))
    assert state.unchanged_since(line.strip()) == ("2026-10-01" if is_task else None)


def test_an_unknown_date_on_a_task_line_stays_unknown():
    line = "- [ ] 2026-11-10 Load test"
    state = fold((None, milestone(body=f"\n{line}\n")), ("2026-10-05", milestone(body=f"\n{line}\n\nMore.\n")))
    assert state.unchanged_since(line) is None


def test_bytes_and_text_fold_the_same():
    text = risk() + "- [ ] 2026-11-10 Check é\n"
    assert asdict(fold(("2026-10-01", text))) == asdict(fold(("2026-10-01", text.encode("utf-8"))))


# the line scan --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "fields"),
    [
        ("due: 2026-12-01\nreviewed: 2026-10-01\nother: x", {"due": "2026-12-01", "reviewed": "2026-10-01"}),
        ('"due": 2026-12-01', {"due": "2026-12-01"}),
        ("'due': 2026-12-01", {"due": "2026-12-01"}),
        ("'it''s': x\ndue: 2026-12-02", {"due": "2026-12-02"}),
        ("# a comment\ndue: 2026-12-01\n\n", {"due": "2026-12-01"}),
        ("due:", {"due": ""}),
        ("due:   ", {"due": ""}),
        ("mitigation: >\n  two\n  lines", {"mitigation": ">\ntwo\nlines"}),
        ("due: [2026-12-01]", {"due": "[2026-12-01]"}),
        ("status: 'open'", {"status": "'open'"}),
        # what the scan hands to the YAML loader
        ("  due: 2026-12-01\n  status: open", {"due": "2026-12-01", "status": "open"}),  # indented mapping
        ("{due: 2026-12-01}", {"due": "2026-12-01"}),  # a flow mapping
        ("? due\n: 2026-12-01", {"due": "2026-12-01"}),  # a complex key
        ("due: *d", {}),  # an alias to nothing: not loadable
        ("x: &d 2026-12-01\ndue: *d", {"due": "2026-12-01"}),  # an alias
        ('due: "2026-\\x31\\x32-01"', {"due": "2026-12-01"}),  # an escape
        ("due: 2026-12-01 # 2026-01-01", {"due": "2026-12-01"}),  # a comment holding a date
        ('due: "2026-12-01\n  " \nstatus: open', {"due": "2026-12-01 ", "status": "open"}),  # quote left open
        ("due: [2026-12-01,\n  2026-12-02]", {"due": '["2026-12-01", "2026-12-02"]'}),  # flow left open
        ("status: ['a', 'b']", {"status": '["a", "b"]'}),  # quotes inside a flow collection
        ("due: !!str 2026-12-01", {"due": "2026-12-01"}),  # a tag
        ("due: 2026-12-01\x85status: open", {"due": "2026-12-01", "status": "open"}),  # NEL: a YAML line break
        ("- a list", {}),  # not a mapping
        ("likelihood: 3\nstatus: true\nimpact: null", {"likelihood": "3", "status": "true", "impact": "null"}),  # raw
        ("status: yes\nimpact: ~\nlikelihood: {a: 1}", {"status": "yes", "impact": "~", "likelihood": "{a: 1}"}),
        ("status: {a: 1, b: [1, 2]}\nx: *y", {"status": "{a: 1, b: [1, 2]}"}),  # an untracked alias is no matter
    ],
)
def test_snapshot_reads_tracked_fields_as_yaml_would(front_matter, fields):
    assert snapshot(f"---\n{front_matter}\n---\nbody\n").fields == fields


CUSTOM = Tracking(moves=frozenset({"due-date"}), reviews=frozenset({"Checked On"}))


@pytest.mark.parametrize(
    ("front_matter", "fields"),
    [
        ("due-date: 2026-12-01\nChecked On: 2026-10-01", {"due-date": "2026-12-01", "Checked On": "2026-10-01"}),
        ('"due-date": 2026-12-01', {"due-date": "2026-12-01"}),
        ("'Checked On': 2026-10-01", {"Checked On": "2026-10-01"}),
        ("? due-date\n: 2026-12-01", {"due-date": "2026-12-01"}),  # YAML's reading, not the scan's
        ('"d\\u0075e-date": 2026-12-01', {"due-date": "2026-12-01"}),
        ("x: &d 2026-12-01\ndue-date: *d", {"due-date": "2026-12-01"}),
        ("due: 2026-12-01\nreviewed: 2026-10-01", {}),  # the built-in names are not followed here
    ],
)
def test_snapshot_reads_declared_names_as_yaml_would(front_matter, fields):
    assert snapshot(f"---\n{front_matter}\n---\nbody\n", CUSTOM).fields == fields


def test_snapshot_yaml_fallback_turns_values_into_text():
    snap = snapshot("---\n? due\n: 2026-12-01\nstatus: true\nimpact: null\nlikelihood: [1, {b: 2}]\n---\n")
    assert snap.fields == {"due": "2026-12-01", "status": "true", "impact": "", "likelihood": '[1, {"b": 2}]'}


def test_snapshot_without_front_matter():
    snap = snapshot("# Title\n\n## Mitigation\n\nPlan B.\n\n## Next\n\n- [ ] 2026-11-10 x\n")
    assert (snap.front_matter, snap.fields, snap.sections, snap.task_lines) == (
        None,
        {},
        {"mitigation": "Plan B."},
        ["- [ ] 2026-11-10 x"],
    )


def test_snapshot_mitigation_section_ends_at_a_heading_of_its_level_or_above():
    snap = snapshot("### Mitigation:\n\na\n#### Sub\nb\n## Up\nc\n# Mitigation\nd\n")
    assert snap.sections == {"mitigation": "a #### Sub b d"}
    assert snapshot("## Mitigation\n\na\n", Tracking()).sections == {}  # followed only when declared


# the cache's shape check ----------------------------------------------------------------


def test_from_json_round_trips_a_folded_state():
    state = fold(("2026-10-01", risk() + "- [ ] 2026-11-01 x\n"), (None, risk(likelihood="5")))
    state.advance("2026-10-05", milestone("2026-12-09"))
    state.advance("2026-10-06", milestone("2026-12-19"))
    assert state.moves and state.changed and state.set_on and state.values
    assert FileHistory.from_json(asdict(state)) == state


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seq": "1"}, "cached seq has the wrong type"),
        ({"seq": True}, "cached seq has the wrong type"),
        ({"values": []}, "cached values has the wrong type"),
        ({"created": 20261001}, "cached created is not text"),
        ({"folded_digest": 5}, "cached folded_digest is not text"),
        ({"moves": {"due": [["2026-10-01", "2026-12-01"]]}}, "cached due move has the wrong shape"),
        ({"moves": {"due": ["2026-10-01"]}}, "cached due move has the wrong shape"),
        ({"moves": {"due": "2026-10-01"}}, "cached due moves have the wrong shape"),
        ({"moves": {"due": [[1, "2026-12-01", "2026-12-02"]]}}, "cached history holds values that are not text"),
        ({"moves": {"due": [[None, "2026-12-01", 5]]}}, "cached history holds values that are not text"),
        ({"moves": {5: []}}, "cached history holds values that are not text"),
        ({"changed": {"impact": [2]}}, "cached change has the wrong shape"),
        ({"changed": {"impact": ["2", "2026-10-01"]}}, "cached change has the wrong shape"),
        ({"changed": {"impact": [0, "2026-10-01"]}}, "cached change has the wrong shape"),
        ({"set_on": {"reviewed": [True, "2026-10-01"]}}, "cached change has the wrong shape"),
        ({"set_on": {"reviewed": [1, 20261001]}}, "cached history holds values that are not text"),
        ({"line_since": {"abc": 5}}, "cached history holds values that are not text"),
        ({"values": {"impact": 4}}, "cached history holds values that are not text"),
    ],
)
def test_from_json_refuses_shapes_that_are_not_ours(change, message):
    data = {**asdict(fold(("2026-10-01", risk()))), **change}
    with pytest.raises(TypeError, match=f"^{message}$"):
        FileHistory.from_json(data)


def test_from_json_refuses_unknown_and_accepts_unknown_dates():
    with pytest.raises(TypeError):
        FileHistory.from_json({"seq": 1, "surprise": 2})
    state = FileHistory.from_json(
        {
            "moves": {"due": [[None, "2026-12-01", "2026-12-02"]]},
            "line_since": {"abc": None},
            "set_on": {"reviewed": [1, None]},
        }
    )
    assert state.slips("due")[0]["date"] is None and state.line_since == {"abc": None}
    assert state.last_review("reviewed") == Review(None, 1, True)


# the index ------------------------------------------------------------------------------


def test_for_path_folds_uncommitted_text_on_top_dated_today_without_changing_the_cache():
    committed = fold(("2026-10-01", milestone("2026-12-01")))
    history = History(
        datetime.date(2026, 11, 27),
        {"m.md": committed, "same.md": committed},
        {"m.md": milestone("2026-12-24"), "new.md": milestone()},
    )
    state = history.for_path("m.md")
    assert (state.seq, state.last_change, state.moves) == (
        2,
        "2026-11-27",
        {"due": [["2026-11-27", "2026-12-01", "2026-12-24"]]},
    )
    assert (committed.seq, committed.moves) == (1, {})  # the committed state is untouched
    assert history.for_path("same.md") is committed
    fresh = history.for_path("new.md")
    assert (fresh.seq, fresh.created, fresh.values["due"]) == (1, "2026-11-27", "2026-12-01")
    assert history.for_path("unknown.md") == FileHistory()


def test_for_path_folds_uncommitted_text_with_the_runs_tracking():
    tracking = Tracking(moves=frozenset({"due_date"}))
    text = "---\nid: T-1\ndue_date: {}\n---\n"
    committed = FileHistory()
    committed.advance("2026-10-01", text.format("2026-12-01"), tracking)
    history = History(datetime.date(2026, 11, 27), {"t.md": committed}, {"t.md": text.format("2026-12-24")}, tracking)
    assert history.for_path("t.md").slips("due_date") == [
        {"date": "2026-11-27", "from": "2026-12-01", "to": "2026-12-24", "days": 23}
    ]


@pytest.mark.parametrize(
    ("table", "specs"),
    [
        ({}, ["project/"]),
        ({"root": "."}, ["."]),
        ({"types": {"milestone": {"paths": ["docs/plan/*.md"]}}}, ["docs/plan/", "project/"]),
        ({"types": {"risk": {"paths": ["*/risks/*.md"]}}}, ["."]),
        ({"types": {"milestone": {"paths": ["project/m/**/*.md"]}, "task": {"paths": ["x/*.md"]}}}, ["project/"]),
        ({"root": "a/b", "types": {"milestone": {"paths": ["a/*.md"]}}}, ["a/"]),
        ({"root": "ab", "types": {"milestone": {"paths": ["a/*.md"]}}}, ["a/", "ab/"]),
        # every type a git rule can judge: an active status, a due or reviewed date, checkpoints
        ({"types": {"postmortem": {"paths": ["pm/*.md"]}}}, ["pm/", "project/"]),
        ({"types": {"decision": {"paths": ["adr/*.md"]}}}, ["project/"]),  # no role a git rule reads
        ({"types": {"task": {"paths": ["x/*.md"], "lifecycle": {"active": ["Doing"]}}}}, ["project/", "x/"]),
        ({"types": {"task": {"paths": ["x/*.md"], "lifecycle": {"done": ["Done"]}}}}, ["project/"]),
        ({"types": {"task": {"paths": ["x/*.md"], "dates": {"due": "due_date"}}}}, ["project/", "x/"]),
        ({"types": {"task": {"paths": ["x/*.md"], "dates": {"reviewed": "checked"}}}}, ["project/", "x/"]),
        ({"types": {"task": {"paths": ["x/*.md"], "dates": {"review_by": "revisit"}}}}, ["project/"]),
        ({"types": {"task": {"paths": ["x/*.md"], "checkpoints": "Steps"}}}, ["project/", "x/"]),
    ],
)
def test_pathspecs_are_the_folders_of_the_types_git_rules_judge_and_the_root(table, specs):
    assert pathspecs(config_of(table)) == specs


# ---------------------------------------------------------------- the body scan's oracle

_ORACLE_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_ORACLE_TASK = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX])\][ \t]")


def oracle_scan(body: str, tracking: history.Tracking) -> tuple[dict[str, str], list[str], tuple[int, int]]:
    """The body scan as it was first written: both regexes on every line, one by one. The
    position-based scan must find exactly the same."""
    sections: dict[str, list[str]] = {}
    within: tuple[str, int] | None = None
    under: int | None = None
    tasks: list[str] = []
    done = total = 0
    for line in body.split("\n"):
        heading = _ORACLE_HEADING.match(line)
        if heading:
            depth, key = len(heading.group(1)), heading_key(heading.group(2))
            if key in tracking.checkpoints:
                under = depth
            elif under is not None and depth <= under:
                under = None
            if key in tracking.sections:
                within = (key, depth)
                sections.setdefault(key, [])
                continue
            if within is not None and depth <= within[1]:
                within = None
        if within is not None:
            sections[within[0]].append(line.strip())
        task = _ORACLE_TASK.match(line)
        if task:
            tasks.append(line.strip())
            if under is not None:
                total += 1
                done += task.group(1) != " "
    return {key: " ".join(" ".join(lines).split()) for key, lines in sections.items()}, tasks, (done, total)


BODY_LINES = st.sampled_from(
    [
        "## Checkpoints",
        "### Checkpoints",
        "# Mitigation",
        "## Mitigation ##",
        "   ## Mitigation",
        "    ## not a heading (indented four)",
        "#no space",
        "## Notes",
        "### Sub",
        "#",
        "- [ ] 2026-12-01 Load test @bob",
        "- [x] 2026-11-01 Done",
        "  * [X] nested",
        "12. [ ] numbered",
        "- [ ]no space after",
        "- text with a [ ] box inside",
        "- [ ] a box [x] twice",
        "text # not a heading",
        "| a | [x] | b |",
        "",
        "   ",
        "Plain prose.",
        "\t- [ ] tabbed",
        "## Checkpoints\r",
        "- [ ] crlf\r",
        # Edge cases of the one-regex scan: levels past six, headings with no title or
        # closing `#`s, markers and boxes that only look like a task's, other blanks.
        "####### seven is not a heading",
        "###### Checkpoints",
        "#### Mitigation",
        "## Mitigation: ###",
        "  ## Checkpoints #  ",
        "## #",
        "##\t",
        "## ",
        "##",
        "x ## not at the start",
        "1) [x] paren",
        "1234567890. [ ] ten digits",
        "\u0663. [ ] an Arabic-Indic digit",
        "+ [ ] plus",
        "-\t[x]\ttabs",
        "- [x]",
        "- [ ]\t",
        "- [ ] trailing blanks \t\u00a0",
        "* [y] not a box",
        "x- [ ] not at the start",
        "\x0b- [ ] after a vertical tab",
        "\u00a0- [ ] after a no-break space",
        "- [[ ] ] brackets",
        "-[ ] no blank before the box",
        "1.[x] no blank before the box",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(BODY_LINES, max_size=25))
def test_the_body_scan_finds_what_a_line_by_line_scan_finds(lines):
    tracking = history.Tracking(sections=frozenset({"mitigation"}), checkpoints=frozenset({"checkpoints"}))
    body = "\n".join(lines)
    assert history._scan_body(body, tracking) == oracle_scan(body, tracking)


FRONT_MATTER_LINES = st.sampled_from(
    [
        "id: M-1",
        "due: 2026-12-01",
        "due: 2026-12-02  ",
        "due:",
        "due:   ",
        "due:2026-12-01",
        "due : 2026-12-01",
        "reviewed: 2026-10-01 # a comment",
        "status: open",
        "status: 'open'",
        'status: "open',
        "status: \xa0'open",
        "status: [a, b]",
        "status: [a, 'b']",
        "status: [a, [b]]",
        "status: [a] ]",
        "status: {a: 1}",
        "status: &s open",
        "status: *s",
        "status: |",
        "status: >",
        "status: x\\y",
        "likelihood: 3",
        "impact: 4\r",
        "mitigation: weekly sync",
        "tags: [backend, q2]",
        "risks:",
        "  - R-1",
        "  more text",
        "   ",
        "\tindented by a tab",
        "# a comment",
        "#due: 2026-01-01",
        "",
        "- a list item",
        "'due': 2026-12-03",
        "Checked On: 2026-10-01",
        "dué: x",
        "due\x85status: open",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(FRONT_MATTER_LINES, max_size=12))
def test_the_matched_front_matter_reads_what_the_line_scan_reads(lines):
    front_matter = "\n".join(lines)
    tracked = history.builtin_tracking().fields
    matched = history._matched_fields(front_matter, tracked)
    assert matched is None or matched == history._scanned_fields(front_matter, tracked)


def test_the_common_front_matter_is_matched_not_scanned():
    front_matter = (
        "# generated\nid: M-1\ntitle: Beta\nstatus: in-progress\ndue: 2026-12-01\ntags: [a, b]\n"
        "risks:\n  - R-1\n\n# note\nlikelihood: 3\nreviewed: 2026-11-01\n"
    )
    assert history._matched_fields(front_matter, history.builtin_tracking().fields) == {
        "status": "in-progress",
        "due": "2026-12-01",
        "likelihood": "3",
        "reviewed": "2026-11-01",
    }
    # A comment in a tracked value, or a line indented under a tracked key: the line scan's.
    for other in ("due: 2026-12-01 # was 2026-11-01\n", "mitigation: >\n  weekly\n"):
        assert history._matched_fields(front_matter + other, history.builtin_tracking().fields) is None


def test_a_versions_text_digest_is_its_git_blob_id_committed_or_not():
    """Committed versions take the id the log names; an uncommitted one is hashed the
    same way, so an unchanged text compares equal across the two."""
    raw = b"---\nid: M-1\n---\n# Launch\n\n- [ ] 2026-12-01 ship\n"
    blob = subprocess.run(["git", "hash-object", "--stdin"], input=raw, capture_output=True, check=True)
    blob_id = blob.stdout.decode().strip()
    assert history.blob_digest(raw) == blob_id[:16]
    assert snapshot(raw).text_digest == blob_id[:16]
    assert snapshot(raw, blob=blob_id).text_digest == blob_id[:16]
    state = FileHistory()
    state.apply("2026-11-01", history.Version.of(raw, history.builtin_tracking(), blob_id), history.builtin_tracking())
    state.advance("2026-11-02", raw)  # the same text, uncommitted (a rename, say): activity
    assert state.last_change == "2026-11-02"

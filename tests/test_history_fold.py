"""The history fold on its own: `FileHistory.advance` over a list of (date, text) versions,
the line scan behind it (`snapshot`), the cache's shape check and the index's view of
uncommitted changes. No git: the versions are written here."""

from __future__ import annotations

import datetime
from dataclasses import asdict

import pytest

from fakes import config_of
from tpm.history import FileHistory, History, pathspecs, snapshot


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


def test_created_last_change_and_front_matter_changed():
    state = fold(
        ("2026-10-01", milestone()),
        ("2026-10-05", milestone(body="Notes.\n")),  # body only
        ("2026-10-07", milestone(body="Notes.\n")),  # nothing at all (a commit that touched nothing here)
    )
    assert (state.seq, state.created, state.last_change, state.front_matter_changed) == (
        3,
        "2026-10-01",
        "2026-10-07",
        "2026-10-01",
    )
    state.advance("2026-10-09", milestone(status="planned", body="Notes.\n"))
    assert (state.seq, state.last_change, state.front_matter_changed) == (4, "2026-10-09", "2026-10-09")


def test_unknown_dates_are_folded_in_order_as_none():
    state = fold((None, milestone()), ("2026-10-05", milestone("2026-12-09")), (None, milestone("2026-12-20")))
    assert state.created is None and state.last_change is None and state.front_matter_changed is None
    assert state.due_moves == [["2026-10-05", "2026-12-01", "2026-12-09"], [None, "2026-12-09", "2026-12-20"]]
    assert state.slips() == [
        {"date": "2026-10-05", "from": "2026-12-01", "to": "2026-12-09", "days": 8},
        {"date": None, "from": "2026-12-09", "to": "2026-12-20", "days": 11},
    ]


def test_a_file_without_front_matter_has_none_but_still_ages():
    state = fold(("2026-10-01", "# just notes\n"), ("2026-10-02", "# just notes, edited\n"))
    assert (state.front_matter_changed, state.due, state.reviewed, state.due_moves) == ("2026-10-01", None, None, [])
    state.advance("2026-10-03", milestone())
    assert state.front_matter_changed == "2026-10-03" and state.due == "2026-12-01" and state.due_moves == []


# due moves and slips --------------------------------------------------------------------


def test_due_moves_and_slips():
    state = fold(
        ("2026-10-01", milestone("2026-12-01")),
        ("2026-10-05", milestone("2026-12-09")),
        ("2026-10-06", milestone("2026-12-09", body="Re-planned.\n")),  # due unchanged: no move
        ("2026-10-10", milestone("2026-12-05")),  # earlier: a move, not a slip
        ("2026-10-20", milestone("'2026-12-20'")),  # quoted: the same date
    )
    assert state.due == "2026-12-20"
    assert state.due_moves == [
        ["2026-10-05", "2026-12-01", "2026-12-09"],
        ["2026-10-10", "2026-12-09", "2026-12-05"],
        ["2026-10-20", "2026-12-05", "2026-12-20"],
    ]
    assert [(s["date"], s["days"]) for s in state.slips()] == [("2026-10-05", 8), ("2026-10-20", 15)]


def test_a_due_that_appears_or_disappears_is_no_move():
    state = fold(
        ("2026-10-01", milestone(None)),
        ("2026-10-02", milestone("2026-12-01")),
        ("2026-10-03", milestone("soon")),  # no date in it: none
        ("2026-10-04", milestone("2026-12-24")),
    )
    assert state.due == "2026-12-24" and state.due_moves == []


def test_due_values_the_scan_cannot_read_are_read_as_yaml_would():
    state = fold(
        ("2026-10-01", milestone("2026-12-01  # was 11-20")),
        ("2026-10-02", milestone('"2026-12-03"')),
        ("2026-10-03", milestone("&d 2026-12-07")),
    )
    assert state.due_moves == [
        ["2026-10-02", "2026-12-01", "2026-12-03"],
        ["2026-10-03", "2026-12-03", "2026-12-07"],
    ]


def test_slips_skip_moves_that_are_not_dates():
    state = FileHistory(
        due_moves=[
            ["2026-10-01", "2026-02-30", "2026-03-01"],
            ["2026-10-02", None, "2026-03-01"],
            ["2026-10-03", "2026-03-01", "2026-03-02"],
        ]
    )
    assert state.slips() == [{"date": "2026-10-03", "from": "2026-03-01", "to": "2026-03-02", "days": 1}]


# reviews and scoring changes ------------------------------------------------------------


def test_review_then_scoring_change_after_it():
    state = fold(("2026-10-01", risk()), ("2026-10-08", risk(likelihood="4")))
    assert (state.reviewed, state.reviewed_set, state.reviewed_seq) == ("2026-10-01", "2026-10-01", 1)
    assert (state.scoring_changed, state.scoring_seq, state.scoring_fields) == ("2026-10-08", 2, ["likelihood"])
    assert state.scoring_seq > state.reviewed_seq


def test_the_first_version_is_no_scoring_change_and_a_review_with_the_change_covers_it():
    state = fold(("2026-10-01", risk()))
    assert (state.scoring_changed, state.scoring_seq, state.scoring_fields) == (None, 0, [])
    state.advance("2026-10-09", risk(impact="5", status="mitigating", reviewed="2026-10-09"))
    assert (state.reviewed_set, state.reviewed_seq) == ("2026-10-09", 2)
    assert (state.scoring_changed, state.scoring_seq, state.scoring_fields) == ("2026-10-09", 2, ["impact", "status"])
    assert not state.scoring_seq > state.reviewed_seq


def test_the_mitigation_section_counts_but_not_its_whitespace_or_other_sections():
    base = fold(("2026-10-01", risk()))
    reflowed = base.copy()
    reflowed.advance("2026-10-02", risk(mitigation_section="  Second\n   vendor.  \n"))
    assert reflowed.scoring_fields == [] and reflowed.scoring_seq == 0
    other = base.copy()
    other.advance("2026-10-02", risk().replace("free text", "other text"))
    assert other.scoring_seq == 0
    changed = base.copy()
    changed.advance("2026-10-03", risk(mitigation_section="Second vendor.\n\n### Detail\n\nSigned.\n"))
    assert (changed.scoring_changed, changed.scoring_fields) == ("2026-10-03", ["mitigation"])
    field = base.copy()
    field.advance("2026-10-04", risk(mitigation="dual-source"))
    assert field.scoring_fields == ["mitigation"]
    assert base.scoring_seq == 0  # copies are independent


def test_quoting_a_score_is_no_change():
    state = fold(("2026-10-01", risk()), ("2026-10-02", risk(likelihood='"3"', impact="'4'")))
    assert state.scoring_seq == 0


def test_a_removed_review_keeps_the_last_review_date_and_a_text_review_counts():
    state = fold(("2026-10-01", risk()), ("2026-10-02", risk(reviewed=None)))
    assert (state.reviewed, state.reviewed_set, state.reviewed_seq) == (None, "2026-10-01", 1)
    state.advance("2026-10-03", risk(reviewed="last week"))
    assert (state.reviewed, state.reviewed_set, state.reviewed_seq) == ("last week", "2026-10-03", 3)
    state.advance("2026-10-04", risk(reviewed="2026-10-03 (again)"))
    assert (state.reviewed, state.reviewed_set, state.reviewed_seq) == ("2026-10-03", "2026-10-04", 4)


def test_a_review_on_an_unknown_date_sets_the_sequence_but_not_the_date():
    state = fold((None, risk()), (None, risk(impact="5")))
    assert (state.reviewed_set, state.reviewed_seq, state.scoring_seq, state.scoring_fields) == (None, 1, 2, ["impact"])


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


def test_snapshot_yaml_fallback_turns_values_into_text():
    snap = snapshot("---\n? due\n: 2026-12-01\nstatus: true\nimpact: null\nlikelihood: [1, {b: 2}]\n---\n")
    assert snap.fields == {"due": "2026-12-01", "status": "true", "impact": "", "likelihood": '[1, {"b": 2}]'}


def test_snapshot_without_front_matter():
    snap = snapshot("# Title\n\n## Mitigation\n\nPlan B.\n\n## Next\n\n- [ ] 2026-11-10 x\n")
    assert (snap.front_matter, snap.fields, snap.mitigation_section, snap.task_lines) == (
        None,
        {},
        "Plan B.",
        ["- [ ] 2026-11-10 x"],
    )


def test_snapshot_mitigation_section_ends_at_a_heading_of_its_level_or_above():
    snap = snapshot("### Mitigation:\n\na\n#### Sub\nb\n## Up\nc\n# Mitigation\nd\n")
    assert snap.mitigation_section == "a #### Sub b d"


# the cache's shape check ----------------------------------------------------------------


def test_from_json_round_trips_a_folded_state():
    state = fold(("2026-10-01", risk() + "- [ ] 2026-11-01 x\n"), (None, risk(likelihood="5")))
    state.advance("2026-10-05", milestone("2026-12-09"))
    assert FileHistory.from_json(asdict(state)) == state


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seq": "1"}, "cached seq has the wrong type"),
        ({"seq": True}, "cached seq has the wrong type"),
        ({"scoring": []}, "cached scoring has the wrong type"),
        ({"created": 20261001}, "cached created is not text"),
        ({"due_moves": [["2026-10-01", "2026-12-01"]]}, "cached due move has the wrong shape"),
        ({"due_moves": ["2026-10-01"]}, "cached due move has the wrong shape"),
        ({"due_moves": [[1, "2026-12-01", "2026-12-02"]]}, "cached history holds values that are not text"),
        ({"due_moves": [[None, "2026-12-01", 5]]}, "cached history holds values that are not text"),
        ({"line_since": {"abc": 5}}, "cached history holds values that are not text"),
        ({"scoring": {"impact": 4}}, "cached history holds values that are not text"),
        ({"scoring_fields": [None]}, "cached history holds values that are not text"),
    ],
)
def test_from_json_refuses_shapes_that_are_not_ours(change, message):
    data = {**asdict(fold(("2026-10-01", risk()))), **change}
    with pytest.raises(TypeError, match=f"^{message}$"):
        FileHistory.from_json(data)


def test_from_json_refuses_unknown_and_accepts_unknown_dates():
    with pytest.raises(TypeError):
        FileHistory.from_json({"seq": 1, "surprise": 2})
    state = FileHistory.from_json({"due_moves": [[None, "2026-12-01", "2026-12-02"]], "line_since": {"abc": None}})
    assert state.slips()[0]["date"] is None and state.line_since == {"abc": None}


# the index ------------------------------------------------------------------------------


def test_for_path_folds_uncommitted_text_on_top_dated_today_without_changing_the_cache():
    committed = fold(("2026-10-01", milestone("2026-12-01")))
    history = History(
        datetime.date(2026, 11, 27),
        {"m.md": committed, "same.md": committed},
        {"m.md": milestone("2026-12-24"), "new.md": milestone()},
    )
    state = history.for_path("m.md")
    assert (state.seq, state.last_change, state.due_moves) == (
        2,
        "2026-11-27",
        [["2026-11-27", "2026-12-01", "2026-12-24"]],
    )
    assert (committed.seq, committed.due_moves) == (1, [])  # the committed state is untouched
    assert history.for_path("same.md") is committed
    fresh = history.for_path("new.md")
    assert (fresh.seq, fresh.created, fresh.due) == (1, "2026-11-27", "2026-12-01")
    assert history.for_path("unknown.md") == FileHistory()


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
    ],
)
def test_pathspecs_are_the_folders_of_the_milestone_and_risk_globs_and_the_root(table, specs):
    assert pathspecs(config_of(table)) == specs

"""Near misses: the edit distance (tpm.spelling), `unknown-field`, and the suggestions of
`schema-violation` (an enum miss, a key that `additionalProperties: false` refuses)."""

from __future__ import annotations

import datetime
import json

import pytest

from fakes import config_of, project_of
from helpers import make_repo, run_tpm
from tpm import engine
from tpm.rules import REGISTRY
from tpm.spelling import allowed_edits, closest, edits

TODAY = datetime.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("depends-on", "depends_on", 1),  # a replacement
        ("reviewd", "reviewed", 1),  # an insertion
        ("statuss", "status", 1),  # a deletion
        ("stauts", "status", 1),  # two adjacent characters swapped: one edit
        ("Status", "status", 0),  # case is ignored
        ("start", "state", 2),
        ("ca", "abc", 3),  # optimal string alignment: no edit of a swapped pair
        ("", "abc", 3),
        ("kitten", "sitting", 3),
    ],
)
def test_edits_counts_insertions_deletions_replacements_and_swaps(first, second, expected):
    assert edits(first, second) == expected
    assert edits(second, first) == expected


@pytest.mark.parametrize(("name", "allowed"), [("id", 0), ("due", 1), ("title", 1), ("status", 2), ("depends_on", 2)])
def test_short_names_allow_fewer_edits(name, allowed):
    assert allowed_edits(name) == allowed


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("planed", "planned"),
        ("Done", "done"),
        ("in progress", "in-progress"),
        ("doing", None),  # two edits from `done`, which allows one
        ("done", None),  # an allowed value is no miss
        ("cancled", "cancelled"),
    ],
)
def test_closest_suggests_the_nearest_allowed_word(word, expected):
    assert closest(word, ["planned", "in-progress", "done", "cancelled"]) == expected


def test_closest_breaks_ties_by_sorted_order_and_needs_the_exact_case_for_no_miss():
    assert closest("tag", ["tags", "tab"]) == "tab"
    assert closest("ID", ["id"]) == "id"
    assert closest("at", ["id"]) is None


# unknown-field, in memory --------------------------------------------------------------------


def findings(files: dict[str, str], table: dict | None = None, slug: str = "unknown-field") -> list[str]:
    project = project_of(files, config_of(table))
    result = engine.run(project, [REGISTRY[slug]], TODAY)
    return [f"{d.path}:{d.line}:{d.column} {d.severity.value} {d.rule} {d.message}" for d in result.diagnostics]


RISK = "---\nid: R-1\ntitle: Vendor\nstatus: open\nlikelihood: 2\nimpact: 2\n{extra}---\n"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("reviewd: 2026-11-20\n", "7:1 warning unknown-field unknown field `reviewd`; did you mean `reviewed`?"),
        ("milestone: [M-1]\n", "7:1 warning unknown-field unknown field `milestone`; did you mean `milestones`?"),
        ("Owner: bob\n", "7:1 warning unknown-field unknown field `Owner`; did you mean `owner`?"),
        ("mitigaton: x\n", "7:1 warning unknown-field unknown field `mitigaton`; did you mean `mitigation`?"),
    ],
)
def test_a_near_miss_of_a_built_in_field_is_reported_at_its_key(extra, expected):
    assert findings({"project/risks/R-1-a.md": RISK.format(extra=extra)}) == [f"project/risks/R-1-a.md:{expected}"]


@pytest.mark.parametrize(
    "extra",
    [
        "reviewed: 2026-11-20\n",  # defined
        "sponsor: alice\nbudget: 3\nx: 1\n",  # nothing close
        "lint: {ignore: [missing-section]}\n",  # tpm's own
        "type: risk\n",  # the type key
        "due: 2026-12-01\n",  # a milestone's field, two edits from nothing a risk defines
    ],
)
def test_defined_keys_and_keys_far_from_any_field_are_left_alone(extra):
    assert findings({"project/risks/R-1-a.md": RISK.format(extra=extra)}) == []


TASKS = {
    "types": {
        "task": {
            "paths": ["backlog/*.md"],
            "id_field": "key",
            "status_field": "state",
            "references": ["blocked_by"],
            "lifecycle": {"active": ["doing"]},
            "dates": {"due": "due_date", "reviewed": "last_review"},
        }
    },
    "type_key": "kind",
}


def test_a_custom_type_without_a_schema_defines_the_fields_its_declaration_reads():
    good = (
        "---\nkey: T-1\ntitle: A\nstate: doing\nblocked_by: T-2\ndue_date: 2026-12-01\nlast_review: 2026-11-01\n---\n"
    )
    bad = "---\nkey: T-2\ntitel: B\nstae: doing\nblocked-by: T-1\ndue-date: 2026-12-01\nlast_reviw: 2026-11-01\n---\n"
    assert findings({"backlog/T-1.md": good, "backlog/T-2.md": bad}, TASKS) == [
        "backlog/T-2.md:3:1 warning unknown-field unknown field `titel`; did you mean `title`?",
        "backlog/T-2.md:4:1 warning unknown-field unknown field `stae`; did you mean `state`?",
        "backlog/T-2.md:5:1 warning unknown-field unknown field `blocked-by`; did you mean `blocked_by`?",
        "backlog/T-2.md:6:1 warning unknown-field unknown field `due-date`; did you mean `due_date`?",
        "backlog/T-2.md:7:1 warning unknown-field unknown field `last_reviw`; did you mean `last_review`?",
    ]


def test_the_type_key_is_defined_and_a_near_miss_of_it_is_reported():
    files = {
        "project/notes/a.md": "---\nkind: task\nkey: T-1\n---\n",
        "backlog/T-2.md": "---\nkey: T-2\nkinds: x\n---\n",
    }
    assert findings(files, TASKS) == [
        "backlog/T-2.md:3:1 warning unknown-field unknown field `kinds`; did you mean `kind`?"
    ]


def test_unknown_field_is_documented_for_explain():
    rule = REGISTRY["unknown-field"]
    assert (rule.code, rule.severity.value, rule.scope) == ("TPM008", "warning", "document")
    assert rule.summary == "A front-matter key that the type does not define looks like a misspelling of one it does."
    assert "within two edits" in rule.doc


# schema suggestions, end to end ------------------------------------------------------------

CONFIG = '[types.task]\npaths = ["tasks/*.md"]\nschema = "schemas/task.schema.json"\n'


def check(tmp_path, files: dict, *select: str, config: str = CONFIG) -> list[str]:
    repo = make_repo(tmp_path / "repo", {".tpm.toml": config, **files})
    args = ["check", "--format", "json", "--no-history", "--today", "2026-11-27"]
    outcome = run_tpm(repo, *args, "--select", ",".join(select))
    assert outcome.code in (0, 1), outcome.err
    return [
        f"{d['path']}:{d['line']}:{d['column']} {d['rule']} {d['message']}"
        for d in json.loads(outcome.out)["diagnostics"]
    ]


MILESTONE = "---\nid: M-1\ntitle: A\nstatus: {status}\ndue: 2026-12-01\n---\n"


@pytest.mark.parametrize(
    ("status", "suggestion"),
    [("planed", "; did you mean `planned`?"), ("In-Progress", "; did you mean `in-progress`?"), ("doing", "")],
)
def test_an_enum_miss_suggests_the_closest_allowed_value(tmp_path, status, suggestion):
    files = {"project/milestones/M-1-a.md": MILESTONE.format(status=status)}
    assert check(tmp_path, files, "schema-violation", config="") == [
        "project/milestones/M-1-a.md:4:9 schema-violation `status` must be one of planned, in-progress, done, "
        f"cancelled (got '{status}'){suggestion}"
    ]


def test_an_enum_among_alternatives_suggests_too(tmp_path):
    files = {"project/decisions/0001-a.md": "---\nstatus: acepted\n---\n# A\n"}
    assert check(tmp_path, files, "schema-violation", config="") == [
        "project/decisions/0001-a.md:2:9 schema-violation `status` must be one of proposed, accepted, rejected, "
        "deprecated, superseded or superseded by <id> (got 'acepted'); did you mean `accepted`?"
    ]


def test_a_non_text_value_gets_no_suggestion(tmp_path):
    schema = {"properties": {"size": {"enum": ["1", "2", 3]}}}
    files = {"schemas/task.schema.json": json.dumps(schema), "tasks/T-1.md": "---\nsize: 4\n---\n"}
    assert check(tmp_path, files, "schema-violation") == [
        "tasks/T-1.md:2:7 schema-violation `size` must be one of 1, 2, 3 (got 4)"
    ]


def test_keys_refused_by_the_schema_are_named_with_their_near_miss_once(tmp_path):
    schema = {"properties": {"title": {}, "estimate": {}, "reviewers": {}}, "additionalProperties": False}
    one = "---\ntitle: A\nestimat: 3\n---\n"
    two = "---\ntitle: A\nestimat: 3\nreviewrs: []\nzzz: 1\n---\n"
    files = {"schemas/task.schema.json": json.dumps(schema), "tasks/T-1.md": one, "tasks/T-2.md": two}
    assert check(tmp_path, files, "schema-violation", "unknown-field") == [
        "tasks/T-1.md:3:1 schema-violation front-matter has unknown field `estimat`; did you mean `estimate`?",
        "tasks/T-2.md:3:1 schema-violation front-matter has unknown fields `estimat` (did you mean `estimate`?), "
        "`reviewrs` (did you mean `reviewers`?), `zzz`",
    ]


def test_fields_reached_through_all_of_and_refs_are_defined(tmp_path):
    schema = {
        "allOf": [{"$ref": "common.json"}, {"$ref": "#/$defs/more"}],
        "$defs": {"more": {"properties": {"estimate": {}}}},
        "patternProperties": {"^x-": {}},
        "if": {"required": ["blocked"]},
        "then": {"properties": {"blocker": {}}},
        "required": ["summary"],
    }
    files = {
        "schemas/task.schema.json": json.dumps(schema),
        "schemas/common.json": json.dumps({"properties": {"reviewers": {}}}),
        "tasks/T-1.md": "---\nsummary: s\nestimate: 1\nreviewers: []\nx-a: 1\nblocker: b\n---\n",
        "tasks/T-2.md": "---\nsumary: s\nestimat: 1\nreviewer: []\nx-b: 1\nblockr: b\n---\n",
    }
    assert check(tmp_path, files, "unknown-field") == [
        "tasks/T-2.md:2:1 unknown-field unknown field `sumary`; did you mean `summary`?",
        "tasks/T-2.md:3:1 unknown-field unknown field `estimat`; did you mean `estimate`?",
        "tasks/T-2.md:4:1 unknown-field unknown field `reviewer`; did you mean `reviewers`?",
        "tasks/T-2.md:6:1 unknown-field unknown field `blockr`; did you mean `blocker`?",
    ]


def test_a_ref_that_cannot_be_resolved_is_the_validation_s_to_report(tmp_path):
    files = {
        "schemas/task.schema.json": json.dumps({"allOf": [{"$ref": "missing.json"}]}),
        "tasks/T-1.md": "---\ntitle: A\n---\n",
    }
    repo = make_repo(tmp_path / "repo", {".tpm.toml": CONFIG, **files})
    outcome = run_tpm(repo, "check", "--no-history", "--select", "unknown-field")
    assert (outcome.code, outcome.err) == (2, "tpm: error: schema of type 'task': cannot resolve $ref 'missing.json'\n")


TYPE_IS_A_FIELD = (
    'type_key = ""\n[types.eip]\npaths = ["EIPS/*.md"]\nid_field = "eip"\nschema = "schemas/eip.schema.json"\n'
)
EIP_SCHEMA = {
    "properties": {"eip": {"type": "integer"}, "title": {}, "type": {"enum": ["Standards Track", "Meta"]}},
    "additionalProperties": False,
}


def test_with_type_key_off_the_schema_sees_type_as_the_corpus_field(tmp_path):
    files = {
        "schemas/eip.schema.json": json.dumps(EIP_SCHEMA),
        "EIPS/eip-1.md": "---\neip: 1\ntitle: A\ntype: Standards Track\n---\n",
        "EIPS/eip-2.md": "---\neip: 2\ntitle: B\ntype: Standard Track\n---\n",
    }
    assert check(tmp_path, files, "schema-violation", "unknown-type", "unknown-field", config=TYPE_IS_A_FIELD) == [
        "EIPS/eip-2.md:4:7 schema-violation `type` must be one of Standards Track, Meta (got 'Standard Track'); "
        "did you mean `Standards Track`?"
    ]


def test_with_the_default_type_key_a_custom_schema_does_not_see_it(tmp_path):
    config = '[types.eip]\npaths = ["EIPS/*.md"]\nid_field = "eip"\nschema = "schemas/eip.schema.json"\n'
    schema = {"properties": {"eip": {}, "title": {}}, "additionalProperties": False}
    files = {"schemas/eip.schema.json": json.dumps(schema), "EIPS/eip-1.md": "---\ntype: eip\neip: 1\ntitle: A\n---\n"}
    assert check(tmp_path, files, "schema-violation", "unknown-type", "unknown-field", config=config) == []

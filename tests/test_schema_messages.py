"""How schema problems read, for the keywords and schema shapes the fixtures leave out: a
custom type with its own schema, one small repository per case, `tpm check` end to end."""

from __future__ import annotations

import json

import pytest

from helpers import make_repo, run_tpm

CONFIG = '[types.task]\npaths = ["tasks/*.md"]\nschema = "schemas/task.schema.json"\n'


def check(tmp_path, schema: object, document: str, extra: dict | None = None):
    text = schema if isinstance(schema, str) else json.dumps(schema)
    files = {".tpm.toml": CONFIG, "schemas/task.schema.json": text, "tasks/T-1.md": document, **(extra or {})}
    repo = make_repo(tmp_path / "repo", files)
    args = ("check", "--format", "json", "--no-history", "--today", "2026-11-27", "--select", "schema-violation")
    return run_tpm(repo, *args)


def located(tmp_path, schema: object, document: str, extra: dict | None = None) -> list[tuple[int, int, str]]:
    outcome = check(tmp_path, schema, document, extra)
    assert outcome.code in (0, 1), outcome.err
    return [(d["line"], d["column"], d["message"]) for d in json.loads(outcome.out)["diagnostics"]]


@pytest.mark.parametrize(
    ("schema", "front_matter", "expected"),
    [
        ({"properties": {"kind": {"const": "task"}}}, "kind: bug", (3, 7, "`kind` must be task (got 'bug')")),
        (
            {"properties": {"host": {"format": "ipv4"}}},
            "host: 999.1.1.1",
            (3, 7, "`host` must be a valid ipv4 (got '999.1.1.1')"),
        ),
        (
            {"properties": {"title": {"type": "string"}}},
            "title: true",
            (3, 8, "`title` must be a string (got boolean true); quote it if it is meant as text"),
        ),
        (
            {"properties": {"owner": {"type": "string"}}},
            "owner:",
            (3, 7, "`owner` must be a string (got empty value nothing)"),
        ),
        (
            {
                "$defs": {"id": {"type": "string"}},
                "properties": {
                    "f": {"anyOf": [{"const": "x"}, {"$ref": "#/$defs/id"}, {"type": "integer"}, {"enum": [1, 2]}]}
                },
            },
            "f: [1]",
            (3, 4, "`f` must be x or an id or a whole number or one of 1, 2 (got a list)"),
        ),
        (
            {"properties": {"f": {"oneOf": [{"type": "integer", "description": "a day count"}, {"type": "string"}]}}},
            "f: [1]",
            (3, 4, "`f` must be a day count or a string (got a list)"),
        ),
        (  # an alternative that cannot be put in words: jsonschema's own wording, the value cut
            {"properties": {"f": {"oneOf": [{"type": "integer"}, {"format": "date"}]}}},
            "f: 2026-02-30",
            (3, 4, "`f`: '2026-02-30' is not valid under any of the given schemas"),
        ),
        (
            {"properties": {"n": {"minimum": 1, "maximum": 5}}},
            "n: 9",
            (3, 4, "`n` must be between 1 and 5 (got 9)"),
        ),
        ({"properties": {"k": {"exclusiveMaximum": 3}}}, "k: 3", (3, 4, "`k` must be less than 3 (got 3)")),
        ({"if": True, "then": {"required": ["owner"]}}, "x: 1", (1, 1, "missing required field `owner`")),
        (
            {"if": {"properties": {"status": {"const": "done"}}}, "then": {"required": ["owner"]}},
            "status: done",
            (1, 1, "missing required field `owner` (required when `status` is done)"),
        ),
        (
            {"properties": {"m": {"type": "object", "additionalProperties": False, "properties": {"a": {}}}}},
            "m: {a: 1, b: 2}",
            (3, 11, "`m` has unknown field `b`"),
        ),
    ],
)
def test_schema_messages(tmp_path, schema, front_matter, expected):
    assert located(tmp_path, schema, f"---\nid: T-1\n{front_matter}\n---\n") == [expected]


def test_a_sibling_schema_that_is_not_an_object_or_not_valid_is_left_out_until_referred_to(tmp_path):
    siblings = {"schemas/other.json": "true", "schemas/broken.json": "[1"}
    assert located(tmp_path, {"$ref": "other.json"}, "---\nid: T-1\n---\n", siblings) == []


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("true", "schemas/task.schema.json must hold a JSON object"),
        ("[" * 100_000 + "]" * 100_000, "schemas/task.schema.json is not valid JSON: it nests too deeply"),
        ('{"not": ' * 500 + "{}" + "}" * 500, "schemas/task.schema.json nests too deeply to be checked"),
        ({"$ref": "sub/missing.json"}, "cannot resolve $ref 'sub/missing.json'"),
    ],
    ids=["not-an-object", "deep-json", "deep-schema", "missing-ref"],  # short: the id goes into git's environment
)
def test_unusable_schemas_are_one_line_usage_errors(tmp_path, schema, message):
    outcome = check(tmp_path, schema, "---\nid: T-1\n---\n")
    assert (outcome.code, outcome.out, outcome.err) == (2, "", f"tpm: error: schema of type 'task': {message}\n")

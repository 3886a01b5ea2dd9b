"""A validator that remembers the top-level values its schema accepted reports exactly
what a plain Draft 2020-12 validator reports, document after document."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from tpm import schema_memo
from tpm.config import Config, builtin_types
from tpm.schema import Schemas

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "string", "pattern": "^[A-Z]+-[0-9]+$"},
        "count": {"type": "integer", "minimum": 0},
        "ratio": {"type": "number", "maximum": 1},
        "flag": {"type": "boolean"},
        "due": {"type": "string", "format": "date"},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "description": "labels"},
        "pair": {"type": "array", "prefixItems": [{"type": "integer"}], "items": {"type": "string"}},
        "none": {"items": False, "x-extra": 1},
        "any": True,
        "never": False,
        "counts": {"type": "array", "items": {"type": "integer"}},
        "status": {"anyOf": [{"enum": ["open", "done"]}, {"$ref": "#/$defs/custom"}]},
        "nested": {"$ref": "#"},  # the root again, for a value one level down
        "meta": {"type": "object", "properties": {"id": {"type": "integer"}}},
    },
    "$defs": {"custom": {"type": "string", "pattern": "^custom "}},
}
VALUES = st.sampled_from(
    [
        *(None, True, False, 0, 1, -1, 1.0, 0.5, 2.5, "", "M-1", "m-1", "open", "done", "custom x"),
        *("2026-02-30", "2026-12-01", [], ["a"], ["a", "a"], ["a", 1], [True], [1], {}, {"id": 1}, {"id": "M-2"}),
    ]
)
DOCUMENTS = st.dictionaries(
    st.sampled_from(
        [
            *("id", "count", "ratio", "flag", "due", "tags", "counts", "pair", "none", "any", "never"),
            *("status", "nested", "meta", "other"),
        ]
    ),
    VALUES,
)


def reported(validator, document):
    return sorted(
        (list(error.absolute_path), list(error.relative_schema_path), error.message)
        for error in validator.iter_errors(document)
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(DOCUMENTS, min_size=1, max_size=8))
def test_remembering_validation_reports_what_plain_validation_reports(documents):
    plain = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
    remembering = schema_memo.remembering_validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for document in documents * 2:  # the second time round, every value has been seen
        assert reported(remembering, document) == reported(plain, document)


def test_an_accepted_value_is_not_validated_again_and_a_rejected_one_is():
    calls = []
    schema = {"type": "object", "properties": {"due": {"type": "string", "format": "date"}}}
    checker = Draft202012Validator.FORMAT_CHECKER
    counting = type(checker)()
    for name, check in checker.checkers.items():
        counting.checks(name, raises=check[1])(lambda value, check=check: calls.append(value) or check[0](value))
    validator = schema_memo.remembering_validator(schema, format_checker=counting)
    for _ in range(3):
        assert not list(validator.iter_errors({"due": "2026-12-01"}))
        assert len(list(validator.iter_errors({"due": "2026-02-30"}))) == 1
    assert calls.count("2026-12-01") == 1 and calls.count("2026-02-30") >= 3  # checked in every document


def test_a_value_is_remembered_with_its_type():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    validator = schema_memo.remembering_validator(schema)
    assert not list(validator.iter_errors({"n": 1}))
    assert [e.message for e in validator.iter_errors({"n": True})] == ["True is not of type 'integer'"]
    assert [e.message for e in validator.iter_errors({"n": 1.5})] == ["1.5 is not of type 'integer'"]


def test_a_schema_with_a_dynamic_reference_remembers_nothing():
    schema = {"$dynamicAnchor": "node", "type": "object", "properties": {"n": {"$dynamicRef": "#node"}}}
    assert type(schema_memo.remembering_validator(schema)) is Draft202012Validator


def test_the_builtin_types_validate_through_a_remembering_validator(tmp_path: Path):
    schemas = Schemas(Config(types=builtin_types("project")), tmp_path)
    validator = schemas.validator("risk")
    assert type(validator) is schema_memo._remembering_class()
    assert schema_memo._ACCEPTED[id(validator.schema)][0] is validator.schema


def test_only_so_many_schemas_are_remembered_at_once():
    first = {"type": "object", "properties": {"n": {"type": "integer"}}}
    schema_memo.remembering_validator(first)
    for _ in range(schema_memo._KEPT):
        schema_memo.remembering_validator({"type": "object"})
    assert id(first) not in schema_memo._ACCEPTED or schema_memo._ACCEPTED[id(first)][0] is not first
    assert len(schema_memo._ACCEPTED) <= schema_memo._KEPT

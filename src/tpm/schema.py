"""JSON Schemas per document type, one reusable validator each, and errors as located,
human-worded problems.

Dates reach the validator as strings (see yamlload), so `format: date` with a
`FormatChecker` is what rejects `2026-02-30`.
"""

from __future__ import annotations

import json
from functools import cached_property

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from tpm.config import Config
from tpm.document import Problem
from tpm.errors import UsageError
from tpm.resources import data_dir
from tpm.yamlload import Mark

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Resource

# jsonschema and referencing are imported where first used: a run whose documents all
# come from the document cache validates nothing (only a custom type's schema file is still
# checked, to key the cache), and their import was a tenth of start-up.

_JSON_TYPES = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "empty",
}


class Schemas:
    """The effective schema and validator of every configured type, built on first use.

    A user's schema may `$ref` other local schema files: by relative path (resolved
    against the schema's own file, or its `$id`), or by the `$id` a sibling file in the
    same folder declares. Nothing is ever fetched over the network.
    """

    def __init__(self, config: Config):
        self._config = config
        self._validators: dict[str, Draft202012Validator] = {}
        self._registry = None
        self.sources: dict[str, str] = {}  # every user schema file read -> its text, for cache keys

    @property
    def registry(self):
        if self._registry is None:
            from referencing import Registry

            self._registry = Registry(retrieve=_retrieve_local_file)
        return self._registry

    def effective(self, type_name: str) -> dict:
        """The schema a type's documents are validated against."""
        return self._effective[type_name]

    @cached_property
    def _effective(self) -> dict:
        schemas = {}
        for name, type_config in self._config.types.items():
            schema = _builtin(name) if type_config.builtin else None
            if type_config.schema:
                user = self._load_user_schema(Path(type_config.schema), name)
                schema = user if schema is None else {"allOf": [schema, user]}
            schemas[name] = schema if schema is not None else {"type": "object"}
        return schemas

    def _load_user_schema(self, path: Path, type_name: str) -> dict:
        """Read a user's schema, give it a base URI, and register its sibling files."""
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError
        from referencing import Resource
        from referencing.jsonschema import DRAFT202012

        schema = _read_json(path, f"schema of type {type_name!r}")
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise UsageError(f"schema of type {type_name!r}: {path} is not a valid JSON Schema: {exc.message}") from None
        schema = {"$id": path.resolve().as_uri(), **schema}
        for sibling in sorted(path.parent.glob("*.json")):
            try:
                text = sibling.read_text(encoding="utf-8")
                contents = json.loads(text)
            except (OSError, ValueError):
                continue  # only a $ref to it can fail, and that is reported then
            self.sources[str(sibling)] = text
            if isinstance(contents, dict):
                for uri in {urljoin(schema["$id"], sibling.name), contents.get("$id")} - {None}:
                    resource = Resource.from_contents(contents, default_specification=DRAFT202012)
                    self._registry = self.registry.with_resource(uri, resource)
        return schema

    def validator(self, type_name: str) -> Draft202012Validator:
        validator = self._validators.get(type_name)
        if validator is None:
            from jsonschema import Draft202012Validator

            schema = self.effective(type_name)
            validator = Draft202012Validator(
                schema, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
            self._validators[type_name] = validator
        return validator

    def validate(self, type_name: str, data: dict, key_marks: dict, value_marks: dict) -> list[Problem]:
        """One `schema-violation` per error, at the offending key or value."""
        from referencing.exceptions import Unresolvable

        problems = []
        validator = self.validator(type_name)
        try:
            for error in validator.iter_errors(data):
                mark = _locate(error, key_marks, value_marks)
                problems.append(Problem("schema-violation", mark.line, mark.column, describe(error, validator.schema)))
        except Unresolvable as exc:
            raise UsageError(f"schema of type {type_name!r}: cannot resolve $ref {exc.ref!r}") from None
        return problems


def _builtin(name: str) -> dict:
    with open(data_dir("schemas") / f"{name}.schema.json", encoding="utf-8") as handle:
        return json.load(handle)


def _read_json(path: Path, what: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"{what}: {path} is not valid JSON: {exc}") from None


def _retrieve_local_file(uri: str) -> Resource:
    """Resolve `file:` references only; anything else is unresolvable by design."""
    from urllib.request import url2pathname

    from referencing import Resource
    from referencing.exceptions import NoSuchResource
    from referencing.jsonschema import DRAFT202012

    parts = urlsplit(uri)
    if parts.scheme != "file":
        raise NoSuchResource(ref=uri)
    try:
        contents = json.loads(Path(url2pathname(parts.path)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NoSuchResource(ref=uri) from None
    return Resource.from_contents(contents, default_specification=DRAFT202012)


def _locate(error: ValidationError, key_marks: dict, value_marks: dict) -> Mark:
    """Where to point: the value at fault, its key, or the front-matter's first line."""
    path = tuple(error.absolute_path)
    if error.validator == "required":
        return Mark(1, 1)
    if error.validator == "additionalProperties":
        extra = sorted(k for k in error.instance if (path + (k,)) in key_marks)
        for key in extra:
            if key not in error.schema.get("properties", {}):
                return key_marks[path + (key,)]
    while path:
        if path in value_marks:
            return value_marks[path]
        if path in key_marks:
            return key_marks[path]
        path = path[:-1]
    return Mark(1, 1)


def field_name(path) -> str:
    """`depends_on[1]`, `lint.until`: how a path into the front-matter reads."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _shown(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return str(value)


def _type_of(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "empty value"


def _expectation(schema) -> str | None:
    """A phrase for what a (sub)schema accepts, when it is simple enough to say."""
    if not isinstance(schema, dict):
        return None  # a boolean schema
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return str(schema["const"])
    if "description" in schema and len(schema["description"]) < 40:
        return schema["description"]
    if "type" in schema and isinstance(schema["type"], str):
        return _JSON_TYPES.get(schema["type"], schema["type"])
    if "$ref" in schema:
        return "an id"
    return None


def describe(error: ValidationError, root_schema: dict) -> str:
    """A sentence a person can act on, e.g. "`status` must be one of planned, ... (got 'doing')"."""
    name = field_name(error.absolute_path)
    subject = f"`{name}`" if name else "front-matter"
    got = f"(got {_shown(error.instance)})"
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(value)
        message = f"missing required field `{missing}`"
        return message + _condition(error, root_schema)
    if kind == "enum":
        return f"{subject} must be one of {', '.join(str(v) for v in value)} {got}"
    if kind == "const":
        return f"{subject} must be {value} {got}"
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        words = " or ".join(_JSON_TYPES.get(w, w) for w in wanted)
        hint = ""
        if isinstance(error.instance, bool) and "string" in wanted:
            hint = "; quote it if it is meant as text"
        return f"{subject} must be {words} (got {_type_of(error.instance)} {_shown(error.instance)}){hint}"
    if kind == "format" and value == "date":
        return f"{subject} must be a real date as YYYY-MM-DD {got}"
    if kind == "format":
        return f"{subject} must be a valid {value} {got}"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bounds = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than", "exclusiveMaximum": "less than"}
        if "minimum" in error.schema and "maximum" in error.schema:
            return f"{subject} must be between {error.schema['minimum']} and {error.schema['maximum']} {got}"
        return f"{subject} must be {bounds[kind]} {value} {got}"
    if kind == "minLength" and value == 1:
        return f"{subject} must not be empty"
    if kind == "pattern":
        return f"{subject} must match the pattern {value} {got}"
    if kind == "additionalProperties":
        extra = sorted(k for k in error.instance if k not in error.schema.get("properties", {}))
        return f"{subject} has unknown field{'s' if len(extra) > 1 else ''} " + ", ".join(f"`{k}`" for k in extra)
    if kind in ("anyOf", "oneOf"):
        phrases = [_expectation(sub) for sub in value]
        if all(phrases):
            return f"{subject} must be {' or '.join(phrases)} {got}"
    return f"{subject}: {error.message}"


def _condition(error: ValidationError, root_schema: dict) -> str:
    """For a `required` inside if/then: " (required when `status` is done)"."""
    schema_path = list(error.schema_path)
    if "then" not in schema_path:
        return ""
    node = root_schema
    try:  # jsonschema leaves `$ref` hops out of the path: give up the hint rather than guess
        for part in schema_path[: schema_path.index("then")]:
            node = node[part]
        if not isinstance(node, dict) or not isinstance(node.get("if", {}), dict):
            return ""
    except (KeyError, IndexError, TypeError):
        return ""
    consts = [
        f"`{key}` is {sub['const']}"
        for key, sub in node.get("if", {}).get("properties", {}).items()
        if isinstance(sub, dict) and "const" in sub
    ]
    return f" (required when {' and '.join(consts)})" if consts else ""

r"""JSON Schemas per document type, one reusable validator each, and errors as located,
human-worded problems.

Dates reach the validator as strings (see yamlload), so `format: date` with a
`FormatChecker` is what rejects `2026-02-30`.

Schemas are the repository's, so on a pull request they are a stranger's:

- Every schema file is read through the boundary (`boundary.read_text`): the user's schema,
  the sibling `*.json` files it may `$ref`, and any other `$ref`'d file. A file that resolves
  outside the repository or into its git directory, is not a regular file (`/dev/zero`) or
  is over 1 MiB is refused in one line that names it, never with its content. `$ref`s are
  never fetched over the network.
- Every schema is checked against the Draft 2020-12 metaschema before use (a sibling that
  fails is left out, so that only a `$ref` to it fails, saying why), and one that recurses
  without end (`{"$ref": "#"}`) is a usage error, not a crash.
- Regular expressions from schemas run on RE2 (the `google-re2` package), which matches in
  linear time; Python's `re` backtracks for ever on `^(a|aa)+$` against a 61-character
  title. RE2 has no lookaround and no backreferences, so a schema pattern that needs them
  (valid ECMA-262) is refused when the schema is loaded: exit 2 with one line naming the
  type and the pattern. ECMA-262's `\uXXXX` is read as RE2's `\x{XXXX}`. `format: regex`
  in a document is checked by compiling with RE2 too (Python's compiler recurses on deep
  groups).
- How RE2 is hooked in: jsonschema calls `re.search` with a schema's patterns for
  `pattern`, `patternProperties`, `additionalProperties` and `unevaluatedProperties`, the
  last two through helper functions that `validators.extend` cannot replace, and a `$ref`
  to a schema of another draft switches to that draft's validator class. So the `re` of
  jsonschema's keyword modules is swapped for a copy whose `search` is RE2's
  (`_use_re2`): one place that covers every keyword and every draft.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from tpm.boundary import display, read_text
from tpm.config import LIFECYCLE_ROLES, Config, TypeConfig
from tpm.document import Problem
from tpm.errors import UsageError
from tpm.resources import data_dir
from tpm.spelling import closest
from tpm.yamlload import Mark
from tpm.yamlload import Path as DataPath

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import ValidationError
    from referencing import Resource
    from referencing._core import Resolver  # the public package names no Resolver; its type is here
    from referencing.jsonschema import Schema, SchemaRegistry

# jsonschema, referencing and re2 are imported where first used: a run whose documents all
# come from the document cache validates nothing (only a custom type's schema file is still
# checked, to key the cache), and their import was a tenth of start-up.

MAX_SHOWN = 80  # characters of a value quoted in a message

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
    same folder declares. Every file stays inside the repository `root`; nothing is ever
    fetched over the network.
    """

    def __init__(self, config: Config, root: Path) -> None:
        self._config = config
        self._root = Path(root)
        # (type, undefined key) -> the defined field it is a near miss of: a project's own
        # keys (`team`, `budget`) come back in every document, and each answer costs edit
        # distances against every defined name.
        self._near_misses: dict[tuple[str, str], str | None] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        self._defined: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._registry: SchemaRegistry | None = None
        self._retrieved: dict[str, Resource[Schema]] = {}
        self.sources: dict[str, str] = {}  # every user schema file read -> its text, for cache keys

    @property
    def registry(self) -> SchemaRegistry:
        if self._registry is None:
            from referencing import Registry

            # referencing makes its classes with attrs behind a `__dataclass_transform__` that
            # mypy does not read, so mypy knows no `retrieve` argument.
            self._registry = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]  # attrs' __init__, unseen
        return self._registry

    def effective(self, type_name: str) -> dict[str, Any]:
        """The schema a type's documents are validated against (a JSON object: any JSON inside)."""
        return self._effective[type_name]

    @cached_property
    def _effective(self) -> dict[str, dict[str, Any]]:
        schemas: dict[str, dict[str, Any]] = {}
        for name, type_config in self._config.types.items():
            schema = _with_declared_statuses(_builtin(name), type_config) if type_config.builtin else None
            if type_config.schema:
                user = self._load_user_schema(Path(type_config.schema), name)
                schema = user if schema is None else {"allOf": [schema, user]}
            schemas[name] = schema if schema is not None else {"type": "object"}
        return schemas

    def _load_user_schema(self, path: Path, type_name: str) -> dict[str, Any]:
        """Read a user's schema, give it a base URI, and register its sibling files."""
        from referencing import Resource
        from referencing.jsonschema import DRAFT202012

        what = f"schema of type {type_name!r}:"
        try:
            _, schema = _read_schema(path, what, self._root)
        except FileNotFoundError:
            raise UsageError(f"{what} cannot read {display(path, self._root)}: it does not exist") from None
        if not isinstance(schema, dict):
            raise UsageError(f"{what} {display(path, self._root)} must hold a JSON object")
        schema = {"$id": path.resolve().as_uri(), **schema}
        for sibling in sorted(path.parent.glob("*.json")):
            try:
                text, contents = _read_schema(sibling, "schema", self._root)
            except (OSError, UsageError):
                continue  # only a $ref to it can fail, and that is reported then, with the reason
            self.sources[str(sibling)] = text
            if isinstance(contents, dict):
                for uri in {urljoin(schema["$id"], sibling.name), contents.get("$id")} - {None}:
                    resource = Resource.from_contents(contents, default_specification=DRAFT202012)
                    self._registry = self.registry.with_resource(uri, resource)
        return schema

    def _retrieve(self, uri: str) -> Resource[Schema]:
        """A `$ref`'d file that is not a registered sibling: `file:` URIs only, read through
        the boundary and checked like the user's schema; anything else is unresolvable."""
        from urllib.request import url2pathname

        from referencing import Resource
        from referencing.exceptions import NoSuchResource
        from referencing.jsonschema import DRAFT202012

        if uri not in self._retrieved:
            parts = urlsplit(uri)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise NoSuchResource(uri)  # its one field, `ref`
            try:
                _, contents = _read_schema(Path(url2pathname(parts.path)), "$ref target", self._root)
            except FileNotFoundError:
                raise NoSuchResource(uri) from None
            self._retrieved[uri] = Resource.from_contents(contents, default_specification=DRAFT202012)
        return self._retrieved[uri]

    def validator(self, type_name: str) -> Draft202012Validator:
        validator = self._validators.get(type_name)
        if validator is None:
            from tpm.schema_memo import remembering_validator

            schema = self.effective(type_name)
            validator = remembering_validator(schema, registry=self.registry, format_checker=_format_checker())
            self._validators[type_name] = validator
        return validator

    def validate(
        self,
        type_name: str,
        data: Mapping[str, object],
        key_marks: Mapping[DataPath, Mark],
        value_marks: Mapping[DataPath, Mark],
    ) -> list[Problem]:
        """One `schema-violation` per error, at the offending key or value, then one
        `unknown-field` per key that is a near miss of a defined field (`_unknown_fields`):
        both are what reading the front-matter against its type finds, and both are kept
        in the document cache with the document. A schema that cannot be used is a
        UsageError naming the type: a `$ref` that cannot be resolved or was refused, one
        that loops (`{"$ref": "#"}` recurses until Python gives up)."""
        from referencing.exceptions import Unresolvable

        problems: list[Problem] = []
        validator = self.validator(type_name)
        what = f"schema of type {type_name!r}:"
        try:
            rejected: set[str] = set()  # top-level keys the schema itself refuses
            for error in validator.iter_errors(data):
                mark = _locate(error, key_marks, value_marks)
                problems.append(Problem("schema-violation", mark.line, mark.column, describe(error, validator.schema)))
                if error.validator == "additionalProperties" and not error.absolute_path:
                    rejected.update(_extra_keys(error))
            problems += self._unknown_fields(type_name, data, key_marks, rejected)
        except Unresolvable as exc:
            reason = _usage_error_behind(exc)
            raise UsageError(f"{what} {reason or f'cannot resolve $ref {_quoted(exc.ref)}'}") from None
        except RecursionError:
            raise UsageError(
                f'{what} its `$ref`s refer to each other without end (as `{{"$ref": "#"}}` does)'
            ) from None
        except _PatternError as exc:
            raise UsageError(f"{what} {exc}") from None
        return problems

    def defined_fields(self, type_name: str) -> tuple[frozenset[str], frozenset[str]]:
        """The top-level fields a type defines, and the patterns of those it defines by
        pattern: the names in its effective schema's `properties` (and `required`),
        followed through `allOf`, `anyOf`, `oneOf`, `if`/`then`/`else`,
        `dependentSchemas` and resolvable `$ref`s; and the fields its declaration reads
        (`id_field`, `status_field`, the date and reference fields, the type key), with
        `title` and `lint`, which tpm reads in every document."""
        if type_name not in self._defined:
            names: set[str] = set()
            patterns: set[str] = set()
            _collect_fields(self.effective(type_name), self._root_resolver(type_name), names, patterns, set())
            declaration = self._config.types[type_name]
            names.update(
                [declaration.id_field, declaration.status_field, *declaration.dates.values(), *declaration.references]
            )
            names.update(name for name in (self._config.type_key, "title", "lint") if name)
            self._defined[type_name] = frozenset(names), frozenset(patterns)
        return self._defined[type_name]

    def _root_resolver(self, type_name: str) -> Resolver[Schema]:
        from referencing.jsonschema import DRAFT202012

        return self.registry.resolver_with_root(DRAFT202012.create_resource(self.effective(type_name)))

    def _unknown_fields(
        self, type_name: str, data: Mapping[str, object], key_marks: Mapping[DataPath, Mark], rejected: set[str]
    ) -> list[Problem]:
        """One `unknown-field` per top-level key the type does not define that is a near
        miss of one it does (`tpm.spelling`); a key the schema already refuses (its
        `additionalProperties: false`) is left to that `schema-violation`, which suggests
        the same."""
        names, patterns = self.defined_fields(type_name)
        problems = []
        for key in data:
            if key in names or key in rejected or any(_search(pattern, key) for pattern in patterns):
                continue
            if (type_name, key) not in self._near_misses:
                self._near_misses[type_name, key] = closest(key, names)
            suggestion = self._near_misses[type_name, key]
            if suggestion is not None:
                mark = key_marks.get((key,), Mark(1, 1))
                message = f"unknown field `{_cut(key)}`; did you mean `{suggestion}`?"
                problems.append(Problem("unknown-field", mark.line, mark.column, message))
        return problems


_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SUBSCHEMAS = ("if", "then", "else")


def _collect_fields(
    schema: object, resolver: Resolver[Schema], names: set[str], patterns: set[str], seen: set[int]
) -> None:
    """Add to `names` and `patterns` the top-level fields `schema` defines (see
    `Schemas.defined_fields`); a `$ref` that cannot be resolved is passed by here (the
    validation reports it), and one seen before is not followed again."""
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT202012

    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen.add(id(schema))
    if isinstance(schema.get("$id"), str):
        resolver = resolver.in_subresource(DRAFT202012.create_resource(schema))
    for key, value in (("properties", names), ("patternProperties", patterns)):
        if isinstance(schema.get(key), dict):
            value.update(schema[key])
    if isinstance(schema.get("required"), list):
        names.update(name for name in schema["required"] if isinstance(name, str))
    children: list[object] = [schema.get(key) for key in _SUBSCHEMAS]
    for key in _SUBSCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            children += schema[key]
    if isinstance(schema.get("dependentSchemas"), dict):
        children += schema["dependentSchemas"].values()
    for child in children:
        _collect_fields(child, resolver, names, patterns, seen)
    if isinstance(schema.get("$ref"), str):
        try:
            resolved = resolver.lookup(schema["$ref"])
        except (Unresolvable, UsageError):
            return
        _collect_fields(resolved.contents, resolved.resolver, names, patterns, seen)


def _with_declared_statuses(schema: dict[str, Any], declaration: TypeConfig) -> dict[str, Any]:
    """A shipped schema whose status values are the ones the type's lifecycle declares: a
    team that maps `active` onto the active role has `status: active` accepted, and a
    preset value it no longer declares refused. The shipped order is kept, new values
    follow."""
    declared = [value for role in LIFECYCLE_ROLES for value in declaration.lifecycle.get(role, ())]
    status = schema.get("properties", {}).get("status")
    if not declared or not isinstance(status, dict):
        return schema
    schema = copy.deepcopy(schema)
    properties = schema["properties"]
    if declaration.status_field != "status":
        properties[declaration.status_field] = properties.pop("status")
        schema["required"] = [declaration.status_field if k == "status" else k for k in schema.get("required", [])]
    for branch in [properties[declaration.status_field], *properties[declaration.status_field].get("anyOf", [])]:
        if isinstance(branch, dict) and isinstance(branch.get("enum"), list):
            shipped = branch["enum"]
            branch["enum"] = [v for v in shipped if v in declared] + [
                v for v in dict.fromkeys(declared) if v not in shipped
            ]
    return schema


def _builtin(name: str) -> dict[str, Any]:
    with open(data_dir("schemas") / f"{name}.schema.json", encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)  # tpm's own file: a JSON object
    return schema


def _read_schema(path: Path, what: str, root: Path) -> tuple[str, Schema]:
    """A schema file's text and contents, read through the boundary (so inside `root`, a
    regular file, at most 1 MiB) and checked (so a JSON object or a boolean). Raises
    UsageError, or FileNotFoundError."""
    text = read_text(path, what, root)
    try:
        contents = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{what} {display(path, root)} is not valid JSON: {exc}") from None
    except RecursionError:
        raise UsageError(f"{what} {display(path, root)} is not valid JSON: it nests too deeply") from None
    _check_schema(contents, f"{what} {display(path, root)}")
    return text, contents


def _check_schema(schema: Any, what: str) -> None:
    """Refuse a schema the validator would choke on: not valid under the Draft 2020-12
    metaschema (`{"enum": 5}` fails inside jsonschema), or with a pattern RE2 cannot run.
    `schema` is any JSON value: checking it is the point."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema, format_checker=_format_checker())
    except SchemaError as exc:
        if exc.validator == "format" and exc.validator_value == "regex" and isinstance(exc.instance, str):
            raise UsageError(f"{what} has {_PatternError.describe(exc.instance, exc.cause)}") from None
        raise UsageError(f"{what} is not a valid JSON Schema: {_cut(exc.message, 200)}") from None
    except RecursionError:
        raise UsageError(f"{what} nests too deeply to be checked") from None


def _usage_error_behind(exc: BaseException) -> str | None:
    """The message of the UsageError (a refused or broken `$ref` target) that referencing
    wrapped as unresolvable, if there is one."""
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, UsageError):
            return str(current)
        current = current.__cause__ or current.__context__
    return None


# Regular expressions: RE2 ---------------------------------------------------------------

_ECMA_UNICODE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})")


class _PatternError(UsageError):
    """A schema pattern RE2 cannot compile (lookaround, a backreference, ...)."""

    @staticmethod
    def describe(pattern: str, cause: BaseException | None) -> str:
        reason = cause.args[0] if cause is not None and cause.args else cause
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return (
            f"the pattern {_quoted(pattern)} that tpm cannot run ({_cut(str(reason), MAX_SHOWN)}): "
            "tpm matches schema patterns with RE2, which has no lookaround and no backreferences"
        )


@lru_cache(maxsize=1024)
def _re2(pattern: str) -> Callable[[str], object]:
    """A function telling whether `pattern`, compiled by RE2, occurs in a string (a list,
    or None). Raises re2.error with RE2's reason, or UnicodeEncodeError (a lone surrogate).

    A one-pattern `re2.Set` answers just that, twice as fast as a compiled pattern, which
    also works out where the match lies; jsonschema only asks whether there is one."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would log each failure to stderr
    options.never_capture = True
    translated = _ECMA_UNICODE.sub(r"\1\\x{\2}", pattern)
    re2.compile(translated, options)  # a Set's error gives no reason
    found = re2.Set.SearchSet(options)
    found.Add(translated)
    found.Compile()
    return found.Match


def _search(pattern: str, string: str) -> object:
    """`re.search` as jsonschema calls it with a schema's pattern, matched by RE2."""
    import re2

    try:
        found = _re2(pattern)
    except (re2.error, UnicodeError) as exc:
        raise _PatternError(_PatternError.describe(pattern, exc)) from None
    try:
        return found(string)
    except UnicodeEncodeError:  # a lone surrogate from a YAML escape: match it as U+FFFD
        return found(string.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))


@cache
def _format_checker() -> FormatChecker:
    """Draft 2020-12's format checks with `regex` done by RE2, jsonschema's `re` swapped
    for RE2 as a side effect (see the module docstring): the one way in for both."""
    import re2
    from jsonschema import Draft202012Validator, FormatChecker

    _use_re2()
    checker = FormatChecker(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker.checks("regex", raises=(re2.error, UnicodeError))(
        lambda value: not isinstance(value, str) or bool(_re2(value))
    )
    return checker


def _use_re2() -> None:
    """Give jsonschema's keyword modules an `re` whose `search` is RE2's."""
    import importlib
    import types

    engine = types.SimpleNamespace(
        **{**{k: v for k, v in vars(re).items() if not k.startswith("__")}, "search": _search}
    )
    for name in ("_keywords", "_legacy_keywords", "_utils", "_validators", "_legacy_validators"):
        try:
            module = importlib.import_module(f"jsonschema.{name}")
        except ImportError:  # named otherwise in another jsonschema version
            continue
        if getattr(module, "re", None) is re:
            module.re = engine  # type: ignore[attr-defined]  # a private module's global, that no stub declares


def _locate(error: ValidationError, key_marks: Mapping[DataPath, Mark], value_marks: Mapping[DataPath, Mark]) -> Mark:
    """Where to point: the value at fault, its key, or the front-matter's first line."""
    path = tuple(error.absolute_path)
    if error.validator == "required":
        return Mark(1, 1)
    if error.validator == "additionalProperties":
        for key in _extra_keys(error):
            key_path = (*path, key)
            if key_path in key_marks:
                return key_marks[key_path]
    while path:
        if path in value_marks:
            return value_marks[path]
        if path in key_marks:
            return key_marks[path]
        path = path[:-1]
    return Mark(1, 1)


def _extra_keys(error: ValidationError) -> list[str]:
    """The keys an `additionalProperties` error is about: those that neither `properties`
    nor `patternProperties` name."""
    schema = _subschema(error)
    named, patterns = schema.get("properties", {}), schema.get("patternProperties", {})
    keys = error.instance if isinstance(error.instance, dict) else {}  # the keyword checks only objects
    return sorted(k for k in keys if k not in named and not any(_search(p, k) for p in patterns))


def _subschema(error: ValidationError) -> Mapping[str, Any]:
    """The schema object whose keyword failed. Always a mapping for the keywords asked
    about: only a boolean schema (`false`) is not, and it fails with no keyword."""
    return error.schema if isinstance(error.schema, Mapping) else {}


def field_name(path: Iterable[str | int]) -> str:
    """`depends_on[1]`, `lint.until`: how a path into the front-matter reads."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{_cut(part)}" if out else _cut(str(part))
    return out


def _cut(text: str, limit: int = MAX_SHOWN) -> str:
    """`text`, cut to `limit` characters and "…": values in messages come from the
    repository, and a 1 MiB title must not become a 1 MiB line in a CI log."""
    return text if len(text) <= limit else text[:limit] + "…"


def _quoted(value: object) -> str:
    return repr(_cut(str(value)))


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return str(value)


def _type_of(value: object) -> str:
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


def _expectation(schema: object) -> str | None:
    """A phrase for what a (sub)schema accepts, when it is simple enough to say."""
    if not isinstance(schema, dict):
        return None  # a boolean schema
    if "enum" in schema:
        return "one of " + _cut(", ".join(str(v) for v in schema["enum"]), 200)
    if "const" in schema:
        return _cut(str(schema["const"]))
    description = schema.get("description")
    if isinstance(description, str) and len(description) < 40:  # the metaschema makes it a string
        return description
    if "type" in schema and isinstance(schema["type"], str):
        return _JSON_TYPES.get(schema["type"], schema["type"])
    if "$ref" in schema:
        return "an id"
    return None


_BOUNDS = {
    "minimum": "at least",
    "maximum": "at most",
    "exclusiveMinimum": "more than",
    "exclusiveMaximum": "less than",
}


def describe(error: ValidationError, root_schema: Schema) -> str:
    """A sentence a person can act on, e.g. "`status` must be one of planned, ... (got 'doing')"."""
    name = field_name(error.absolute_path)
    subject = f"`{name}`" if name else "front-matter"
    got = f"(got {_shown(error.instance)})"
    kind = error.validator
    value: Any = error.validator_value  # the keyword's value in the schema: any JSON
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(value)
        message = f"missing required field `{_cut(missing)}`"
        return message + _condition(error, root_schema)
    if kind == "enum":
        suggestion = _did_you_mean(error.instance, value)
        return f"{subject} must be one of {_cut(', '.join(str(v) for v in value), 200)} {got}{suggestion}"
    if kind == "const":
        return f"{subject} must be {_cut(str(value))} {got}"
    if kind == "type":
        return _wrong_type(error, subject, value if isinstance(value, list) else [value])
    if kind == "format" and value == "date":
        return f"{subject} must be a real date as YYYY-MM-DD {got}"
    if kind == "format":
        return f"{subject} must be a valid {value} {got}"
    if kind in _BOUNDS:
        schema = _subschema(error)
        if "minimum" in schema and "maximum" in schema:
            return f"{subject} must be between {schema['minimum']} and {schema['maximum']} {got}"
        return f"{subject} must be {_BOUNDS[kind]} {value} {got}"
    if kind == "minLength" and value == 1:
        return f"{subject} must not be empty"
    if kind == "pattern":
        return f"{subject} must match the pattern {_cut(str(value))} {got}"
    if kind == "additionalProperties":
        return _unknown_keys(error, subject)
    if kind in ("anyOf", "oneOf") and (alternatives := _alternatives(value)) is not None:
        return f"{subject} must be {alternatives} {got}" + _did_you_mean(error.instance, _allowed_values(value))
    # jsonschema's own wording quotes the whole value: quote it cut instead.
    return f"{subject}: " + _cut(error.message.replace(repr(error.instance), _shown(error.instance)), 200)


def _unknown_keys(error: ValidationError, subject: str) -> str:
    """`additionalProperties: false` broken: the keys it refuses, each with the property
    of the same schema that it is a near miss of, if any."""
    extra = _extra_keys(error)
    named = _subschema(error).get("properties", {})
    if len(extra) == 1:
        return f"{subject} has unknown field `{_cut(extra[0])}`" + _did_you_mean(extra[0], named)
    more = f" and {len(extra) - 10} more" if len(extra) > 10 else ""
    listed = ", ".join(f"`{_cut(k)}`" + _did_you_mean(k, named, " (did you mean `{}`?)") for k in extra[:10])
    return f"{subject} has unknown fields {listed}{more}"


def _did_you_mean(written: object, allowed: Iterable[object], form: str = "; did you mean `{}`?") -> str:
    """`form` naming the allowed text that `written` is a near miss of (`tpm.spelling`),
    or nothing: only text is suggested for text."""
    if not isinstance(written, str):
        return ""
    suggestion = closest(written, [value for value in allowed if isinstance(value, str)])
    return form.format(_cut(suggestion)) if suggestion is not None else ""


def _allowed_values(subschemas: list[Any]) -> list[object]:
    """The values an anyOf/oneOf's alternatives name one by one (`enum`, `const`)."""
    values: list[object] = []
    for sub in subschemas:
        if isinstance(sub, dict):
            values += sub.get("enum", []) if isinstance(sub.get("enum"), list) else []
            values += [sub["const"]] if "const" in sub else []
    return values


def _alternatives(subschemas: list[Any]) -> str | None:
    """`a or b or c` for what an anyOf/oneOf accepts, when each alternative can be put in words."""
    phrases = [_expectation(sub) for sub in subschemas]
    said = [phrase for phrase in phrases if phrase]
    return " or ".join(said) if len(said) == len(phrases) else None


def _wrong_type(error: ValidationError, subject: str, wanted: list[Any]) -> str:
    """`subject` must be of one of the JSON types `wanted` (names from the schema)."""
    words = " or ".join(_JSON_TYPES.get(w, w) for w in wanted)
    hint = ""
    if isinstance(error.instance, bool) and "string" in wanted:
        hint = "; quote it if it is meant as text"
    got = _shown(error.instance)
    if not isinstance(error.instance, (dict, list)):  # "a mapping" and "a list" say it once
        got = f"{_type_of(error.instance)} {got}"
    return f"{subject} must be {words} (got {got}){hint}"


def _condition(error: ValidationError, root_schema: Schema) -> str:
    """For a `required` inside if/then: " (required when `status` is done)"."""
    schema_path = list(error.schema_path)
    if "then" not in schema_path:
        return ""
    node: Any = root_schema  # walked by the path's keys and indexes, whatever JSON it meets
    try:  # jsonschema leaves `$ref` hops out of the path: give up the hint rather than guess
        for part in schema_path[: schema_path.index("then")]:
            node = node[part]
        if not isinstance(node, dict) or not isinstance(node.get("if", {}), dict):
            return ""
    except (KeyError, IndexError, TypeError):
        return ""
    consts = [
        f"`{_cut(key)}` is {_cut(str(sub['const']))}"
        for key, sub in node.get("if", {}).get("properties", {}).items()
        if isinstance(sub, dict) and "const" in sub
    ]
    return f" (required when {' and '.join(consts)})" if consts else ""

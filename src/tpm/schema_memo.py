"""A type's validator that remembers which values of its top-level fields the schema
accepts, so that a value seen before in another document is not validated again.

Front-matters of one type repeat most of their values (statuses, owners, tags, dates
shared by many documents): in a 1,000-document corpus three of five top-level values had
been seen before. jsonschema validates each one afresh, building a validator per field;
that was a third of a cold run's time outside git history.

A value not seen before whose subschema only constrains the value itself (`type`,
`minLength`, `pattern`, `format`, and `items` of such: `_meets`) is checked by calling
jsonschema's own function for each keyword, without the validator jsonschema would build
for the field; when any of them fails, or the subschema has anything else, the field is
validated the usual way.

Only what is certain is remembered: that a field's value met its subschema with no error
at all. A value that failed is validated again each time, so its errors are reported in
full, in jsonschema's own order and words. Whether a value meets a subschema depends on
the value and the subschema alone, with one exception, `$dynamicRef` (its target depends
on the way the validation went), so a schema that uses it anywhere remembers nothing.
Only scalars and lists of scalars are remembered: a mapping's validity could depend on
keys the key would have to capture in full."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_SCALARS = (str, int, float, bool, type(None))


def remembering_validator(schema: dict[str, Any], **options: Any) -> Draft202012Validator:
    """A Draft 2020-12 validator for `schema` (with jsonschema's `options`) that
    remembers the top-level field values it accepted."""
    from jsonschema import Draft202012Validator

    text = json.dumps(schema)
    if "$dynamicRef" in text or "$recursiveRef" in text:
        return Draft202012Validator(schema, **options)
    if len(_ACCEPTED) >= _KEPT:  # a long-lived language server makes new schemas as config changes
        del _ACCEPTED[next(iter(_ACCEPTED))]
    _ACCEPTED[id(schema)] = (schema, set())  # the schema is kept: its id stays its own
    return _remembering_class()(schema, **options)


# Per root schema (by id, the schema kept alive with it): the top-level values it accepted.
_ACCEPTED: dict[int, tuple[dict[str, Any], set[tuple[str, object]]]] = {}
_KEPT = 64  # schemas remembered at once, the oldest forgotten first (it then validates in full)


@cache
def _remembering_class() -> type[Draft202012Validator]:
    """Draft 2020-12 with a `properties` that, at the root of a schema in `_ACCEPTED`,
    skips the values that schema accepted before (one class: making one costs more
    than validating a hundred documents)."""
    from jsonschema import Draft202012Validator, validators

    plain_properties = Draft202012Validator.VALIDATORS["properties"]

    def properties(
        validator: Draft202012Validator, properties: Mapping[str, Any], instance: Any, current: Any
    ) -> Iterator[ValidationError]:
        remembered = _ACCEPTED.get(id(current))
        if remembered is None or remembered[0] is not current or not isinstance(instance, dict):
            yield from plain_properties(validator, properties, instance, current)
            return
        accepted = remembered[1]
        for name, subschema in properties.items():  # jsonschema's own order
            if name not in instance:
                continue
            value = instance[name]
            key = _remembered(name, value)
            if key is not None and key in accepted:
                continue
            if _meets(validator, subschema, value):
                if key is not None:
                    accepted.add(key)
                continue
            errors = list(validator.descend(value, subschema, path=name, schema_path=name))
            if not errors and key is not None:
                accepted.add(key)
            yield from errors

    extended: type[Draft202012Validator] = validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, {"properties": properties}
    )
    return extended


# Keywords that judge the value alone, never through a subschema, and keywords that only
# annotate (jsonschema has no function for them).
_LEAF_KEYWORDS = frozenset(
    (
        *("type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"),
        *("maxLength", "minLength", "pattern", "format", "maxItems", "minItems", "uniqueItems"),
        *("maxProperties", "minProperties", "required", "dependentRequired"),
    )
)
_ANNOTATIONS = frozenset(
    ("title", "description", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly")
)


def _meets(validator: Draft202012Validator, subschema: object, value: object) -> bool:
    """Whether `value` surely meets `subschema`, judged by jsonschema's own function for
    each of its keywords, when all of them are leaf keywords or annotations (and `items`
    whose subschema is such); False when it does not, or when that cannot be told so."""
    if isinstance(subschema, bool):
        return subschema
    if not isinstance(subschema, dict):
        return False
    for keyword, argument in subschema.items():
        if keyword in _LEAF_KEYWORDS:
            errors = validator.VALIDATORS[keyword](validator, argument, value, subschema)
            if errors is not None and next(iter(errors), None) is not None:
                return False
        elif keyword == "items":  # beside `prefixItems`, that keyword's own turn answers False
            if isinstance(value, list) and not all(_meets(validator, argument, item) for item in value):
                return False
        elif keyword not in _ANNOTATIONS:
            return False
    return True


def _remembered(name: str, value: object) -> tuple[str, object] | None:
    """What identifies a field's value for remembering: its type goes with it (`1`,
    `1.0` and `true` are equal in Python, not to a schema); None for a value not kept."""
    if isinstance(value, _SCALARS):
        return (name, (type(value), value))
    if isinstance(value, list) and all(isinstance(item, _SCALARS) for item in value):
        return (name, (list, tuple((type(item), item) for item in value)))
    return None

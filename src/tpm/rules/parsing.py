"""Rules about reading a single file. The reading itself happens once, when the project
model is built (document.py, yamlload.py, schema.py); these rules report what it found,
so that they are selected, ignored and re-severitied like any other rule."""

from __future__ import annotations

from collections.abc import Iterator

from tpm.diagnostic import Finding
from tpm.model import Document
from tpm.rules.registry import Context, rule


def _report(document: Document, slug: str) -> Iterator[Finding]:
    for problem in document.problems_of(slug):
        yield Finding(document.path, problem.line, problem.column, problem.message)


@rule("parse-error", "TPM001", "error")
def parse_error(document: Document, ctx: Context) -> Iterator[Finding]:
    """The file cannot be read as a document.

    Fires when the file is not UTF-8 text (or is UTF-16, or binary with NUL bytes), is over
    the 1 MiB size limit, has front-matter that is never closed, uses TOML (`+++`)
    front-matter, has YAML that does not parse (tabs used for indentation, an unclosed
    quote), front-matter that is not a mapping, a key that is not a string, an unsupported
    tag such as `!!python/object`, or YAML over the safety limits: more than 10,000 values
    after alias expansion ("billion laughs"), nesting deeper than 32, a number longer than
    100 characters, or front-matter over 64 KiB.

    YAML is read by the YAML 1.2 core schema: only `true`/`false` are booleans (so
    `status: no` is the string "no"), and dates stay text for the schema to check.

    Fix: correct the file at the reported line; quote values that are meant as text.
    """
    yield from _report(document, "parse-error")


@rule("duplicate-key", "TPM002", "error")
def duplicate_key(document: Document, ctx: Context) -> Iterator[Finding]:
    """A front-matter key appears twice in the same mapping.

    YAML tools disagree on which value wins (tpm, like PyYAML, keeps the later one), so a
    duplicated `status` or `due` is an accident waiting to happen. The message names both
    lines; the diagnostic points at the second.
    """
    yield from _report(document, "duplicate-key")


@rule("missing-front-matter", "TPM003", "error")
def missing_front_matter(document: Document, ctx: Context) -> Iterator[Finding]:
    """A file under a type's paths has no front-matter.

    Every document starts with a `---` line, its YAML fields, and a closing `---` line.
    Files named in `exclude` (README.md and index.md by default) are not documents.
    `tpm new TYPE TITLE` writes a file that starts correctly.
    """
    yield from _report(document, "missing-front-matter")


@rule("unknown-type", "TPM004", "error")
def unknown_type(document: Document, ctx: Context) -> Iterator[Finding]:
    """The document's type is unknown.

    Fires when the type key (`type:` unless the config's `type_key` names another) names
    no built-in or configured type, or when a file under the project root has
    front-matter but neither a type key nor a path that matches a type's `paths` globs.
    `tpm types` lists the types with their declarations.

    A corpus that uses `type:` for its own purposes (`type: Standards Track`) sets
    `type_key = ""`: paths alone then decide, and `type` is an ordinary field that the
    type's schema may check.
    """
    yield from _report(document, "unknown-type")


@rule("schema-violation", "TPM005", "error")
def schema_violation(document: Document, ctx: Context) -> Iterator[Finding]:
    """The front-matter breaks its type's JSON Schema.

    One diagnostic per error, at the offending key or value; a missing required field
    points at line 1. `tpm schema TYPE` prints the schema in force, including a user's
    extension. Absent `id` and `title` are derived (from the file name and the first `#`
    heading) before validation, so only underivable ones are reported missing.

    A value that misses an `enum` by a slip names the allowed value it is closest to:
    "`status` must be one of planned, in-progress, done, cancelled (got 'planed'); did
    you mean `planned`?"; so does a key that `additionalProperties: false` refuses (the
    measure is `unknown-field`'s: within two edits, ignoring case).
    """
    yield from _report(document, "schema-violation")


@rule("unknown-field", "TPM008", "warning")
def unknown_field(document: Document, ctx: Context) -> Iterator[Finding]:
    """A front-matter key that the type does not define looks like a misspelling of one it does.

    YAML takes any key, so `reviewd: 2026-11-20` or `depends-on: [M-2]` pass the schema
    and then do nothing: the risk stays unreviewed, the dependency unchecked. The rule
    reports such a key, at the key, with the field it probably meant:
    "unknown field `reviewd`; did you mean `reviewed`?".

    The fields a type defines are the names in its JSON Schema's `properties` (the
    built-in schema's and the user's, followed through `allOf`, `anyOf`, `oneOf`,
    `if`/`then`/`else` and `$ref`s to local files), its `required` names and
    `patternProperties`, and the fields its declaration reads: `id_field`,
    `status_field`, the `[dates]` and `references` fields and the type key, with `title`
    and `lint`.

    A near miss is a key within two edits of a defined field, ignoring case, where an
    edit inserts, deletes or replaces a character or swaps two adjacent ones: one edit
    for a field of three to five characters (`titel`, `stauts`), two from six on
    (`depnds-on`), only a change of case for `id`. A key that is not close to any
    defined field is a field of the user's own and is left alone; one that the schema
    refuses outright (`additionalProperties: false`) is a `schema-violation` instead,
    with the same suggestion.

    Fix: rename the key; if the field is meant, add it to the type's schema
    `properties`, or silence the rule for the document with `lint: {ignore: [unknown-field]}`.
    """
    yield from _report(document, "unknown-field")

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

    Fires when `type:` names no built-in or configured type, or when a file under the
    project root has front-matter but neither a `type:` nor a path that matches a type's
    `paths` globs. `tpm rules` does not list types; see the `[types.*]` tables of the
    config and the built-in milestone, risk, decision and postmortem.
    """
    yield from _report(document, "unknown-type")


@rule("schema-violation", "TPM005", "error")
def schema_violation(document: Document, ctx: Context) -> Iterator[Finding]:
    """The front-matter breaks its type's JSON Schema.

    One diagnostic per error, at the offending key or value; a missing required field
    points at line 1. `tpm schema TYPE` prints the schema in force, including a user's
    extension. Absent `id` and `title` are derived (from the file name and the first `#`
    heading) before validation, so only underivable ones are reported missing.
    """
    yield from _report(document, "schema-violation")

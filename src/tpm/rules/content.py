"""Rules about what a document must contain: owners, mitigations and sections.

A document is scored when it has a `likelihood` and an `impact`, both whole numbers (the
built-in risk); its score is their product, banded by `[risk_bands]`. That is the one
pair of field names tpm fixes; everything else is asked of the type's declaration.
"""

from __future__ import annotations

from collections.abc import Iterator

from tpm.config import ACTIVE
from tpm.diagnostic import Finding
from tpm.document import Section, folded, section_text
from tpm.model import Document, role_of
from tpm.rules.dates import status_position
from tpm.rules.registry import Context, rule
from tpm.vocabulary import heading_key


def _section(document: Document, title: str) -> Section | None:
    wanted = heading_key(title)
    return next((s for s in document.body.sections if heading_key(s.title) == wanted), None)


def _field_filled(document: Document, name: str) -> bool:
    """A text field with something in it besides its type's template placeholder for the
    section of the same name (a `mitigation` field that only repeats the template's
    Mitigation sentence is empty)."""
    text = document.text(name)
    return bool(text) and not document.is_placeholder(heading_key(name), folded(text or ""))


def _section_state(document: Document, section: Section) -> str:
    """`content`, `empty`, or `placeholder` (only the type's template text)."""
    if not section.has_content:
        return "empty"
    if document.is_placeholder(heading_key(section.title), section_text(document.source, document.body, section)):
        return "placeholder"
    return "content"


def has_mitigation(document: Document) -> bool:
    """A `mitigation` field, or a `Mitigation` section with something in it; the type's
    template placeholder text is not something."""
    if _field_filled(document, "mitigation"):
        return True
    section = _section(document, "Mitigation")
    return section is not None and _section_state(document, section) == "content"


def risk_score(document: Document) -> int | None:
    """likelihood × impact, when both are whole numbers; None for a document not scored."""
    likelihood, impact = document.data.get("likelihood"), document.data.get("impact")
    if type(likelihood) is int and type(impact) is int:
        return likelihood * impact
    return None


@rule("risk-unmitigated", "TPM301", "error")
def risk_unmitigated(document: Document, ctx: Context) -> Iterator[Finding]:
    """An active high-band risk has no `owner` or no mitigation.

    A document is scored when its `likelihood` and `impact` are whole numbers (the
    built-in risk); its score is likelihood × impact. While its status is in its type's
    active role (a risk: `open` or `mitigating`) and the score is at or above the high
    band (15, configurable as `[risk_bands] high`), it needs a named owner and a
    mitigation: a `mitigation` field or a non-empty `Mitigation` section, where text
    that is only the type's template placeholder (whitespace-folded, as `tpm new`
    wrote it) counts as empty. Documents in
    any other role (a risk `accepted` or `closed`) are not judged. Reported at the
    status value.
    """
    if role_of(document, ctx.config) != ACTIVE:
        return
    score = risk_score(document)
    if score is None or ctx.config.band(score) != "high":
        return
    missing = [
        name
        for name, present in (("owner", document.text("owner")), ("mitigation", has_mitigation(document)))
        if not present
    ]
    if missing:
        line, column = status_position(document, ctx)
        what = " and no ".join(missing)
        yield Finding(
            document.path,
            line,
            column,
            f"high risk (score {score} = {document.data['likelihood']} × {document.data['impact']}) has no {what}",
        )


@rule("missing-section", "TPM302", "warning")
def missing_section(document: Document, ctx: Context) -> Iterator[Finding]:
    """A required body section is absent or empty.

    Required sections are set per type (`required_sections` in `[types.NAME]`); by
    default a risk needs `Mitigation` and a post-mortem needs `Lessons learned` and
    `Action items`. A `mitigation` field stands for a required `Mitigation` section, in
    any type. Headings match at any level, ignoring case. A section (or `mitigation`
    field) whose text, whitespace-folded, is only its type's template placeholder for
    it (the sentence `tpm new` wrote there, a post-mortem's `- ...`) is empty too. An
    absent section is reported at line 1, an empty one at its heading. A
    document whose front-matter could not be read is left to its `parse-error`.
    """
    if document.type is None or not document.has_front_matter or document.problems_of("parse-error"):
        return  # an unreadable front-matter may hold the `mitigation` that stands for a section
    for title in ctx.config.types[document.type].required_sections:
        if heading_key(title) == "mitigation" and _field_filled(document, "mitigation"):
            continue
        section = _section(document, title)
        if section is None:
            yield Finding(document.path, 1, 1, f"required section `{title}` is missing")
            continue
        state = _section_state(document, section)
        if state == "empty":
            yield Finding(document.path, section.line, 1, f"section `{title}` is empty")
        elif state == "placeholder":
            yield Finding(
                document.path, section.line, 1, f"section `{title}` still holds the template's placeholder text"
            )

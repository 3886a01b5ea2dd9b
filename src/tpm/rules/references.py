"""Rules about references between documents: ids that must name existing documents."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping

from tpm.config import Config
from tpm.diagnostic import Finding
from tpm.model import Document, Project, status_of
from tpm.rules.dates import status_position
from tpm.rules.registry import Context, options_of, rule

_SUPERSEDED_BY = re.compile(r"superseded by\s+(.+)", re.IGNORECASE)
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")


def _did_you_mean(target: str, folded: Mapping[str, str]) -> str:
    """Only a case or spacing slip is suggested: a near number (R-17 for R-1) is a guess.
    `folded` is `_folded_ids`' index, so that each dangling reference costs one look-up."""
    close = folded.get(target.strip().casefold())
    return f"; did you mean {close}?" if close is not None else ""


def _folded_ids(known: Iterable[str]) -> dict[str, str]:
    """Casefolded id -> the least (in sorting order) of the ids that fold to it."""
    folded: dict[str, str] = {}
    for name in known:
        key = name.casefold()
        if key not in folded or name < folded[key]:
            folded[key] = name
    return folded


@rule("dangling-reference", "TPM101", "error", scope="project")
def dangling_reference(project: Project, ctx: Context) -> Iterator[Finding]:
    """A reference names no document.

    Reference fields hold ids of other documents: each type's `references` (the built-in
    milestone's `depends_on` and `risks`, a risk's `milestones`, a post-mortem's
    `milestone`, a decision's `supersedes` and `superseded_by`). An integer names the id
    of its decimal text (`requires: 1559`); with a `reference_separator`, a string names
    one id per part (`requires: 1474, 1559`). Every id they name must belong to a
    document of the project. Each dangling id is reported once, at its own list
    item, suggesting the existing id when only case or spacing differs
    (`m-1` for `M-1`). A reference to a file that could not be read (its id guessed from
    the file name) is not reported again: the file's own parse error says it all.
    """
    folded: dict[str, str] | None = None  # built at the first dangling reference, once
    for reference in project.references:
        if reference.target not in project.by_id and reference.target not in project.unreadable_ids:
            if folded is None:
                folded = _folded_ids(project.by_id)
            yield Finding(
                reference.source.path,
                reference.line,
                reference.column,
                f"`{reference.field}` names {reference.target}, which no document has"
                + _did_you_mean(reference.target, folded),
            )


def successor_field(config: Config) -> str:
    """The field that names a superseded document's successor (`superseded-link`'s `field`)."""
    return str(options_of(config, "superseded-link")["field"])


def is_superseded(status: str | None) -> bool:
    """`superseded`, or MADR's `superseded by ADR-0005`, in any case."""
    text = (status or "").strip()
    return text.lower() == "superseded" or _SUPERSEDED_BY.fullmatch(text) is not None


def named_successors(document: Document, config: Config) -> list[tuple[str, str | None]]:
    """(id, link target) pairs a superseded document names, from its successor field and
    from its status (`superseded by ADR-0005`, or with a Markdown link)."""
    separator = config.types[document.type].reference_separator if document.type else None
    named: list[tuple[str, str | None]] = [
        (target, None) for target in document.ids(successor_field(config), separator)
    ]
    found = _SUPERSEDED_BY.fullmatch((status_of(document, config) or "").strip())
    if found:
        text = found.group(1).strip()
        link = _LINK.search(text)
        if link:
            named.append((link.group(1).strip(), link.group(2)))
        else:
            named.append((text.split()[0].rstrip(".,;"), None))
    return named


def _exists(project: Project, document: Document, name: str, link: str | None) -> bool:
    if name in project.by_id:
        return True
    if link:
        folder = posixpath.dirname(document.path)
        return posixpath.normpath(posixpath.join(folder, link.split("#")[0])) in project.by_path
    return False


@rule("superseded-link", "TPM104", "error", scope="project", options={"field": "superseded_by"})
def superseded_link(project: Project, ctx: Context) -> Iterator[Finding]:
    """A superseded document names no existing successor.

    A document whose status is `superseded` must name the document that replaced it in
    the field given by `field` (default `superseded_by`, the built-in decision's); MADR's
    status form `superseded by ADR-0005` (or with a Markdown link, `superseded by
    [ADR-0005](0005-use-x.md)`) names it in the status itself. Any type's documents are
    judged, by their `status_field`. The rule fires when no successor is named, or when
    none of those named exists, so that a reader can always follow the chain to the
    document in force.
    """
    field = ctx.names["field"]
    for document in project.documents:
        if not is_superseded(status_of(document, ctx.config)):
            continue
        named = named_successors(document, ctx.config)
        if not named:
            yield Finding(
                document.path, *status_position(document, ctx), f"superseded, but no `{field}` names the successor"
            )
        elif not any(_exists(project, document, name, link) for name, link in named):
            names = ", ".join(name for name, _ in named)
            yield Finding(
                document.path, *status_position(document, ctx), f"superseded by {names}, which no document is"
            )

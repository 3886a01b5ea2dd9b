"""Rules about references between documents: ids that must name existing documents."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator

from tpm.diagnostic import Finding
from tpm.model import Document, Project
from tpm.rules.registry import Context, rule

_SUPERSEDED_BY = re.compile(r"superseded by\s+(.+)", re.IGNORECASE)
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")


def _did_you_mean(target: str, known: Iterable[str]) -> str:
    """Only a case or spacing slip is suggested: a near number (R-17 for R-1) is a guess."""
    wanted = target.strip().casefold()
    close = sorted(k for k in known if k.casefold() == wanted)
    return f"; did you mean {close[0]}?" if close else ""


@rule("dangling-reference", "TPM101", "error", scope="project")
def dangling_reference(project: Project, ctx: Context) -> Iterator[Finding]:
    """A reference names no document.

    Reference fields hold ids of other documents: a milestone's `depends_on` and `risks`,
    a risk's `milestones`, a post-mortem's `milestone`, a decision's `supersedes` and
    `superseded_by`, and each custom type's `references`. Every id they name must belong
    to a document of the project. Each dangling id is reported once, at its own list
    item, suggesting the existing id when only case or spacing differs
    (`m-1` for `M-1`). A reference to a file that could not be read (its id guessed from
    the file name) is not reported again: the file's own parse error says it all.
    """
    for reference in project.references:
        if reference.target not in project.by_id and reference.target not in project.unreadable_ids:
            yield Finding(
                reference.source.path,
                reference.line,
                reference.column,
                f"`{reference.field}` names {reference.target}, which no document has"
                + _did_you_mean(reference.target, project.by_id),
            )


def named_successors(document: Document) -> list[tuple[str, str | None]]:
    """(id, link target) pairs a superseded decision names, from its status and field."""
    named: list[tuple[str, str | None]] = [(target, None) for target, _ in document.id_list("superseded_by")]
    found = _SUPERSEDED_BY.fullmatch((document.status or "").strip())
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


@rule("superseded-link", "TPM104", "error", scope="project")
def superseded_link(project: Project, ctx: Context) -> Iterator[Finding]:
    """A superseded decision names no existing successor.

    A decision whose `status` is `superseded` must name the decision that replaced it in
    `superseded_by`; MADR's status form `superseded by ADR-0005` (or with a Markdown link,
    `superseded by [ADR-0005](0005-use-x.md)`) names it in the status itself. The rule
    fires when no successor is named, or when none of those named exists, so that a
    reader can always follow the chain to the decision in force.
    """
    for document in project.of_type("decision"):
        status = (document.status or "").strip()
        if status.lower() != "superseded" and not _SUPERSEDED_BY.fullmatch(status):
            continue
        line, column = document.value_position("status")
        named = named_successors(document)
        if not named:
            yield Finding(document.path, line, column, "superseded, but no `superseded_by` names the successor")
        elif not any(_exists(project, document, name, link) for name, link in named):
            names = ", ".join(name for name, _ in named)
            yield Finding(document.path, line, column, f"superseded by {names}, which no document is")

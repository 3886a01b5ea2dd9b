"""Rules about a plan that contradicts itself: what a document's status, dates, checkpoints
and dependencies say cannot all be true at once."""

from __future__ import annotations

from collections.abc import Iterator

from tpm.config import CLOSED, DONE, DROPPED, DUE, START
from tpm.diagnostic import Finding
from tpm.model import Document, Project, role_date, role_field, role_of, status_of
from tpm.rules.registry import Context, rule
from tpm.wording import item_name


@rule("plan-contradiction", "TPM105", "warning", scope="project", options={"field": "depends_on"})
def plan_contradiction(project: Project, ctx: Context) -> Iterator[Finding]:
    """A document's status, dates, checkpoints or dependencies contradict each other.

    Four contradictions, each reported once, where the offending value or item is, and
    naming both sides:

    - a document in its type's done role (a milestone `done`) with a checkpoint still
      open (`- [ ]` under its type's `checkpoints` heading): at the open item. Only in a
      type that declares a `due` date role, whose checkpoints lead up to that date; the
      items of a type without one are follow-ups that outlive the document (a
      post-mortem `final` with open action items is no contradiction);
    - a document in its done role that depends on one not finished: neither done nor
      dropped (a milestone `done` while the milestone it depends on is `in-progress`).
      Dependencies are the ids its `field` names (default `depends_on`, as for
      `dependency-cycle`); reported at the item that names the dependency;
    - a date in the `start` role after the date in the `due` role: at the start value;
    - a checkpoint dated after the document's `due` date: at the item.

    Everything is asked of the type's declaration (its lifecycle, its date roles, its
    checkpoints heading), so custom types are judged the same way. A document in its
    dropped role (a milestone `cancelled`) is not judged.
    """
    field = ctx.names["field"]
    for document in project.documents:
        if document.type is None or not document.has_front_matter:
            continue
        role = role_of(document, ctx.config)
        if role == DROPPED:
            continue
        name = document.id or document.path
        if role == DONE:
            yield from _open_checkpoints(document, name, ctx)
            yield from _unfinished_dependencies(project, document, name, field, ctx)
        yield from _start_after_due(document, name, ctx)
        yield from _checkpoints_after_due(document, name, ctx)


def _open_checkpoints(document: Document, name: str, ctx: Context) -> Iterator[Finding]:
    if document.checkpoints is None or role_field(document, ctx.config, DUE) is None:
        return  # without a due role, the items are follow-ups that outlive the document
    status = status_of(document, ctx.config)
    kind = item_name(document.checkpoints)
    for item in document.body.tasks:
        if not item.done:
            yield Finding(
                document.path,
                item.line,
                item.column,
                f"{name} is {status}, but its {kind} `{item.text}` is still open",
            )


def _unfinished_dependencies(
    project: Project, document: Document, name: str, field: str, ctx: Context
) -> Iterator[Finding]:
    if document.type is None or field not in document.data:
        return
    separator = ctx.config.types[document.type].reference_separator
    status = status_of(document, ctx.config)
    for index, target in enumerate(document.ids(field, separator)):
        dependency = project.get(target)
        if dependency is None or dependency is document:
            continue  # a dangling reference or a cycle of one is another rule's
        if role_of(dependency, ctx.config) in (*CLOSED, None):
            continue  # finished, dropped, or a status with no role: nothing to contradict
        line, column = document.id_list(field, separator)[index][1]
        yield Finding(
            document.path,
            line,
            column,
            f"{name} is {status}, but its dependency {target} is {status_of(dependency, ctx.config)}",
        )


def _start_after_due(document: Document, name: str, ctx: Context) -> Iterator[Finding]:
    start, due = role_date(document, ctx.config, START), role_date(document, ctx.config, DUE)
    start_field, due_field = role_field(document, ctx.config, START), role_field(document, ctx.config, DUE)
    if start is None or due is None or start_field is None or start <= due:
        return
    line, column = document.value_position(start_field)
    yield Finding(
        document.path, line, column, f"{name} starts {start} ({start_field}), after it is due {due} ({due_field})"
    )


def _checkpoints_after_due(document: Document, name: str, ctx: Context) -> Iterator[Finding]:
    due = role_date(document, ctx.config, DUE)
    if due is None or document.checkpoints is None:
        return
    kind = item_name(document.checkpoints)
    for item in document.body.tasks:
        if item.date is not None and item.date > due:
            yield Finding(
                document.path,
                item.line,
                item.column,
                f"{kind} `{item.text}` is dated {item.date}, after {name} is due {due}",
            )

"""Rules that compare a document's dates with today.

None of them knows a type by name: each asks the type's declaration what a status means
(its lifecycle role: planned, active, done, dropped) and which field holds a date (its
date role: due, start, completed, review_by), so they judge a user's own types as they
judge the built-in ones.
"""

from __future__ import annotations

from collections.abc import Iterator

from tpm.config import COMPLETED, DONE, DROPPED, DUE, OPEN, PLANNED, REVIEW_BY, START
from tpm.diagnostic import Finding
from tpm.model import Document, Project, role_date, role_field, role_of, status_of
from tpm.rules.registry import Context, rule
from tpm.vocabulary import heading_key
from tpm.wording import plural


def name_of(document: Document) -> str:
    """How a message names a document: its id, else its file name."""
    return document.id or document.path.rsplit("/", 1)[-1]


def status_position(document: Document, ctx: Context) -> tuple[int, int]:
    """Line and column of the document's status value (its type's `status_field`)."""
    if document.type is None:
        return 1, 1
    return document.value_position(ctx.config.types[document.type].status_field)


def passed_by(document: Document, ctx: Context) -> bool:
    """Whether the date rules leave a document alone whatever its role: its status is one its
    type gives no role (the lifecycle does not know it), or it was dropped. A document
    with no status at all is judged: its dates are all it says."""
    if status_of(document, ctx.config) is None:
        return False
    return role_of(document, ctx.config) in (None, DROPPED)


@rule("overdue", "TPM201", "error", kind="schedule")
def overdue(document: Document, ctx: Context) -> Iterator[Finding]:
    """A planned or active document's `due` date is before today.

    A document is judged when its type declares a `due` date role and its status is in
    the planned or active role of its lifecycle: for the built-in milestone, `due`, and
    `planned` or `in-progress`. Either the work is late and the plan should say so (move
    the due date, and let the slip show in history), or it is finished and the status
    should say done (for a milestone, `done` with a `completed` date). Reported at the due
    value. This is the rule that fails CI on late work. Its old slug, `overdue-milestone`,
    still works wherever a slug is accepted.
    """
    if role_of(document, ctx.config) not in OPEN:
        return
    field = role_field(document, ctx.config, DUE)
    due = document.date(field) if field else None
    if field and due is not None and due < ctx.today:
        line, column = document.value_position(field)
        late = (ctx.today - due).days
        yield Finding(
            document.path,
            line,
            column,
            f"{name_of(document)} is {plural(late, 'day')} overdue "
            f"(due {due}, still {status_of(document, ctx.config)})",
        )


@rule("review-due", "TPM205", "warning", kind="schedule")
def review_due(document: Document, ctx: Context) -> Iterator[Finding]:
    """A document's `review_by` date has passed, and it was not dropped.

    A type that declares a `review_by` date role asks for its documents to be looked at
    again by that date: the built-in decision's `review_by` field, say, on an accepted
    decision whose premises may have aged. Once the date is before today, review the
    document and move `review_by` on (or drop it: a rejected or superseded decision, any
    document in its type's dropped role, is not judged, nor one whose status its
    lifecycle does not know). Reported at the `review_by` value.
    """
    field = role_field(document, ctx.config, REVIEW_BY)
    review_by = document.date(field) if field else None
    if not field or review_by is None or review_by >= ctx.today or passed_by(document, ctx):
        return
    line, column = document.value_position(field)
    late = (ctx.today - review_by).days
    yield Finding(
        document.path,
        line,
        column,
        f"{name_of(document)} was to be reviewed by {review_by} ({plural(late, 'day')} ago); "
        f"review it and set a new `{field}`",
    )


@rule("overdue-action", "TPM202", "warning", kind="schedule")
def overdue_action(document: Document, ctx: Context) -> Iterator[Finding]:
    """An open action item's date is before today.

    Action items are the dated task items under the heading a type declares as its
    `checkpoints`, in a type without a `due` date role: there the items are the only
    deadlines (the built-in post-mortem's `Action items`). The items of a type with a
    due date, such as a milestone's checkpoints, are judged by `stale-checkpoint`
    instead. `- [ ] 2026-12-10 Add alerting @bob`: an unticked one past its date is a
    lesson not yet learned. Reported at the item's line; tick it (`[x]`) when done, or
    re-date it. A dropped document, or one whose status its lifecycle does not know, is
    not judged.
    """
    if document.type is None:
        return
    declared = ctx.config.types[document.type]
    if not declared.checkpoints or declared.date_field(DUE) or passed_by(document, ctx):
        return
    heading = heading_key(declared.checkpoints)
    for item in document.body.tasks:
        if item.section == heading and not item.done and item.date is not None and item.date < ctx.today:
            late = (ctx.today - item.date).days
            owner = f" (@{item.owner})" if item.owner else ""
            yield Finding(
                document.path,
                item.line,
                item.column,
                f"action item {plural(late, 'day')} overdue (due {item.date}){owner}: {item.text}",
            )


@rule("stale-decision", "TPM203", "warning", options={"decide_within_days": 30}, kind="schedule")
def stale_decision(document: Document, ctx: Context) -> Iterator[Finding]:
    """A planned document without a due date is older than `decide_within_days` (30).

    A document of a type with no `due` date role that stays in its planned role more
    than `decide_within_days` after its `start` date waits for a decision, not for work:
    the built-in decision is `proposed`, dated by its `date` field (its `start` date
    role). A proposal that nobody accepts or rejects blocks the work that depends on it.
    Decide it (accepted or rejected), or update its date if it was reopened. Reported at
    the status value. Documents without that date are not judged.
    """
    if role_of(document, ctx.config) != PLANNED or role_field(document, ctx.config, DUE):
        return
    proposed = role_date(document, ctx.config, START)
    limit = ctx.options["decide_within_days"]
    if proposed is not None and (ctx.today - proposed).days > limit:
        line, column = status_position(document, ctx)
        age = (ctx.today - proposed).days
        yield Finding(
            document.path,
            line,
            column,
            f"still {status_of(document, ctx.config)} {plural(age, 'day')} after {proposed} (limit {limit})",
        )


@rule(
    "missing-postmortem",
    "TPM204",
    "warning",
    scope="project",
    options={"postmortem_within_days": 14, "postmortem_type": "postmortem"},
    kind="schedule",
)
def missing_postmortem(project: Project, ctx: Context) -> Iterator[Finding]:
    """A document done for more than `postmortem_within_days` (14) has no post-mortem.

    Closure means looking back: each document in its type's done role with a `completed`
    date role (the built-in milestone: `done`, `completed`) gets a post-mortem, a
    document of the type named by `postmortem_type` ("postmortem") that names it in one
    of its reference fields (the built-in post-mortem's `milestone`). Counted from the
    completed date; reported at the status value.
    """
    kind = ctx.names["postmortem_type"]
    reviewed = {reference.target for reference in project.references if reference.source.type == kind}
    limit = ctx.options["postmortem_within_days"]
    for document in project.documents:
        if document.type is None or document.type == kind or role_of(document, ctx.config) != DONE:
            continue
        completed = role_date(document, ctx.config, COMPLETED)
        if completed is None or document.id in reviewed or (ctx.today - completed).days <= limit:
            continue
        line, column = status_position(document, ctx)
        age = (ctx.today - completed).days
        yield Finding(
            document.path,
            line,
            column,
            f"{name_of(document)} was completed {plural(age, 'day')} ago ({completed}) and no post-mortem names it",
        )

"""Rules that compare a document's dates with today."""

from __future__ import annotations

from collections.abc import Iterator

from tpm.diagnostic import Finding
from tpm.model import Document, Project
from tpm.rules.registry import Context, rule
from tpm.vocabulary import MILESTONE_OPEN
from tpm.wording import plural


@rule("overdue-milestone", "TPM201", "error")
def overdue_milestone(document: Document, ctx: Context) -> Iterator[Finding]:
    """A `planned` or `in-progress` milestone's `due` date is before today.

    Either the work is late and the plan should say so (move `due`, and let the slip show
    in history), or it is finished and the status should be `done` with a `completed`
    date. Reported at the `due` value. This is the rule that fails CI on late work.
    """
    if document.type != "milestone" or document.status not in MILESTONE_OPEN:
        return
    due = document.date("due")
    if due is not None and due < ctx.today:
        line, column = document.value_position("due")
        late = (ctx.today - due).days
        yield Finding(
            document.path,
            line,
            column,
            f"{document.id} is {plural(late, 'day')} overdue (due {due}, still {document.status})",
        )


@rule("overdue-action", "TPM202", "warning")
def overdue_action(document: Document, ctx: Context) -> Iterator[Finding]:
    """An open post-mortem action item's date is before today.

    Action items are the dated task items under a post-mortem's `Action items` heading:
    `- [ ] 2026-12-10 Add alerting @bob`. An unticked one past its date is a lesson not
    yet learned. Reported at the item's line; tick it (`[x]`) when done, or re-date it.
    """
    if document.type != "postmortem":
        return
    for item in document.body.tasks:
        if item.section == "action items" and not item.done and item.date is not None and item.date < ctx.today:
            late = (ctx.today - item.date).days
            owner = f" (@{item.owner})" if item.owner else ""
            yield Finding(
                document.path,
                item.line,
                item.column,
                f"action item {plural(late, 'day')} overdue (due {item.date}){owner}: {item.text}",
            )


@rule("stale-decision", "TPM203", "warning", options={"decide_within_days": 30})
def stale_decision(document: Document, ctx: Context) -> Iterator[Finding]:
    """A decision is still `proposed` more than `decide_within_days` (30) after its `date`.

    A proposal that nobody accepts or rejects blocks the work that depends on it. Decide
    it (accepted or rejected), or update its `date` if it was reopened. Reported at the
    `status` value. Decisions without a `date` are not judged.
    """
    if document.type != "decision" or document.status != "proposed":
        return
    proposed = document.date("date")
    limit = ctx.options["decide_within_days"]
    if proposed is not None and (ctx.today - proposed).days > limit:
        line, column = document.value_position("status")
        age = (ctx.today - proposed).days
        yield Finding(
            document.path, line, column, f"still proposed {plural(age, 'day')} after {proposed} (limit {limit})"
        )


@rule("missing-postmortem", "TPM204", "warning", scope="project", options={"postmortem_within_days": 14})
def missing_postmortem(project: Project, ctx: Context) -> Iterator[Finding]:
    """A milestone `done` for more than `postmortem_within_days` (14) has no post-mortem.

    Closure means looking back: each finished milestone gets a post-mortem whose
    `milestone` field names it. Counted from the milestone's `completed` date; reported
    at its `status` value.
    """
    reviewed = {target for p in project.of_type("postmortem") for target, _ in p.id_list("milestone")}
    limit = ctx.options["postmortem_within_days"]
    for milestone in project.of_type("milestone"):
        completed = milestone.date("completed")
        if milestone.status != "done" or completed is None or milestone.id in reviewed:
            continue
        if (ctx.today - completed).days > limit:
            line, column = milestone.value_position("status")
            age = (ctx.today - completed).days
            yield Finding(
                milestone.path,
                line,
                column,
                f"{milestone.id} was completed {plural(age, 'day')} ago ({completed}) and no post-mortem names it",
            )

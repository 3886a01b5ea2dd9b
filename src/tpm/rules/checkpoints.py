"""Rules about dated task items in document bodies."""

from __future__ import annotations

from collections.abc import Iterator

from tpm.diagnostic import Finding
from tpm.model import Document
from tpm.rules.registry import Context, rule


@rule("invalid-checkpoint", "TPM007", "error")
def invalid_checkpoint(document: Document, ctx: Context) -> Iterator[Finding]:
    """A checkpoint or action item has no valid ISO date.

    Checkpoints are GFM task items under a `Checkpoints` heading in a milestone; action
    items are the same under an `Action items` heading in a post-mortem. Each starts with
    its date, then the text, and optionally an owner:

        - [ ] 2026-12-01 Load test at 2x traffic @bob

    Without a date the item cannot be tracked (overdue, stale), so a missing or
    impossible date (`2026-02-30`) is an error at the item's line and column.
    """
    if document.type not in ("milestone", "postmortem") or not document.has_front_matter:
        return
    wanted = "checkpoints" if document.type == "milestone" else "action items"
    kind = "checkpoint" if document.type == "milestone" else "action item"
    for item in document.body.tasks:
        if item.section == wanted and item.date_problem:
            yield Finding(document.path, item.line, item.column, f"{kind} {item.date_problem}")

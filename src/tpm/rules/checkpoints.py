"""Rules about dated task items in document bodies."""

from __future__ import annotations

from collections.abc import Iterator

from tpm.diagnostic import Finding
from tpm.model import Document
from tpm.rules.registry import Context, rule
from tpm.wording import item_name


@rule("invalid-checkpoint", "TPM007", "error")
def invalid_checkpoint(document: Document, ctx: Context) -> Iterator[Finding]:
    """A checkpoint or action item has no valid ISO date.

    Checkpoints are the GFM task items under the heading a type declares as its
    `checkpoints` (milestones: `Checkpoints`; post-mortems, whose items are action items:
    `Action items`). Each starts with its date, then the text, and optionally an owner:

        - [ ] 2026-12-01 Load test at 2x traffic @bob

    Without a date the item cannot be tracked (overdue, stale), so a missing or
    impossible date (`2026-02-30`) is an error at the item's line and column. The message
    names the item by its heading.
    """
    if document.checkpoints is None or not document.has_front_matter:
        return
    kind = item_name(document.checkpoints)
    for item in document.body.tasks:
        if item.date_problem:
            yield Finding(document.path, item.line, item.column, f"{kind} {item.date_problem}")

"""Rules about `lint:` suppressions themselves. The suppressing is done by the engine."""

from __future__ import annotations

from collections.abc import Iterator

from tpm.diagnostic import Finding
from tpm.model import Document, suppression_of
from tpm.rules.registry import Context, find, rule


@rule("expired-suppression", "TPM901", "warning")
def expired_suppression(document: Document, ctx: Context) -> Iterator[Finding]:
    """A `lint:` suppression's `until` date has passed.

    `lint: {ignore: [overdue], until: 2026-12-01, reason: "re-plan pending"}`
    silences the listed rules for this document until that date, inclusive. After it, the
    rules fire again and this warning says why: renew the date with a reason, or fix the
    findings. Reported at the `until` value.
    """
    suppression = suppression_of(document)
    if suppression is not None and suppression.expired(ctx.today):
        ignored = ", ".join(name for _, name in suppression.names) or "nothing"
        line, column = document.value_position("lint", "until")
        yield Finding(document.path, line, column, f"suppression of {ignored} expired on {suppression.until}")


@rule("invalid-suppression", "TPM902", "warning")
def invalid_suppression(document: Document, ctx: Context) -> Iterator[Finding]:
    """A `lint:` suppression names no rule.

    `lint.ignore` takes rule slugs (`overdue`), old slugs (`overdue-milestone`) or codes
    (`TPM201`); see `tpm rules`. A misspelt name would silently suppress nothing.
    Reported at the item.
    """
    suppression = suppression_of(document)
    for index, name in suppression.names if suppression is not None else ():
        if find(name) is None:
            line, column = document.value_position("lint", "ignore", index)
            yield Finding(document.path, line, column, f"`lint.ignore` names {name!r}, which is no rule")

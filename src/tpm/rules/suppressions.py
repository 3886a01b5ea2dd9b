"""Rules about `lint:` suppressions themselves. The suppressing is done by the engine."""

from __future__ import annotations

from collections.abc import Iterator

from tpm.diagnostic import Finding
from tpm.model import Document
from tpm.rules.registry import Context, find, rule
from tpm.vocabulary import parse_iso_date


@rule("expired-suppression", "TPM901", "warning")
def expired_suppression(document: Document, ctx: Context) -> Iterator[Finding]:
    """A `lint:` suppression's `until` date has passed.

    `lint: {ignore: [overdue], until: 2026-12-01, reason: "re-plan pending"}`
    silences the listed rules for this document until that date, inclusive. After it, the
    rules fire again and this warning says why: renew the date with a reason, or fix the
    findings. Reported at the `until` value.
    """
    lint = document.data.get("lint")
    if not isinstance(lint, dict):
        return
    until = parse_iso_date(lint.get("until"))
    if until is not None and until < ctx.today:
        ignore = lint.get("ignore")
        names = ignore if isinstance(ignore, list) else []
        ignored = ", ".join(str(s) for s in names) or "nothing"
        line, column = document.value_position("lint", "until")
        yield Finding(document.path, line, column, f"suppression of {ignored} expired on {until}")


@rule("invalid-suppression", "TPM902", "warning")
def invalid_suppression(document: Document, ctx: Context) -> Iterator[Finding]:
    """A `lint:` suppression names no rule.

    `lint.ignore` takes rule slugs (`overdue`), old slugs (`overdue-milestone`) or codes
    (`TPM201`); see `tpm rules`. A misspelt name would silently suppress nothing.
    Reported at the item.
    """
    lint = document.data.get("lint")
    if not isinstance(lint, dict) or not isinstance(lint.get("ignore"), list):
        return
    for index, name in enumerate(lint["ignore"]):
        if isinstance(name, str) and find(name) is None:
            line, column = document.value_position("lint", "ignore", index)
            yield Finding(document.path, line, column, f"`lint.ignore` names {name!r}, which is no rule")

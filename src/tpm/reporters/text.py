"""`path:line:col: severity slug message`, one per line, then a summary line.

Paths and messages come from the repository, so each goes through `escaping` to one inert
line: a file name cannot clear the screen, write the clipboard or start a new line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tpm.diagnostic import Severity
from tpm.escaping import path_text, terminal
from tpm.wording import plural

if TYPE_CHECKING:
    from tpm.engine import Result


def render(result: Result) -> str:
    return "\n".join([*finding_lines(result), summary(result)]) + "\n"


def finding_lines(result: Result) -> list[str]:
    """One inert line per finding, in the result's order."""
    return [
        f"{path_text(d.path)}:{d.line}:{d.column}: {d.severity.value} {d.rule} {_one_line(d.message)}"
        for d in result.diagnostics
    ]


def _one_line(message: str) -> str:
    """A message on one line: line breaks read as spaces, other controls escaped."""
    return terminal(message.replace("\r", " ").replace("\n", " "))


def summary(result: Result) -> str:
    """One line: files checked, counts by severity, and any rules skipped."""
    counts = [
        plural(result.count(Severity.ERROR), "error"),
        plural(result.count(Severity.WARNING), "warning"),
        plural(result.count(Severity.INFO), "info"),
    ]
    text = f"Checked {plural(result.files, 'file')}: " + (", ".join(counts) if result.diagnostics else "no problems")
    if result.history_skipped or result.skipped_rules:
        skipped = f": {', '.join(result.skipped_rules)}" if result.skipped_rules else ""
        text += f"; git history rules skipped (--no-history){skipped}"
    return text + "."

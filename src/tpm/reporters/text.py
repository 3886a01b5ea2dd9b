"""`path:line:col: severity slug message`, one per line, then a summary line."""

from __future__ import annotations

from tpm.diagnostic import Severity
from tpm.wording import plural


def render(result) -> str:
    lines = [
        f"{d.path}:{d.line}:{d.column}: {d.severity.value} {d.rule} {_one_line(d.message)}"
        for d in result.diagnostics
    ]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def _one_line(message: str) -> str:
    return message.replace("\r", " ").replace("\n", " ")



def summary(result) -> str:
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

"""GitHub Actions workflow commands: one annotation per finding, escaped as GitHub does.

GitHub shows at most 10 error and 10 warning annotations per step (and 10 notices), so
the most severe come first, the rest are counted in a closing notice, and every finding
is also printed as a plain log line. When `$GITHUB_STEP_SUMMARY` names a file, the CLI
appends a Markdown summary to it (see `step_summary`).

File names and messages come from the pull request. Annotations escape them as workflow
command values; the plain lines are wrapped in `::stop-commands::`, so that a file named
`::error::boom.md` is printed, not obeyed (see `escaping.workflow_log`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tpm.diagnostic import Severity
from tpm.escaping import workflow_data, workflow_log, workflow_property
from tpm.reporters import text
from tpm.report.escape import cell

if TYPE_CHECKING:
    from tpm.engine import Result

SHOWN_PER_KIND = 10
SUMMARY_LIMIT = 1024 * 1024 - 4096  # GitHub reads at most 1 MiB per step summary
_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


escape_data, escape_property = workflow_data, workflow_property  # their names before escaping.py


def render(result: Result) -> str:
    ordered = sorted(result.diagnostics, key=lambda d: (d.severity.rank, d))
    lines: list[str] = []
    shown = {kind: 0 for kind in Severity}
    for d in ordered:
        if shown[d.severity] >= SHOWN_PER_KIND:
            continue
        shown[d.severity] += 1
        properties = (
            f"file={workflow_property(d.path)},line={d.line},endLine={d.end_line},col={d.column},"
            f"title={workflow_property(f'{d.rule} ({d.code})')}"
        )
        lines.append(f"::{_COMMAND[d.severity]} {properties}::{workflow_data(d.message)}")
    rest = len(ordered) - sum(shown.values())
    if rest:
        lines.append(
            f"::notice title=tpm::{rest} more finding{'s' if rest != 1 else ''} not shown as annotations "
            "(GitHub shows 10 of each kind); all are listed below and in the step summary"
        )
    findings = text.finding_lines(result)
    if findings:
        lines.append(workflow_log("\n".join(findings)))
    lines.append(text.summary(result))
    return "\n".join(lines) + "\n"


def step_summary(result: Result) -> str:
    """A Markdown summary for the job page, cut to stay within GitHub's 1 MiB."""
    out = ["## tpm check", "", text.summary(result), ""]
    if result.diagnostics:
        out += ["| File | Line | Severity | Rule | Message |", "| --- | --- | --- | --- | --- |"]
    size = sum(len(line) + 1 for line in out)
    for number, d in enumerate(result.diagnostics):
        row = f"| {cell(d.path)} | {d.line} | {d.severity.value} | {d.rule} | {cell(d.message)} |"
        if size + len(row) + 200 > SUMMARY_LIMIT:
            out.append(f"\n{len(result.diagnostics) - number} more findings are in the job log.")
            break
        out.append(row)
        size += len(row.encode("utf-8")) + 1
    return "\n".join(out) + "\n"

"""GitLab Code Quality JSON: an array of issues with description, check_name, a unique
stable fingerprint, severity (info ... blocker) and location.path / location.lines.begin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tpm.diagnostic import Severity
from tpm.escaping import json_dumps

if TYPE_CHECKING:
    from tpm.engine import Result

_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(result: Result) -> str:
    issues = [
        {
            "type": "issue",
            "description": d.message,
            "check_name": d.rule,
            "categories": ["Bug Risk" if d.severity is Severity.ERROR else "Style"],
            "fingerprint": result.fingerprints.get(d, ""),
            "severity": _SEVERITY[d.severity],
            "location": {"path": d.path, "lines": {"begin": d.line, "end": d.end_line}},
        }
        for d in result.diagnostics
    ]
    return json_dumps(issues, indent=2) + "\n"

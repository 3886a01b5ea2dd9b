"""The `json` format of SPEC §5: version 1, stable keys, diagnostics in sorted order."""

from __future__ import annotations

from tpm.diagnostic import Severity
from tpm.escaping import json_dumps


def render(result) -> str:
    document = {
        "version": 1,
        "today": result.today.isoformat(),
        "diagnostics": [d.to_json() for d in result.diagnostics],
        "summary": {
            "files": result.files,
            "errors": result.count(Severity.ERROR),
            "warnings": result.count(Severity.WARNING),
            "infos": result.count(Severity.INFO),
            "skipped_rules": list(result.skipped_rules),
        },
    }
    return json_dumps(document, indent=2) + "\n"

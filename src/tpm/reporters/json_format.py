"""The `json` format of SPEC §5: version 1, stable keys, diagnostics in sorted order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tpm.diagnostic import Severity
from tpm.escaping import json_dumps

if TYPE_CHECKING:
    from tpm.engine import Result


def render(result: Result) -> str:
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

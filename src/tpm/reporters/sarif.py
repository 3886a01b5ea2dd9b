"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Valid against the official schema (tested with ../shared/data/sarif-schema-2.1.0.json);
rules come from the registry with their documentation as help; locations use relative
URIs against %SRCROOT% and 1-based lines; `partialFingerprints` survive line shifts and
the passing of days (see engine.fingerprints).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tpm import __version__
from tpm.diagnostic import Severity
from tpm.escaping import json_dumps
from tpm.report.escape import link
from tpm.rules import all_rules

if TYPE_CHECKING:
    from tpm.engine import Result

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(result: Result) -> str:
    rules = all_rules()
    index = {rule.slug: number for number, rule in enumerate(rules)}
    driver = {
        "name": "tpm",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [
            {
                "id": rule.slug,
                "name": rule.slug,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.doc},
                "help": {"text": rule.doc, "markdown": rule.doc},
                "defaultConfiguration": {"level": _LEVEL[rule.severity]},
                "properties": {"code": rule.code, "tags": [rule.scope]},
            }
            for rule in rules
        ],
    }
    results = [
        {
            "ruleId": d.rule,
            "ruleIndex": index[d.rule],
            "level": _LEVEL[d.severity],
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": link(d.path), "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": max(d.line, 1),
                            "startColumn": max(d.column, 1),
                            "endLine": max(d.end_line, d.line, 1),
                        },
                    }
                }
            ],
            "partialFingerprints": {"tpmFingerprint/v1": result.fingerprints.get(d, "")},
        }
        for d in result.diagnostics
    ]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results, "columnKind": "unicodeCodePoints"}],
    }
    return json_dumps(document, indent=2) + "\n"

"""The values every stage passes along: severities, findings and diagnostics."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(str, enum.Enum):
    """How bad a finding is. The order matters: errors sort and fail first."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {value!r} (expected one of {choices})") from None


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Finding:
    """What a rule yields: a place and a message. The engine adds slug, code and severity,
    so that no rule can get its own name or configured severity wrong.

    `severity` is only for rules whose documented default depends on the finding
    (e.g. an error for high-band risks); configuration still overrides it.
    """

    path: str
    line: int
    column: int
    message: str
    end_line: int | None = None
    severity: Severity | None = None


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One reported problem. Field order is the sort order of every output format."""

    path: str  # repository-relative, '/'-separated
    line: int  # 1-based; 1 for whole-file problems
    column: int  # 1-based
    rule: str  # slug, e.g. "dangling-reference"
    message: str
    code: str
    severity: Severity
    end_line: int

    def to_json(self) -> dict[str, str | int]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "code": self.code,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
        }

"""The one registry of rules: slug, code, default severity, options and documentation.

A rule is a generator function decorated with `@rule(...)`. Its docstring is its
documentation (`tpm explain SLUG` prints it), so the words stay next to the code. A rule
yields `Finding`s; the engine fills in slug, code and configured severity.

Scopes say what a rule's function receives:
- "document": `check(document, ctx)`, once per document;
- "project": `check(project, ctx)`, once per run, for rules that compare documents;
- "history": `check(project, history, ctx)`, once per run, only when git history is read.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from tpm.config import Config
from tpm.diagnostic import Finding, Severity
from tpm.history import FileHistory

SCOPES = ("document", "project", "history")

Check = Callable[..., Iterable[Finding]]  # its arguments depend on the scope, as above
_C = TypeVar("_C", bound=Check)


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the project: the config, today, and its own options."""

    config: Config
    today: datetime.date
    options: Mapping[str, int] = field(default_factory=dict)


class HistoryIndex(Protocol):
    """What a history rule reads: each file's folded history, by repository path
    (`tpm.history.History`, or an in-memory fake in the tests)."""

    def for_path(self, path: str, /) -> FileHistory: ...


@dataclass(frozen=True)
class Rule:
    slug: str
    code: str
    severity: Severity
    scope: str
    check: Check
    options: Mapping[str, int] = field(default_factory=dict)  # name -> default; all are whole numbers

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.check) or ""

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0]


REGISTRY: dict[str, Rule] = {}


def rule(
    slug: str, code: str, severity: str, scope: str = "document", options: Mapping[str, int] | None = None
) -> Callable[[_C], _C]:
    """Register the decorated generator as the rule `slug`."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def register(check: _C) -> _C:
        if slug in REGISTRY or any(r.code == code for r in REGISTRY.values()):
            raise ValueError(f"rule {slug} / {code} registered twice")
        REGISTRY[slug] = Rule(slug, code, Severity(severity), scope, check, dict(options or {}))
        return check

    return register

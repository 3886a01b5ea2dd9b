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

import inspect
from dataclasses import dataclass, field
from collections.abc import Callable, Mapping

from tpm.diagnostic import Severity

SCOPES = ("document", "project", "history")


@dataclass(frozen=True)
class Rule:
    slug: str
    code: str
    severity: Severity
    scope: str
    check: Callable
    options: Mapping[str, object] = field(default_factory=dict)

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.check) or ""

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0]


REGISTRY: dict[str, Rule] = {}


def rule(slug: str, code: str, severity: str, scope: str = "document", options: Mapping | None = None):
    """Register the decorated generator as the rule `slug`."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def register(check: Callable) -> Callable:
        if slug in REGISTRY or any(r.code == code for r in REGISTRY.values()):
            raise ValueError(f"rule {slug} / {code} registered twice")
        REGISTRY[slug] = Rule(slug, code, Severity(severity), scope, check, dict(options or {}))
        return check

    return register

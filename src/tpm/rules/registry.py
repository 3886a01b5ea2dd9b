"""The one registry of rules: slug, code, default severity, options and documentation.

A rule is a generator function decorated with `@rule(...)`. Its docstring is its
documentation (`tpm explain SLUG` prints it), so the words stay next to the code. A rule
yields `Finding`s; the engine fills in slug, code and configured severity.

A rule that was renamed keeps its old slug as an alias (`ALIASES`, the one table of
them): the old slug is accepted wherever a slug is (config, `--select`, `--ignore`,
`lint.ignore`, `tpm explain`), and output always names the new one. Codes never change.

Scopes say what a rule's function receives:
- "document": `check(document, ctx)`, once per document;
- "project": `check(project, ctx)`, once per run, for rules that compare documents;
- "history": `check(project, history, ctx)`, once per run, only when git history is read.
"""

from __future__ import annotations

import datetime
import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol, TypeVar

from tpm.config import Config, RuleOptions
from tpm.diagnostic import Finding, Severity
from tpm.history import FileHistory

SCOPES = ("document", "project", "history")

Check = Callable[..., Iterable[Finding]]  # its arguments depend on the scope, as above
_C = TypeVar("_C", bound=Check)


ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "overdue-milestone": "overdue",
        "stale-milestone": "stale",
        "unreviewed-risk": "unreviewed",
        "slipped-milestone": "slipped",
    }
)
"""Old slug -> new slug: the rules that were renamed when they stopped being about one type."""


@dataclass(frozen=True)
class Context:
    """What a rule may know besides the project: the config, today, and its own options,
    the numbers (days, times) in `options` and the names (of a field, of a type) in `names`."""

    config: Config
    today: datetime.date
    options: Mapping[str, int] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, config: Config, today: datetime.date, options: RuleOptions) -> Context:
        """The context of a rule whose options (configured, else its defaults) are `options`."""
        numbers = {key: value for key, value in options.items() if isinstance(value, int)}
        names = {key: value for key, value in options.items() if isinstance(value, str)}
        return cls(config, today, numbers, names)


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
    options: RuleOptions = field(default_factory=dict)  # name -> default: a whole number or a name
    kind: str = "document"  # document, project, schedule (depends on today) or history: what gates judge

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.check) or ""

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0]

    @property
    def looks_at(self) -> str:
        """What the rule reads, in words, for `tpm explain` and the editor's hover."""
        return {"document": "each document", "project": "the whole project", "history": "git history"}[self.scope]

    @property
    def options_text(self) -> str | None:
        """Its options with their defaults (`stale_after_days = 7`), or None without any."""
        if not self.options:
            return None
        return ", ".join(f"{name} = {json.dumps(value)}" for name, value in self.options.items())


REGISTRY: dict[str, Rule] = {}


def canonical(name: str) -> str:
    """A slug as the registry knows it: an old slug becomes the new one, anything else stays."""
    return ALIASES.get(name, name)


def find(name: str) -> Rule | None:
    """The rule that `name` names: a slug, an old slug, or a code in any case."""
    found = REGISTRY.get(canonical(name))
    if found is None:
        found = next((r for r in REGISTRY.values() if r.code == name.upper()), None)
    return found


def options_of(config: Config, slug: str) -> RuleOptions:
    """A rule's options in force: its `[rules.SLUG]` table's, else its defaults."""
    return config.rule(slug).options or REGISTRY[slug].options


def rule(
    slug: str,
    code: str,
    severity: str,
    scope: str = "document",
    options: RuleOptions | None = None,
    kind: str | None = None,
) -> Callable[[_C], _C]:
    """Register the decorated generator as the rule `slug`. `scope` is what it is given (a
    document, the project, or the project and history); `kind` is what it judges, the
    scope unless it depends on today (`schedule`): the commit gate never fails on those."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    if kind not in (None, "schedule"):
        raise ValueError(f"unknown kind {kind!r}")

    def register(check: _C) -> _C:
        if slug in REGISTRY or any(r.code == code for r in REGISTRY.values()):
            raise ValueError(f"rule {slug} / {code} registered twice")
        if slug in ALIASES:
            raise ValueError(f"rule {slug}: that is the old slug of {ALIASES[slug]}")
        REGISTRY[slug] = Rule(slug, code, Severity(severity), scope, check, dict(options or {}), kind or scope)
        return check

    return register

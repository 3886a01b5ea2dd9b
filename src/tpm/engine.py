"""Run the selected rules over a project and turn their findings into diagnostics.

This is where slug, code and severity are attached (from the registry and the config), and
where selection applies. Rules never decide their own name or configured severity.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from functools import cache

from tpm.config import Config
from tpm.diagnostic import Diagnostic, Finding, Severity
from tpm.errors import UsageError
from tpm.model import Document, Project, suppression_of
from tpm.rules import all_rules
from tpm.rules.registry import Context, HistoryIndex, Rule, canonical


@dataclass(frozen=True)
class Result:
    today: datetime.date
    files: int
    diagnostics: tuple[Diagnostic, ...]  # sorted
    skipped_rules: tuple[str, ...] = ()  # slugs selected but not run (git rules under --no-history)
    history_skipped: bool = False  # --no-history was given
    paths: tuple[str, ...] = ()  # the documents checked, sorted
    fingerprints: Mapping[Diagnostic, str] = field(default_factory=dict)  # diagnostic -> stable fingerprint

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity)

    def exit_code(self, strict: bool) -> int:
        if strict:
            return 1 if self.diagnostics else 0
        return 1 if self.count(Severity.ERROR) else 0


def resolve_selectors(selectors: Iterable[str], rules: Sequence[Rule], origin: str) -> set[str]:
    """Slugs for selectors that are slugs, old slugs (`ALIASES`), codes, code prefixes
    (`TPM0`) or `ALL`."""
    chosen: set[str] = set()
    for written in selectors:
        selector = written.strip()
        if not selector:
            continue
        if selector.upper() == "ALL":
            chosen.update(r.slug for r in rules)
            continue
        slug = canonical(selector)
        found = {r.slug for r in rules if r.slug == slug or r.code.startswith(selector.upper())}
        if not found:
            raise UsageError(f"{origin}: no rule matches {selector!r} (see `tpm rules`)")
        chosen |= found
    return chosen


def named_one_by_one(selectors: Iterable[str], rules: Sequence[Rule]) -> set[str]:
    """The slugs of the rules that selectors name one by one: by slug, old slug or whole
    code (not by a code prefix or `ALL`)."""
    named = {canonical(s.strip()) for s in selectors} | {s.strip().upper() for s in selectors}
    return {r.slug for r in rules if r.slug in named or r.code in named}


def selected_rules(config: Config, select: Collection[str] = (), ignore: Collection[str] = ()) -> list[Rule]:
    """The rules to run: --select (else the config's `select`, else all), less the ignored
    and those whose configured severity is `off`. A rule that --select names one by one
    runs even when the config's `ignore` names it (the more specific wins); --ignore still
    removes it."""
    rules = all_rules()
    insisted: set[str] = set()
    if select:
        chosen = resolve_selectors(select, rules, "--select")
        insisted = named_one_by_one(select, rules)
    elif config.select:
        chosen = resolve_selectors(config.select, rules, f"{config.source}: select")
    else:
        chosen = {r.slug for r in rules}
    chosen -= resolve_selectors(config.ignore, rules, f"{config.source}: ignore") - insisted
    chosen -= resolve_selectors(ignore, rules, "--ignore")
    return [r for r in rules if r.slug in chosen and config.rule(r.slug).enabled]


def run(
    project: Project,
    rules: Sequence[Rule],
    today: datetime.date,
    history: HistoryIndex | Callable[[], HistoryIndex] | None = None,
    history_skipped: bool = False,
) -> Result:
    """Run `rules`; history rules run only when a history index is given.

    `history` may be a function that returns the index: the history rules run last and
    call it then, so that git's log pass (in another thread) overlaps the other rules.
    """
    config = project.config
    diagnostics: set[Diagnostic] = set()
    skipped = []
    for rule in sorted(rules, key=lambda r: r.scope == "history"):
        rule_config = config.rule(rule.slug)
        ctx = Context.of(config, today, rule_config.options or rule.options)
        findings: Iterable[Finding]
        if rule.scope == "document":
            findings = (f for document in project.documents for f in rule.check(document, ctx))
        elif rule.scope == "project":
            findings = rule.check(project, ctx)
        elif history is None:
            skipped.append(rule.slug)
            continue
        else:
            if callable(history):
                history = history()
            findings = rule.check(project, history, ctx)
        for finding in findings:
            severity = rule_config.severity or finding.severity or rule.severity
            diagnostics.add(
                Diagnostic(
                    path=finding.path,
                    line=finding.line,
                    column=finding.column,
                    rule=rule.slug,
                    message=printable(finding.message),
                    code=rule.code,
                    severity=severity,
                    end_line=finding.end_line or finding.line,
                )
            )
    silenced: dict[str, set[str]] = {}  # path -> slugs its `lint:` block silences today
    kept = []
    for diagnostic in diagnostics:
        if diagnostic.path not in silenced:
            silenced[diagnostic.path] = active_suppressions(project.by_path.get(diagnostic.path), today)
        if diagnostic.rule not in silenced[diagnostic.path]:
            kept.append(diagnostic)
    kept.sort()
    return Result(
        today,
        len(project.documents),
        tuple(kept),
        tuple(skipped),
        history_skipped,
        tuple(d.path for d in project.documents),
        fingerprints(kept, project),
    )


def fingerprints(diagnostics: Iterable[Diagnostic], project: Project) -> dict[Diagnostic, str]:
    """A fingerprint per diagnostic that survives edits elsewhere in the file and the
    passing of days: path, rule and the text of the offending line (not its number, not
    the message, which counts days), plus which occurrence of that triple it is."""
    lines_of: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    out = {}
    for diagnostic in diagnostics:
        if diagnostic.path not in lines_of:
            document = project.by_path.get(diagnostic.path)
            lines_of[diagnostic.path] = document.source.text.split("\n") if document else []
        lines = lines_of[diagnostic.path]
        text = lines[diagnostic.line - 1].strip() if 0 < diagnostic.line <= len(lines) else ""
        key = f"{diagnostic.path}\0{diagnostic.rule}\0{text}"
        seen[key] = seen.get(key, 0) + 1
        out[diagnostic] = hashlib.sha256(f"{key}\0{seen[key]}".encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return out


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(message: str) -> str:
    """Control characters from user values as `\\xNN`: they would break XML reports and
    drive a terminal (an ANSI escape in a title)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", message)


def active_suppressions(document: Document | None, today: datetime.date) -> set[str]:
    """The slugs a document's `lint:` block silences today (codes and old slugs are turned
    into slugs). A suppression is in force up to and including its `until` date."""
    suppression = suppression_of(document) if document is not None else None
    if suppression is None or suppression.expired(today):
        return set()
    by_code = _slugs_by_code()
    return {by_code.get(name.upper(), canonical(name)) for _, name in suppression.names}


@cache
def _slugs_by_code() -> dict[str, str]:
    return {rule.code: rule.slug for rule in all_rules()}


def only_paths(result: Result, paths: list[str]) -> Result:
    """Keep what concerns the given repository-relative files or folders; the rules have
    already seen the whole project."""
    if not paths:
        return result
    folders = [p.rstrip("/") + "/" for p in paths if p not in ("", ".")]
    if len(folders) < len(paths):
        return result  # the repository root itself was named

    return _keep(result, lambda path: path in paths or any(path.startswith(folder) for folder in folders))


def only_documents(result: Result, paths: Set[str]) -> Result:
    """Keep what concerns exactly these documents (for --diff-base); the rules have
    already seen the whole project."""
    return _keep(result, paths.__contains__)


def _keep(result: Result, wanted: Callable[[str], bool]) -> Result:
    kept = tuple(d for d in result.diagnostics if wanted(d.path))
    documents = tuple(path for path in result.paths if wanted(path))
    return replace(result, files=len(documents), diagnostics=kept, paths=documents)

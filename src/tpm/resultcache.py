"""A cache of a whole lint's result, so that a run in which nothing changed costs little
more than listing the files and reading them.

A run's diagnostics are a function of tpm's own code, the configuration, the effective
schemas and templates, the rules selected (with their severities and options), today,
HEAD (the history rules read git from it, and what is uncommitted is what differs from
it), whether history is read, and the exact bytes of every candidate file. The key is a
SHA-1 over all of them; the files are read (and hashed) every run, so no edit, however
small, can find a stale result. Change anything and the run is made afresh, with the
document cache (doccache.py) sparing the parsing of unchanged files.

The file is signed JSON (cachefile.py), checked member by member when read: one that is
not exactly what `save` writes is ignored and rebuilt. A run in which a listed file was
gone from the work tree is not cached (its documents may come from the index instead),
nor one that `--no-cache` asks to do afresh.
"""

from __future__ import annotations

import datetime
import hashlib
from functools import cache
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tpm import __version__, cachefile
from tpm.config import Config
from tpm.diagnostic import Diagnostic, Severity
from tpm.discover import Candidate
from tpm.document import SourceFile
from tpm.engine import Result
from tpm.model import Read
from tpm.rules.registry import Rule
from tpm.templates import template_placeholders

FORMAT = "tpm-results/1"
_SEVERITIES = {s.value: s for s in Severity}
_CODE_ROOT = Path(__file__).resolve().parent


@cache
def code_fingerprint() -> str:
    """A hash of tpm's own files (its code, schemas and templates), so that a changed tpm,
    even under the same version (an editable install), never answers with an old result.
    Worked out once per process: a tpm edited while it runs is a new process anyway."""
    digest = hashlib.sha1(__version__.encode())
    for path in sorted(_CODE_ROOT.rglob("*")):
        if path.suffix in (".py", ".json", ".toml", ".md") and "__pycache__" not in path.parts and path.is_file():
            digest.update(path.relative_to(_CODE_ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def run_key(
    root: Path,
    config: Config,
    documents_fingerprint: str,
    rules: Sequence[Rule],
    today: datetime.date,
    head: str | None,
    staged: bool,
    history: bool,
    candidates: Sequence[Candidate],
    read: Sequence[Read],
) -> str | None:
    """The key of a run, or None when the run is not to be cached (a listed file is gone)."""
    digest = hashlib.sha1()
    placeholders = {
        name: sorted(
            (section, pattern.pattern) for section, pattern in template_placeholders(root, config, name).items()
        )
        for name in config.types
    }
    rule_keys = [
        [
            r.slug,
            r.code,
            r.severity.value,
            r.scope,
            r.kind,
            repr(sorted(r.options.items())),
            r.check.__module__,
            r.check.__qualname__,
        ]
        for r in rules
    ]
    head_part = repr(
        [
            code_fingerprint(),
            documents_fingerprint,
            repr(config),
            placeholders,
            rule_keys,
            today.isoformat(),
            head,
            staged,
            history,
        ]
    )
    digest.update(head_part.encode("utf-8", "surrogateescape") + b"\0")
    for candidate, found in zip(candidates, read, strict=True):
        if found is None:
            return None
        digest.update(f"{candidate.path}\0{candidate.path_type or ''}\0".encode("utf-8", "surrogateescape"))
        if isinstance(found, bytes):
            size = getattr(found, "size", None)  # a staged blob over the cap: its size only
            digest.update(b"B" if size is None else f"O{size}".encode())
            digest.update(hashlib.sha1(found).digest())
        else:
            digest.update(b"U" + _unreadable_key(found).encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()


def _unreadable_key(source: SourceFile) -> str:
    return repr([(p.slug, p.line, p.column, p.message) for p in source.problems])


class ResultCache:
    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self.path = git_dir / "tpm-cache" / "results.json"

    def load(self, key: str, today: datetime.date, candidates: Sequence[Candidate]) -> Result | None:
        """The cached result of the run keyed `key`, or None (absent, foreign, malformed)."""
        data = cachefile.load(self.path, self.git_dir, FORMAT)
        if data is None or data.get("key") != key:
            return None
        try:
            return _decode(data, today, candidates)
        except (KeyError, TypeError, ValueError):
            return None

    def save(self, key: str, result: Result, candidates: Sequence[Candidate]) -> None:
        """Remember `result` under `key`, when its documents are the candidates in order
        (less those that are no documents): what `load` rebuilds its paths from."""
        documents = set(result.paths)
        not_documents = [c.path for c in candidates if c.path not in documents]
        skipped = set(not_documents)
        if list(result.paths) != [c.path for c in candidates if c.path not in skipped]:
            return
        diagnostics = [
            [d.path, d.line, d.column, d.rule, d.message, d.code, d.severity.value, d.end_line, result.fingerprints[d]]
            for d in result.diagnostics
        ]
        cachefile.save(
            self.path,
            self.git_dir,
            FORMAT,
            {
                "key": key,
                "not_documents": not_documents,
                "skipped_rules": list(result.skipped_rules),
                "history_skipped": result.history_skipped,
                "diagnostics": diagnostics,
            },
        )


def _text(value: object) -> str:
    if type(value) is not str:
        raise TypeError("expected text")
    return value


def _number(value: object) -> int:
    if type(value) is not int:
        raise TypeError("expected a whole number")
    return value


def _decode(data: dict[str, Any], today: datetime.date, candidates: Sequence[Candidate]) -> Result:
    not_documents = {_text(p) for p in data["not_documents"]}
    if not not_documents <= {c.path for c in candidates}:
        raise ValueError("a path that is no candidate")
    history_skipped = data["history_skipped"]
    if type(history_skipped) is not bool:
        raise TypeError("expected true or false")
    diagnostics: list[Diagnostic] = []
    fingerprints: dict[Diagnostic, str] = {}
    for row in data["diagnostics"]:
        path, line, column, rule, message, code, severity, end_line, fingerprint = row
        diagnostic = Diagnostic(
            _text(path),
            _number(line),
            _number(column),
            _text(rule),
            _text(message),
            _text(code),
            _SEVERITIES[_text(severity)],
            _number(end_line),
        )
        diagnostics.append(diagnostic)
        fingerprints[diagnostic] = _text(fingerprint)
    if len(fingerprints) != len(diagnostics):
        raise ValueError("a diagnostic twice")
    paths = tuple(c.path for c in candidates if c.path not in not_documents)
    return Result(
        today,
        len(paths),
        tuple(sorted(diagnostics)),
        tuple(_text(s) for s in data["skipped_rules"]),
        history_skipped,
        paths,
        fingerprints,
    )

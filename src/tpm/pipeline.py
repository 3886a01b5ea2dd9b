"""One lint run, from the current folder to a `Result`: shared by `check` and `report`.

discover -> (start reading history) -> parse documents -> run rules -> result. The
history index is built at most once per run and kept, so that the report can show slip
history and review ages without reading git again.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tpm import engine, git
from tpm.asof import repository_name, resolve_as_of
from tpm.config import Config, load_config
from tpm.discover import discover
from tpm.doccache import DocumentCache
from tpm.errors import UsageError
from tpm.history import SHALLOW_ADVICE, History, HistoryReader
from tpm.model import Project, load_project, read_candidates
from tpm.resultcache import ResultCache, run_key
from tpm.rules import rule_defaults
from tpm.schema import Schemas


@dataclass(frozen=True)
class Run:
    root: Path
    config: Config
    today: datetime.date
    result: engine.Result
    # Builds the project model on its first call and returns the same one after: a run
    # answered from the result cache builds it only when a caller asks (the commit gate).
    _project: Callable[[], Project] = field(repr=False)
    # Reads the history index on its first call and returns the same one after; None
    # when history is not read (--no-history, or nothing needs it).
    _history: Callable[[], History] | None = field(default=None, repr=False)

    @property
    def project(self) -> Project:
        """The project model, built now if the run was answered from the result cache."""
        return self._project()

    @property
    def history(self) -> History | None:
        """The history index, read now if no git rule needed it yet (None with --no-history)."""
        return self._history() if self._history is not None else None


@dataclass(frozen=True)
class Options:
    """What the command line asked of a lint run, parsed once (as check-jsonschema's
    ParseResult): the run is built from it and from nothing else."""

    cwd: Path
    config_file: str | None = None  # --config
    today: str | None = None  # --today, as typed
    select: tuple[str, ...] = ()  # --select, split on commas
    ignore: tuple[str, ...] = ()  # --ignore, split on commas
    no_history: bool = False
    no_cache: bool = False
    history_wanted: bool = False  # read history even when no selected rule needs it (the report)
    staged: bool = False  # lint what the index holds
    as_of: str | None = None  # the report's --as-of: last-change, today or a date (None: today)
    report_file: str | None = None  # the report's --output, as typed: no document for --as-of


def lint(options: Options) -> Run:
    """Lint the project around `options.cwd`. History is read when a selected git rule
    needs it, or when the caller wants it anyway (`history_wanted`, the report), never
    with `no_history`. With `staged`, the project is what the index holds: the files and
    contents the next commit would record."""
    root = git.repository_root(options.cwd)
    config = load_config(root, options.cwd, options.config_file, rule_defaults=rule_defaults())
    state = git.repository_state(root)
    own = repository_name(root, options.cwd, options.report_file)
    when = resolve_as_of(options.as_of, options.today, root, config, state, own, options.staged)
    rules = engine.selected_rules(config, options.select, options.ignore)
    candidates = discover(root, config, staged=options.staged)
    wants_history = any(rule.scope == "history" for rule in rules)
    reads_history = not options.no_history and (wants_history or options.history_wanted)
    # The result cache answers check (not the report, which wants the model and history).
    results = None if options.no_cache or options.history_wanted else ResultCache(state.git_dir)

    def start_history() -> HistoryReader | None:
        if not reads_history:
            return None
        paths = [c.path for c in candidates]
        return HistoryReader(root, state, config, paths, not options.no_cache, options.staged, parallel=True)

    # Without a result cache to ask first, git's log pass starts now, on the other core,
    # while the files are read and parsed; with one, only once the files' key missed it.
    early = start_history() if results is None else None
    contents = git.staged_contents(root) if options.staged else None
    read = read_candidates(root, candidates, contents)
    schemas = Schemas(config, root)
    cache = None if options.no_cache else DocumentCache(state.git_dir)

    def build() -> Project:
        return load_project(root, candidates, config, cache, contents, read, schemas)

    key = None
    if results is not None:
        assert cache is not None  # both come and go with --no-cache
        if state.shallow and reads_history:
            raise UsageError(SHALLOW_ADVICE)  # as the history reader would
        key = run_key(
            root,
            config,
            cache.fingerprint(config, schemas),
            rules,
            when,
            state.head,
            options.staged,
            reads_history,
            candidates,
            read,
        )
        cached = results.load(key, when, candidates) if key is not None else None
        if cached is not None:
            return Run(root, config, when, cached, functools.cache(build))
    reader = early if results is None else start_history()
    project = build()
    history = functools.cache(functools.partial(reader.finish, project, when)) if reader else None
    result = engine.run(
        project,
        rules,
        when,
        history=history if wants_history else None,
        history_skipped=options.no_history,
    )
    if cache is not None:
        cache.save()
    if results is not None and key is not None:
        results.save(key, result, candidates)
    return _kept(Run(root, config, when, result, lambda: project, history))


_LAST_RUN: list[Run] = []


def _kept(run: Run) -> Run:
    """`run`, also held here until the next one. The `tpm` command leaves without the
    interpreter's teardown (cli.run): the project model and history it holds are never
    taken apart object by object, as they would be when the command's last reference
    to them went (14 ms after a cold run over 1,000 documents)."""
    _LAST_RUN[:] = [run]
    return run

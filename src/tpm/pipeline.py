"""One lint run, from the current folder to a `Result`: shared by `check` and `report`.

discover -> (start reading history) -> parse documents -> run rules -> result. The
history index is built at most once per run and kept, so that the report can show slip
history and review ages without reading git again.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from tpm import engine, git
from tpm.config import Config, load_config
from tpm.discover import discover
from tpm.doccache import DocumentCache
from tpm.history import History, HistoryReader
from tpm.model import Project, load_project
from tpm.rules import rule_defaults
from tpm.today import resolve_today


@dataclass(frozen=True)
class Run:
    root: Path
    config: Config
    today: datetime.date
    project: Project
    result: engine.Result
    # Reads the history index on its first call and returns the same one after; None
    # when history is not read (--no-history, or nothing needs it).
    _history: Callable[[], History] | None = field(default=None, repr=False)

    @property
    def history(self) -> History | None:
        """The history index, read now if no git rule needed it yet (None with --no-history)."""
        return self._history() if self._history is not None else None


def lint(
    cwd: Path,
    config_file: str | None = None,
    today: str | None = None,
    select: Collection[str] = (),
    ignore: Collection[str] = (),
    no_history: bool = False,
    no_cache: bool = False,
    history_wanted: bool = False,
    staged: bool = False,
) -> Run:
    """Lint the project around `cwd`. History is read when a selected git rule needs it,
    or when the caller wants it anyway (`history_wanted`, the report), never with
    `no_history`. With `staged`, the project is what the index holds: the files and
    contents the next commit would record."""
    root = git.repository_root(cwd)
    config = load_config(root, cwd, config_file, rule_defaults=rule_defaults())
    when = resolve_today(today, config.timezone)
    rules = engine.selected_rules(config, select, ignore)
    candidates = discover(root, config, staged=staged)
    state = git.repository_state(root)
    wants_history = any(rule.scope == "history" for rule in rules)
    reader = None
    if not no_history and (wants_history or history_wanted):
        reader = HistoryReader(root, state, config, [c.path for c in candidates], not no_cache, staged)
    cache = None if no_cache else DocumentCache(state.git_dir)
    project = load_project(root, candidates, config, cache, git.staged_contents(root) if staged else None)
    history = functools.cache(functools.partial(reader.finish, project, when)) if reader else None
    result = engine.run(
        project,
        rules,
        when,
        history=history if wants_history else None,
        history_skipped=no_history,
    )
    if cache is not None:
        cache.save()
    return Run(root, config, when, project, result, history)

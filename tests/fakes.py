"""In-memory stand-ins for the unit tests: a history index without git, a project without files.

The history rules read `history.for_path(path)` (the `tpm.rules.registry.HistoryIndex`
protocol) and, on what it returns, the attributes and methods of `tpm.history.FileHistory`.
`FakeHistory` gives them exactly that, from a dict, so a history rule is tested with three
lines of data:

    history = FakeHistory({"project/milestones/M-1-a.md": file_history(last_change="2026-11-01")})

`file_history` returns a real `FileHistory` (so every attribute a rule may read exists, with
its real default), filled from readable arguments; only the task-line lookup is keyed by the
line's text instead of its digest. `project_of` builds a `Project` from texts, through the
real discovery and parser, without a repository; `config_of` a `Config` from a TOML table.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from pathlib import Path

from tpm.config import Config, builtin_types, parse_config
from tpm.discover import discover
from tpm.history import FileHistory
from tpm.model import Project, load_project
from tpm.rules import rule_defaults
from tpm.rules.registry import HistoryIndex

NOWHERE = Path("/nonexistent-tpm-test-root")


class _FileHistory(FileHistory):
    """A `FileHistory` whose task lines are looked up by their text."""

    def __init__(self, lines: Mapping[str, str | None], **fields: object) -> None:
        super().__init__(**fields)  # type: ignore[arg-type]  # the builder passes FileHistory's own fields
        self._lines = dict(lines)

    def unchanged_since(self, line: str) -> str | None:
        return self._lines.get(line)


def file_history(
    *,
    created: str | None = None,
    last_change: str | None = None,
    due_moves: Iterable[tuple[str | None, str, str]] = (),
    due_field: str = "due",
    reviewed: tuple[str | None, int] | None = None,
    reviewed_field: str = "reviewed",
    changed: tuple[str | None, int, Iterable[str]] | None = None,
    lines: Mapping[str, str | None] | None = None,
) -> FileHistory:
    """One file's folded history, from the facts a rule reads.

    `due_moves`: (date, old due, new due) per change of the field `due_field`; `reviewed`:
    (date the review was committed, its version number), a version that set
    `reviewed_field`; `changed`: (date, version number, tracked items that changed then:
    field names, `#mitigation` for the Mitigation section); `lines`: stripped task-line
    text -> date it has stood since. `last_change` defaults to `created`.
    """
    fields: dict[str, object] = {
        "created": created,
        "last_change": last_change if last_change is not None else created,
        "moves": {due_field: [[when, old, new] for when, old, new in due_moves]} if due_moves else {},
    }
    seq = 1
    if reviewed is not None:
        when, number = reviewed
        fields["set_on"] = {reviewed_field: [number, when]}
        seq = max(seq, number)
    if changed is not None:
        when, number, names = changed
        fields["changed"] = {name: [number, when] for name in names}
        seq = max(seq, number)
    fields["seq"] = seq
    return _FileHistory(lines or {}, **fields)


class FakeHistory:
    """The history index the rules read, from `{path: FileHistory}`; a path it does not
    know has no history (an empty `FileHistory`), as with the real index."""

    def __init__(self, files: Mapping[str, FileHistory] | None = None, today: datetime.date | None = None) -> None:
        self.files = dict(files or {})
        self.today = today
        self.asked: list[str] = []

    def for_path(self, path: str) -> FileHistory:
        self.asked.append(path)
        return self.files.get(path) or FileHistory()


def as_index(fake: FakeHistory) -> HistoryIndex:
    """The fake where a rule's `history` goes: mypy checks here that it fits the protocol."""
    return fake


def project_of(files: Mapping[str, str], config: Config | None = None) -> Project:
    """A project of `files` ({repository path: text}), typed by the config's globs as
    `tpm check` would, read from memory (nothing on disk, no git)."""
    config = config or Config(types=builtin_types("project"))
    candidates = discover(NOWHERE, config, listed=sorted(files))
    contents = {path: text.encode("utf-8") for path, text in files.items()}
    return load_project(NOWHERE, candidates, config, None, contents)


def config_of(table: Mapping[str, object] | None = None, base: Path = NOWHERE, source: str = ".tpm.toml") -> Config:
    """The `Config` of a `.tpm.toml` table held in `base` (the repository is `NOWHERE`),
    knowing every registered rule and its options."""
    return parse_config(dict(table or {}), base, NOWHERE, source, rule_defaults=rule_defaults())

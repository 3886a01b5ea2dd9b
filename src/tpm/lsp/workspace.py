"""The project as the editor sees it: the files on disk with the open buffers laid over them.

Built once when the server starts (the same steps as `tpm check`: config, discovery, the
document cache, one history read), then kept up to date one document at a time:

- a changed buffer is parsed again on its own (`model.load_document` on the buffer's
  bytes) and takes its old document's place in the project;
- document rules and history rules judge one document at a time (a history rule reads
  only the document it judges and that file's history), so their diagnostics are kept
  per document and only the changed document's are computed again;
- project rules (references, cycles, duplicate ids, ...) compare documents, so they run
  over the whole project after every change; what they read that belongs to one document
  alone (its reference edges) is kept per document and reused while it is unchanged.

Rules, messages, codes, severities and suppressions are `tpm check`'s own: everything goes
through `engine.run`. An open buffer whose text differs from HEAD counts as an uncommitted
change dated today, as an edited file does for `tpm check`.
"""

from __future__ import annotations

import datetime
import re
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tpm import engine, git
from tpm.boundary import read_file
from tpm.config import Config, load_config
from tpm.diagnostic import Diagnostic
from tpm.discover import Candidate, discover
from tpm.doccache import DocumentCache
from tpm.errors import UsageError
from tpm.history import History, HistoryReader
from tpm.model import Document, Project, Reference, load_document, load_project
from tpm.rules import rule_defaults
from tpm.rules.registry import Rule
from tpm.schema import Schemas
from tpm.templates import template_placeholders
from tpm.today import resolve_today

CONFIG_FILES = (".tpm.toml", "pyproject.toml")


class LiveProject(Project):
    """A project whose reference edges are taken, document by document, from the documents
    that have not changed since the last run (the same edges, in the same order, as
    `Project.references` builds from scratch)."""

    edges: dict[str, tuple[Document, list[Reference]]]

    @cached_property
    def references(self) -> list[Reference]:
        all_edges: list[Reference] = []
        for document in self.documents:
            known = self.edges.get(document.path)
            if known is None or known[0] is not document:
                known = (document, Project(self.root, self.config, [document]).references)
                self.edges[document.path] = known
            all_edges += known[1]
        return all_edges


@dataclass
class ConfigProblem:
    """A config that does not load: one diagnostic on its file, and no project."""

    path: str  # repository-relative
    message: str


@dataclass
class Workspace:
    """The live project: what `WorkspaceView` promises, and the lint state behind it."""

    root: Path
    config: Config
    project: LiveProject
    today: datetime.date
    history: History | None
    rules: list[Rule]
    candidates: dict[str, Candidate]
    schemas: Schemas
    head: str | None
    buffers: dict[str, str] = field(default_factory=dict)  # open documents' text, by path
    head_texts: dict[str, bytes | None] = field(default_factory=dict)  # HEAD's version of open files
    # path -> (the document judged, its document- and history-rule diagnostics)
    per_document: dict[str, tuple[Document, tuple[Diagnostic, ...]]] = field(default_factory=dict)
    placeholders: dict[str, Mapping[str, re.Pattern[str]]] = field(default_factory=dict)  # by type
    edges: dict[str, tuple[Document, list[Reference]]] = field(default_factory=dict)
    clean: set[str] = field(default_factory=set)  # files whose disk copy is HEAD's, as git said at load

    # --- building -------------------------------------------------------------------

    @classmethod
    def load(cls, folder: Path) -> Workspace | ConfigProblem:
        """The workspace of the repository around `folder`, or the config's problem."""
        root = git.repository_root(folder)
        try:
            config = load_config(root, root, None, rule_defaults=rule_defaults())
            rules = engine.selected_rules(config)
        except UsageError as exc:
            return ConfigProblem(config_file(root), str(exc))
        today = resolve_today(None, config.timezone)
        listed = discover(root, config)
        state = git.repository_state(root)
        reader = None
        if any(rule.scope == "history" for rule in rules) and not state.shallow:
            reader = HistoryReader(root, state, config, [c.path for c in listed])
        cache = DocumentCache(state.git_dir)
        plain = load_project(root, listed, config, cache)
        cache.save()
        history = reader.finish(plain, today) if reader is not None else None
        project = LiveProject(root, config, plain.documents)
        workspace = cls(
            root=root,
            config=config,
            project=project,
            today=today,
            history=history,
            rules=rules,
            candidates={c.path: c for c in listed},
            schemas=Schemas(config, root),
            head=state.head,
        )
        project.edges = workspace.edges
        if history is not None:
            workspace.clean = {d.path for d in project.documents} - history.uncommitted.keys()
        return workspace

    # --- paths ----------------------------------------------------------------------

    def uri_of(self, path: str) -> str:
        return (self.root / path).as_uri()

    def path_of(self, uri: str) -> str | None:
        relative = relative_path(self.root, uri)
        if relative is None:
            return None
        return relative if self.candidate(relative) is not None else None

    def candidate(self, path: str) -> Candidate | None:
        """The candidate for `path` when it is a file of a configured type (or a Markdown
        file under the project root), known to git or not."""
        found = self.candidates.get(path)
        if found is None:
            listed = discover(self.root, self.config, listed=[path])
            found = listed[0] if listed else None
        return found

    # --- changes --------------------------------------------------------------------

    def open(self, path: str, text: str) -> None:
        """A buffer was opened (or its text replaced)."""
        self.buffers[path] = text
        self._reparse(path, text.encode("utf-8", "surrogateescape"))

    change = open

    def close(self, path: str) -> None:
        """A buffer was closed: the file on disk counts again."""
        self.buffers.pop(path, None)
        self.reread(path)

    def reread(self, path: str) -> None:
        """The file on disk changed (saved, or changed outside the editor)."""
        self.clean.discard(path)
        if path in self.buffers:
            return  # the buffer is what the editor shows; it wins until closed
        self._reparse(path, self._disk(path))

    def _disk(self, path: str) -> bytes | None:
        """The file as it is on disk, read through the repository's boundary: a file that
        became a link out of the repository, a FIFO or a huge file since the load is not
        read (None, as if gone)."""
        try:
            return read_file(git.fs_path(self.root, path), "document", self.root)
        except (OSError, UsageError):  # missing, or refused by the boundary
            return None

    def _head_text(self, path: str) -> bytes | None:
        if self.head is None:
            return None
        shown = git.run(["cat-file", "blob", f"{self.head}:{path}"], self.root, check=False)
        return shown.stdout if shown.returncode == 0 else None

    def _reparse(self, path: str, data: bytes | None) -> None:
        """Parse one document again from `data` (None: the file is gone) and put it in place."""
        candidate = self.candidate(path)
        if candidate is None:
            return
        self.candidates[path] = candidate
        document = None
        if data is not None:
            document = load_document(self.root, candidate, self.config, self.schemas, None, source_bytes=data)
        if document is not None and document.type is not None:
            if document.type not in self.placeholders:
                self.placeholders[document.type] = template_placeholders(self.root, self.config, document.type)
            document.placeholders = self.placeholders[document.type]
        documents = [d for d in self.project.documents if d.path != path]
        if document is not None:
            documents.append(document)
            documents.sort(key=lambda d: d.path)
        self.project = LiveProject(self.root, self.config, documents)
        self.project.edges = self.edges
        if self.history is not None:
            self._mark_uncommitted(path, data, document)

    def _mark_uncommitted(self, path: str, data: bytes | None, document: Document | None) -> None:
        """The file counts as changed today when its text is not HEAD's (as `git status`
        would say of it on disk)."""
        assert self.history is not None
        if data is None or document is None or not document.source.readable or self._is_head(path, data):
            self.history.uncommitted.pop(path, None)
        else:
            self.history.uncommitted[path] = document.source.text

    def _is_head(self, path: str, data: bytes) -> bool:
        """Whether `data` is HEAD's version of `path`: without asking git when the file on
        disk was HEAD's at load and `data` is what it holds, else from HEAD's blob (asked
        once per file)."""
        if path in self.clean and self._disk(path) == data:
            return True
        if path not in self.head_texts:
            self.head_texts[path] = self._head_text(path)
        return self.head_texts[path] == data

    # --- linting --------------------------------------------------------------------

    def lint(self) -> dict[str, tuple[Diagnostic, ...]]:
        """Every diagnostic `tpm check` would give for the project as it is now, by path."""
        today = resolve_today(None, self.config.timezone)
        if today != self.today:  # a new day: date rules judge afresh
            self.today = today
            self.per_document.clear()
            if self.history is not None:
                self.history.today = today
        by_path: dict[str, list[Diagnostic]] = {}
        local = [r for r in self.rules if r.scope != "project"]
        stale = []
        for document in self.project.documents:
            known = self.per_document.get(document.path)
            if known is None or known[0] is not document:
                stale.append(document)
        if stale:  # judged together: one run, however many documents changed
            found: dict[str, list[Diagnostic]] = {}
            alone = Project(self.root, self.config, stale)
            for diagnostic in engine.run(alone, local, today, history=self.history).diagnostics:
                found.setdefault(diagnostic.path, []).append(diagnostic)
            for document in stale:
                self.per_document[document.path] = (document, tuple(found.get(document.path, ())))
        for document in self.project.documents:
            mine = self.per_document[document.path][1]
            if mine:
                by_path.setdefault(document.path, []).extend(mine)
        for gone in self.per_document.keys() - self.project.by_path.keys():
            del self.per_document[gone]
        shared = [r for r in self.rules if r.scope == "project"]
        for diagnostic in engine.run(self.project, shared, today).diagnostics:
            by_path.setdefault(diagnostic.path, []).append(diagnostic)
        return {path: tuple(sorted(found)) for path, found in by_path.items()}

    def all_diagnostics(self) -> list[Diagnostic]:
        """The whole project's diagnostics, sorted as `tpm check` prints them."""
        return sorted(d for found in self.lint().values() for d in found)


def config_file(root: Path) -> str:
    """The config file a config problem is reported on: `.tpm.toml`, else pyproject.toml."""
    for name in CONFIG_FILES:
        if (root / name).exists():
            return name
    return CONFIG_FILES[0]


def relative_path(root: Path, uri: str) -> str | None:
    """The repository-relative path of a `file:` URI, or None outside the repository."""
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "file":
        return None
    local = Path(urllib.request.url2pathname(parsed.path))
    for base in (root, root.resolve()):
        for candidate in (local, local.resolve()):
            try:
                relative = candidate.relative_to(base)
            except ValueError:
                continue
            name = relative.as_posix()
            return None if name in ("", ".") or name.startswith(".git/") else name
    return None

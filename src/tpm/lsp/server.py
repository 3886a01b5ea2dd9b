"""`tpm lsp`: the language server, over stdio (pygls).

It keeps one `Workspace` (the project with the open buffers laid over the files on disk)
and publishes, after every change, the diagnostics `tpm check` would give, for every open
document whose diagnostics changed. Changes are linted once a burst of them has settled
(`DEBOUNCE` seconds; `initializationOptions: {"debounce_ms": N}` changes it). Completion,
hover, definition, references, code actions and document symbols are answered by the
pure functions of `tpm.lsp.features`.

No handler can stop the server: an exception is logged (`window/logMessage`) and the
request answered with nothing.
"""

from __future__ import annotations

import asyncio
import functools
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from tpm import __version__
from tpm.lsp import convert, features
from tpm.lsp.workspace import CONFIG_FILES, ConfigProblem, Workspace, relative_path

DEBOUNCE = 0.15  # seconds: a burst of changes is linted once
TRIGGERS = ["[", ",", " ", "-", ":"]

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")


class TpmServer(LanguageServer):
    """The server and its state: the workspace, what was published, the pending lint."""

    def __init__(self) -> None:
        super().__init__("tpm", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.ws: Workspace | None = None
        self.problem: ConfigProblem | None = None
        self.folder: Path | None = None
        self.debounce = DEBOUNCE
        self.published: dict[str, list[lsp.Diagnostic]] = {}  # uri -> last published
        self.changed: set[str] = set()  # paths changed since the last lint
        self._timer: asyncio.TimerHandle | None = None

    # --- logging ----------------------------------------------------------------------

    def log(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        self.window_log_message(lsp.LogMessageParams(type=kind, message=message))

    def guarded(self, default: Any = None) -> Callable[[_F], _F]:
        """A handler whose exceptions are logged; it then answers `default`."""

        def wrap(handler: _F) -> _F:
            @functools.wraps(handler)
            def safe(*args: Any) -> Any:
                try:
                    return handler(*args)
                except Exception:
                    self.log(f"tpm lsp: {handler.__name__} failed:\n{traceback.format_exc()}", lsp.MessageType.Error)
                    return default

            return safe  # type: ignore[return-value]

        return wrap

    # --- the workspace ----------------------------------------------------------------

    def load(self) -> None:
        """(Re)build the workspace from the repository around the workspace folder."""
        if self.folder is None:
            return
        old_problem = self.problem
        loaded = Workspace.load(self.folder)
        if isinstance(loaded, ConfigProblem):
            self.ws, self.problem = None, loaded
            root = _root_of(self.folder)
            lines = _read_lines(root / loaded.path)
            uri = (root / loaded.path).as_uri()
            self.publish(uri, [convert.config_problem(loaded.message, lines)])
            for uri in list(self.published):  # no project: no document diagnostics either
                if uri != (root / loaded.path).as_uri():
                    self.publish(uri, [])
            self.log(f"tpm lsp: {loaded.message}", lsp.MessageType.Error)
            return
        self.ws, self.problem = loaded, None
        if old_problem is not None:
            self.publish(loaded.uri_of(old_problem.path), [])
        for document in self.workspace.text_documents.values():
            path = loaded.path_of(document.uri)
            if path is not None:
                loaded.open(path, document.source)
        self.lint(force=True)

    def lint(self, force: bool = False) -> None:
        """Lint now; publish for every open document whose diagnostics changed (and for the
        ones that changed since the last lint, whatever their diagnostics)."""
        self._timer = None
        ws = self.ws
        if ws is None:
            return
        changed, self.changed = self.changed, set()
        found = ws.lint()
        for path in ws.buffers:
            uri = ws.uri_of(path)
            document = ws.project.by_path.get(path)
            lines = document.source.text.split("\n") if document is not None else []
            diagnostics = [convert.to_lsp(d, lines) for d in found.get(path, ())]
            if force or path in changed or diagnostics != self.published.get(uri):
                self.publish(uri, diagnostics)

    def publish(self, uri: str, diagnostics: list[lsp.Diagnostic]) -> None:
        self.published[uri] = diagnostics
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))

    def schedule(self) -> None:
        """Lint once the changes stop coming for `debounce` seconds."""
        if self._timer is not None:
            self._timer.cancel()
        if self.debounce <= 0:
            self.lint()
            return
        self._timer = asyncio.get_running_loop().call_later(self.debounce, self._lint_later)

    def _lint_later(self) -> None:
        try:
            self.lint()
        except Exception:
            self.log(f"tpm lsp: lint failed:\n{traceback.format_exc()}", lsp.MessageType.Error)

    def flush(self) -> None:
        """Lint now if a lint is pending (before a request reads the diagnostics)."""
        if self._timer is not None:
            self._timer.cancel()
            self.lint()

    def answer(self, uri: str, default: _T, feature: Callable[[Workspace, str, str], _T]) -> _T:
        """What `feature` answers for a document the features can judge (its workspace,
        path and buffer text), else `default`."""
        found = self.document(uri)
        return default if found is None else feature(*found)

    def document(self, uri: str) -> tuple[Workspace, str, str] | None:
        """The workspace, path and buffer text of a document the features can judge."""
        ws = self.ws
        if ws is None:
            return None
        path = ws.path_of(uri)
        if path is None:
            return None
        return ws, path, self.workspace.get_text_document(uri).source


def _root_of(folder: Path) -> Path:
    from tpm import git

    return git.repository_root(folder)


def _head(root: Path) -> str | None:
    """HEAD's commit now: one `git rev-parse`, asked only when a file is saved."""
    from tpm import git

    return git.repository_state(root).head


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return []


def _folder(params: lsp.InitializeParams) -> Path | None:
    """The workspace folder the editor opened: its first folder, else rootUri, else rootPath."""
    from pygls.uris import to_fs_path

    uri = params.workspace_folders[0].uri if params.workspace_folders else params.root_uri
    if uri:
        path = to_fs_path(uri)
        if path:
            return Path(path)
    return Path(params.root_path) if params.root_path else None


def build() -> TpmServer:
    """The server with its handlers."""
    server = TpmServer()
    _lifecycle(server)
    _documents(server)
    _features_of(server)
    return server


def _lifecycle(server: TpmServer) -> None:
    guarded = server.guarded

    @server.feature(lsp.INITIALIZE)
    @guarded()
    def initialize(params: lsp.InitializeParams) -> None:
        server.folder = _folder(params)
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("debounce_ms"), (int, float)):
            server.debounce = max(float(options["debounce_ms"]), 0.0) / 1000

    @server.feature(lsp.INITIALIZED)
    @guarded()
    def initialized(params: lsp.InitializedParams) -> None:
        try:
            server.load()
        except Exception as exc:  # not a repository, git missing: keep serving, with nothing
            server.log(f"tpm lsp: no project: {exc}", lsp.MessageType.Error)
        capabilities = server.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities else None
        if watched is not None and watched.dynamic_registration:
            patterns = ["**/*.md", *(f"**/{name}" for name in CONFIG_FILES)]
            watchers = [lsp.FileSystemWatcher(glob_pattern=pattern) for pattern in patterns]
            server.client_register_capability(
                lsp.RegistrationParams(
                    registrations=[
                        lsp.Registration(
                            id="tpm-watched-files",
                            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=lsp.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
                        )
                    ]
                )
            )


def _documents(server: TpmServer) -> None:
    guarded = server.guarded

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    @guarded()
    def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
        ws = server.ws
        path = ws.path_of(params.text_document.uri) if ws is not None else None
        if ws is None or path is None:
            return
        ws.open(path, params.text_document.text)
        server.changed.add(path)
        server.lint()

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    @guarded()
    def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
        ws = server.ws
        path = ws.path_of(params.text_document.uri) if ws is not None else None
        if ws is None or path is None:
            return
        ws.change(path, server.workspace.get_text_document(params.text_document.uri).source)
        server.changed.add(path)
        server.schedule()

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    @guarded()
    def did_save(params: lsp.DidSaveTextDocumentParams) -> None:
        saved(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    @guarded()
    def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ws = server.ws
        path = ws.path_of(uri) if ws is not None else None
        if ws is not None and path is not None:
            ws.close(path)
            server.schedule()
        if uri in server.published:
            server.publish(uri, [])
            del server.published[uri]

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    @guarded()
    def did_change_watched_files(params: lsp.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            saved(change.uri)

    def saved(uri: str) -> None:
        """A file changed on disk: a config reloads everything, and so does a new commit
        (history and what counts as uncommitted moved on); a document is read again."""
        folder = server.folder
        if folder is None:
            return
        ws = server.ws
        root = ws.root if ws is not None else _root_of(folder)
        relative = relative_path(root, uri)
        if relative in CONFIG_FILES or (ws is not None and _head(root) != ws.head):
            server.load()
            return
        if ws is None or relative is None or ws.path_of(uri) is None:
            return
        ws.reread(relative)
        if relative in ws.buffers:  # the buffer is unchanged; the file's git status may be
            ws.head_texts.pop(relative, None)
            ws.open(relative, ws.buffers[relative])
        server.schedule()


def _features_of(server: TpmServer) -> None:
    guarded = server.guarded

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=TRIGGERS))
    @guarded([])
    def completion(params: lsp.CompletionParams) -> list[lsp.CompletionItem]:
        position = params.position
        return server.answer(
            params.text_document.uri, [], lambda ws, path, text: features.completions(ws, path, text, position)
        )

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    @guarded()
    def hover(params: lsp.HoverParams) -> lsp.Hover | None:
        uri = params.text_document.uri

        def with_findings(ws: Workspace, path: str, text: str) -> lsp.Hover | None:
            server.flush()  # a pending lint first: the hover explains the findings shown
            return features.hover(ws, path, text, params.position, server.published.get(uri, []))

        return server.answer(uri, None, with_findings)

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    @guarded([])
    def definition(params: lsp.DefinitionParams) -> list[lsp.Location]:
        position = params.position
        return server.answer(
            params.text_document.uri, [], lambda ws, path, text: features.definition(ws, path, text, position)
        )

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    @guarded([])
    def references(params: lsp.ReferenceParams) -> list[lsp.Location]:
        position = params.position
        return server.answer(
            params.text_document.uri, [], lambda ws, path, text: features.references(ws, path, text, position)
        )

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])
    )
    @guarded([])
    def code_action(params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        uri, diagnostics = params.text_document.uri, list(params.context.diagnostics)
        return server.answer(
            uri, [], lambda ws, path, text: features.code_actions(ws, path, text, params.range, diagnostics, uri)
        )

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guarded([])
    def document_symbol(params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        return server.answer(params.text_document.uri, [], features.symbols)


def serve() -> None:
    """Serve over stdin and stdout until the editor says exit."""
    build().start_io()

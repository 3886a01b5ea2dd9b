"""What the editor features (completion, hover, definition, ...) may read of the workspace.

`WorkspaceView` is the read-only face of the language server's workspace
(`tpm.lsp.workspace.Workspace` implements it): the project as the editor sees it, with
every open buffer laid over the file on disk. The feature functions in
`tpm.lsp.features` take one and never change it.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tpm.config import Config
    from tpm.history import History
    from tpm.model import Project


class WorkspaceView(Protocol):
    """The project as the editor sees it, read-only.

    Paths are repository-relative and '/'-separated, as everywhere in tpm (`Document.path`,
    `Diagnostic.path`); URIs are what the editor sends (`file:///...`).
    """

    @property
    def root(self) -> Path:
        """The repository root (absolute)."""
        ...

    @property
    def config(self) -> Config:
        """The loaded configuration (`.tpm.toml` or `[tool.tpm]`); a config that does not
        load leaves the server without a project, and no view is handed out then."""
        ...

    @property
    def project(self) -> Project:
        """Every document, the open buffers in place of the files on disk: a document being
        edited is the buffer's latest text, parsed (`Document.source.text` is that text)."""
        ...

    @property
    def today(self) -> datetime.date:
        """Today, in the config's timezone: the date the rules judge by."""
        ...

    @property
    def history(self) -> History | None:
        """The git history index, the open buffers counting as uncommitted changes dated
        today; None when it has not been read (no git rule selected) or could not be."""
        ...

    def uri_of(self, path: str) -> str:
        """The `file://` URI of a repository-relative path."""
        ...

    def path_of(self, uri: str) -> str | None:
        """The repository-relative path of a URI, or None when the URI is outside the
        repository or names no file of a configured document type."""
        ...

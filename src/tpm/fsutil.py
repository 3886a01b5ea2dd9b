"""Atomic file writing: the only way tpm writes a file.

A temporary file in the target's folder is written, flushed and fsynced, then renamed
into place, so a reader (or a crash) sees either the old file or the whole new one. With
`overwrite=False` the final step is a hard link, which fails if the target exists, so two
concurrent writers can never clobber each other.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tpm.errors import UsageError


def write_atomic(path: Path, text: str, overwrite: bool = True) -> None:
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if overwrite:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # fails with FileExistsError instead of replacing
            os.unlink(temporary)
    except FileExistsError:
        _discard(temporary)
        raise UsageError(f"{path} already exists; not overwritten") from None
    except OSError as exc:
        _discard(temporary)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _discard(temporary: str) -> None:
    try:
        os.unlink(temporary)
    except OSError:
        pass

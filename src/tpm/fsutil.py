"""Atomic file writing: how tpm writes every file it creates or replaces (documents,
the config, reports, the caches). Only two files are appended to instead: the lock of
`tpm new` and GitHub's step summary, which GitHub asks to be appended to.

A temporary file in the target's folder is written, flushed and fsynced, then renamed
into place, so a reader (or a crash) sees either the old file or the whole new one. With
`overwrite=False` the final step is a hard link, which fails if the target exists, so two
concurrent writers can never clobber each other.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from tpm.errors import UsageError


def write_atomic(path: Path, text: str, overwrite: bool = True) -> None:
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"cannot write {path}: {_blocking_file(folder)} is a file, not a folder") from None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    _remove_orphans(folder, path.name)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        os.chmod(temporary, _mode_for(path))
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
    except BaseException:  # a bug or an interrupt: never leave the temporary file behind
        _discard(temporary)
        raise


def _mode_for(path: Path) -> int:
    """The file's current mode when it is replaced, else what the umask gives a new file
    (mkstemp's own 0600 would make a committed report private)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _blocking_file(folder: Path) -> Path:
    """The first part of `folder` that exists but is not a folder."""
    for part in reversed([folder, *folder.parents]):
        if part.exists() and not part.is_dir():
            return part
    return folder


def _remove_orphans(folder: Path, name: str) -> None:
    """Temporary files of this target left by a writer that was killed (their process is
    gone), so that they neither pile up nor get committed by `git add -A`."""
    prefix = f".{name}."
    try:
        entries = [entry for entry in os.listdir(folder) if entry.startswith(prefix) and entry.endswith(".tmp")]
    except OSError:
        return
    for entry in entries:
        pid = entry[len(prefix) :].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            _discard(str(folder / entry))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or no way to tell: leave its file alone
    return True


def _discard(temporary: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temporary)

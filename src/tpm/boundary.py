"""The one boundary between tpm and the files of a repository it does not trust.

tpm runs in CI on pull requests from strangers, so every file it reads from the
repository (documents, the config, schemas and their `$ref`s, templates, the caches under
the git directory, a committed report that `--check` compares) may be hostile: a symbolic
link to `/etc/passwd`, to `.git/config` (where CI keeps its token) or to `/dev/zero`, a
FIFO that blocks forever, a file of gigabytes. Reads go through `read_file`, which

- resolves the path (symbolic links included) and refuses it unless it lies inside the
  folder it must stay in (the work tree, or the git directory for caches) and, for
  repository content, outside the git directory;
- opens it without blocking and refuses anything but a regular file;
- reads at most `limit` bytes, refusing a larger file by its size before reading it.

A refusal names the path and the reason, never a byte of the content. Writes go through
`writable_path`, which refuses to write through a symbolic link that leads out of the
repository or into its git directory (a user's own absolute `--output` is theirs to choose).
"""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path

from tpm.errors import UsageError

MAX_FILE_BYTES = 1024 * 1024  # documents, the config, schemas, templates, a report to compare
MAX_CACHE_BYTES = 512 * 1024 * 1024  # the caches of 100,000 documents stay well below this


class Refused(UsageError):
    """A file tpm will not read or write, with the reason; the message never holds content."""


def resolve_git_dir(root: Path) -> Path | None:
    """The repository's git directory, resolved; None when git cannot say (not a repository)."""
    return _git_dir(str(Path(root).resolve()))


@lru_cache(maxsize=8)
def _git_dir(root: str) -> Path | None:
    from tpm import git

    try:
        found = git.run(["rev-parse", "--absolute-git-dir"], Path(root), check=False)
    except UsageError:
        return None
    text = found.stdout.decode("utf-8", "surrogateescape").strip()
    return Path(os.path.realpath(text)) if found.returncode == 0 and text else None


def is_within(path: str | bytes | Path, folder: str | bytes | Path) -> bool:
    """Whether the resolved `path` is `folder` or lies below it (both resolved)."""
    target = os.path.realpath(_as_bytes(path))
    top = os.path.realpath(_as_bytes(folder))
    return target == top or target.startswith(top.rstrip(b"/") + b"/")


def outside_reason(path: str | bytes | Path, root: Path) -> str | None:
    """Why `path` may not be read as repository content, or None when it may: it must
    resolve inside the work tree `root` and outside the git directory."""
    if not is_within(path, root):
        return "resolves outside the repository"
    git_dir = resolve_git_dir(root)
    if is_within(path, Path(root) / ".git") or (git_dir is not None and is_within(path, git_dir)):
        return "resolves into the git directory"
    return None


def read_file(
    path: str | bytes | Path, what: str, inside: Path | None, limit: int = MAX_FILE_BYTES, repository: bool = True
) -> bytes:
    """The bytes of a regular file, or `Refused` naming `what` and why.

    `inside`: the folder the resolved path must stay in (None: anywhere, for a file the
    user named on the command line); with `repository`, `inside` is a work tree and the
    git directory is refused too. Missing files raise FileNotFoundError, for callers to
    word as they need.
    """
    shown = display(path, inside)
    if inside is not None:
        reason = (
            outside_reason(path, inside)
            if repository
            else (None if is_within(path, inside) else "resolves outside the git directory")
        )
        if reason:
            raise Refused(f"{what} {shown}: not read, it {reason}")
    try:
        return read_regular(path, limit)
    except NotRegular:
        raise Refused(f"{what} {shown}: not read, it is not a regular file") from None
    except TooLarge as exc:
        raise Refused(f"{what} {shown}: not read, it is {exc.size:,} bytes, over the {limit:,}-byte limit") from None
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise Refused(f"{what} {shown}: cannot read it ({exc.strerror or exc})") from None


class NotRegular(OSError):
    """A FIFO, a device, a socket or a folder where a file was expected."""


class TooLarge(OSError):
    def __init__(self, size: int):
        super().__init__(f"{size} bytes")
        self.size = size


def read_regular(path: str | bytes | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes: opened without blocking (a FIFO
    would wait forever), checked by `fstat` before anything is read (a device never ends),
    and read no further than the limit (a file may grow). Raises NotRegular, TooLarge or
    another OSError."""
    handle = os.open(_as_bytes(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(f"not a regular file: {display(path)}")
        if info.st_size > limit:
            raise TooLarge(info.st_size)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(handle, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while we read it
            raise TooLarge(size)
        return b"".join(chunks)
    finally:
        os.close(handle)


def read_text(path: str | bytes | Path, what: str, inside: Path | None, limit: int = MAX_FILE_BYTES) -> str:
    """`read_file` decoded as UTF-8 (a BOM dropped); not UTF-8 is `Refused` too."""
    data = read_file(path, what, inside, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(f"{what} {display(path)}: not read, it is not UTF-8 text") from None


def read_cache(path: Path, git_dir: Path, limit: int = MAX_CACHE_BYTES) -> bytes | None:
    """A cache file's bytes, or None when it is missing or refused: a cache that cannot be
    read safely is simply rebuilt."""
    try:
        return read_file(path, "cache", git_dir, limit, repository=False)
    except (OSError, UsageError):
        return None


def writable_path(path: Path, root: Path, typed_by_user: bool = False) -> Path:
    """`path`, checked for writing: a path inside the work tree must stay inside it once
    every symbolic link is followed, must not lead into the git directory, and must not
    itself be a symbolic link. A path the user typed that lies outside the repository as
    typed (`--output /tmp/status.md`) is the user's to choose."""
    absolute = Path(os.path.abspath(path))
    if typed_by_user and not lexically_within(absolute, Path(os.path.abspath(root))):
        return absolute
    shown = display(absolute, root)
    if os.path.islink(absolute):
        raise Refused(f"{shown}: not written, it is a symbolic link (tpm does not write through links)")
    reason = outside_reason(absolute.parent, root)
    if reason:
        raise Refused(f"{shown}: not written, its folder {reason}")
    return absolute


def lexically_within(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or below it as written, links not followed."""
    return path == folder or folder in path.parents


def _as_bytes(path: str | bytes | Path) -> bytes:
    if isinstance(path, bytes):
        return path
    return os.fsencode(str(path)) if isinstance(path, Path) else str(path).encode("utf-8", "surrogateescape")


def display(path: str | bytes | Path, root: Path | None = None) -> str:
    """A path as shown in messages: relative to `root` when it lies there as written, bytes
    that are not UTF-8 and control characters as escapes, so that a file name can neither
    break a message nor steer a terminal."""
    from tpm.escaping import terminal

    text = path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else str(path)
    if root is not None and os.path.isabs(text) and lexically_within(Path(text), Path(os.path.abspath(root))):
        text = os.path.relpath(text, os.path.abspath(root))
    return terminal(text)

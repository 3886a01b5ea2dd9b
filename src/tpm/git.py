"""Every git call tpm makes goes through here, so faults are handled in one place.

We call the git executable directly rather than through a git library: each question is
one process (`ls-files`, one streaming `log`, one `cat-file --batch`), whatever the number
of files, and a subprocess starts faster than a library imports.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

try:
    import fcntl  # a pipe's size is set through it (Linux)
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from tpm.boundary import MAX_FILE_BYTES
from tpm.errors import UsageError

_NOT_FOUND = "git is not installed or not on PATH; tpm reads the project through git"


def run(
    args: list[str], cwd: Path, input: bytes | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS` in `cwd`; with `check`, a failure becomes a one-line `UsageError`."""
    try:
        completed = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise UsageError(_NOT_FOUND) from None
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc.strerror or exc}") from None
    if check and completed.returncode != 0:
        raise UsageError(_explain(completed.stderr.decode("utf-8", "replace"), cwd))
    return completed


def _explain(stderr: str, cwd: Path) -> str:
    if "not a git repository" in stderr:
        return f"not a git repository: {cwd} (tpm reads project files through git; run `git init`)"
    if "dubious ownership" in stderr:
        advice = " ".join(line.strip() for line in stderr.splitlines() if "safe.directory" in line)
        return f"git refuses this repository (dubious ownership); {advice or 'see git config safe.directory'}"
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return "git failed: " + (lines[0] if lines else "unknown error")


def repository_root(cwd: Path) -> Path:
    """The top of the work tree that contains `cwd`."""
    output = run(["rev-parse", "--show-toplevel"], cwd).stdout
    top = output.decode("utf-8", "surrogateescape").strip()
    if not top:
        raise UsageError(f"not inside a git work tree: {cwd} (a bare repository has no files to lint)")
    return Path(top)


def _names(output: bytes) -> list[str]:
    return sorted({name for name in output.decode("utf-8", "surrogateescape").split("\0") if name})


def list_files(root: Path, staged: bool = False) -> list[str]:
    """Tracked plus untracked-but-not-ignored files (only what is in the index when
    `staged`), repository-relative with '/'."""
    extra = [] if staged else ["--others", "--exclude-standard"]
    return _names(run(["ls-files", "-z", "--cached", *extra], root).stdout)


def staged_contents(root: Path) -> dict[str, bytes]:
    """The index's version of every file whose work-tree copy differs from it: what a
    commit would record, where reading the work tree would not give it."""
    differing = _names(run(["diff", "--name-only", "-z", "--no-renames"], root).stdout)
    return index_contents(root, differing) if differing else {}


def index_contents(root: Path, names: list[str]) -> dict[str, bytes]:
    """What the index holds for `names` (one `ls-files` and `read_blobs`); a version over
    the size cap is an `OversizedBlob`, for the caller to report as it reports such a file."""
    listed = run(["ls-files", "-s", "-z", "--", *names], root).stdout.split(b"\0")
    blobs = {}
    for entry in listed:
        if b"\t" in entry:
            meta, name = entry.split(b"\t", 1)
            blobs[name.decode("utf-8", "surrogateescape")] = meta.split()[1].decode()
    contents = read_blobs(root, sorted(set(blobs.values())))
    return {path: contents[sha] for path, sha in blobs.items() if sha in contents}


def changed_since_merge_base(root: Path, ref: str, staged: bool = False) -> set[str]:
    """Files changed since the merge base of `ref` and HEAD, uncommitted changes and new
    files included (only staged ones when `staged`)."""
    found = run(["merge-base", ref, "HEAD"], root, check=False)
    base = found.stdout.decode().strip()
    if found.returncode != 0 or not base:
        raise UsageError(
            f"--diff-base: no merge base between {ref!r} and HEAD (is {ref!r} a fetched branch or commit?)"
        )
    changed = set(_names(run(["diff", "--name-only", "-z", *(["--cached"] if staged else []), base], root).stdout))
    if not staged:
        changed |= set(_names(run(["ls-files", "-z", "--others", "--exclude-standard"], root).stdout))
    return changed


@dataclass(frozen=True)
class RepositoryState:
    git_dir: Path
    shallow: bool
    head: str | None  # None in a repository with no commits yet


def repository_state(root: Path) -> RepositoryState:
    """Where the git directory is, whether the clone is shallow, and HEAD's commit."""
    lines = run(["rev-parse", "--absolute-git-dir", "--is-shallow-repository"], root).stdout.decode().split("\n")
    head = run(["rev-parse", "-q", "--verify", "HEAD^{commit}"], root, check=False).stdout.decode().strip()
    return RepositoryState(Path(lines[0]), lines[1].strip() == "true", head or None)


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    return run(["merge-base", "--is-ancestor", older, newer], root, check=False).returncode == 0


class Change(NamedTuple):
    """One file changed by one commit, as `git log --raw` reports it (a named tuple: a
    long history makes them by the ten thousand)."""

    status: str  # A, M, D, R, C or T
    path: str
    old_path: str | None  # for renames and copies
    blob: str  # the file's content after the commit (all zeros when deleted)


class Commit(NamedTuple):
    sha: str
    date: str | None  # committer date, YYYY-MM-DD in the committer's own time zone; None: unknown
    changes: tuple[Change, ...]


_EPOCH = datetime.date(1970, 1, 1)


def committer_day(stamp: bytes, zone: bytes) -> str | None:
    """The committer's own calendar day of a raw git date (`1700000000`, `+0100`).

    Commit dates are whatever the committer wrote, so they are read raw and converted
    here: git's own ISO formatting dies on a date before 1970 in the committer's zone (`0
    -1200`), and its years past 9999 are no date Python can hold. A missing, malformed or
    out-of-range date is None (unknown), never an error."""
    if not (
        stamp.isdigit() and len(stamp) <= 20 and len(zone) == 5 and zone[:1] in (b"+", b"-") and zone[1:].isdigit()
    ):
        return None
    offset = (int(zone[1:3]) * 3600 + int(zone[3:]) * 60) * (-1 if zone[:1] == b"-" else 1)
    try:
        return (_EPOCH + datetime.timedelta(days=(int(stamp) + offset) // 86400)).isoformat()
    except OverflowError:
        return None


def log(root: Path, pathspecs: list[str], revisions: str = "HEAD") -> Iterator[Commit]:
    """Commits newest first along the first-parent line, with the files they changed.

    Streaming: stop iterating and the git process is ended, so a caller that has what it
    needs does not pay for the rest of history. Dates are read raw (see `committer_day`).
    Merges count as the change they bring to the first-parent line
    (`--diff-merges=first-parent`), so a pull request's edits are dated when they landed.
    """
    args = [
        "log",
        revisions,
        "--first-parent",
        "--diff-merges=first-parent",
        "--raw",
        "-z",
        "--no-abbrev",
        "-M",
        "--no-color",
        "--date=raw",
        "--format=%x01%H %cd",
        "--",
        *pathspecs,
    ]
    process = _start(args, root)
    assert process.stdout is not None  # _start always pipes stdout
    finished = False
    try:
        yield from _parse_log(_nul_tokens(process.stdout))
        finished = True
    finally:
        stderr = _end(process, killed=not finished)
    if finished and process.returncode != 0:
        raise UsageError(_explain(stderr, root))


def _start(
    args: list[str], cwd: Path, stdin: int = subprocess.DEVNULL, block: int = io.DEFAULT_BUFFER_SIZE
) -> subprocess.Popen[bytes]:
    """A streaming `git ARGS`, for output read as it comes, in blocks: writing to a pipe,
    git would otherwise flush after every commit of a log (GIT_FLUSH), waking its reader
    forty thousand times over a long history. `block`: how much of the output one read
    may take (for megabytes of blob contents, a bigger pipe and buffer each mean fewer
    times git and its reader wait on each other)."""
    try:
        process = subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "GIT_FLUSH": "0"},
        )
    except FileNotFoundError:
        raise UsageError(_NOT_FOUND) from None
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc.strerror or exc}") from None
    if block > io.DEFAULT_BUFFER_SIZE:  # stdin keeps its small buffer: what is written goes on soon
        assert isinstance(process.stdout, io.BufferedReader)  # piped above, buffered by default
        process.stdout = io.BufferedReader(process.stdout.detach(), block)
        if fcntl is not None and hasattr(fcntl, "F_SETPIPE_SZ"):  # Linux
            with contextlib.suppress(OSError):  # over the system's limit: the pipe keeps its size
                fcntl.fcntl(process.stdout.fileno(), fcntl.F_SETPIPE_SZ, block)
    return process


def _end(process: subprocess.Popen[bytes], killed: bool) -> str:
    """Wait for a streaming git (ended first when `killed`, as when its reader stopped
    early) and return what it wrote to stderr."""
    assert process.stdout is not None and process.stderr is not None  # _start always pipes both
    if killed:
        process.kill()
    process.stdout.close()
    stderr = process.stderr.read()
    process.stderr.close()
    process.wait()
    return stderr.decode("utf-8", "replace")


def _nul_tokens(stream: IO[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        parts = (pending + chunk).split(b"\0")
        pending = parts.pop()
        yield from parts
    if pending.strip():
        yield pending


def _parse_log(tokens: Iterator[bytes]) -> Iterator[Commit]:
    sha: str | None = None
    date: str | None = None
    changes: list[Change] = []
    for raw in tokens:
        token = raw.lstrip(b"\n")
        if token.startswith(b"\x01"):
            if sha is not None:
                yield Commit(sha, date, tuple(changes))
            header = token[1:].split()
            sha, changes = header[0].decode("ascii"), []
            date = committer_day(*header[1:3]) if len(header) == 3 else None
        elif token.startswith(b":"):
            fields = token[1:].split()
            status = fields[4][:1].decode("ascii")
            first = next(tokens).decode("utf-8", "surrogateescape")
            if status in ("R", "C"):
                second = next(tokens).decode("utf-8", "surrogateescape")
                changes.append(Change(status, second, first, fields[3].decode("ascii")))
            else:
                changes.append(Change(status, first, None, fields[3].decode("ascii")))
    if sha is not None:
        yield Commit(sha, date, tuple(changes))


class OversizedBlob(bytes):
    """Stands in for a blob over the size cap: empty bytes that carry only its `size`, so
    a caller can say why the version was not read (its content never enters memory)."""

    size: int

    def __new__(cls, size: int) -> OversizedBlob:
        blob = super().__new__(cls)
        blob.size = size
        return blob


def blob_sizes(root: Path, shas: list[str]) -> dict[str, int]:
    """The size of each blob among `shas` (missing objects and non-blobs left out), from
    one `cat-file --batch-check`: git reads only the object's header, so asking about a
    huge blob (or a small pack that inflates to gigabytes) costs nothing."""
    if not shas:
        return {}
    output = run(["cat-file", "--batch-check"], root, input="".join(f"{s}\n" for s in shas).encode()).stdout
    sizes = {}
    for line in output.split(b"\n"):
        fields = line.split()
        if len(fields) == 3 and fields[1] == b"blob" and fields[2].isdigit():
            sizes[fields[0].decode("ascii")] = int(fields[2])
    return sizes


def iter_blobs(root: Path, shas: list[str], limit: int = MAX_FILE_BYTES) -> Iterator[bytes | None]:
    """The content of each of `shas`, in order (repeats included), streamed from one `git
    cat-file --batch`, so only one blob is in memory at a time. None for an object that is
    missing, not a blob or over `limit` (skipped unread: callers ask `blob_sizes` first, so
    git never even inflates it)."""
    if not shas:
        return
    process = _start(["cat-file", "--batch"], root, stdin=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None  # both piped just above
    feeder = threading.Thread(target=_feed, args=(process.stdin, shas), daemon=True)
    feeder.start()
    out, finished = process.stdout, False
    try:
        for _ in shas:
            header = out.readline(1024).split()
            if not header:
                break  # git stopped early; its error is raised below
            size = int(header[2]) if len(header) == 3 and header[2].isdigit() else -1
            if header[1:2] == [b"blob"] and 0 <= size <= limit:
                blob = out.read(size)
                out.read(1)  # the newline after the content
                yield blob
                continue
            _skip(out, size + 1)  # an object we will not hold: its bytes and the newline
            yield None
        else:
            finished = True
    finally:
        stderr = _end(process, killed=not finished)
        feeder.join()
    if not finished:
        raise UsageError(_explain(stderr, root))


def _skip(stream: IO[bytes], count: int) -> None:
    while count > 0:
        chunk = stream.read(min(count, 1 << 16))
        if not chunk:
            return
        count -= len(chunk)


def _feed(stream: IO[bytes], shas: list[str]) -> None:
    """Write the object names on a thread, so git never blocks on a full output pipe."""
    try:
        for sha in shas:
            stream.write(f"{sha}\n".encode("ascii"))
        stream.close()
    except OSError:  # git was ended early
        pass


class BlobStream:
    """Blobs read while their names are still being found: `ask` for each as it is met
    (repeats are read once), and `each(sha, content)` is called, on a reader thread, for
    every one that exists and is at most `limit` bytes; `close` waits for the last one.
    `settled` holds each asked blob once it has been passed to `each` or passed over (too
    big, missing, not a blob): what a caller waiting on some of them can look at.

    Two `cat-file` processes run as a pipeline: `--batch-check` reads only each object's
    header, and just the small blobs go on to `--batch`, so a huge blob (or a small pack
    that inflates to gigabytes) is never inflated. A log pass can thus stream the contents
    it names while git is still walking history, instead of reading them all after it."""

    def __init__(self, root: Path, each: Callable[[str, bytes], None], limit: int = MAX_FILE_BYTES) -> None:
        self._root, self._each, self._limit = root, each, limit
        self._asked: set[str] = set()
        self.settled: set[str] = set()
        self._failure: BaseException | None = None
        self._check = _start(["cat-file", "--batch-check", "--buffer"], root, stdin=subprocess.PIPE)
        try:
            self._batch = _start(["cat-file", "--batch", "--buffer"], root, stdin=subprocess.PIPE, block=1 << 20)
        except BaseException:
            _end(self._check, killed=True)
            raise
        self._threads = [
            threading.Thread(target=self._guarded, args=(self._forward_small,), daemon=True),
            threading.Thread(target=self._guarded, args=(self._read_contents,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def ask(self, sha: str) -> None:
        if sha not in self._asked:
            self._asked.add(sha)
            assert self._check.stdin is not None  # piped by __init__
            with contextlib.suppress(OSError):  # git has ended: close() says why
                self._check.stdin.write(f"{sha}\n".encode("ascii"))

    def close(self) -> None:
        """Wait until every small blob asked for has been passed to `each`; raise what
        stopped git or `each`."""
        self._finish(killed=False)

    def abandon(self) -> None:
        """End both processes at once (the log pass stopped with an error)."""
        self._finish(killed=True)

    def _finish(self, killed: bool) -> None:
        if not killed:
            _close_quietly(self._check.stdin)
        else:
            self._check.kill()
            self._batch.kill()
        for thread in self._threads:
            thread.join()
        stderr = _end(self._check, killed) + _end(self._batch, killed)
        if killed:
            return
        if self._failure is not None:
            raise self._failure
        if self._check.returncode or self._batch.returncode:
            raise UsageError(_explain(stderr, self._root))

    def _guarded(self, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as exc:  # raised by close(); the processes are ended so the other thread stops
            self._failure = self._failure or exc
            self._check.kill()
            self._batch.kill()

    def _forward_small(self) -> None:
        """Read each header from `--batch-check`; pass the small blobs on to `--batch`."""
        assert self._check.stdout is not None and self._batch.stdin is not None  # both piped
        try:
            for line in self._check.stdout:
                fields = line.split()
                if len(fields) == 3 and fields[1] == b"blob" and fields[2].isdigit() and int(fields[2]) <= self._limit:
                    self._batch.stdin.write(fields[0] + b"\n")
                elif fields:
                    self.settled.add(fields[0].decode("ascii", "replace"))  # passed over
        finally:
            _close_quietly(self._batch.stdin)

    def _read_contents(self) -> None:
        """Read each content from `--batch` and hand it to `each`."""
        out = self._batch.stdout
        assert out is not None  # piped by __init__
        while header := out.readline(1024).split():
            size = int(header[2]) if len(header) == 3 and header[2].isdigit() else -1
            sha = header[0].decode("ascii", "replace")
            if header[1:2] != [b"blob"] or not 0 <= size <= self._limit:
                _skip(out, size + 1)  # gone since its header was read: as if never asked
                self.settled.add(sha)
                continue
            content = out.read(size)
            out.read(1)  # the newline after the content
            self._each(sha, content)
            self.settled.add(sha)


def _close_quietly(stream: IO[bytes] | None) -> None:
    """Close a pipe to git, which may have ended already."""
    with contextlib.suppress(OSError):
        if stream is not None:
            stream.close()


def read_blobs(root: Path, shas: list[str], limit: int = MAX_FILE_BYTES) -> dict[str, bytes]:
    """The contents of many blobs, each at most `limit` bytes: one over it is an `OversizedBlob`
    (its size is checked first, so it is never read); missing ones are left out."""
    sizes = blob_sizes(root, sorted(set(shas)))
    small = [sha for sha, size in sizes.items() if size <= limit]
    blobs = {sha: blob for blob, sha in zip(iter_blobs(root, small, limit), small, strict=False) if blob is not None}
    blobs.update((sha, OversizedBlob(size)) for sha, size in sizes.items() if size > limit)
    return blobs


def uncommitted_paths(root: Path, pathspecs: list[str], staged: bool = False, head: str | None = None) -> set[str]:
    """Files that differ from HEAD (`head`, None before the first commit): staged, unstaged
    or untracked (not ignored), a renamed file under both its names; with `staged`, only
    what the index changes."""
    if staged:
        if not head:
            return set(list_files(root, staged=True))
        return set(
            _names(run(["diff", "--cached", "--name-only", "-z", "--no-renames", head, "--", *pathspecs], root).stdout)
        )
    output = run(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *pathspecs], root).stdout
    paths, tokens = set(), iter(output.split(b"\0"))
    for token in tokens:
        if len(token) < 4:
            continue
        paths.add(token[3:].decode("utf-8", "surrogateescape"))
        if token[:1] in (b"R", b"C"):
            source = next(tokens, b"")  # the rename's or copy's source path follows
            if token[:1] == b"R" and source:
                paths.add(source.decode("utf-8", "surrogateescape"))  # gone from there
    return paths


def names_on_branches(root: Path, folder: str) -> set[str]:
    """Paths under `folder` at the tip of every local and remote-tracking branch."""
    tips = run(["for-each-ref", "--format=%(objectname)", "refs/heads", "refs/remotes"], root).stdout.split()
    names: set[str] = set()
    for tip in sorted(set(tips)):
        listed = run(["ls-tree", "-r", "--name-only", "-z", tip.decode(), "--", folder], root, check=False).stdout
        names.update(name.decode("utf-8", "surrogateescape") for name in listed.split(b"\0") if name)
    return names


def fs_path(root: Path, name: str) -> bytes:
    """The file-system path of a name git listed, as bytes: git's names are bytes, decoded
    as UTF-8 for display; encoding them back the same way finds the file under any locale."""
    return str(root).encode("utf-8", "surrogateescape") + b"/" + name.encode("utf-8", "surrogateescape")


def skip_worktree_contents(root: Path, names: list[str]) -> dict[str, bytes]:
    """The index's content of those `names` that a sparse checkout leaves out of the work
    tree: they are still part of the project."""
    listed = run(["ls-files", "-t", "-z", "--", *names], root).stdout.split(b"\0")
    skipped = [entry[2:].decode("utf-8", "surrogateescape") for entry in listed if entry.startswith(b"S ")]
    return index_contents(root, skipped) if skipped else {}


def commit_before(root: Path, day: datetime.date) -> str | None:
    """The last commit on the first-parent line before `day` (a date) began, in the
    machine's local time. The moment is computed here and given to git as a timestamp:
    git's date parser misreads years before 1970 and past 9999, and takes `@0` for no
    limit at all. Before 1970 there can be no commit (git's timestamps are unsigned)."""
    moment: int | None
    try:
        moment = int(datetime.datetime.combine(day, datetime.time()).timestamp())
    except (OverflowError, OSError, ValueError):
        moment = 0 if day.year < 1970 else None
    if moment is not None and moment < 1:
        return None
    limit = [f"--before=@{moment}"] if moment is not None else []
    found = run(["rev-list", "-1", "--first-parent", *limit, "HEAD"], root, check=False)
    return found.stdout.decode().strip() or None


def resolve_commit(root: Path, ref: str) -> str | None:
    found = run(["rev-parse", "-q", "--verify", f"{ref}^{{commit}}"], root, check=False)
    sha = found.stdout.decode().strip()
    return sha if found.returncode == 0 and sha else None


def tree_blobs(root: Path, commit: str) -> dict[str, str]:
    """Every file of a commit's tree: path -> blob id."""
    blobs = {}
    for entry in run(["ls-tree", "-r", "-z", commit], root).stdout.split(b"\0"):
        if b"\t" in entry:
            meta, name = entry.split(b"\t", 1)
            fields = meta.split()
            if len(fields) == 3 and fields[1] == b"blob":
                blobs[name.decode("utf-8", "surrogateescape")] = fields[2].decode()
    return blobs

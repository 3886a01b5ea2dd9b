"""Every git call tpm makes goes through here, so faults are handled in one place.

We call the git executable directly rather than through a git library: each question is
one process (`ls-files`, one streaming `log`, one `cat-file --batch`), whatever the number
of files, and a subprocess starts faster than a library imports.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from tpm.errors import UsageError

_NOT_FOUND = "git is not installed or not on PATH; tpm reads the project through git"


def run(args: list[str], cwd: Path, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
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
    """What the index holds for `names` (one `ls-files` and one `cat-file --batch`)."""
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
        raise UsageError(f"--diff-base: no merge base between {ref!r} and HEAD (is {ref!r} a fetched branch or commit?)")
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


@dataclass(frozen=True)
class Change:
    """One file changed by one commit, as `git log --raw` reports it."""

    status: str  # A, M, D, R, C or T
    path: str
    old_path: str | None  # for renames and copies
    blob: str  # the file's content after the commit (all zeros when deleted)


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # committer date, YYYY-MM-DD in the committer's own time zone
    changes: tuple


def log(root: Path, pathspecs: list[str], revisions: str = "HEAD") -> Iterator[Commit]:
    """Commits newest first along the first-parent line, with the files they changed.

    Streaming: stop iterating and the git process is ended, so a caller that has what it
    needs does not pay for the rest of history. Merges count as the change they bring
    to the first-parent line (`--diff-merges=first-parent`), so a pull request's edits
    are dated when they landed.
    """
    args = [
        "log", revisions, "--first-parent", "--diff-merges=first-parent", "--raw", "-z",
        "--no-abbrev", "-M", "--no-color", "--format=%x01%H %cI", "--", *pathspecs,
    ]
    try:
        process = subprocess.Popen(["git", *args], cwd=root, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise UsageError(_NOT_FOUND) from None
    finished = False
    try:
        yield from _parse_log(_nul_tokens(process.stdout))
        finished = True
    finally:
        if not finished:
            process.kill()
        process.stdout.close()
        stderr = process.stderr.read()
        process.stderr.close()
        code = process.wait()
    if finished and code != 0:
        raise UsageError(_explain(stderr.decode("utf-8", "replace"), root))


def _nul_tokens(stream) -> Iterator[bytes]:
    pending = b""
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        parts = (pending + chunk).split(b"\0")
        pending = parts.pop()
        yield from parts
    if pending.strip():
        yield pending


def _parse_log(tokens: Iterator[bytes]) -> Iterator[Commit]:
    sha = date = None
    changes: list[Change] = []
    for token in tokens:
        token = token.lstrip(b"\n")
        if token.startswith(b"\x01"):
            if sha is not None:
                yield Commit(sha, date, tuple(changes))
            header = token[1:].decode("ascii").split()
            sha, date, changes = header[0], header[1][:10], []
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


def read_blobs(root: Path, shas: list[str]) -> dict[str, bytes]:
    """The contents of many blobs from one `git cat-file --batch` process."""
    if not shas:
        return {}
    output = run(["cat-file", "--batch"], root, input="".join(f"{s}\n" for s in shas).encode()).stdout
    blobs, position = {}, 0
    while position < len(output):
        end = output.index(b"\n", position)
        header = output[position:end].split()
        position = end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue  # "<sha> missing": nothing to read for it
        size = int(header[2])
        blobs[header[0].decode("ascii")] = output[position : position + size]
        position += size + 1
    return blobs


def uncommitted_paths(root: Path, pathspecs: list[str], staged: bool = False, head: str | None = None) -> set[str]:
    """Files that differ from HEAD (`head`, None before the first commit): staged, unstaged
    or untracked (not ignored); with `staged`, only what the index changes."""
    if staged:
        if not head:
            return set(list_files(root, staged=True))
        return set(_names(run(["diff", "--cached", "--name-only", "-z", "--no-renames", head, "--", *pathspecs], root).stdout))
    output = run(["status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *pathspecs], root).stdout
    paths, tokens = set(), iter(output.split(b"\0"))
    for token in tokens:
        if len(token) < 4:
            continue
        paths.add(token[3:].decode("utf-8", "surrogateescape"))
        if token[:1] in (b"R", b"C"):
            next(tokens, None)  # the rename's source path follows
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


def commit_before(root: Path, day) -> str | None:
    """The last commit on the first-parent line before `day` (a date) began."""
    found = run(["rev-list", "-1", "--first-parent", f"--before={day.isoformat()} 00:00", "HEAD"], root, check=False)
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

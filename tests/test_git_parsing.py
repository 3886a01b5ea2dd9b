"""git output parsing on its own: `git log --raw -z` tokens written by hand, raw committer
dates, the NUL tokenizer and the blob-reading helpers. One small test at the end reads real
blobs from a repository made with `git hash-object`, for the edge cases a log never shows."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from helpers import git_env
from tpm import git
from tpm.errors import UsageError

A = "a" * 40
B = "b" * 40
C = "c" * 40
ZERO = "0" * 40


def raw(status: str, old_blob: str = A, new_blob: str = B) -> bytes:
    """One `--raw` entry's header, as git writes it after a NUL (mode, mode, blobs, status)."""
    return f":100644 100644 {old_blob} {new_blob} {status}".encode()


def parse(*tokens: bytes) -> list[git.Commit]:
    return list(git._parse_log(iter(tokens)))


# _parse_log -----------------------------------------------------------------------------


def test_a_log_with_every_kind_of_change():
    commits = parse(
        f"\x01{A} 1790942400 +0000".encode(),
        b"\n" + raw("M", A, B),
        b"project/milestones/M-2-b.md",
        raw("C100", B, B),
        b"project/milestones/M-2-b.md",
        b"project/milestones/M-3-c.md",
        raw("R087", C, A),
        b"project/plan/M-1-a.md",
        b"project/plan/M-1-b.md",
        f"\x01{B} 1790856000 +0000".encode(),
        b"\n" + raw("A", ZERO, C),
        b"project/new.md",
        raw("D", C, ZERO),
        b"project/gone.md",
        raw("T", A, B),
        b"project/link.md",
    )
    assert commits == [
        git.Commit(
            A,
            "2026-10-02",
            (
                git.Change("M", "project/milestones/M-2-b.md", None, B),
                git.Change("C", "project/milestones/M-3-c.md", "project/milestones/M-2-b.md", B),
                git.Change("R", "project/plan/M-1-b.md", "project/plan/M-1-a.md", A),
            ),
        ),
        git.Commit(
            B,
            "2026-10-01",
            (
                git.Change("A", "project/new.md", None, C),
                git.Change("D", "project/gone.md", None, ZERO),
                git.Change("T", "project/link.md", None, B),
            ),
        ),
    ]


@pytest.mark.parametrize(
    ("header", "date"),
    [
        (f"\x01{A} 1790942400 +0000", "2026-10-02"),
        (f"\x01{A}", None),  # no date at all
        (f"\x01{A} 1790942400", None),  # no zone
        (f"\x01{A} 1790942400 +0000 extra", None),  # not the shape asked for
        (f"\x01{A} yesterday +0000", None),
        (f"\x01{A} 1790942400 +25:00", None),
    ],
)
def test_a_commit_date_git_cannot_give_is_unknown(header, date):
    assert parse(header.encode()) == [git.Commit(A, date, ())]


def test_empty_commits_empty_logs_and_names_that_are_not_utf8():
    assert parse() == []
    assert parse(f"\x01{A} 0 +0000".encode(), f"\n\x01{B} 0 +0000".encode()) == [
        git.Commit(A, "1970-01-01", ()),
        git.Commit(B, "1970-01-01", ()),
    ]
    [commit] = parse(f"\x01{A} 0 +0000".encode(), raw("M"), b"caf\xe9.md", raw("R100"), b"a\xff.md", b"b.md")
    assert [(c.path, c.old_path) for c in commit.changes] == [("caf\udce9.md", None), ("b.md", "a\udcff.md")]
    assert commit.changes[0].path.encode("utf-8", "surrogateescape") == b"caf\xe9.md"


def test_the_parser_reads_what_the_tokenizer_makes_of_git_output():
    stream = io.BytesIO(
        f"\x01{A} 1790942400 +0000\0\n".encode()
        + raw("R100", C, A)
        + b"\0old name.md\0new\nname.md\0"
        + f"\x01{B} 1790856000 -1300\0\n".encode()
        + raw("A", ZERO, C)
        + b"\0x.md\0"
    )
    assert list(git._parse_log(git._nul_tokens(stream))) == [
        git.Commit(A, "2026-10-02", (git.Change("R", "new\nname.md", "old name.md", A),)),
        git.Commit(B, "2026-09-30", (git.Change("A", "x.md", None, C),)),
    ]


# _nul_tokens ----------------------------------------------------------------------------


def test_nul_tokens_across_reads_and_at_the_end():
    long = b"x" * 70_000  # longer than one read of 64 KiB: joined across reads
    assert list(git._nul_tokens(io.BytesIO(b"a\0" + long + b"\0b\0c"))) == [b"a", long, b"b", b"c"]
    assert list(git._nul_tokens(io.BytesIO(b"a\0b\0\n"))) == [b"a", b"b"]  # a trailing newline is no token
    assert list(git._nul_tokens(io.BytesIO(b""))) == []
    assert list(git._nul_tokens(io.BytesIO(b"\0\0"))) == [b"", b""]


# committer_day --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "zone", "day"),
    [
        (b"0", b"+0000", "1970-01-01"),
        (b"0", b"-0000", "1970-01-01"),
        (b"0", b"-1200", "1969-12-31"),  # before 1970 in the committer's zone: git's ISO format dies here
        (b"1700000000", b"+0000", "2023-11-14"),  # 22:13 UTC
        (b"1700000000", b"+0145", "2023-11-14"),  # 23:58
        (b"1700000000", b"+0147", "2023-11-15"),  # 00:00 the next day
        (b"1700000000", b"-2359", "2023-11-13"),
        (b"1700000000", b"+9959", "2023-11-19"),  # no zone is that far off, but it is a number
        (b"253402300799", b"+0000", "9999-12-31"),
        (b"253402300800", b"+0000", None),  # year 10000
        (b"253402214400", b"+2400", None),
        (b"99999999999999999999", b"+0000", None),  # 20 digits: too large for a date
        (b"999999999999999999999", b"+0000", None),  # 21 digits: not even tried
        (b"", b"+0000", None),
        (b"-1", b"+0000", None),
        (b"1e9", b"+0000", None),
        (b"\xd9\xa1", b"+0000", None),  # a non-ASCII digit
        (b"0", b"0100", None),
        (b"0", b"+01:00", None),
        (b"0", b"+01a0", None),
        (b"0", b"", None),
        (b"0", b"+-100", None),
    ],
)
def test_committer_day(stamp, zone, day):
    assert git.committer_day(stamp, zone) == day


# messages and small helpers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("stderr", "message"),
    [
        ("fatal: not a git repository (or any of the parent directories): .git\n", "not a git repository: /w (tpm"),
        (
            "fatal: detected dubious ownership in repository at '/w'\n"
            "To add an exception for this directory, call:\n\n\tgit config --global --add safe.directory /w\n",
            "git refuses this repository (dubious ownership); git config --global --add safe.directory /w",
        ),
        ("fatal: detected dubious ownership\n", "git refuses this repository (dubious ownership); see git config"),
        ("\n  \nfatal: bad revision 'x'\nmore\n", "git failed: fatal: bad revision 'x'"),
        ("", "git failed: unknown error"),
    ],
)
def test_explain(stderr, message):
    assert git._explain(stderr, Path("/w")).startswith(message)


def test_names_are_unique_sorted_and_never_empty():
    assert git._names(b"b\0a\0\0b\0caf\xe9\0") == ["a", "b", "caf\udce9"]
    assert git._names(b"") == []


def test_fs_path_gives_back_the_bytes_git_listed():
    assert git.fs_path(Path("/repo"), "caf\udce9/é.md") == b"/repo/caf\xe9/\xc3\xa9.md"


def test_an_oversized_blob_is_empty_bytes_that_know_their_size():
    blob = git.OversizedBlob(5_000_000)
    assert blob == b"" and blob.size == 5_000_000 and isinstance(blob, bytes)


def test_skip_reads_at_most_what_is_there():
    stream = io.BytesIO(b"0123456789" * 10_000)
    git._skip(stream, 70_000)
    assert stream.tell() == 70_000
    git._skip(stream, 0)
    assert stream.tell() == 70_000
    git._skip(stream, 1_000_000)
    assert stream.tell() == 100_000


def test_feed_writes_one_name_a_line_then_closes_and_survives_a_closed_pipe():
    class Pipe(io.BytesIO):
        def close(self) -> None:
            self.written = self.getvalue()
            super().close()

    pipe = Pipe()
    git._feed(pipe, [A, B])
    assert pipe.written == f"{A}\n{B}\n".encode() and pipe.closed

    class Broken(io.BytesIO):
        def write(self, data) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    git._feed(Broken(), [A])  # git was ended early: nothing to do


def test_no_objects_asked_means_no_git_run(monkeypatch):
    def no_git(*args, **kwargs):
        raise AssertionError("git was run")

    monkeypatch.setattr(subprocess, "run", no_git)
    monkeypatch.setattr(subprocess, "Popen", no_git)
    nowhere = Path("/nonexistent")
    assert git.blob_sizes(nowhere, []) == {}
    assert list(git.iter_blobs(nowhere, [])) == []
    assert git.read_blobs(nowhere, []) == {}


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (FileNotFoundError(2, "No such file or directory"), "git is not installed or not on PATH; tpm reads"),
        (PermissionError(13, "Permission denied"), "cannot run git: Permission denied"),
        (OSError("no errno"), "cannot run git: no errno"),
    ],
)
def test_git_that_cannot_start_is_a_usage_error(monkeypatch, error, message):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(subprocess, "run", fail)
    monkeypatch.setattr(subprocess, "Popen", fail)
    with pytest.raises(UsageError, match=f"^{message}"):
        git.run(["status"], Path("."))
    with pytest.raises(UsageError, match=f"^{message}"):
        list(git.log(Path("."), ["."]))


# blobs from a real object store ---------------------------------------------------------


def _objects(root: Path) -> tuple[str, str, str, str, str]:
    """A repository at `root` holding a small, an empty and a 2,000-byte blob and a tree;
    their names, and one of a missing object."""
    subprocess.run(["git", "init", "-q", str(root)], env=git_env(), check=True)

    def store(data: bytes, command: str = "hash-object") -> str:
        args = ["git", "hash-object", "-w", "--stdin"] if command == "hash-object" else ["git", "mktree"]
        done = subprocess.run(args, cwd=root, env=git_env(), input=data, capture_output=True, check=True)
        return done.stdout.decode().strip()

    small, empty, big = store(b"small\n"), store(b""), store(b"x" * 2000)
    tree = store(f"100644 blob {small}\tf\n".encode(), "mktree")
    return small, empty, big, tree, "1" * 40


def test_blob_helpers_on_real_objects(tmp_path):
    small, empty, big, tree, missing = _objects(tmp_path)
    assert git.blob_sizes(tmp_path, [small, empty, big, tree, missing]) == {small: 6, empty: 0, big: 2000}
    assert list(git.iter_blobs(tmp_path, [small, big, tree, missing, small, empty], limit=100)) == [
        b"small\n",
        None,  # over the limit: skipped unread
        None,  # a tree
        None,  # missing
        b"small\n",  # repeats are read again
        b"",
    ]
    blobs = git.read_blobs(tmp_path, [small, big, missing, small], limit=100)
    assert set(blobs) == {small, big}
    assert blobs[small] == b"small\n"
    assert isinstance(blobs[big], git.OversizedBlob) and blobs[big].size == 2000
    stream = git.iter_blobs(tmp_path, [small, small])
    assert next(stream) == b"small\n"
    stream.close()  # a reader that stops early ends git without an error


def test_a_blob_stream_reads_each_small_blob_once_and_nothing_else(tmp_path):
    small, empty, big, tree, missing = _objects(tmp_path)
    read: list[tuple[str, bytes]] = []
    stream = git.BlobStream(tmp_path, lambda sha, content: read.append((sha, content)), limit=100)
    for sha in (small, big, tree, missing, small, empty):
        stream.ask(sha)
    stream.close()
    # Over the limit, a tree, a missing object: never read; a repeat: read once.
    assert read == [(small, b"small\n"), (empty, b"")]
    assert stream.settled == {small, big, tree, missing, empty}  # read or passed over, each one


def test_a_blob_stream_raises_what_stopped_its_reader(tmp_path):
    small, *_ = _objects(tmp_path)

    def fail(sha: str, content: bytes) -> None:
        raise ValueError(f"cannot read {content!r}")

    stream = git.BlobStream(tmp_path, fail)
    stream.ask(small)
    stream.ask("2" * 40)  # asked after git was ended: no error here, close() says why
    with pytest.raises(ValueError, match="cannot read b'small"):
        stream.close()


def test_an_abandoned_blob_stream_ends_git_quietly(tmp_path):
    small, *_ = _objects(tmp_path)
    read: list[str] = []
    stream = git.BlobStream(tmp_path, lambda sha, content: read.append(sha))
    stream.ask(small)
    stream.abandon()  # no error, whether or not the blob was read by then
    assert read in ([], [small])


def test_a_blob_stream_outside_a_repository_is_a_usage_error(tmp_path):
    stream = git.BlobStream(tmp_path, lambda sha, content: None)
    stream.ask("1" * 40)
    with pytest.raises(UsageError, match="not a git repository"):
        stream.close()


def test_a_blob_stream_whose_second_git_cannot_start_ends_the_first(monkeypatch, tmp_path):
    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def second_fails(*args, **kwargs):
        if started:
            raise PermissionError(13, "Permission denied")
        started.append(real_popen(*args, **kwargs))
        return started[0]

    monkeypatch.setattr(subprocess, "Popen", second_fails)
    with pytest.raises(UsageError, match="cannot run git: Permission denied"):
        git.BlobStream(tmp_path, lambda sha, content: None)
    assert started[0].returncode is not None  # the first was ended and waited for


def test_streaming_git_writes_in_blocks_not_a_flush_per_record(tmp_path):
    # git flushes after every commit of a log when its output is a pipe, unless
    # GIT_FLUSH=0: a shell alias shows what a git started by tpm sees.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    process = git._start(["-c", "alias.flushed=!echo $GIT_FLUSH", "flushed"], tmp_path)
    assert process.stdout is not None
    assert process.stdout.read() == b"0\n"
    git._end(process, killed=False)


def test_a_blob_streams_contents_come_through_a_big_pipe_in_big_reads(tmp_path):
    small, *_ = _objects(tmp_path)
    stream = git.BlobStream(tmp_path, lambda sha, content: None)
    out = stream._batch.stdout
    assert isinstance(out, io.BufferedReader)
    fcntl = pytest.importorskip("fcntl")
    if hasattr(fcntl, "F_GETPIPE_SZ"):  # Linux: as big as the system allows, up to 1 MiB
        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        assert fcntl.fcntl(out.fileno(), fcntl.F_GETPIPE_SZ) == min(1 << 20, max(limit, 1 << 16))
    stream.ask(small)
    stream.close()

"""Fault injection for tpm's writers (`tpm report --output`, `tpm check --output`,
`tpm new`, `tpm init`): every one goes through `tpm.fsutil.write_atomic`.

1. Killed mid-write. A real `python -m tpm ...` subprocess is killed with SIGKILL after a
   seeded random delay, 100 times in a row (TPM_FAULT_ITERATIONS overrides the count).
   Half the delays are spread uniformly over the whole life of an unkilled run, the other
   half over its last ~15% and a little past its end, where the write happens, so the loop
   both kills runs before the write and lets some finish. After every kill the target holds
   the old content or the complete new render (compared byte for byte with a reference
   render made beforehand), or for `tpm new` is absent or complete; nothing else appears.

   Temp files. A SIGKILL between `mkstemp` and `os.replace` leaves `.<name>.<pid>.<random>.tmp`
   beside the target; no process can clean up after SIGKILL. They cannot harm: the name
   starts with a dot and ends in `.tmp`, so no type glob (`**/*.md`) and no project-root
   candidate (`*.md`) ever matches it, it is never linted, and each one is a prefix of a
   render. The next write of the same target removes those whose process is gone, so they
   do not pile up or get committed by `git add -A`; the tests assert all of that.

2. A full disk: ENOSPC raised by write, by close, by fsync and by the rename/link, in
   process (`run_tpm`), for each writer; and, where the process may mount, a real 32 KiB
   tmpfs. Expected: exit 2, one `tpm: error:` line on stderr naming the cause, the target
   untouched (old content or absent), no temp file left.

3. A read-only folder. The suite runs as root in CI, and root ignores permission bits, so
   chmod proves nothing: we use a parent path that runs through a regular file (mkdir
   fails), a monkeypatched EACCES/EROFS from `mkstemp`, a real read-only bind mount where
   the process may mount (skipped otherwise), and `--output` naming an existing directory.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from helpers import make_repo, run_tpm

ROOT = Path(__file__).resolve().parents[1]
GENERATE = ROOT / "benchmarks" / "generate.py"
DOCUMENTS = 250  # a report of ~50 KB; one run takes ~0.35 s, half of it interpreter start-up
ITERATIONS = int(os.environ.get("TPM_FAULT_ITERATIONS", "100"))
DAY_A, DAY_B = "2026-11-27", "2026-11-28"  # two dates, so consecutive renders differ
TITLE = "Fault injection risk"
NEW_ARGS = ("new", "risk", TITLE, "--id", "R-9001", "--owner", "alice", "--today", DAY_A)


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "TPM_TODAY"}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, PYTHONDONTWRITEBYTECODE="1")
    return env


def _tpm(repo: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "tpm", *args]
    return subprocess.run(command, cwd=repo, env=_env(), capture_output=True, text=True, check=False, **kwargs)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """One generated project per module (benchmarks/generate.py, seed 0); tests copy it."""
    repo = tmp_path_factory.mktemp("faults") / "repo"
    subprocess.run(
        [sys.executable, str(GENERATE), str(repo), "--documents", str(DOCUMENTS)],
        env=_env(),
        check=True,
        capture_output=True,
    )
    return repo


@pytest.fixture
def project(generated, tmp_path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(generated, target, symlinks=True, copy_function=shutil.copy)
    return target


def _visible(repo: Path) -> set[str]:
    """Every file in the work tree outside .git, repository-relative."""
    return {
        p.relative_to(repo).as_posix()
        for p in repo.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }


def _temp_pattern(name: str) -> re.Pattern:
    return re.compile(rf"\.{re.escape(name)}\.\d+\.[A-Za-z0-9_]+\.tmp")


def _lifetime(repo: Path, *args: str, cleanup=None) -> float:
    """Wall time of an unkilled run (the longest of three), from Popen to exit."""
    longest = 0.0
    for _ in range(3):
        start = time.perf_counter()
        completed = _tpm(repo, *args)
        longest = max(longest, time.perf_counter() - start)
        assert completed.returncode == 0, completed.stderr
        if cleanup:
            cleanup()
    return longest


def _delay(rng: random.Random, lifetime: float) -> float:
    if rng.random() < 0.5:
        return rng.uniform(0.0, lifetime)  # anywhere: start-up, git, parsing, rules, render
    return rng.uniform(0.85 * lifetime, 1.1 * lifetime)  # around the write, and past the end


def _kill_after(repo: Path, args: tuple, delay: float) -> int | None:
    """Start `tpm ARGS`, SIGKILL it after `delay` seconds; its exit code if it ended first."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tpm", *args],
        cwd=repo,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    finished = process.poll()
    if finished is None:
        process.send_signal(signal.SIGKILL)
    process.wait()
    return finished


# -- 1. SIGKILL at random points ---------------------------------------------------------


def test_report_killed_at_random_points_leaves_old_or_complete_new_file(project):
    repo = project
    references = {}
    for day in (DAY_A, DAY_B):
        assert _tpm(repo, "report", "--output", "STATUS.md", "--today", day).returncode == 0
        references[day] = (repo / "STATUS.md").read_bytes()
    assert references[DAY_A] != references[DAY_B] and len(references[DAY_A]) > 20_000
    lifetime = _lifetime(repo, "report", "--output", "STATUS.md", "--today", DAY_A)
    before = _visible(repo)  # STATUS.md (DAY_A render) and the documents
    temp = _temp_pattern("STATUS.md")
    rng = random.Random(20261127)
    outcomes = {"old": 0, "new": 0, "finished": 0, "temp files left": 0}
    for iteration in range(ITERATIONS):
        old = (repo / "STATUS.md").read_bytes()
        day = DAY_B if old == references[DAY_A] else DAY_A
        new = references[day]
        finished = _kill_after(repo, ("report", "--output", "STATUS.md", "--today", day), _delay(rng, lifetime))
        now = (repo / "STATUS.md").read_bytes()
        where = f"iteration {iteration}: "
        assert now in (old, new), where + f"STATUS.md is neither old nor new ({len(now)} bytes)"
        if finished is not None:
            assert finished == 0 and now == new, where + f"an unkilled run exited {finished}"
            outcomes["finished"] += 1
        outcomes["new" if now == new else "old"] += 1
        extra = _visible(repo) - before
        assert all(temp.fullmatch(name) for name in extra), where + f"unexpected files {sorted(extra)}"
        for name in extra:  # a killed write's temp file: some prefix of the new render
            content = (repo / name).read_bytes()
            assert references[DAY_A].startswith(content) or references[DAY_B].startswith(content), where + name
        outcomes["temp files left"] = len(extra)
    outcomes["cache temp files left"] = len(list((repo / ".git").rglob(".*.tmp")))
    print(f"\n{ITERATIONS} kills of tpm report, lifetime {lifetime:.2f} s: {outcomes}")
    assert outcomes["old"] and outcomes["new"], f"the kills did not span the write: {outcomes}"
    # Left-over temp files (and half-written caches) do not change what tpm sees or renders.
    assert _tpm(repo, "report", "--output", "STATUS.md", "--today", DAY_B).returncode == 0
    assert (repo / "STATUS.md").read_bytes() == references[DAY_B]
    assert _visible(repo) - before == set(), "the next write removes the killed writers' temp files"
    checked = _tpm(repo, "check", "--today", DAY_A, "--format", "json")
    assert checked.returncode == 0, checked.stdout[-2000:]
    assert ".tmp" not in checked.stdout


def test_new_killed_at_random_points_leaves_no_file_or_a_complete_valid_one(project):
    repo = project
    dry = _tpm(repo, *NEW_ARGS, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    relative = dry.stdout.splitlines()[-1].removeprefix("(dry run) would create ")
    reference = dry.stdout[: dry.stdout.rindex("(dry run)")].encode("utf-8")
    target = repo / relative
    lifetime = _lifetime(repo, *NEW_ARGS, cleanup=target.unlink)
    before = _visible(repo)
    temp = _temp_pattern(target.name)
    rng = random.Random(1127)
    outcomes = {"absent": 0, "complete": 0, "finished": 0, "temp files left": 0}
    for iteration in range(ITERATIONS):
        finished = _kill_after(repo, NEW_ARGS, _delay(rng, lifetime))
        where = f"iteration {iteration}: "
        if target.exists():
            assert target.read_bytes() == reference, where + "the new document is incomplete"
            outcomes["complete"] += 1
        else:
            assert finished is None, where + f"an unkilled run exited {finished} and wrote nothing"
            outcomes["absent"] += 1
        outcomes["finished"] += finished is not None
        extra = _visible(repo) - before - {relative}
        assert all(temp.fullmatch(Path(name).name) and Path(name).parent == Path(relative).parent for name in extra), (
            where + f"unexpected files {sorted(extra)}"
        )
        for name in extra:
            assert reference.startswith((repo / name).read_bytes()), where + name
        outcomes["temp files left"] = len(extra)
        target.unlink(missing_ok=True)  # the next iteration creates it again
    print(f"\n{ITERATIONS} kills of tpm new, lifetime {lifetime:.2f} s: {outcomes}")
    assert outcomes["absent"] and outcomes["complete"], f"the kills did not span the write: {outcomes}"
    # The complete file is a valid document, and left-over temp files are not documents.
    assert _tpm(repo, *NEW_ARGS).returncode == 0
    checked = _tpm(repo, "check", "--today", DAY_A, "--no-history", "--format", "json")
    assert checked.returncode == 0, checked.stdout[-2000:]
    found = [(d["path"], d["rule"]) for d in json.loads(checked.stdout)["diagnostics"]]
    assert found == [(relative, "missing-section")]  # its Mitigation is still the template's placeholder
    assert ".tmp" not in checked.stdout


# -- shared by 2 and 3: the writers, run in-process ----------------------------------------

OLD = "old content, must survive\n"
TODAY = "2026-11-27"
MILESTONE = (
    "---\nid: M-1\ntitle: First\nstatus: planned\nowner: alice\ndue: 2026-12-20\n---\n"
    "# First\n\n## Checkpoints\n\n- [ ] 2026-12-10 design review\n"
)


@pytest.fixture
def small(tmp_path) -> Path:
    """A small committed project, with a STATUS.md and a pyproject.toml that must survive."""
    return make_repo(
        tmp_path / "small",
        {
            ".tpm.toml": "",
            "project/milestones/M-1-first.md": MILESTONE,
            "project/risks/.gitkeep": "",
            "STATUS.md": OLD,
            "REPORT.txt": OLD,
        },
    )


@pytest.fixture
def bare(tmp_path) -> Path:
    """A repository with nothing in it yet, for `tpm init`."""
    return make_repo(tmp_path / "bare", {"pyproject.toml": '[project]\nname = "x"\n'})


# writer name -> (fixture, argv, the target, whether it existed before)
WRITERS = {
    "report --output": ("small", ("report", "--output", "STATUS.md", "--today", TODAY), "STATUS.md"),
    "check --output": ("small", ("check", "--output", "REPORT.txt", "--today", TODAY), "REPORT.txt"),
    "new": ("small", ("new", "risk", "Disk full", "--id", "R-7", "--today", TODAY), "project/risks/R-7-disk-full.md"),
    "init": ("bare", ("init",), ".tpm.toml"),
    "init --pyproject": ("bare", ("init", "--pyproject"), "pyproject.toml"),
}


def _snapshot(repo: Path) -> dict:
    return {
        p.relative_to(repo).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in repo.rglob("*")
        if ".git" not in p.relative_to(repo).parts
    }


def _one_error_line(err: str, *needles: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tpm: error: "), err
    for needle in needles:
        assert needle.lower() in lines[0].lower(), (needle, err)
    assert "Traceback" not in err


class _FailingStream:
    """The stream `os.fdopen` returns, failing with ENOSPC as a full disk would: in
    `write` after half the text reached the file, or in `close` (delayed allocation)."""

    def __init__(self, stream, where: str):
        self._stream, self._where = stream, where

    def write(self, text):
        if self._where == "write":
            self._stream.write(text[: len(text) // 2])
            self._stream.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._stream.write(text)

    def close(self):
        self._stream.close()
        if self._where == "close":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _full_disk(monkeypatch, where: str) -> None:
    import tpm.fsutil

    def enospc(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if where in ("write", "close"):
        real = os.fdopen
        monkeypatch.setattr(tpm.fsutil.os, "fdopen", lambda *a, **k: _FailingStream(real(*a, **k), where))
    elif where == "fsync":
        monkeypatch.setattr(tpm.fsutil.os, "fsync", enospc)
    elif where == "rename":  # a full directory cannot take the new entry
        monkeypatch.setattr(tpm.fsutil.os, "replace", enospc)
        monkeypatch.setattr(tpm.fsutil.os, "link", enospc)


# -- 2. a full disk ------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["write", "close", "fsync", "rename"])
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_full_disk_exits_2_with_one_line_and_leaves_the_target_untouched(writer, where, request, monkeypatch):
    fixture, argv, target = WRITERS[writer]
    repo = request.getfixturevalue(fixture)
    before = _snapshot(repo)
    _full_disk(monkeypatch, where)
    outcome = run_tpm(repo, *argv)
    assert outcome.code == 2, (outcome.out, outcome.err)
    _one_error_line(outcome.err, "no space left on device", Path(target).name)
    after = _snapshot(repo)
    assert after.get(target) == before.get(target)  # old content, or still absent
    stray = sorted(set(after) - set(before))
    if writer == "init":  # init makes the type folders it has not yet filled; they are harmless
        stray = [name for name in stray if after[name] is not None]
    assert stray == [], f"left behind: {stray}"
    monkeypatch.undo()
    assert run_tpm(repo, *argv).code in (0, 1)  # with space again, the same command works


def test_init_interrupted_by_a_full_disk_halfway_finishes_on_the_next_run(bare, monkeypatch):
    import tpm.fsutil

    real, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(tpm.fsutil.os, "fsync", fsync)
    outcome = run_tpm(bare, "init")
    assert outcome.code == 2
    assert not [p for p in bare.rglob("*.tmp")]
    monkeypatch.undo()
    again = run_tpm(bare, "init")
    assert again.code == 0 and "created" in again.out
    assert run_tpm(bare, "init").out.startswith("nothing to do")


def _can_mount() -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"], capture_output=True, check=False
    )
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs a private mount namespace (root, CAP_SYS_ADMIN)")


@needs_mount
def test_real_full_tmpfs(project, tmp_path):
    """A real 32 KiB tmpfs holding STATUS.md's folder: the ~50 KB report cannot fit."""
    out = project / "out"
    out.mkdir()
    (out / "STATUS.md").write_text(OLD)
    script = (
        f"mount -t tmpfs -o size=32k tmpfs {out} && printf %s '{OLD.strip()}' > {out}/STATUS.md && "
        f"{sys.executable} -m tpm report --today {TODAY} --output out/STATUS.md; code=$?; "
        f"ls -a {out} >&2; cat {out}/STATUS.md > {tmp_path}/after; exit $code"
    )
    completed = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], cwd=project, env=_env(), capture_output=True, text=True, check=False
    )
    assert completed.returncode == 2, completed.stderr
    error, listing = completed.stderr.split("\n", 1)
    assert error.startswith("tpm: error: cannot write") and "No space left on device" in error, completed.stderr
    assert listing.split() == [".", "..", "STATUS.md"], listing  # no temp file left
    assert (tmp_path / "after").read_text() == OLD.strip()


# -- 3. a read-only folder -----------------------------------------------------------------


@pytest.mark.parametrize("writer", ["report --output", "check --output"])
@pytest.mark.parametrize("parent", ["blocker/sub", "blocker/sub/deeper"])
def test_output_under_a_regular_file_exits_2_and_writes_nothing(small, writer, parent):
    (small / "blocker").write_text("a file, not a folder\n")
    argv = tuple(f"{parent}/OUT.md" if a in ("STATUS.md", "REPORT.txt") else a for a in WRITERS[writer][1])
    before = _snapshot(small)
    outcome = run_tpm(small, *argv)
    assert outcome.code == 2
    _one_error_line(outcome.err, "cannot write", "is a file, not a folder")
    assert _snapshot(small) == before


def test_output_whose_parent_is_a_regular_file_says_not_a_directory(small):
    (small / "blocker").write_text("a file, not a folder\n")
    before = _snapshot(small)
    outcome = run_tpm(small, "report", "--today", TODAY, "--output", "blocker/STATUS.md")
    assert outcome.code == 2 and _snapshot(small) == before
    _one_error_line(outcome.err, "cannot write", "is a file, not a folder")


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS])
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_unwritable_folder_exits_2_and_writes_nothing(writer, code, request, monkeypatch):
    fixture, argv, target = WRITERS[writer]
    repo = request.getfixturevalue(fixture)
    before = _snapshot(repo)

    def refuse(*args, **kwargs):
        raise (PermissionError if code == errno.EACCES else OSError)(code, os.strerror(code))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    outcome = run_tpm(repo, *argv)
    assert outcome.code == 2
    _one_error_line(outcome.err, "cannot write", os.strerror(code), Path(target).name)
    after = _snapshot(repo)
    assert {k: v for k, v in after.items() if v is not None} == {k: v for k, v in before.items() if v is not None}


@needs_mount
@pytest.mark.parametrize(
    "argv",
    [
        ("report", "--today", TODAY, "--output", "STATUS.md"),
        ("new", "risk", "Read only", "--id", "R-8", "--today", TODAY),
    ],
)
def test_real_read_only_mount(small, argv):
    """The whole work tree bind-mounted read-only (as root: permission bits do not stop root)."""
    script = (
        f"mount --bind {small} {small} && mount -o remount,bind,ro {small} && "
        f"{sys.executable} -m tpm {' '.join(repr(a) for a in argv)}"
    )
    before = _snapshot(small)
    completed = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], cwd=small, env=_env(), capture_output=True, text=True, check=False
    )
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.startswith("tpm: error: cannot write") and "Read-only file system" in completed.stderr
    assert len(completed.stderr.splitlines()) == 1, completed.stderr
    assert _snapshot(small) == before


def test_new_when_the_id_lock_cannot_be_opened_exits_2_with_one_line(small):
    """Portable stand-in for a read-only .git: the lock's name is taken by a directory.
    Actual: "tpm: internal error: IsADirectoryError: [Errno 21] Is a directory: '.../.git/
    tpm-new.lock' (run with TPM_DEBUG=1 ...; please report it)", exit 2 via the catch-all."""
    (small / ".git" / "tpm-new.lock").mkdir()
    before = _snapshot(small)
    outcome = run_tpm(small, *WRITERS["new"][1])
    assert outcome.code == 2 and _snapshot(small) == before
    _one_error_line(outcome.err, "tpm-new.lock")
    assert "internal error" not in outcome.err


@pytest.mark.parametrize("command", ["report", "check"])
def test_output_naming_an_existing_directory_exits_2(small, command):
    (small / "out").mkdir()
    (small / "out" / "keep.txt").write_text("x")
    before = _snapshot(small)
    outcome = run_tpm(small, command, "--today", TODAY, "--output", "out")
    assert outcome.code == 2
    assert "'out' is a directory" in outcome.err and "Traceback" not in outcome.err
    assert _snapshot(small) == before


def test_new_whose_target_name_is_taken_by_a_directory_exits_2(small):
    (small / "project/risks/R-7-disk-full.md").mkdir()
    before = _snapshot(small)
    outcome = run_tpm(small, *WRITERS["new"][1])
    assert outcome.code == 2
    _one_error_line(outcome.err, "R-7-disk-full.md")
    assert _snapshot(small) == before and not list((small / "project/risks").glob(".*.tmp"))


# -- file modes ----------------------------------------------------------------------------


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@pytest.mark.parametrize("writer", ["report --output", "new"])
def test_written_files_get_the_usual_mode(small, writer):
    _fixture, argv, target = WRITERS[writer]
    (small / "STATUS.md").unlink()
    assert run_tpm(small, *argv).code in (0, 1)
    assert stat.S_IMODE((small / target).stat().st_mode) == 0o666 & ~_umask()


def test_rewriting_keeps_the_mode(small):
    (small / "STATUS.md").chmod(0o644)
    assert run_tpm(small, *WRITERS["report --output"][1]).code == 0
    assert stat.S_IMODE((small / "STATUS.md").stat().st_mode) == 0o644

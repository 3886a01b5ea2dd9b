"""`fsutil.write_atomic`, branch by branch: new files, replacing, refusing to replace, a
file in the way, the mode a file keeps, temporary files of dead writers, and failures at
each step leaving nothing behind. Failures the test user cannot cause (it may be root)
are injected."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tpm import fsutil
from tpm.errors import UsageError


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    return int(process.stdout)


def test_a_new_file_is_written_whole_with_folders_made_and_the_umask_mode(tmp_path):
    target = tmp_path / "a" / "b" / "STATUS.md"
    fsutil.write_atomic(target, "é\nline\r\nend")
    assert target.read_bytes() == "é\nline\r\nend".encode()  # no newline translation
    umask = os.umask(0)
    os.umask(umask)
    assert mode(target) == 0o666 & ~umask
    assert leftovers(target.parent) == []


def test_a_new_file_follows_a_strict_umask(tmp_path):
    old = os.umask(0o077)
    try:
        fsutil.write_atomic(tmp_path / "private.md", "x")
    finally:
        os.umask(old)
    assert mode(tmp_path / "private.md") == 0o600


def test_replacing_keeps_the_files_mode(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    fsutil.write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert mode(target) == 0o640
    target.chmod(0o755)
    fsutil.write_atomic(target, "newer", overwrite=True)
    assert mode(target) == 0o755 and target.read_text(encoding="utf-8") == "newer"


def test_overwrite_false_creates_but_never_replaces(tmp_path):
    target = tmp_path / "M-1.md"
    fsutil.write_atomic(target, "first", overwrite=False)
    assert target.read_text(encoding="utf-8") == "first"
    with pytest.raises(UsageError) as raised:
        fsutil.write_atomic(target, "second", overwrite=False)
    assert str(raised.value) == f"{target} already exists; not overwritten"
    assert target.read_text(encoding="utf-8") == "first"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("depth", ["blocker/out.md", "blocker/deeper/still/out.md"])
def test_a_file_where_a_folder_should_be_is_named(tmp_path, depth):
    (tmp_path / "blocker").write_text("I am a file", encoding="utf-8")
    target = tmp_path / depth
    with pytest.raises(UsageError) as raised:
        fsutil.write_atomic(target, "x")
    assert str(raised.value) == f"cannot write {target}: {tmp_path / 'blocker'} is a file, not a folder"


def test_blocking_file_falls_back_to_the_folder_itself(tmp_path):
    assert fsutil._blocking_file(tmp_path / "no" / "such") == tmp_path / "no" / "such"


def test_a_folder_that_cannot_be_made_is_a_usage_error(tmp_path, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(UsageError, match=r"^cannot write .*out\.md: Permission denied$"):
        fsutil.write_atomic(tmp_path / "new" / "out.md", "x")


def test_no_room_for_the_temporary_file_is_a_usage_error(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", full)
    with pytest.raises(UsageError, match=r"^cannot write .*out\.md: No space left on device$"):
        fsutil.write_atomic(tmp_path / "out.md", "x")


@pytest.mark.parametrize(
    ("step", "overwrite"),
    [("replace", True), ("link", False), ("fsync", True), ("chmod", True)],
)
def test_a_failure_at_any_step_leaves_no_temporary_file_and_the_old_file_whole(tmp_path, monkeypatch, step, overwrite):
    target = tmp_path / "out.md"
    if overwrite:
        target.write_text("old", encoding="utf-8")

    def broken(*args, **kwargs):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, step, broken)
    with pytest.raises(UsageError) as raised:
        fsutil.write_atomic(target, "new", overwrite=overwrite)
    assert str(raised.value) == f"cannot write {target}: Invalid cross-device link"
    assert leftovers(tmp_path) == []
    assert target.exists() == overwrite and (not overwrite or target.read_text(encoding="utf-8") == "old")


def test_an_error_without_strerror_is_shown_whole(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("device gone")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(UsageError, match=r": device gone$"):
        fsutil.write_atomic(tmp_path / "out.md", "new")


def test_an_interrupt_leaves_no_temporary_file_and_goes_on(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fsutil.write_atomic(tmp_path / "out.md", "new")
    assert leftovers(tmp_path) == [] and not (tmp_path / "out.md").exists()


def test_temporary_files_of_dead_writers_are_removed_and_others_kept(tmp_path):
    dead = dead_pid()
    names = {
        f".out.md.{dead}.abc.tmp": False,  # a dead writer of this target: removed
        f".out.md.{os.getpid()}.abc.tmp": True,  # ours (another thread's write): kept
        ".out.md.1.abc.tmp": True,  # a live process (init): kept
        ".out.md.x1.abc.tmp": True,  # not a process id: kept
        f".other.md.{dead}.abc.tmp": True,  # another target's: kept
        f".out.md.{dead}.abc.tmp.bak": True,  # not a temporary file
    }
    for name in names:
        (tmp_path / name).write_text("partial", encoding="utf-8")
    fsutil.write_atomic(tmp_path / "out.md", "done")
    assert sorted(n for n in os.listdir(tmp_path) if n != "out.md") == sorted(n for n, kept in names.items() if kept)


def test_orphan_cleanup_in_a_folder_that_cannot_be_listed_does_nothing(tmp_path):
    fsutil._remove_orphans(tmp_path / "missing", "out.md")


@pytest.mark.parametrize(
    ("error", "alive"),
    [
        (None, True),
        (ProcessLookupError(3, "No such process"), False),
        (PermissionError(1, "nope"), True),
        (OSError(22, "Invalid argument"), True),
    ],
)
def test_alive(monkeypatch, error, alive):
    def kill(pid, signal):
        if error is not None:
            raise error

    monkeypatch.setattr(os, "kill", kill)
    assert fsutil._alive(12345) is alive


def test_discard_ignores_a_file_already_gone(tmp_path):
    fsutil._discard(str(tmp_path / "gone.tmp"))
    (tmp_path / "here.tmp").write_text("x", encoding="utf-8")
    fsutil._discard(str(tmp_path / "here.tmp"))
    assert leftovers(tmp_path) == []

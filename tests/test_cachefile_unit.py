"""Signed cache files on their own (`cachefile.load`/`save`/`secret`), on a plain folder
standing in for the git directory; plus the last small seams: where the shipped data
folders are found, `python -m tpm`, and the rule registry's own refusals."""

from __future__ import annotations

import hashlib
import hmac
import os
import runpy
import stat
import sys
from pathlib import Path

import pytest

from tpm import cachefile, resources
from tpm.rules import REGISTRY
from tpm.rules.registry import rule

FORMAT = "test/1"


@pytest.fixture
def git_dir(tmp_path: Path) -> Path:
    folder = tmp_path / ".git"
    (folder / "tpm-cache").mkdir(parents=True)
    return folder


def cache_path(git_dir: Path) -> Path:
    return git_dir / "tpm-cache" / "x.json"


def signed(key: bytes, body: bytes) -> bytes:
    """A cache file's bytes as `save` writes them: the signature is the object's last member."""
    signature = hmac.new(key, body, hashlib.sha256).hexdigest()
    return body[:-1] + f',"signature":"{signature}"}}'.encode()


# the key --------------------------------------------------------------------------------


def test_the_key_file_is_made_once_private_and_reused(git_dir):
    key = cachefile.secret(git_dir)
    path = git_dir / cachefile.KEY_FILE
    assert key is not None and len(key) == cachefile.KEY_BYTES
    assert path.read_bytes() == key and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cachefile.secret(git_dir) == key


def test_the_environment_key_wins_and_empty_counts_as_none(git_dir, monkeypatch):
    monkeypatch.setenv(cachefile.KEY_ENV, "shared secret é")
    assert cachefile.secret(git_dir) == "shared secret é".encode()
    assert not (git_dir / cachefile.KEY_FILE).exists()
    monkeypatch.setenv(cachefile.KEY_ENV, "")
    assert len(cachefile.secret(git_dir) or b"") == cachefile.KEY_BYTES


def test_a_damaged_key_file_is_made_anew(git_dir):
    (git_dir / cachefile.KEY_FILE).write_bytes(b"short")
    key = cachefile.secret(git_dir)
    assert key is not None and len(key) == cachefile.KEY_BYTES and key != b"short"


def test_a_damaged_key_file_that_cannot_be_removed_means_no_key(git_dir, monkeypatch):
    (git_dir / cachefile.KEY_FILE).write_bytes(b"short")

    def refuse(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "unlink", refuse)
    assert cachefile.secret(git_dir) is None


def test_a_key_made_by_another_tpm_at_the_same_moment_is_used_when_whole(git_dir, monkeypatch):
    theirs = b"k" * cachefile.KEY_BYTES
    real_open = os.open

    def race(path, flags, mode=0o777, **kwargs):
        if flags & os.O_EXCL:  # the key's exclusive create: the other process got there first
            Path(path).write_bytes(contents)
        return real_open(path, flags, mode, **kwargs)

    monkeypatch.setattr(os, "open", race)
    contents = theirs
    assert cachefile.secret(git_dir) == theirs
    (git_dir / cachefile.KEY_FILE).unlink()
    contents = b"half"
    assert cachefile.secret(git_dir) is None


@pytest.mark.parametrize("step", ["open", "write"])
def test_a_git_directory_we_cannot_write_means_no_key(git_dir, monkeypatch, step):
    def refuse(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, step, refuse)
    assert cachefile.secret(git_dir) is None


# load and save --------------------------------------------------------------------------


def test_save_then_load_round_trips(git_dir):
    cachefile.save(cache_path(git_dir), git_dir, FORMAT, {"files": {"a.md": [1, "é"]}})
    text = cache_path(git_dir).read_text(encoding="ascii")
    assert text.startswith('{"format":"test/1","files":{"a.md":[1,"\\u00e9"]},"signature":"')
    assert cachefile.load(cache_path(git_dir), git_dir, FORMAT) == {"format": FORMAT, "files": {"a.md": [1, "é"]}}
    assert cachefile.load(cache_path(git_dir), git_dir, "test/2") is None  # another format


def test_load_refuses_what_is_not_signed_with_this_key(git_dir, monkeypatch):
    path = cache_path(git_dir)
    assert cachefile.load(path, git_dir, FORMAT) is None  # missing
    path.write_text('{"format":"test/1"}', encoding="ascii")
    assert cachefile.load(path, git_dir, FORMAT) is None  # unsigned
    key = cachefile.secret(git_dir)
    assert key is not None
    path.write_bytes(signed(b"another key", b'{"format":"test/1"}'))
    assert cachefile.load(path, git_dir, FORMAT) is None
    path.write_bytes(signed(key, b'{"format":"test/1","clean":false}').replace(b"false", b"true "))
    assert cachefile.load(path, git_dir, FORMAT) is None  # tampered
    path.write_bytes(signed(key, b'{"format":"test/1","x":}'))
    assert cachefile.load(path, git_dir, FORMAT) is None  # signed, but not JSON
    path.write_bytes(signed(key, b'{"format":"test/1","x":1}'))
    assert cachefile.load(path, git_dir, FORMAT) == {"format": FORMAT, "x": 1}
    monkeypatch.setattr(cachefile, "secret", lambda git_dir: None)
    assert cachefile.load(path, git_dir, FORMAT) is None  # no key, no trust


def test_save_writes_nothing_without_a_key_or_outside_the_git_directory(git_dir, tmp_path, monkeypatch):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (git_dir / "tpm-cache" / "out").symlink_to(outside)
    cachefile.save(git_dir / "tpm-cache" / "out" / "x.json", git_dir, FORMAT, {})
    assert list(outside.iterdir()) == []
    (git_dir / "tpm-cache" / "blocker").write_text("a file", encoding="utf-8")
    cachefile.save(git_dir / "tpm-cache" / "blocker" / "x.json", git_dir, FORMAT, {})  # cannot write: no error
    monkeypatch.setattr(cachefile, "secret", lambda git_dir: None)
    cachefile.save(cache_path(git_dir), git_dir, FORMAT, {})
    assert not cache_path(git_dir).exists()


# the shipped data folders ---------------------------------------------------------------


def test_data_dir_prefers_the_package_then_the_checkout_then_says_what_is_missing(tmp_path, monkeypatch):
    package = tmp_path / "src" / "tpm"
    package.mkdir(parents=True)
    monkeypatch.setattr(resources, "_PACKAGE_DIR", package)
    resources.data_dir.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match=r"^tpm's schemas/ folder is missing from this installation$"):
            resources.data_dir("schemas")
        (tmp_path / "schemas").mkdir()
        assert resources.data_dir("schemas") == tmp_path / "schemas"  # a source checkout
        (package / "templates").mkdir()
        (tmp_path / "templates").mkdir()
        assert resources.data_dir("templates") == package / "templates"  # a wheel
    finally:
        resources.data_dir.cache_clear()


# python -m tpm --------------------------------------------------------------------------


def test_python_dash_m_tpm_runs_the_command_line(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["tpm", "rules"])
    with pytest.raises(SystemExit) as raised:
        runpy.run_module("tpm", run_name="__main__", alter_sys=True)
    assert raised.value.code == 0
    assert "TPM402  stale " in capsys.readouterr().out


# the registry's refusals ----------------------------------------------------------------


def test_the_registry_refuses_unknown_scopes_and_second_registrations():
    before = dict(REGISTRY)
    with pytest.raises(ValueError, match=r"^unknown scope 'global'$"):
        rule("new-rule", "TPM998", "warning", scope="global")
    with pytest.raises(ValueError, match=r"^rule overdue / TPM998 registered twice$"):
        rule("overdue", "TPM998", "warning")(lambda document, ctx: iter(()))
    with pytest.raises(ValueError, match=r"^rule new-rule / TPM201 registered twice$"):
        rule("new-rule", "TPM201", "warning")(lambda document, ctx: iter(()))
    assert before == REGISTRY  # nothing registered by a refused call

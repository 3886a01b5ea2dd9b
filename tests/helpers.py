"""Test helpers: real git repositories with fixed dates, and tpm run in-process.

Inherited GIT_* variables are stripped so that the suite also passes when it runs inside
a git hook (where GIT_DIR and GIT_INDEX_FILE point at the outer repository), and global
or system git config cannot change what the tests see.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tpm.cli import main

FIXED_DATE = "2026-11-01T12:00:00+00:00"
FIXTURES = Path(__file__).parent / "fixtures"


def git_env(date: str = FIXED_DATE) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME="Test Author",
        GIT_AUTHOR_EMAIL="author@example.com",
        GIT_COMMITTER_NAME="Test Author",
        GIT_COMMITTER_EMAIL="author@example.com",
        GIT_AUTHOR_DATE=date,
        GIT_COMMITTER_DATE=date,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env


def git(repo: Path, *args: str, date: str = FIXED_DATE) -> str:
    completed = subprocess.run(["git", *args], cwd=repo, env=git_env(date), check=True, capture_output=True, text=True)
    return completed.stdout


def write_files(repo: Path, files: dict) -> None:
    for name, content in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")


def shallow_clone(repo: Path, clone: Path) -> Path:
    """A clone of `repo` with only its newest commit, as CI checkouts make by default."""
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(clone)],
        check=True,
        env=git_env(),
        capture_output=True,
    )
    return clone


def make_repo(path: Path, files: dict | None = None, commit: bool = True, date: str = FIXED_DATE) -> Path:
    """A git repository at `path` holding `files` ({relative name: text or bytes})."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    write_files(path, files or {})
    if commit and files:
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "initial", date=date)
    return path


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def run_tpm(cwd: Path, *args: str) -> Outcome:
    """Run `tpm ARGS` in-process in `cwd`, capturing output and the exit code."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(previous)
    return Outcome(code, out.getvalue(), err.getvalue())


def _copy_tree(source: Path, target: Path, skip: str) -> None:
    # Not copy2: a copied mtime would let git's stat check miss a same-size edit.
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(skip), copy_function=shutil.copy)


def realistic_tree_repo(path: Path) -> Path:
    """The realistic fixture's final tree in a single commit (no history): for the caches'
    tests, which need many real documents, not their past."""
    make_repo(path)
    _copy_tree(FIXTURES / "realistic", path, "EXPECTED.txt")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "state", date="2026-11-26T12:00:00+00:00")
    return path


def build_realistic_repo(path: Path) -> Path:
    """The realistic fixture project with its history: the dated folders of
    fixtures/realistic-history/ committed oldest first on their dates (with the renames
    their moves.txt lists), then the final tree of fixtures/realistic/ on 2026-11-26."""
    make_repo(path)
    for folder in sorted(p for p in (FIXTURES / "realistic-history").iterdir() if p.is_dir()):
        moves = folder / "moves.txt"
        if moves.exists():
            for line in moves.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    old, new = (part.strip() for part in line.split(" -> "))
                    git(path, "mv", old, new)
        _copy_tree(folder, path, "moves.txt")
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", f"Project state on {folder.name}", date=f"{folder.name}T12:00:00+00:00")
    _copy_tree(FIXTURES / "realistic", path, "EXPECTED.txt")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "Payments migration project state", date="2026-11-26T12:00:00+00:00")
    return path

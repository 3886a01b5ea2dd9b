"""The bad-input catalogue: one YAML file per case in tests/badinput/, run end to end.

Each case builds a fresh git repository (or a plain folder), runs `tpm` and compares the
outcome with what SPEC.md and the README promise: either the complete list of located
diagnostics, or exit 2 with a one-line message. Whatever the case, tpm must never print
a traceback or an "internal error", and its exit code must agree with its findings.
The case format and the setup steps are documented in tests/badinput/README.md.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

import tpm.document
import tpm.git
from helpers import FIXED_DATE, git, git_env, run_tpm, write_files

CASES = Path(__file__).parent / "badinput"
DEFAULT_ARGS = ["check", "--today", "2026-11-27", "--format", "json"]
CASE_KEYS = {
    "description",
    "files",
    "bytes",
    "commit",
    "setup",
    "args",
    "env",
    "expect",
    "messages",
    "exit",
    "stderr_contains",
    "stdout_contains",
    "xfail",
}
_TEXT_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning|info) (?P<rule>[a-z-]+) "
)
_EXPECT = re.compile(r"^(?P<path>.+?):(?P<line>\d+)(?::(?P<column>\d+))? (?P<rule>[a-z-]+)$")


# --------------------------------------------------------------------------------------
# The context a case is built in, and its setup steps
# --------------------------------------------------------------------------------------


@dataclass
class Context:
    tmp: Path
    repo: Path
    monkeypatch: pytest.MonkeyPatch
    cwd: Path | None = None  # where tpm runs; default: the repository
    init_git: bool = True
    commit: bool = True
    mode: str = "inprocess"  # or "subprocess" (a real process) or "pipe_head" (`| head -1`)
    env: dict = field(default_factory=dict)  # for the run, in-process or not

    def git(self, *args: str, date: str = FIXED_DATE, cwd: Path | None = None) -> str:
        return git(cwd or self.repo, "-c", "protocol.file.allow=always", *args, date=date)


STEPS = {}


def step(phase: str):
    """Register a setup step; `phase` is when it runs: "init" (before the folder exists),
    "before_commit" (after the files are written) or "after_commit" (the default)."""

    def register(function):
        function.phase = phase
        STEPS[function.__name__] = function
        return function

    return register


@step("init")
def no_git_repo(ctx: Context):
    """The files are written into a plain folder: no `git init` anywhere above it."""
    ctx.init_git = False
    ctx.monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(ctx.tmp))


@step("init")
def no_commits(ctx: Context):
    """`git init` only: every file is untracked (the same as `commit: false`)."""
    ctx.commit = False


@step("before_commit")
def expand(ctx: Context, path: str, text: str, count: int, placeholder: str = "@@"):
    """Replace `placeholder` in `path` with `text` repeated `count` times (big inputs)."""
    target = ctx.repo / path
    target.write_bytes(target.read_bytes().replace(placeholder.encode(), (text * count).encode("utf-8")))


@step("before_commit")
def symlink(ctx: Context, link: str, target: str):
    """`link` -> `target` (as written: relative to the link's folder, or absolute);
    `{tmp}` in `target` is the folder that holds the repository."""
    path = ctx.repo / link
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target.replace("{tmp}", str(ctx.tmp)), path)


@step("before_commit")
def symlink_loop(ctx: Context, link: str):
    """`link` points at itself: opening it fails with ELOOP."""
    path = ctx.repo / link
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(path.name, path)


@step("before_commit")
def outside_file(ctx: Context, path: str, text: str):
    """A file outside the repository (`path` relative to the folder that holds it)."""
    target = ctx.tmp / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


@step("after_commit")
def chmod_000(ctx: Context, path: str):
    """Make `path` unreadable. chmod 000 stops nobody as root (CI runs tests as root), so
    there the same EACCES is produced by making tpm's own `open` of that file fail; the
    file stays on disk, stat works, only opening it fails, as with chmod 000."""
    target = ctx.repo / path
    if os.geteuid() != 0:
        target.chmod(0)
        return
    real_open = os.open

    def refusing_open(file, *args, **kwargs):
        if isinstance(file, (str, bytes, os.PathLike)) and os.fsdecode(os.path.realpath(file)) == str(target.resolve()):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    # tpm reads every file through tpm.boundary, with os.open (non-blocking, then fstat)
    ctx.monkeypatch.setattr(os, "open", refusing_open)


@step("after_commit")
def big_file(ctx: Context, path: str, size: int = 2 * 1024 * 1024):
    """A sparse file of `size` bytes (over tpm's 1 MiB cap): made with truncate, so its
    blocks are never written; left untracked (git would read it)."""
    target = ctx.repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as handle:
        handle.write(b"---\n")
        handle.truncate(size)


@step("after_commit")
def commit_dated(ctx: Context, date: str, files: dict | None = None):
    """Write `files` (if any) and commit everything with this author and committer date
    (ISO 8601 with a time zone, e.g. 2026-11-20T02:00:00+14:00)."""
    write_files(ctx.repo, files or {})
    ctx.git("add", "-A")
    ctx.git("commit", "-q", "--allow-empty", "-m", f"commit of {date}", date=date)


@step("after_commit")
def edit(ctx: Context, files: dict):
    """Write `files` without committing them."""
    write_files(ctx.repo, files)


@step("after_commit")
def shallow_clone(ctx: Context):
    """One more commit, then `git clone --depth 1`; tpm runs in the clone."""
    ctx.git("commit", "-q", "--allow-empty", "-m", "second", date="2026-11-02T12:00:00+00:00")
    clone = ctx.tmp / "clone"
    git(ctx.tmp, "clone", "-q", "--depth", "1", f"file://{ctx.repo}", str(clone))
    ctx.cwd = clone


@step("after_commit")
def detached_head(ctx: Context):
    """One more commit, then HEAD detached at the first one."""
    ctx.git("commit", "-q", "--allow-empty", "-m", "second", date="2026-11-02T12:00:00+00:00")
    ctx.git("checkout", "-q", "--detach", "HEAD~1")


@step("after_commit")
def worktree(ctx: Context, files: dict | None = None):
    """`git worktree add` on a new branch; `files` are written there; tpm runs in it."""
    tree = ctx.tmp / "worktree"
    ctx.git("worktree", "add", "-q", "-b", "other", str(tree))
    write_files(tree, files or {})
    ctx.cwd = tree


@step("after_commit")
def submodule(ctx: Context, path: str, files: dict, enter: bool = False):
    """A second repository holding `files`, added as a submodule at `path` and committed;
    with `enter`, tpm runs inside the submodule."""
    sub = ctx.tmp / "sub"
    sub.mkdir()
    git(sub, "init", "-q", "-b", "main")
    write_files(sub, files)
    git(sub, "add", "-A")
    git(sub, "commit", "-q", "-m", "sub")
    ctx.git("submodule", "add", "-q", str(sub), path)
    ctx.git("commit", "-q", "-m", "add submodule")
    if enter:
        ctx.cwd = ctx.repo / path


@step("after_commit")
def sparse_checkout(ctx: Context, folders: list):
    """`git sparse-checkout set` (cone mode) to these folders: the rest stays in the index
    but leaves the work tree."""
    ctx.git("sparse-checkout", "set", *folders)


@step("after_commit")
def delete_between_listing_and_reading(ctx: Context, path: str):
    """git's listing names `path`, which is not on disk when tpm comes to read it."""
    real = tpm.git.list_files

    def listing(root, staged=False):
        return sorted({*real(root, staged), path})

    ctx.monkeypatch.setattr(tpm.git, "list_files", listing)


@step("after_commit")
def cd(ctx: Context, path: str):
    """Run tpm from this folder of the repository."""
    ctx.cwd = ctx.repo / path


@step("after_commit")
def pipe_to_head(ctx: Context):
    """Run `python -m tpm ARGS | head -1` in a shell: the reader goes away early."""
    ctx.mode = "pipe_head"


@step("after_commit")
def locale(ctx: Context):
    """Run tpm as a real process under a locale that is not UTF-8: a Latin-1 one when
    `locale -a` has one, else C with Python's UTF-8 mode and locale coercion turned off
    (so stdout really is ASCII)."""
    ctx.mode = "subprocess"
    names = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout.split()
    latin1 = next((n for n in names if re.search(r"iso8859-?1$", n, re.I)), None)
    ctx.env.update(LC_ALL=latin1 or "C", LANG=latin1 or "C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0")
    ctx.env.pop("PYTHONIOENCODING", None)


# --------------------------------------------------------------------------------------
# Running a case
# --------------------------------------------------------------------------------------


def _load(path: Path) -> dict:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(case) - CASE_KEYS
    assert not unknown, f"{path.name}: unknown keys {sorted(unknown)}"
    assert case.get("description"), f"{path.name}: no description"
    assert "expect" in case or "exit" in case, f"{path.name}: give `expect` or `exit`"
    assert not ("expect" in case and case.get("exit") == 2), f"{path.name}: exit 2 has no findings to expect"
    return case


def _cases():
    for path in sorted(CASES.glob("*.yaml")):
        case = _load(path)
        marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if case.get("xfail") else []
        yield pytest.param(case, id=path.stem, marks=marks)


def _steps(case: dict):
    for entry in case.get("setup", []):
        name, params = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        assert name in STEPS, f"unknown setup step {name!r}"
        yield STEPS[name], params or {}


def _build(ctx: Context, case: dict) -> None:
    steps = list(_steps(case))
    for function, params in steps:
        if function.phase == "init":
            function(ctx, **params)
    ctx.repo.mkdir(parents=True)
    if ctx.init_git:
        ctx.git("init", "-q", "-b", "main")
    write_files(ctx.repo, case.get("files") or {})
    write_files(ctx.repo, {name: base64.b64decode(data) for name, data in (case.get("bytes") or {}).items()})
    for function, params in steps:
        if function.phase == "before_commit":
            function(ctx, **params)
    if ctx.init_git and ctx.commit and case.get("commit", True):
        ctx.git("add", "-A")
        ctx.git("commit", "-q", "--allow-empty", "-m", "initial")
    for function, params in steps:
        if function.phase == "after_commit":
            function(ctx, **params)


def _run(ctx: Context, args: list) -> tuple[int, str, str]:
    cwd = ctx.cwd or ctx.repo
    if ctx.mode == "inprocess":
        for name, value in ctx.env.items():
            ctx.monkeypatch.setenv(name, value)
        outcome = run_tpm(cwd, *args)
        return outcome.code, outcome.out, outcome.err
    env = {**git_env(), **ctx.env}  # os.environ less GIT_* (and less TPM_TODAY: conftest)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(tpm.document.__file__).parents[1]), env.get("PYTHONPATH")])
    )
    command = [sys.executable, "-m", "tpm", *args]
    if ctx.mode == "pipe_head":
        shell = " ".join(_quote(part) for part in command) + " | head -1"
        command = ["bash", "-c", shell + '; exit "${PIPESTATUS[0]}"']  # tpm's status, not head's
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=50, check=False)
    return (
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )


def _quote(part: str) -> str:
    return "'" + part.replace("'", "'\\''") + "'"


def _diagnostics(args: list, out: str) -> list[dict]:
    """The diagnostics as dicts (path, line, column, rule, severity, message), from the
    json format or from the text format's lines."""
    output_format = args[args.index("--format") + 1] if "--format" in args else "text"
    if output_format == "json":
        return json.loads(out)["diagnostics"]
    assert output_format == "text", "the catalogue reads json or text output"
    found = []
    for line in out.splitlines():
        match = _TEXT_LINE.match(line)
        if match:
            found.append({**match.groupdict(), "message": line[match.end() :]})
            found[-1]["line"], found[-1]["column"] = int(match["line"]), int(match["column"])
    return found


def _matches(expected: str, diagnostic: dict) -> bool:
    match = _EXPECT.match(expected)
    assert match, f"bad expectation {expected!r}: use PATH:LINE[:COLUMN] SLUG"
    return (
        match["path"] == diagnostic["path"]
        and int(match["line"]) == diagnostic["line"]
        and (match["column"] is None or int(match["column"]) == diagnostic["column"])
        and match["rule"] == diagnostic["rule"]
    )


@pytest.mark.parametrize("case", list(_cases()))
def test_bad_input(tmp_path, monkeypatch, case):
    ctx = Context(tmp=tmp_path, repo=tmp_path / "repo", monkeypatch=monkeypatch, env=dict(case.get("env") or {}))
    _build(ctx, case)
    args = [str(a) for a in case.get("args", DEFAULT_ARGS)]
    code, out, err = _run(ctx, args)

    # Whatever the input: no traceback, no internal error, never a crash.
    assert "Traceback" not in err and "Traceback" not in out, err
    assert "internal error" not in err, err
    assert "Exception ignored" not in err, err
    for text in filter(None, [case.get("stderr_contains")]):
        assert text in err, err
    for text in filter(None, [case.get("stdout_contains")]):
        assert text in out, out

    if case.get("exit") == 2:
        assert code == 2, (code, out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("tpm: error: "), f"not one `tpm: error:` line: {err!r}"
        return
    assert err == "", err
    if "expect" not in case:  # an exit code and perhaps some text are all it promises
        assert code == case["exit"], (code, out, err)
        return

    diagnostics = _diagnostics(args, out)
    shown = [f"{d['path']}:{d['line']}:{d['column']} {d['rule']}" for d in diagnostics]
    expected = case["expect"] or []
    assert len(shown) == len(expected) and all(map(_matches, expected, diagnostics)), shown
    for text in case.get("messages") or []:
        assert any(text in d["message"] for d in diagnostics), (text, [d["message"] for d in diagnostics])
    failing = any(d["severity"] == "error" for d in diagnostics) or ("--strict" in args and diagnostics)
    assert code == case.get("exit", 1 if failing else 0), (code, err)


def test_catalogue_is_big_enough_and_every_step_is_used():
    cases = [_load(path) for path in CASES.glob("*.yaml")]
    assert len(cases) >= 65
    used = {
        name for case in cases for name in (next(iter(s)) if isinstance(s, dict) else s for s in case.get("setup", []))
    }
    assert used == set(STEPS), set(STEPS) - used

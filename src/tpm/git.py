"""Every git call tpm makes goes through here, so faults are handled in one place.

We call the git executable directly: listing files is a single `git ls-files -z`, and a
subprocess is faster to start than importing a git library for it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tpm.errors import UsageError

def run(args: list[str], cwd: Path, env: dict | None = None) -> bytes:
    """Run `git ARGS` in `cwd`; a failure becomes a one-line `UsageError`."""
    try:
        completed = subprocess.run(
            ["git", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise UsageError("git is not installed or not on PATH; tpm reads the project through git") from None
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc.strerror or exc}") from None
    if completed.returncode != 0:
        raise UsageError(_explain(completed.stderr.decode("utf-8", "replace"), cwd))
    return completed.stdout


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
    output = run(["rev-parse", "--show-toplevel"], cwd)
    top = output.decode("utf-8", "surrogateescape").strip()
    if not top:
        raise UsageError(f"not inside a git work tree: {cwd} (a bare repository has no files to lint)")
    return Path(top)


def list_files(root: Path) -> list[str]:
    """Tracked plus untracked-but-not-ignored files, repository-relative with '/'."""
    output = run(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], root)
    names = output.decode("utf-8", "surrogateescape").split("\0")
    return sorted({name for name in names if name})

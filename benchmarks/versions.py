"""Time this checkout's tpm against another version of tpm on the same data, in the same run.

    git worktree add /tmp/tpm-before <commit>        # the version to compare with
    python benchmarks/versions.py --before /tmp/tpm-before [--repeat 5]

What a change costs (or saves) is a ratio of medians, measured side by side: each round
runs the same command with the other version's source, then with this one's, back to back,
so that the machine's load hits both. Three commands are timed:

- `check --no-history --no-cache` on the 5,000-document repository of generate.py: reading,
  parsing and validating every file (the per-file read path);
- `check --no-cache` on the history repository of history_generate.py (5,000 documents,
  50,000 commits): the cold history pass (the log, past versions, the fold);
- `check` on the same repository with the caches the previous run of the same version left
  (each version keeps its own git directory copy, so neither reads the other's caches).

Both repositories are built once into benchmarks/work/ and reused, as history_run.py does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bytecode import compile_tpm

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent / "src"
TODAY = "2026-11-27"


def _ensure(repo: Path, command: list[str]) -> None:
    if not (repo / ".git").is_dir():
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def _timed(source: Path, args: list[str], cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(source)}
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "tpm", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        raise SystemExit(f"tpm {' '.join(args)} failed with {source}: {completed.stderr.decode(errors='replace')}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, type=Path, help="a checkout (worktree) of the other version")
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args(argv)
    before = options.before.resolve() / "src"
    work = HERE / "work"
    plain = work / "versions-plain"
    history = work / "history-5000-50000-0"  # the same repository as history_run.py's
    _ensure(plain, [sys.executable, str(HERE / "generate.py"), str(plain), "--documents", "5000", "--seed", "0"])
    _ensure(
        history,
        [
            sys.executable,
            str(HERE / "history_generate.py"),
            str(history),
            "--documents",
            "5000",
            "--commits",
            "50000",
            "--seed",
            "0",
        ],
    )
    # One copy of the history repository per version, so that each warm run reads its own caches.
    copies = {}
    for name in ("before", "after"):
        copy = work / f"versions-history-{name}"
        if not copy.is_dir():
            shutil.copytree(history, copy, symlinks=True)
        shutil.rmtree(copy / ".git" / "tpm-cache", ignore_errors=True)
        copies[name] = copy
    sources = {"before": before, "after": SOURCE}
    compile_tpm(*sources.values())  # both timed as installed: from bytecode (see bytecode.py)
    measures = {
        "check --no-history --no-cache (5,000 documents)": lambda v: _timed(
            sources[v], ["check", "--no-history", "--no-cache", "--today", TODAY], plain
        ),
        "check --no-cache, history (50,000 commits)": lambda v: _timed(
            sources[v], ["check", "--no-cache", "--today", TODAY], copies[v]
        ),
        "check, warm caches": lambda v: _timed(sources[v], ["check", "--today", TODAY], copies[v]),
    }
    for version in ("before", "after"):  # warm-up: .pyc files, the file cache, the caches
        for measure in measures.values():
            measure(version)
    times: dict = {(name, v): [] for name in measures for v in sources}
    for _ in range(options.repeat):
        for name, measure in measures.items():
            for version in ("before", "after"):
                times[(name, version)].append(measure(version))
    print(f"medians of {options.repeat} rounds, before = {options.before}, after = this checkout")
    print("| command | before (s) | after (s) | after / before |")
    print("| --- | ---: | ---: | ---: |")
    for name in measures:
        old, new = (statistics.median(times[(name, v)]) for v in ("before", "after"))
        print(f"| `{name}` | {old:.3f} | {new:.3f} | {new / old:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

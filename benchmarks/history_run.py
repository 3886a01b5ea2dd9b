"""Time tpm's git-history reading against a floor and a naive baseline, in the same run.

    python benchmarks/history_run.py [--documents 5000] [--commits 50000] [--repeat 3] [--sample 100]

On a repository made by history_generate.py (built once into benchmarks/work/, which git
ignores), each round times, one after another:

- floor: benchmarks/history_floor.py, one `git log --name-only` pass that stops when every
  document has been seen, plus reading and YAML-parsing every document;
- cold: `tpm check --no-cache` (history and documents read afresh);
- warm: `tpm check` with the caches that the previous run left;
- report: `tpm report` on the same warm caches;

and once, the naive baseline: GitPython's `iter_commits(paths=f, max_count=1)` for a
sample of documents, extrapolated to all of them. Goals: cold <= 1.5x floor, warm <=
0.35x cold, cold at least 50x faster than the naive baseline, report <= 1.2x warm check.
Ratios are of medians.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TODAY = "2026-11-27"


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {completed.stderr.decode(errors='replace')}")
    return elapsed


def naive_per_file(repo: Path, sample: int, seed: int) -> tuple[float, int]:
    """Seconds per document for the one-query-per-file approach, and the documents count."""
    import git  # GitPython, from the bench extra

    listed = subprocess.run(["git", "ls-files", "project/"], cwd=repo, capture_output=True, text=True, check=True)
    paths = [p for p in listed.stdout.splitlines() if p.endswith(".md") and not p.endswith("README.md")]
    chosen = random.Random(seed).sample(paths, min(sample, len(paths)))
    repository = git.Repo(repo)
    start = time.perf_counter()
    for path in chosen:
        next(iter(repository.iter_commits(paths=path, max_count=1)), None)
    return (time.perf_counter() - start) / len(chosen), len(paths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--commits", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=100, help="documents timed for the naive baseline")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    repo = HERE / "work" / f"history-{args.documents}-{args.commits}-{args.seed}"
    if not (repo / ".git").is_dir():
        print(f"generating {repo} ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "history_generate.py"),
                str(repo),
                "--documents",
                str(args.documents),
                "--commits",
                str(args.commits),
                "--seed",
                str(args.seed),
            ],
            check=True,
        )
    tpm = ["tpm", "check", "--today", TODAY]
    floor_command = [sys.executable, str(HERE / "history_floor.py"), str(repo)]
    timed(floor_command, repo)  # warm the file cache and .pyc files for every contestant
    timed([*tpm, "--no-cache"], repo)
    floors, colds, warms, reports = [], [], [], []
    for _ in range(args.repeat):
        floors.append(timed(floor_command, repo))
        colds.append(timed([*tpm, "--no-cache"], repo))
        timed(tpm, repo)  # leaves the caches for this HEAD
        warms.append(timed(tpm, repo))
        reports.append(timed(["tpm", "report", "--today", TODAY], repo))
    per_file, count = naive_per_file(repo, args.sample, args.seed)
    naive = per_file * count

    floor, cold, warm, report = (statistics.median(x) for x in (floors, colds, warms, reports))
    print(f"\nPython {platform.python_version()}, {platform.system()} {platform.machine()}, {os.cpu_count()} cores")
    print(f"{args.documents} documents, {args.commits} commits (seed {args.seed}); median of {args.repeat} rounds\n")
    print("| measure | seconds |\n| --- | ---: |")
    print(f"| floor: log pass + read and parse | {floor:.2f} |")
    print(f"| tpm check --no-cache (cold) | {cold:.2f} |")
    print(f"| tpm check (warm) | {warm:.2f} |")
    print(f"| tpm report (warm) | {report:.2f} |")
    print(f"| naive GitPython, per file x {count} (from {args.sample}) | {naive:.1f} |\n")
    goals = [
        ("cold / floor", cold / floor, "<= 1.5", cold / floor <= 1.5),
        ("warm / cold", warm / cold, "<= 0.35", warm / cold <= 0.35),
        ("naive / cold", naive / cold, ">= 50", naive / cold >= 50),
        ("report / warm check", report / warm, "<= 1.5", report / warm <= 1.5),
    ]
    print("| ratio | value | goal | met |\n| --- | ---: | --- | --- |")
    for name, value, goal, met in goals:
        print(f"| {name} | {value:.2f} | {goal} | {'yes' if met else 'NO'} |")
    return 0 if all(met for *_, met in goals) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Time tpm's git-history reading against a floor and a naive baseline, in the same run.

    python benchmarks/history_run.py [--documents 5000] [--commits 50000] [--repeat 3] [--sample 100] [--large]

On a repository made by history_generate.py (built once into benchmarks/work/, which git
ignores), each round times, one after another:

- floor: benchmarks/history_floor.py, one `git log --name-only` pass that stops when every
  document has been seen, plus reading and YAML-parsing every document;
- full floor: benchmarks/history_floor_full.py, one FULL `git log --raw` over project/
  plus one `git cat-file --batch` streaming every version it names, overlapped with
  reading and YAML-parsing every document: the least work that reads what tpm reads;
- diffs: `git log -p -U0 -- project/` streamed and dropped, the other way to read every
  version (for comparison only);
- cold: `tpm check --no-cache` (history and documents read afresh);
- warm: `tpm check` with the document and history caches that the previous run left,
  the result cache removed, so every rule runs (the report's yardstick);
- unchanged: `tpm check` again, answered by the result cache (context);
- report: `tpm report` on the same warm caches;

and once, the naive baseline: GitPython's `iter_commits(paths=f, max_count=1)` for a
sample of documents, extrapolated to all of them. Goals: cold <= 1.5x floor, warm <=
0.35x cold, cold at least 50x faster than the naive baseline, report <= 1.5x warm check,
cold <= 1.3x full floor (1.5x on the large corpus). Ratios are of medians.

`--large` uses history_generate.py's large corpus (real-sized documents, small edits;
default 1,000 documents and 40,000 commits) in its own work folder. Once, after the
rounds, the full floor's parts are timed one after another (`--phases`) and printed.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bytecode import compile_tpm

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


def _documents(repo: Path) -> list[str]:
    listed = subprocess.run(["git", "ls-files", "project/"], cwd=repo, capture_output=True, text=True, check=True)
    return [p for p in listed.stdout.splitlines() if p.endswith(".md") and not p.endswith("README.md")]


def history_repo(documents: int, commits: int, seed: int, large: bool = False) -> Path:
    """The generated repository under benchmarks/work/, built by history_generate.py the
    first time it is asked for (shared with lsp_run.py)."""
    kind = "history-large" if large else "history"
    repo = HERE / "work" / f"{kind}-{documents}-{commits}-{seed}"
    if not (repo / ".git").is_dir():
        print(f"generating {repo} ...", flush=True)
        command = [sys.executable, str(HERE / "history_generate.py"), str(repo), "--documents", str(documents)]
        command += ["--commits", str(commits), "--seed", str(seed), *(["--large"] if large else [])]
        subprocess.run(command, check=True)
    return repo


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0915
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=None, help="default 5000 (1000 with --large)")
    parser.add_argument("--commits", type=int, default=None, help="default 50000 (40000 with --large)")
    parser.add_argument("--large", action="store_true", help="real-sized documents with small edits")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=100, help="documents timed for the naive baseline")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    compile_tpm()  # timed as installed: from bytecode (see bytecode.py)
    if args.documents is None:
        args.documents = 1000 if args.large else 5000
    if args.commits is None:
        args.commits = 40000 if args.large else 50000

    repo = history_repo(args.documents, args.commits, args.seed, args.large)
    tpm = ["tpm", "check", "--today", TODAY]
    floor_command = [sys.executable, str(HERE / "history_floor.py"), str(repo)]
    full_command = [sys.executable, str(HERE / "history_floor_full.py"), str(repo)]
    timed(floor_command, repo)  # warm the file cache and .pyc files for every contestant
    timed([*tpm, "--no-cache"], repo)
    corpus = subprocess.run(full_command, cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
    results_cache = repo / ".git" / "tpm-cache" / "results.json"
    floors, fulls, diffs, colds, warms, reports, unchanged = [], [], [], [], [], [], []
    for _ in range(args.repeat):
        floors.append(timed(floor_command, repo))
        fulls.append(timed(full_command, repo))
        diffs.append(timed([*full_command, "--diffs"], repo))
        colds.append(timed([*tpm, "--no-cache"], repo))
        timed(tpm, repo)  # leaves the caches for this HEAD
        results_cache.unlink(missing_ok=True)  # warm: documents and history cached, every rule run
        warms.append(timed(tpm, repo))
        unchanged.append(timed(tpm, repo))  # nothing changed: the last run's result answers
        reports.append(timed(["tpm", "report", "--today", TODAY], repo))
    phases = subprocess.run([*full_command, "--phases"], cwd=repo, capture_output=True, text=True, check=True).stdout
    per_file, count = naive_per_file(repo, args.sample, args.seed)
    naive = per_file * count

    full_goal = 1.5 if args.large else 1.3
    floor, full, diff, cold, warm, report, same = (
        statistics.median(x) for x in (floors, fulls, diffs, colds, warms, reports, unchanged)
    )
    sizes = [(repo / p).stat().st_size for p in _documents(repo)]
    print(f"\nPython {platform.python_version()}, {platform.system()} {platform.machine()}, {os.cpu_count()} cores")
    print(
        f"{args.documents} {'large ' if args.large else ''}documents, {args.commits} commits (seed {args.seed}); "
        f"median of {args.repeat} rounds"
    )
    print(f"documents average {sum(sizes) / len(sizes) / 1000:.1f} KB; full floor read: {corpus}\n")
    print("| measure | seconds |\n| --- | ---: |")
    print(f"| floor: log pass + read and parse | {floor:.2f} |")
    print(f"| full floor: full log --raw + cat-file every version + read and parse | {full:.2f} |")
    print(f"| history as diffs: log -p -U0 streamed | {diff:.2f} |")
    print(f"| tpm check --no-cache (cold) | {cold:.2f} |")
    print(f"| tpm check (warm: documents and history cached, rules run) | {warm:.2f} |")
    print(f"| tpm check (nothing changed: the result cache answers) | {same:.2f} |")
    print(f"| tpm report (warm) | {report:.2f} |")
    print(f"| naive GitPython, per file x {count} (from {args.sample}) | {naive:.1f} |\n")
    goals = [
        ("cold / floor", cold / floor, "<= 1.5", cold / floor <= 1.5),
        ("warm / cold", warm / cold, "<= 0.35", warm / cold <= 0.35),
        ("naive / cold", naive / cold, ">= 50", naive / cold >= 50),
        ("report / warm check", report / warm, "<= 1.5", report / warm <= 1.5),
        ("cold / full floor", cold / full, f"<= {full_goal}", cold / full <= full_goal),
    ]
    print("| ratio | value | goal | met |\n| --- | ---: | --- | --- |")
    for name, value, goal, met in goals:
        print(f"| {name} | {value:.2f} | {goal} | {'yes' if met else 'NO'} |")
    print(f"| diffs / full floor (context) | {diff / full:.2f} | | |")
    print("\nfull floor, parts one after another (one run):\n")
    print("| part | seconds |\n| --- | ---: |")
    for line in phases.splitlines()[1:]:
        name, seconds = line.rsplit(": ", 1)
        print(f"| {name} | {seconds.removesuffix(' s')} |")
    return 0 if all(met for *_, met in goals) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Time a warm `tpm check` on a large project against a floor, with peak memory.

    python benchmarks/warm_run.py [--documents 100000] [--repeat 3] [--seed 0]

On a repository made by generate.py (N documents, one commit; built once into
benchmarks/work/warm-N-SEED, which git ignores):

- floor: benchmarks/warm_floor.py, `git ls-files -z` plus reading and sha1-hashing every
  document (the least a content-keyed cache must do);
- warm: `tpm check --today 2026-11-27` after one priming run (from no caches: the
  previous ones are deleted first), so its caches are warm;
- cold (once): `tpm check --no-cache`, for its time and peak memory;
- edited (context): `tpm check` with warm caches but one document changed in the work
  tree (a note line appended, a different document each round; restored and the caches
  primed again, untimed, after each), as after a typical edit.

Each child's peak RSS comes from `os.wait4` (its own rusage, with the descendants it
waited for). Goal: warm <= 2x floor, judged on medians. The size of every cache file
(`.git/tpm-cache/*.json`) and the time to `json.loads` its bytes are printed as context.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bytecode import compile_tpm

HERE = Path(__file__).resolve().parent
TODAY = "2026-11-27"


def measured(command: list[str], cwd: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one child run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed: {stderr.decode(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024  # kilobytes on Linux


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0915
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    compile_tpm()  # timed as installed: from bytecode (see bytecode.py)

    repo = HERE / "work" / f"warm-{args.documents}-{args.seed}"
    if not (repo / ".git").is_dir():
        print(f"generating {repo} ...", flush=True)
        start = time.perf_counter()
        command = [sys.executable, str(HERE / "generate.py"), str(repo), "--documents", str(args.documents)]
        subprocess.run([*command, "--seed", str(args.seed)], check=True)
        print(f"generated in {time.perf_counter() - start:.0f} s", flush=True)
    tpm = ["tpm", "check", "--today", TODAY]
    floor_command = [sys.executable, str(HERE / "warm_floor.py"), str(repo)]

    measured(floor_command, repo)  # warm the file cache and .pyc files
    shutil.rmtree(repo / ".git" / "tpm-cache", ignore_errors=True)  # the priming run starts from none
    cold, cold_rss = measured([*tpm, "--no-cache"], repo)
    prime, prime_rss = measured(tpm, repo)  # writes the caches for this HEAD
    floors, warms, warm_rss = [], [], []
    for _ in range(args.repeat):
        floors.append(measured(floor_command, repo)[0])
        seconds, rss = measured(tpm, repo)
        warms.append(seconds)
        warm_rss.append(rss)
    listed = subprocess.run(
        ["git", "ls-files", "project/milestones/"], cwd=repo, capture_output=True, text=True, check=True
    )
    edits, edit_rss = [], []
    for path in listed.stdout.splitlines()[: args.repeat]:
        original = (repo / path).read_bytes()
        (repo / path).write_bytes(original + b"\nNote: edited by warm_run.py.\n")
        try:
            seconds, rss = measured(tpm, repo)
        finally:
            (repo / path).write_bytes(original)
        edits.append(seconds)
        edit_rss.append(rss)
        measured(tpm, repo)  # caches for the unedited tree again
    floor, warm, edited = statistics.median(floors), statistics.median(warms), statistics.median(edits)

    caches = []
    for path in sorted((repo / ".git" / "tpm-cache").glob("*.json")):
        data = path.read_bytes()
        start = time.perf_counter()
        json.loads(data)
        caches.append((path.name, len(data), time.perf_counter() - start))

    print(f"\nPython {platform.python_version()}, {platform.system()} {platform.machine()}, {os.cpu_count()} cores")
    print(f"{args.documents} documents (generate.py, seed {args.seed}, one commit); median of {args.repeat} rounds\n")
    print("| measure | seconds | peak RSS (MB) |\n| --- | ---: | ---: |")
    print(f"| floor: ls-files + read and sha1 every document | {floor:.2f} | |")
    print(f"| tpm check (warm) | {warm:.2f} | {max(warm_rss):.0f} |")
    print(f"| tpm check, one document edited (warm caches) | {edited:.2f} | {max(edit_rss):.0f} |")
    print(f"| tpm check (priming run, writes caches) | {prime:.2f} | {prime_rss:.0f} |")
    print(f"| tpm check --no-cache (cold, once) | {cold:.2f} | {cold_rss:.0f} |\n")
    met = warm / floor <= 2
    print("| ratio | value | goal | met |\n| --- | ---: | --- | --- |")
    print(f"| warm / floor | {warm / floor:.2f} | <= 2 | {'yes' if met else 'NO'} |")
    print(f"| edited / floor (context) | {edited / floor:.2f} | | |")
    print(f"| cold / warm (context) | {cold / warm:.2f} | | |\n")
    print("| cache file | MB | json.loads (s) |\n| --- | ---: | ---: |")
    for name, size, seconds in caches:
        print(f"| {name} | {size / 1e6:.1f} | {seconds:.3f} |")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

"""Time `tpm check` against check-jsonschema on the same generated front-matter.

    python benchmarks/run.py [--documents 5000] [--repeat 3] [--seed 0] [--keep]

Absolute timings depend on the machine, so the figure that matters is the ratio of tpm's
time to a baseline measured in the same run, on the same files: the project's goal is that
`tpm check` takes at most half of what check-jsonschema needs to validate the front-matter
alone against the same schemas (with format checking on in both). tpm does more (it finds
and splits Markdown files, keeps line numbers, parses bodies, runs cross-document rules);
the baseline is what a team would otherwise script in CI.

Both sides run as subprocesses, interpreter start-up included, as a user would run them.
One untimed warm-up of each fills the OS file cache and writes .pyc files; then each round
times tpm and the baseline back to back, so drift in machine load hits both alike.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bytecode import compile_tpm

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE.parent / "schemas"
TYPES = ("milestone", "risk", "decision", "postmortem")
TODAY = "2026-11-27"
GOAL = 0.5  # tpm's time / baseline's time must not exceed this


def run(command: list[str], cwd: Path, ok=(0,)) -> subprocess.CompletedProcess:
    """Run `command`; stop the benchmark if it fails, since a failing run times nothing."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode not in ok:
        sys.exit(
            f"run.py: {' '.join(command[:4])} ... exited {done.returncode}\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return done


def tpm_command() -> list[str]:
    """`tpm check` without git history rules and without its document cache, so that every
    file is parsed and validated in every round, as check-jsonschema does."""
    return ["tpm", "check", "--today", TODAY, "--no-history", "--no-cache"]


def baseline_commands(frontmatter: Path) -> list[list[str]]:
    """One check-jsonschema call per type, over all of that type's front-matter blocks."""
    commands = []
    for kind in TYPES:
        files = sorted(str(p.relative_to(frontmatter)) for p in (frontmatter / kind).glob("*.yaml"))
        if files:
            commands.append(["check-jsonschema", "--schemafile", str(SCHEMAS / f"{kind}.schema.json"), *files])
    return commands


def timed(commands: list[list[str]], cwd: Path, ok=(0,)) -> float:
    """Wall-clock seconds for running `commands` one after the other."""
    start = time.perf_counter()
    for command in commands:
        run(command, cwd, ok)
    return time.perf_counter() - start


def version(command: list[str]) -> str:
    return run(command, HERE).stdout.strip().splitlines()[-1]


def report(documents: int, tpm_times: list[float], base_times: list[float]) -> None:
    """A Markdown table of best and median seconds, documents per second and the ratio."""
    rows = [
        ("best", min(tpm_times), min(base_times)),
        ("median", statistics.median(tpm_times), statistics.median(base_times)),
    ]
    print("| measure | tpm check (s) | check-jsonschema (s) | tpm docs/s | baseline docs/s | tpm / baseline |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, tpm, base in rows:
        print(
            f"| {name} | {tpm:.3f} | {base:.3f} | {documents / tpm:,.0f} | {documents / base:,.0f} | {tpm / base:.2f} |"
        )
    ratio = statistics.median(tpm_times) / statistics.median(base_times)
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"\nGoal (tpm / baseline <= {GOAL}, on medians): {verdict} ({ratio:.2f}).")


def benchmark(work: Path, documents: int, repeat: int, seed: int) -> None:
    repo = work / "repo"
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), str(repo), "--documents", str(documents), "--seed", str(seed)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    frontmatter = work / "repo-frontmatter"
    tpm, baseline = tpm_command(), baseline_commands(frontmatter)

    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"
    )
    print(f"{version(['tpm', '--version'])}; {version(['check-jsonschema', '--version'])}")
    print(f"{documents} documents (seed {seed}), best and median of {repeat} runs, after one warm-up")
    print(f"tpm:      {' '.join(tpm)}")
    print(
        f"baseline: check-jsonschema --schemafile schemas/<type>.schema.json <type>/*.yaml, "
        f"{len(baseline)} calls summed\n"
    )

    summary = run(tpm, repo, ok=(0, 1)).stdout.strip().splitlines()[-1]  # warm-up; 1 = findings
    timed(baseline, frontmatter)
    tpm_times, base_times = [], []
    for _ in range(repeat):
        tpm_times.append(timed([tpm], repo, ok=(0, 1)))
        base_times.append(timed(baseline, frontmatter))
    report(documents, tpm_times, base_times)
    print(f"tpm said: {summary}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=5000, help="documents to generate (default 5000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each side (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument(
        "--keep", action="store_true", help="generate into benchmarks/work/ (git-ignored) and keep it, e.g. to profile"
    )
    args = parser.parse_args(argv)
    compile_tpm()  # timed as installed: from bytecode (see bytecode.py)
    if args.documents < 1 or args.repeat < 1:
        parser.error("--documents and --repeat must be at least 1")
    if args.keep:
        work = HERE / "work"
        if work.exists() and any(work.iterdir()):
            parser.error(f"{work} is not empty; remove it first")
        benchmark(work, args.documents, args.repeat, args.seed)
        print(f"Generated data kept in {work}")
    else:
        with tempfile.TemporaryDirectory(prefix="tpm-bench-") as work:
            benchmark(Path(work), args.documents, args.repeat, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

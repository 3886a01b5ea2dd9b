"""Time the pre-commit hook on a 5,000-document repository with one changed file.

    python benchmarks/hook_run.py [--repeat 5]

Uses the repository of history_run.py (5,000 documents, 50,000 commits; built if
missing), installs a `.pre-commit-config.yaml` pointing at this checkout's HEAD, lets the
first run build pre-commit's environment and tpm's caches, then times, with one document
edited and staged: `pre-commit run tpm-check` (the hook as a commit runs it) and
`tpm check --staged` alone. Goal: the hook under 1 s on a warm cache.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bytecode import compile_tpm

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent


def run(command: list[str], cwd: Path, env: dict) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stdout}{completed.stderr}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    compile_tpm()  # timed as installed: from bytecode (see bytecode.py)
    repo = HERE / "work" / "history-5000-50000-0"
    if not (repo / ".git").is_dir():
        subprocess.run([sys.executable, str(HERE / "history_generate.py"), str(repo)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(PRE_COMMIT_HOME=str(HERE / "work" / "pre-commit-home"), TPM_TODAY="2026-11-27")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=CHECKOUT, capture_output=True, text=True, check=True
    ).stdout.strip()
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {CHECKOUT}\n    rev: {head}\n    hooks:\n      - id: tpm-check\n", encoding="utf-8"
    )
    git_exclude = repo / ".git" / "info" / "exclude"
    if ".pre-commit-config.yaml" not in git_exclude.read_text():
        git_exclude.write_text(git_exclude.read_text() + "\n.pre-commit-config.yaml\n")
    target = sorted((repo / "project" / "milestones").glob("M-1-*.md"))[0]
    original = target.read_text(encoding="utf-8")
    hook = [sys.executable, "-m", "pre_commit", "run", "tpm-check", "--config", ".pre-commit-config.yaml"]
    tpm = ["tpm", "check", "--staged"]
    gated = [*tpm, "--gate", "commit"]  # what the hook runs: the comparison against HEAD included
    hooks, alone, commit_gate = [], [], []
    try:
        target.write_text(original + "\nA note for the benchmark.\n", encoding="utf-8")
        subprocess.run(["git", "add", str(target)], cwd=repo, env=env, check=True)
        run(hook, repo, env)  # builds pre-commit's environment and warms tpm's caches
        run(tpm, repo, env)
        for _ in range(args.repeat):
            hooks.append(run(hook, repo, env))
            alone.append(run(tpm, repo, env))
            commit_gate.append(run(gated, repo, env))
    finally:
        target.write_text(original, encoding="utf-8")
        subprocess.run(["git", "add", str(target)], cwd=repo, env=env, check=True)
    hook_time, tpm_time = statistics.median(hooks), statistics.median(alone)
    print(f"5,000 documents, 50,000 commits, one staged change, warm caches; median of {args.repeat}")
    print("| command | seconds |\n| --- | ---: |")
    print(f"| pre-commit run tpm-check | {hook_time:.2f} |")
    print(f"| tpm check --staged | {tpm_time:.2f} |")
    print(f"| tpm check --staged --gate commit | {statistics.median(commit_gate):.2f} |")
    print(f"goal: hook under 1 s: {'met' if hook_time < 1 else 'NOT met'}")
    return 0 if hook_time < 1 else 1


if __name__ == "__main__":
    sys.exit(main())

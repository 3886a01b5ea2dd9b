"""The floor for reading project history: the least work any history-aware linter does.

    python benchmarks/history_floor.py REPO

One streaming `git log --name-only` pass over the project folder that stops as soon as
every document has been seen (its latest commit found), then reading every document and
YAML-parsing its front-matter with PyYAML's C loader. No rules, no positions, no output.
tpm's cold run is measured against this.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def documents(repo: Path, folder: str = "project/") -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", folder], cwd=repo, capture_output=True, check=True)
    names = listed.stdout.decode().split("\0")
    return [n for n in names if n.endswith(".md") and not n.endswith(("README.md", "index.md"))]


def last_commits(repo: Path, paths: list[str]) -> dict[str, str]:
    """Each document's latest commit, from one log pass that ends when all are found."""
    unseen, found, commit = set(paths), {}, None
    log = subprocess.Popen(
        ["git", "log", "--name-only", "--format=%x01%H", "--", "project/"], cwd=repo, stdout=subprocess.PIPE
    )
    for raw in log.stdout:
        line = raw.rstrip(b"\n").decode()
        if line.startswith("\x01"):
            commit = line[1:]
        elif line in unseen:
            unseen.discard(line)
            found[line] = commit
            if not unseen:
                break
    log.kill()
    log.wait()
    return found


def parse_all(repo: Path, paths: list[str]) -> int:
    parsed = 0
    for path in paths:
        text = (repo / path).read_text(encoding="utf-8")
        if text.startswith("---\n"):
            end = text.find("\n---\n", 4)
            yaml.load(text[4:end], Loader=LOADER)
            parsed += 1
    return parsed


def main() -> int:
    repo = Path(sys.argv[1])
    paths = documents(repo)
    seen = last_commits(repo, paths)
    parsed = parse_all(repo, paths)
    print(f"{len(seen)} of {len(paths)} documents seen in history, {parsed} front-matters parsed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

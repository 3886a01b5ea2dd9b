"""The honest floor for reading full project history: every version, back to creation.

    python benchmarks/history_floor_full.py REPO [--phases] [--diffs]

tpm reads every version of every document back to its creation (slip and review history
need all of them), so its cold run is compared here with the least work that does the same:

- one FULL `git log --raw` over the type folders (`project/`), with tpm's flags
  (first-parent, renames, raw dates), parsed for the blob id of every version; no early stop;
- ONE `git cat-file --batch` streaming the content of every one of those blobs (read into
  memory and dropped; no scanning);
- reading every current document and YAML-parsing its front-matter (PyYAML's C loader).

By default the three overlap as a linter can make them: the log is read in one thread,
which feeds blob ids to cat-file as they appear; another thread reads cat-file's output;
the main thread reads and parses the documents meanwhile. This is the figure to compare
tpm's cold run with.

`--phases` runs the parts one after another instead and prints each one's seconds (what
dominates the floor). `--diffs` times only the alternative "history as diffs": one
`git log -p -U0 -- project/` streamed and dropped.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from history_floor import parse_all
from history_floor import documents as floor_documents

LOG = [
    "git",
    "log",
    "HEAD",
    "--first-parent",
    "--diff-merges=first-parent",
    "--raw",
    "--no-abbrev",
    "-M",
    "--no-color",
    "--date=raw",
    "--format=%x01%H %cd",
    "--",
    "project/",  # the folder: --folder replaces it
]
NULL_SHA = b"0" * 40


def documents(repo: Path) -> list[str]:
    return floor_documents(repo, LOG[-1])


def log_blobs(repo: Path, each=None) -> tuple[list[bytes], int]:
    """Every blob id the full log names under project/ (each new one passed to `each`),
    and the number of commits."""
    seen: set[bytes] = set()
    blobs: list[bytes] = []
    commits = 0
    log = subprocess.Popen(LOG, cwd=repo, stdout=subprocess.PIPE, bufsize=1 << 16)
    assert log.stdout is not None
    for line in log.stdout:
        if line[:1] == b":":
            fields = line.split(b"\t", 1)[0].split()
            blob = fields[3]
            if blob != NULL_SHA and blob not in seen:
                seen.add(blob)
                blobs.append(blob)
                if each is not None:
                    each(blob)
        elif line[:1] == b"\x01":
            commits += 1
    if log.wait() != 0:
        raise SystemExit("history_floor_full.py: git log failed")
    return blobs, commits


def read_batch(stdout, count: int | None = None) -> tuple[int, int]:
    """Read cat-file --batch answers until EOF (or `count` of them): (blobs, bytes)."""
    blobs = size_total = 0
    while count is None or blobs < count:
        header = stdout.readline()
        if not header:
            break
        size = int(header.split()[2])
        stdout.read(size + 1)  # the content and its newline, dropped
        blobs += 1
        size_total += size
    return blobs, size_total


def start_cat_file(repo: Path) -> subprocess.Popen:
    return subprocess.Popen(
        ["git", "cat-file", "--batch"], cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1 << 16
    )


def overlapped(repo: Path) -> str:
    cat = start_cat_file(repo)
    result: dict[str, object] = {}

    def feed() -> None:
        result["log"] = log_blobs(repo, lambda blob: cat.stdin.write(blob + b"\n"))
        cat.stdin.close()

    def drain() -> None:
        result["cat"] = read_batch(cat.stdout)

    threads = [threading.Thread(target=feed), threading.Thread(target=drain)]
    for thread in threads:
        thread.start()
    paths = documents(repo)
    parsed = parse_all(repo, paths)
    for thread in threads:
        thread.join()
    cat.wait()
    (blobs, commits), (read, size) = result["log"], result["cat"]
    return (
        f"{commits} commits, {len(blobs)} versions, {read} blobs read ({size / 1e6:.1f} MB), "
        f"{parsed} of {len(paths)} front-matters parsed"
    )


def phases(repo: Path) -> str:
    times = {}
    start = time.perf_counter()
    blobs, commits = log_blobs(repo)
    times["log --raw (full)"] = time.perf_counter() - start
    start = time.perf_counter()
    cat = start_cat_file(repo)
    writer = threading.Thread(target=lambda: (cat.stdin.write(b"".join(b + b"\n" for b in blobs)), cat.stdin.close()))
    writer.start()
    _, size = read_batch(cat.stdout)
    writer.join()
    cat.wait()
    times["cat-file --batch (every version)"] = time.perf_counter() - start
    start = time.perf_counter()
    paths = documents(repo)
    parsed = parse_all(repo, paths)
    times["ls-files + read + YAML (current)"] = time.perf_counter() - start
    lines = [f"{commits} commits, {len(blobs)} versions ({size / 1e6:.1f} MB), {parsed} front-matters parsed"]
    lines += [f"{name}: {seconds:.3f} s" for name, seconds in times.items()]
    return "\n".join(lines)


def diffs(repo: Path) -> str:
    log = subprocess.Popen(
        [
            "git",
            "log",
            "HEAD",
            "--first-parent",
            "-p",
            "-U0",
            "--no-color",
            "--format=%x01%H %cd",
            "--date=raw",
            "--",
            LOG[-1],
        ],
        cwd=repo,
        stdout=subprocess.PIPE,
    )
    assert log.stdout is not None
    total = 0
    while chunk := log.stdout.read(1 << 20):
        total += len(chunk)
    if log.wait() != 0:
        raise SystemExit("history_floor_full.py: git log -p failed")
    return f"log -p -U0: {total / 1e6:.1f} MB of diffs streamed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--phases", action="store_true", help="run the parts one after another and time each")
    parser.add_argument("--diffs", action="store_true", help="time only `git log -p -U0` streamed and dropped")
    parser.add_argument("--folder", default="project/", help="the documents' folder (a real repository's own)")
    args = parser.parse_args(argv)
    LOG[-1] = args.folder
    if args.diffs:
        print(diffs(args.repo))
    elif args.phases:
        print(phases(args.repo))
    else:
        print(overlapped(args.repo))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Resource bounds of `tpm check` on a hostile repository.

    python benchmarks/hostile.py                  # build 1x, 2x, 4x under benchmarks/work/, measure
    python benchmarks/hostile.py --factors 1 --repeat 1 --keep
    python benchmarks/hostile.py --profile 4      # cProfile of one run on the 4x set, top 30

One "set" is about 50 MB of pathological files under project/ (see SET below): files just
under and just over the 1 MiB cap, deeply nested YAML, billion laughs, 60 KB front-matter
blocks, front-matter over the 64 KiB cap, very long lines, tens of thousands of headings and
task items or empty headings in one body, deep Markdown nesting, thousands of aliases, binary and non-UTF-8
files named .md, a 2,000-long depends_on chain, and 10,000 small documents. Factor k is a
repository holding k sets (ids made unique per set), committed once with fixed dates.

Each factor is timed with `tpm check --no-cache --today 2026-11-27` as a subprocess
(interpreter start-up included); peak memory is the largest resident set of that process
tree (getrusage(RUSAGE_CHILDREN) in a fresh helper process per run, which is what
`/usr/bin/time -v` reports as "Maximum resident set size"). Medians of --repeat runs.
Standard library only; everything derives from random.Random(seed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIB = 1024 * 1024
TODAY = "2026-11-27"
COMMIT_DATE = "2026-11-25T12:00:00+00:00"


def milestone(ident: str, title: str = "Hostile", extra: str = "", body: str = "") -> str:
    return (
        f"---\nid: {ident}\ntitle: {title}\nstatus: planned\nowner: alice\ndue: 2026-12-20\n{extra}---\n"
        f"# {ident}\n\n## Checkpoints\n\n- [ ] 2026-12-10 review\n{body}"
    )


def padded(head: str, size: int, filler: str) -> str:
    """`head` followed by repetitions of `filler` up to exactly `size` UTF-8 bytes."""
    need = size - len(head.encode())
    reps = filler * (need // len(filler) + 1)
    return head + reps[:need]


def hostile_set(k: int, rng: random.Random) -> dict[str, bytes | str]:
    """One set of hostile files, {path under project/: content}; ids carry the set number k."""
    m, r = "milestones", "risks"
    files: dict[str, bytes | str] = {}
    paragraph = "Lorem ipsum *dolor* sit `amet`, [link](http://x) consectetur **adipiscing** elit.\n\n"
    for i in range(8):  # 8 MiB: just under the cap, read and parsed in full
        files[f"{m}/cap-under-{k}-{i}.md"] = padded(milestone(f"M-{k}9{i:02d}", body="\n"), MIB - 1, paragraph)
    for i in range(5):  # 5 MiB: just over the cap, refused by size
        files[f"{m}/cap-over-{k}-{i}.md"] = padded(milestone(f"M-{k}8{i:02d}", body="\n"), MIB + 1, paragraph)
    for i in range(5):  # 4.5 MiB: one 900 KiB line (no line break) in the body, and in a title
        files[f"{m}/long-line-{k}-{i}.md"] = milestone(f"M-{k}7{i:02d}", body="x" * 900 * 1024)
        files[f"{m}/long-title-{k}-{i}.md"] = milestone(f"M-{k}6{i:02d}", title="T" * 60_000)
    for i in range(5):  # ~10 MiB: 20,000 headings, 20,000 task items, 5,000-deep quotes, 1,000-deep lists
        files[f"{m}/headings-{k}-{i}.md"] = milestone(
            f"M-{k}5{i:02d}", body="".join(f"## Heading {n}\n\ntext {n}\n\n" for n in range(20_000))
        )
        files[f"{m}/tasks-{k}-{i}.md"] = milestone(
            f"M-{k}4{i:02d}",
            body="".join(f"- [{' x'[n % 2]}] 2026-12-{n % 28 + 1:02d} item {n}\n" for n in range(20_000)),
        )
        files[f"{m}/quotes-{k}-{i}.md"] = milestone(f"M-{k}3{i:02d}", body="> " * 5_000 + "deep\n")
        files[f"{m}/lists-{k}-{i}.md"] = milestone(
            f"M-{k}2{i:02d}", body="".join("  " * n + "- item\n" for n in range(1_000))
        )
        files[f"{m}/empty-headings-{k}-{i}.md"] = milestone(f"M-{k}0{i:02d}", body="#\n" * 20_000)
        files[f"{m}/brackets-{k}-{i}.md"] = milestone(f"M-{k}1{i:02d}", body="[" * 50_000 + "*" * 50_000)
    for i in range(20):  # YAML bombs and limits
        files[f"{r}/deep-flow-{k}-{i}.md"] = f"---\nid: R-{k}9{i:02d}\nx: {'[' * 10_000}{']' * 10_000}\n---\n"
        files[f"{r}/deep-block-{k}-{i}.md"] = (
            f"---\nid: R-{k}8{i:02d}\n" + "".join(" " * n + f"k{n}:\n" for n in range(300)) + "---\n"
        )
        laughs = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        laughs += [f"a{n}: &a{n} [{','.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
        files[f"{r}/laughs-{k}-{i}.md"] = f"---\nid: R-{k}7{i:02d}\n" + "\n".join(laughs) + "\n---\n"
        aliases = "anchor: &v value\nmany:\n" + "".join("  - *v\n" for _ in range(9_000))
        files[f"{r}/aliases-{k}-{i}.md"] = f"---\nid: R-{k}6{i:02d}\n{aliases}---\n"
        files[f"{r}/anchors-{k}-{i}.md"] = (
            f"---\nid: R-{k}5{i:02d}\n" + "".join(f"k{n}: &a{n} v{n}\n" for n in range(4_000)) + "---\n"
        )
    for i in range(50):  # ~6 MiB: 60 KB front-matter blocks (many keys; one huge scalar), and over the cap
        keys = "".join(f"note_{n:05d}: value number {n}\n" for n in range(2_400))
        files[f"{r}/fm-keys-{k}-{i}.md"] = f"---\nid: R-{k}4{i:02d}\ntitle: many keys\n{keys}---\nbody\n"
        files[f"{r}/fm-scalar-{k}-{i}.md"] = f"---\nid: R-{k}3{i:02d}\ntitle: {'y' * 60_000}\n---\nbody\n"
    for i in range(10):
        files[f"{r}/fm-over-{k}-{i}.md"] = f"---\nid: R-{k}2{i:02d}\nnotes: {'z' * 70_000}\n---\n"
    for i in range(20):  # ~3 MiB: binary, invalid UTF-8 and UTF-16 named .md
        files[f"{r}/binary-{k}-{i}.md"] = rng.randbytes(100_000)
        files[f"{r}/latin1-{k}-{i}.md"] = bytes(rng.randrange(0x80, 0x100) for _ in range(50_000))
        files[f"{r}/utf16-{k}-{i}.md"] = milestone(f"R-{k}1{i:02d}").encode("utf-16")
    chain = 2_000  # a long depends_on chain, ending in a cycle
    for n in range(chain):
        needs = f"depends_on: [M-{k}C{(n - 1) % chain:04d}]\n" if n else f"depends_on: [M-{k}C{chain - 1:04d}]\n"
        files[f"{m}/chain/M-{k}C{n:04d}.md"] = milestone(f"M-{k}C{n:04d}", extra=needs)
    for n in range(10_000):  # many small documents
        files[f"{r}/small/R-{k}S{n:05d}.md"] = (
            f"---\nid: R-{k}S{n:05d}\ntitle: Small risk {n}\nstatus: open\nowner: bob\n"
            f"likelihood: {n % 5 + 1}\nimpact: {n % 3 + 1}\nreview_by: 2026-12-15\n---\n# Risk\n\n## Mitigation\n\n"
            f"Watch it.\n"
        )
    return files


def build(dest: Path, factor: int, seed: int) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    rng = random.Random(seed)
    for k in range(1, factor + 1):
        for name, content in hostile_set(k, rng).items():
            path = dest / "project" / f"set{k}" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    (dest / ".tpm.toml").write_text("", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.invalid",
        GIT_AUTHOR_DATE=COMMIT_DATE,
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.invalid",
        GIT_COMMITTER_DATE=COMMIT_DATE,
    )
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "Hostile"]):
        subprocess.run(["git", "-c", "core.bigFileThreshold=512k", *args], cwd=dest, env=env, check=True)


def size_of(dest: Path) -> tuple[int, int]:
    files = [p for p in (dest / "project").rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "maxrss_kib": usage.ru_maxrss, "code": done.returncode,
                  "out_bytes": len(done.stdout), "err": done.stderr.decode(errors="replace")[-2000:]}))
"""


def measure(dest: Path) -> dict:
    command = [sys.executable, "-m", "tpm", "check", "--no-cache", "--today", TODAY]
    completed = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], cwd=dest, capture_output=True, text=True, check=True
    )
    return json.loads(completed.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=HERE / "work" / "hostile", help="where to build")
    parser.add_argument("--factors", default="1,2,4", help="sets per repository (default 1,2,4)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per factor (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the repositories")
    parser.add_argument("--profile", type=int, metavar="FACTOR", help="cProfile one run on FACTOR sets instead")
    args = parser.parse_args(argv)
    factors = [args.profile] if args.profile else [int(f) for f in args.factors.split(",")]
    rows = []
    for factor in factors:
        dest = args.work / f"x{factor}"
        if not (dest / ".git").exists():
            build(dest, factor, args.seed)
        if args.profile:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "cProfile",
                    "-s",
                    "cumtime",
                    "-m",
                    "tpm",
                    "check",
                    "--no-cache",
                    "--today",
                    TODAY,
                ],
                cwd=dest,
                stdout=sys.stdout,
                check=False,  # the profile is printed whatever tpm's exit code
            )
            return 0
        count, total = size_of(dest)
        measure(dest)  # warm-up: file cache, .pyc
        runs = [measure(dest) for _ in range(args.repeat)]
        codes = {run["code"] for run in runs}
        if codes - {0, 1}:
            print(f"x{factor}: tpm failed: {runs[-1]['err']}", file=sys.stderr)
        rows.append(
            {
                "factor": factor,
                "files": count,
                "mb": total / 1e6,
                "wall": statistics.median(r["wall"] for r in runs),
                "rss_mib": max(r["maxrss_kib"] for r in runs) / 1024,
                "codes": sorted(codes),
                "out_mb": runs[-1]["out_bytes"] / 1e6,
            }
        )
        row = rows[-1]
        print(
            f"x{factor}: {count:,} files, {row['mb']:.1f} MB: median {row['wall']:.2f} s, "
            f"peak RSS {row['rss_mib']:.0f} MiB, exit {row['codes']}, report {row['out_mb']:.1f} MB",
            flush=True,
        )
    base = rows[0]
    print("\n| sets | files | MB | wall (s) | peak RSS (MiB) | time / 1x | RSS / 1x |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['factor']} | {row['files']:,} | {row['mb']:.1f} | {row['wall']:.2f} | {row['rss_mib']:.0f} "
            f"| {row['wall'] / base['wall']:.2f} | {row['rss_mib'] / base['rss_mib']:.2f} |"
        )
    if not args.keep:
        shutil.rmtree(args.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

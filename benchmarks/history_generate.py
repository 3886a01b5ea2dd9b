"""Generate a synthetic repository with a long history, for the git-history benchmark.

    python benchmarks/history_generate.py DEST [--documents 5000] [--commits 50000] [--seed 0] [--large]

The documents are those of generate.py (same shapes and proportions). Their history is
written with one `git fast-import` stream, which builds 50,000 commits in seconds:

- each document is created by its own commit, spread over the first 60% of history;
- 30% of the other commits edit a document: a milestone's `due` moves or a checkpoint is
  ticked, a risk is re-scored or re-reviewed, any document's body gains a note; every
  document ends exactly as generate.py wrote it;
- the remaining commits touch one of 500 source files, as most commits of a real
  repository do.

With `--large` (large_corpus.py), documents are real-sized instead: 5-10 KB bodies with
prose, a table, a code block, notes and 15-40 checkpoints per milestone, 10-20
front-matter keys, and a history of small edits (one to a few lines per commit: a tick, a
slip, a re-score, a note, a reworded sentence). The default corpus is unchanged.

Commit dates run evenly from 2024-12-01 to 2026-11-26, so the git rules see both fresh
and stale documents. Everything derives from the seed: the same seed gives the same
commit ids.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import FOLDERS, Generator
from large_corpus import LargeGenerator, versions

START = dt.datetime(2024, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
END = dt.datetime(2026, 11, 26, 18, 0, tzinfo=dt.timezone.utc)
SOURCE_FILES = 500
_DUE = re.compile(r"^due: (\d{4}-\d{2}-\d{2})$", re.M)
_LIKELIHOOD = re.compile(r"^likelihood: (\d)$", re.M)
_OPEN_BOX = re.compile(r"^- \[x\] ", re.M)


def earlier_version(text: str, steps_back: int, rng: random.Random) -> str:
    """The document as it was `steps_back` edits before its final text."""
    if steps_back == 0:
        return text
    due = _DUE.search(text)
    if due:  # the plan slipped: earlier versions had earlier due dates
        earlier = dt.date.fromisoformat(due.group(1)) - dt.timedelta(days=3 * steps_back)
        text = text[: due.start(1)] + earlier.isoformat() + text[due.end(1) :]
        text = _OPEN_BOX.sub("- [ ] ", text, count=steps_back)
    likelihood = _LIKELIHOOD.search(text)
    if likelihood:  # re-scored since
        value = (int(likelihood.group(1)) + steps_back) % 5 + 1
        text = text[: likelihood.start(1)] + str(value) + text[likelihood.end(1) :]
    return text + f"\nNote {steps_back}: {rng.choice(['on track', 'blocked on review', 'needs input'])}.\n"


def plan(documents: list, commits: int, rng: random.Random) -> list:
    """Per commit: ("doc", index, steps_back) or ("code", file number)."""
    slots: list = [None] * commits
    creation_slots = rng.sample(range(int(commits * 0.6)), len(documents))
    for index, slot in enumerate(creation_slots):
        slots[slot] = ["doc", index]
    created_at = dict((index, slot) for index, slot in enumerate(creation_slots))
    edits: dict[int, list[int]] = {}
    for slot in range(commits):
        if slots[slot] is not None:
            continue
        candidates = rng.randrange(len(documents))
        if rng.random() < 0.3 and created_at[candidates] < slot:
            slots[slot] = ["doc", candidates]
            edits.setdefault(candidates, []).append(slot)
        else:
            slots[slot] = ["code", rng.randrange(SOURCE_FILES)]
    for index, slot in created_at.items():  # number each version from the last one back
        versions = [slot, *edits.get(index, [])]
        for position, version_slot in enumerate(versions):
            slots[version_slot].append(len(versions) - 1 - position)
    return slots


def fast_import_stream(documents: list, slots: list, rng: random.Random, large_seed: int | None = None):
    """The fast-import commands; with `large_seed`, each document's versions are a chain
    of small edits (large_corpus.versions), made when the document is created."""
    span = (END - START).total_seconds()
    pending: dict[int, list[str]] = {}
    for number, slot in enumerate(slots, start=1):
        when = int(START.timestamp() + span * (number - 1) / max(len(slots) - 1, 1))
        if slot[0] == "doc":
            kind, name, front, body = documents[slot[1]]
            path = f"project/{FOLDERS[kind]}/{name}.md"
            if large_seed is None:
                content = earlier_version(f"---\n{front}---\n{body}", slot[2], rng)
            else:
                if slot[1] not in pending:  # the creation: every version, oldest first
                    own = random.Random(f"{large_seed}:{slot[1]}")
                    pending[slot[1]] = versions(kind, f"---\n{front}---\n{body}", slot[2] + 1, own)
                texts = pending[slot[1]]
                content = texts[len(texts) - 1 - slot[2]]
                if slot[2] == 0:
                    del pending[slot[1]]
            message = f"Update {name}"
        else:
            path = f"src/module_{slot[1]}.py"
            content = f"# module {slot[1]}, revision {number}\nVALUE = {rng.randrange(10**6)}\n"
            message = f"Change module {slot[1]}"
        data, note = content.encode(), message.encode()
        yield b"commit refs/heads/main\n"
        yield f"mark :{number}\ncommitter Bench <bench@example.invalid> {when} +0000\n".encode()
        yield f"data {len(note)}\n".encode() + note + b"\n"
        if number > 1:
            yield f"from :{number - 1}\n".encode()
        yield f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n\n"


def build(dest: Path, documents: int, commits: int, seed: int, large: bool = False) -> None:
    if dest.exists() and any(dest.iterdir()):
        raise SystemExit(f"history_generate.py: {dest} exists and is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    files = (LargeGenerator if large else Generator)(documents, seed).build()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=dest, env=env, check=True)
    importer = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=dest, env=env, stdin=subprocess.PIPE)
    for chunk in fast_import_stream(files, plan(files, commits, rng), rng, seed if large else None):
        importer.stdin.write(chunk)
    importer.stdin.close()
    if importer.wait() != 0:
        raise SystemExit("history_generate.py: git fast-import failed")
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=dest, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--commits", type=int, default=50000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--large", action="store_true", help="real-sized documents with small edits (large_corpus.py)")
    args = parser.parse_args(argv)
    if args.commits < args.documents / 0.6 + 1:
        parser.error("--commits must leave room for one creation commit per document")
    build(args.dest.resolve(), args.documents, args.commits, args.seed, args.large)
    print(f"{args.documents} {'large ' if args.large else ''}documents, {args.commits} commits in {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

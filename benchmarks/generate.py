"""Generate a synthetic tpm project for benchmarking.

    python benchmarks/generate.py DEST --documents N [--seed S]

DEST becomes a fresh git repository with one commit holding N documents under project/
(30% milestones, 40% risks, 20% decisions, 10% post-mortems), valid against schemas/ and
shaped like real ones: bodies with checkpoints, mitigations and dated action items.
Dates are consistent with "today" = 2026-11-27, so the data is clean, as a healthy
project's is: the benchmark times the checks, not the printing of thousands of findings.

The same front-matter blocks are also written alone to DEST-frontmatter/<type>/<name>.yaml,
outside the repository, so check-jsonschema (the baseline) validates exactly the same data.
Dates are unquoted throughout: tpm keeps them as strings, and check-jsonschema's YAML
loader does the same, so both apply `format: date` to the same strings.

Everything derives from random.Random(seed) and fixed git dates, so a seed gives
byte-identical files and the same commit id on every machine.
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

TODAY = dt.date(2026, 11, 27)
COMMIT_DATE = "2026-11-25T12:00:00+00:00"  # recent, so git rules see active work
SHARES = {"milestone": 0.3, "risk": 0.4, "decision": 0.2, "postmortem": 0.1}
FOLDERS = {"milestone": "milestones", "risk": "risks", "decision": "decisions", "postmortem": "postmortems"}
PEOPLE = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "olivia",
    "peggy",
    "trent",
    "victor",
]
VERBS = [
    "Migrate",
    "Launch",
    "Harden",
    "Replace",
    "Split",
    "Upgrade",
    "Automate",
    "Retire",
    "Consolidate",
    "Scale",
    "Audit",
    "Redesign",
]
THINGS = (
    "billing service",
    "search index",
    "auth gateway",
    "mobile app",
    "data pipeline",
    "CI runners",
    "payments API",
    "reporting jobs",
    "edge cache",
    "message queue",
    "admin console",
    "backup system",
)
CONTEXTS = [
    "for EU region",
    "to Kubernetes",
    "before peak season",
    "for v2",
    "across teams",
    "in staging",
    "at 2x traffic",
]
TAGS = ["infra", "security", "compliance", "frontend", "backend", "data", "platform", "q1", "q2", "q3", "q4"]
SENTENCES = (
    "The current setup does not scale with the number of tenants.",
    "Two teams depend on this work and have planned around the date.",
    "Vendor support for the old version ends next year.",
    "We measured the impact in staging and it stays within budget.",
    "On-call load has doubled since the last quarter.",
    "The change is reversible behind a feature flag.",
)


class Generator:
    """Builds every document of one project; ids and cross-references are planned first so
    that references resolve, dependencies point backwards in time and nothing cycles."""

    def __init__(self, documents: int, seed: int):
        self.rng = random.Random(seed)
        self.counts = split_counts(documents)
        self.files: list[tuple[str, str, str, str]] = []  # (type, name, front-matter, body)

    def date(self, low: int, high: int) -> dt.date:
        return TODAY + dt.timedelta(days=self.rng.randint(low, high))

    def title(self) -> str:
        return f"{self.rng.choice(VERBS)} {self.rng.choice(THINGS)} {self.rng.choice(CONTEXTS)}"

    def people(self, low: int, high: int) -> list[str]:
        return self.rng.sample(PEOPLE, self.rng.randint(low, high))

    def prose(self, count: int) -> str:
        return " ".join(self.rng.choice(SENTENCES) for _ in range(count))

    def tasks(self, start: dt.date, end: dt.date, count: int, all_done: bool = False) -> str:
        """GFM task items `- [x] DATE text @owner`, done when dated before today."""
        span = max((end - start).days, count)
        dates = sorted(start + dt.timedelta(days=d) for d in self.rng.sample(range(span), count))
        lines = []
        for when in dates:
            mark = "x" if all_done or when < TODAY else " "
            owner = f" @{self.rng.choice(PEOPLE)}" if self.rng.random() < 0.8 else ""
            lines.append(f"- [{mark}] {when} {self.title()}{owner}")
        return "\n".join(lines)

    def add(self, kind: str, ident: str, title: str, fields: list[str], body: str) -> None:
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        front = "\n".join([f"id: {ident}", f"title: {title}", *fields]) + "\n"
        self.files.append((kind, f"{ident}-{slug}", front, f"\n# {title}\n\n{body}\n"))

    def milestones(self) -> list[str]:
        """Due dates spread from 9 months ago to 18 months ahead; past ones are done."""
        count, risks = self.counts["milestone"], self.counts["risk"]
        dues = sorted(self.date(-270, 540) for _ in range(count))
        done = []
        for i, due in enumerate(dues, start=1):
            start = due - dt.timedelta(days=self.rng.randint(30, 120))
            if due < TODAY:
                status = "done" if self.rng.random() < 0.92 else "cancelled"
            else:
                status = self.rng.choice(["planned", "planned", "in-progress"])
            fields = [
                f"status: {status}",
                f"due: {due}",
                f"start: {start}",
                f"owner: {self.rng.choice(PEOPLE)}",
                f"phase: {self.rng.choice(['planning', 'design', 'development', 'testing', 'deployment'])}",
            ]
            if status == "done":
                fields.append(f"completed: {min(due, TODAY - dt.timedelta(days=1))}")
                done.append(f"M-{i}")
            earlier = [j for j in range(max(1, i - 20), i) if dues[j - 1] <= due - dt.timedelta(days=7)]
            if earlier and self.rng.random() < 0.5:
                fields.append(f"depends_on: [{', '.join(f'M-{j}' for j in self.rng.sample(earlier, 1))}]")
            if risks and self.rng.random() < 0.4:
                fields += ["risks:", *(f"  - R-{self.rng.randint(1, risks)}" for _ in range(self.rng.randint(1, 2)))]
            fields.append(f"tags: [{', '.join(self.rng.sample(TAGS, 2))}]")
            body = (
                f"## Goal\n\n{self.prose(2)}\n\n## Checkpoints\n\n"
                f"{self.tasks(start, due, self.rng.randint(3, 6), status == 'done')}\n"
            )
            self.add("milestone", f"M-{i}", self.title(), fields, body)
        return done

    def risks(self) -> None:
        for i in range(1, self.counts["risk"] + 1):
            status = self.rng.choices(["open", "mitigating", "accepted", "closed"], [45, 25, 10, 20])[0]
            fields = [
                f"status: {status}",
                f"likelihood: {self.rng.randint(1, 5)}",
                f"impact: {self.rng.randint(1, 5)}",
                f"owner: {self.rng.choice(PEOPLE)}",
                f"review_every: {self.rng.choice([7, 14, 30])}",
                f"reviewed: {self.date(-6, -1)}",
                f"reviewed_by: {self.rng.choice(PEOPLE)}",
            ]
            if self.counts["milestone"] and self.rng.random() < 0.5:
                fields.append(f"milestones: [M-{self.rng.randint(1, self.counts['milestone'])}]")
            body = f"## Description\n\n{self.prose(2)}\n\n## Mitigation\n\n{self.prose(2)}\n"
            self.add("risk", f"R-{i}", self.title(), fields, body)

    def decisions(self) -> None:
        count = self.counts["decision"]
        successor = {
            i: self.rng.randint(i + 1, min(count, i + 30)) for i in range(1, count) if self.rng.random() < 0.12
        }
        supersedes = {new: old for old, new in successor.items()}
        for i in range(1, count + 1):
            if i in successor:
                new = f"ADR-{successor[i]:04d}"
                fields = [
                    f"status: superseded by {new}" if self.rng.random() < 0.5 else "status: superseded",
                    f"superseded_by: {new}",
                ]
            else:
                status = self.rng.choices(["accepted", "proposed", "rejected", "deprecated"], [75, 10, 10, 5])[0]
                fields = [f"status: {status}"]
            recent = fields[0] == "status: proposed"
            fields += [
                f"date: {self.date(-20, -1) if recent else self.date(-700, -1)}",
                "decision-makers:",
                *(f"  - {p}" for p in self.people(1, 3)),
                f"consulted: [{', '.join(self.people(1, 2))}]",
            ]
            if i in supersedes:
                fields.append(f"supersedes: ADR-{supersedes[i]:04d}")
            body = (
                f"## Context and Problem Statement\n\n{self.prose(3)}\n\n## Considered Options\n\n"
                + "".join(f"* {self.title()}\n" for _ in range(3))
                + f"\n## Decision Outcome\n\n{self.prose(2)}\n\n### Consequences\n\n* Good, because "
                + f"{self.prose(1).lower()}\n* Bad, because {self.prose(1).lower()}\n"
            )
            self.add("decision", f"ADR-{i:04d}", self.title(), fields, body)

    def postmortems(self, done: list[str]) -> None:
        """Each post-mortem names one finished milestone, the most recent first."""
        for i in range(1, self.counts["postmortem"] + 1):
            when = self.date(-200, -2)
            fields = [
                f"date: {when}",
                f"status: {self.rng.choice(['draft', 'final', 'final'])}",
                f"owner: {self.rng.choice(PEOPLE)}",
            ]
            if done:
                fields.append(f"milestone: {done.pop()}")
            actions = self.tasks(when, TODAY + dt.timedelta(days=90), self.rng.randint(2, 5))
            body = (
                f"## Summary\n\n{self.prose(2)}\n\n## Timeline\n\n{self.prose(2)}\n\n"
                f"## Lessons learned\n\n- {self.prose(1)}\n- {self.prose(1)}\n\n## Action items\n\n{actions}\n"
            )
            self.add("postmortem", f"PM-{i}", f"Incident review - {self.title()}", fields, body)

    def build(self) -> list[tuple[str, str, str, str]]:
        done = self.milestones()
        self.risks()
        self.decisions()
        self.postmortems(done)
        return self.files


def split_counts(documents: int) -> dict[str, int]:
    """Per-type counts in SHARES proportions that add up to exactly `documents`."""
    counts = {kind: int(documents * share) for kind, share in SHARES.items()}
    counts["risk"] += documents - sum(counts.values())
    return counts


def write_project(dest: Path, documents: int, seed: int) -> Path:
    """Write the repository and the sibling front-matter folder; return the latter."""
    frontmatter = dest.parent / f"{dest.name}-frontmatter"
    for folder in (dest, frontmatter):
        if folder.exists() and any(folder.iterdir()):
            raise SystemExit(f"generate.py: {folder} exists and is not empty")
    (dest / "project").mkdir(parents=True, exist_ok=True)
    (dest / "project" / "README.md").write_text("# Project state\n\nLinted by tpm.\n", encoding="utf-8")
    for kind, name, front, body in Generator(documents, seed).build():
        folder = dest / "project" / FOLDERS[kind]
        folder.mkdir(exist_ok=True)
        (folder / f"{name}.md").write_text(f"---\n{front}---\n{body}", encoding="utf-8")
        (frontmatter / kind).mkdir(parents=True, exist_ok=True)
        (frontmatter / kind / f"{name}.yaml").write_text(front, encoding="utf-8")
    commit(dest)
    return frontmatter


def commit(repo: Path) -> None:
    """One commit with fixed identity and dates, ignoring the caller's git environment and
    config, so the history (which tpm's git rules read) is the same everywhere."""
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
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "Synthetic project"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="folder for the new repository (must be empty or absent)")
    parser.add_argument("--documents", type=int, required=True, help="number of documents")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.documents < 1:
        parser.error("--documents must be at least 1")
    frontmatter = write_project(args.dest.resolve(), args.documents, args.seed)
    print(f"{args.documents} documents in {args.dest}; front-matter alone in {frontmatter}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Large, real-looking documents and their history of small edits, for history_generate.py --large.

Documents have 5-10 KB bodies (several prose paragraphs, a Markdown table, a fenced code
block, a `## Notes` list, and for milestones a `## Checkpoints` list of 15-40 dated task
items) and 10-20 front-matter keys: the fields the built-in schemas define plus a few of a
team's own (`team`, `priority`, `budget_eur`, ...) chosen far from every defined name, so
that `unknown-field` stays silent.

Their history is a chain of small edits: going back from the final text, each earlier
version undoes one or two edits of a real repository's kind (a checkpoint ticked, `due`
moved, a risk re-scored and re-reviewed, a note line added, a sentence reworded, a table
cell updated, a status changed), so consecutive versions differ by one to a few lines.
Everything derives from the seed and the document's index.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from generate import PEOPLE, TODAY, Generator

TEAMS = ["payments", "platform", "growth", "identity", "data", "mobile", "sre", "billing"]
PRIORITIES = ["P0", "P1", "P2", "P3"]
TRACKERS = ["JIRA", "LIN", "OPS", "PAY", "PLAT"]
MORE_SENTENCES = (
    "The current setup does not scale with the number of tenants.",
    "Two teams depend on this work and have planned around the date.",
    "Vendor support for the old version ends next year.",
    "We measured the impact in staging and it stays within budget.",
    "On-call load has doubled since the last quarter.",
    "The change is reversible behind a feature flag.",
    "Latency at the 99th percentile went from 180 ms to 420 ms during the last peak.",
    "Finance asked for a monthly report of the cost per transaction before the renewal.",
    "The migration runs in waves of at most 500 accounts so that a rollback stays cheap.",
    "Security review found no blocker, but asked for audit logs on every admin action.",
    "A dry run against last month's production snapshot finished in under four hours.",
    "Customer support expects fewer tickets once the retry logic lands.",
    "We keep the old path running in shadow mode and compare results daily.",
    "The contract with the current provider renews automatically in March.",
    "Nobody on the team has operated this component in production yet.",
    "Capacity planning assumes 30% growth year over year, which last year undershot.",
    "The runbook was last exercised during the game day in September.",
    "Error budgets for the quarter are already half spent.",
    "Legal confirmed that the data may stay in the EU region only.",
    "Dashboards for the new service exist but alerts are not wired to the pager yet.",
)
REWORDS = (
    "This needs a decision from the steering group.",
    "The estimate was revised after the design review.",
    "Numbers in this section come from the October load test.",
    "Open questions are tracked in the team's weekly sync.",
    "See the linked dashboard for current figures.",
    "The owner will update this section after the next milestone review.",
)
NOTES = (
    "on track, no change to the plan",
    "blocked on review from security",
    "needs input from finance on the budget line",
    "vendor answered, waiting for the signed quote",
    "load test rescheduled to next week",
    "rollback plan reviewed with on-call",
    "scope cut agreed with product",
    "dependency slipped by a week, buffer absorbs it",
)
CODE = (
    "```yaml\nrollout:\n  waves: {waves}\n  batch_size: {batch}\n  pause_minutes: {pause}\n"
    '  abort_if:\n    error_rate: 0.02\n    p99_latency_ms: 800\n  notify:\n    - "#{team}-alerts"\n'
    "    - oncall-{team}@example.invalid\n```"
)
CODE_SQL = (
    "```sql\nSELECT merchant_id, count(*) AS failures, max(created_at) AS last_seen\n"
    "FROM payment_attempts\nWHERE status = 'failed'\n  AND created_at > now() - interval '{pause} days'\n"
    "GROUP BY merchant_id\nHAVING count(*) > {batch}\nORDER BY failures DESC\nLIMIT {waves}0;\n```"
)
_DUE = re.compile(r"^due: (\d{4}-\d{2}-\d{2})$", re.M)
_START = re.compile(r"^start: (\d{4}-\d{2}-\d{2})$", re.M)
_REVIEWED = re.compile(r"^reviewed: (\d{4}-\d{2}-\d{2})$", re.M)
_SCORE = re.compile(r"^(likelihood|impact): (\d)$", re.M)
_TICKED = re.compile(r"^- \[x\] .*$", re.M)
_NOTE = re.compile(r"^- \d{4}-\d{2}-\d{2}: .*\n", re.M)
_PARAGRAPH = re.compile(r"^[A-Z][^\n|`]{120,}$", re.M)
_CELL = re.compile(r"^\| (\w[^|]*) \| (\d+) \| (green|amber|red) \| (.*) \|$", re.M)


class LargeGenerator(Generator):
    """generate.py's documents and cross-references, with long bodies and more fields."""

    def __init__(self, documents: int, seed: int):
        super().__init__(documents, seed)
        self.kind = ""

    def prose(self, count: int) -> str:
        return " ".join(self.rng.choice(MORE_SENTENCES) for _ in range(count))

    def tasks(self, start: dt.date, end: dt.date, count: int, all_done: bool = False) -> str:
        if self.kind == "milestone":
            count = self.rng.randint(15, 40)
            start = min(start, end - dt.timedelta(days=60))
        elif self.kind == "postmortem":
            count = self.rng.randint(5, 12)
        return super().tasks(start, end, count, all_done)

    def milestones(self) -> list[str]:
        self.kind = "milestone"
        return super().milestones()

    def risks(self) -> None:
        self.kind = "risk"
        super().risks()

    def decisions(self) -> None:
        self.kind = "decision"
        super().decisions()

    def postmortems(self, done: list[str]) -> None:
        self.kind = "postmortem"
        super().postmortems(done)

    def table(self) -> str:
        rows = ["| workstream | progress % | health | notes |", "| --- | ---: | --- | --- |"]
        for _ in range(self.rng.randint(5, 9)):
            rows.append(
                f"| {self.title()} | {self.rng.randrange(0, 101, 5)} | "
                f"{self.rng.choice(['green', 'green', 'amber', 'red'])} | {self.rng.choice(NOTES)} |"
            )
        return "\n".join(rows)

    def code(self) -> str:
        values = dict(
            waves=self.rng.randint(3, 9),
            batch=self.rng.choice([50, 100, 250, 500]),
            pause=self.rng.choice([15, 30, 60]),
            team=self.rng.choice(TEAMS),
        )
        return self.rng.choice([CODE, CODE_SQL]).format(**values)

    def notes(self, low: int, high: int) -> str:
        count = self.rng.randint(low, high)
        dates = sorted(TODAY - dt.timedelta(days=self.rng.randint(1, 400)) for _ in range(count))
        return "\n".join(f"- {day}: {self.rng.choice(NOTES)} (@{self.rng.choice(PEOPLE)})" for day in dates)

    def paragraphs(self, count: int) -> str:
        return "\n\n".join(self.prose(self.rng.randint(4, 7)) for _ in range(count))

    def extra_fields(self, ident: str) -> list[str]:
        """A team's own fields, none within two edits of a defined one."""
        fields = [
            f"team: {self.rng.choice(TEAMS)}",
            f"priority: {self.rng.choice(PRIORITIES)}",
            f"tracker: {self.rng.choice(TRACKERS)}-{self.rng.randint(100, 9999)}",
            f"budget_eur: {self.rng.randrange(5000, 500000, 500)}",
            f"confidence: {self.rng.choice(['low', 'medium', 'high'])}",
            "stakeholders:",
            *(f"  - {p}" for p in self.people(2, 4)),
        ]
        if self.rng.random() < 0.5:
            fields.append(f"links: [https://wiki.example.invalid/{ident.lower()}]")
        return fields

    def add(self, kind: str, ident: str, title: str, fields: list[str], body: str) -> None:
        fields = list(fields)
        if not any(f.startswith("tags:") for f in fields):
            fields.append(f"tags: [{', '.join(self.rng.sample(['infra', 'security', 'data', 'platform'], 2))}]")
        if kind == "risk":
            fields.append(f"mitigation: {self.prose(1)}")
        if kind == "decision":
            fields += [f"owner: {self.rng.choice(PEOPLE)}", f"informed: [{', '.join(self.people(1, 3))}]"]
            fields.append(f"review_by: {self.date(90, 400)}")
        fields += self.extra_fields(ident)
        body = self.long_body(kind, body)
        super().add(kind, ident, title, fields, body)

    def long_body(self, kind: str, body: str) -> str:
        """The short body, grown to 5-10 KB with the sections a real one has."""
        context = f"## Context\n\n{self.paragraphs(self.rng.randint(3, 5))}\n\n"
        status = f"## Status\n\n{self.paragraphs(1)}\n\n{self.table()}\n\n"
        plan = f"## Plan\n\n{self.paragraphs(self.rng.randint(2, 3))}\n\n{self.code()}\n\n"
        notes = f"## Notes\n\n{self.notes(4, 14)}\n"
        if kind == "milestone":
            return f"{context}{body}\n{status}{plan}{notes}"
        if kind == "risk":
            mitigation = f"## Mitigation\n\n{self.paragraphs(self.rng.randint(2, 4))}\n\n"
            return (
                f"## Description\n\n{self.paragraphs(2)}\n\n{context}{mitigation}"
                f"## Contingency\n\n{self.paragraphs(2)}\n\n{status}{plan}{notes}"
            )
        if kind == "decision":
            return f"{body}\n{context}{status}{plan}## More Information\n\n{self.paragraphs(2)}\n\n{notes}"
        return f"{body}\n{context}{status}{plan}{notes}"


def _shift(text: str, match: re.Match, days: int) -> str:
    day = dt.date.fromisoformat(match.group(1)) + dt.timedelta(days=days)
    return text[: match.start(1)] + day.isoformat() + text[match.end(1) :]


def undo_one_edit(kind: str, text: str, rng: random.Random) -> str:  # noqa: PLR0912
    """The document before one small edit (the inverse of a tick, slip, re-score, note,
    rewording, table update or status change); the text itself when nothing applies."""
    choices = ["reword", "note", "table"]
    if kind in ("milestone", "postmortem") and _TICKED.search(text):
        choices += ["tick", "tick", "tick"]
    if kind == "milestone":
        choices.append("slip")
        if "\nstatus: done\n" in text:
            choices.append("status")
    if kind == "risk":
        choices += ["score", "review", "review"]
    if kind == "decision" and "\nstatus: accepted\n" in text:
        choices.append("status")
    for _ in range(4):
        change = rng.choice(choices)
        if change == "tick":  # the last ticked item was still open
            last = list(_TICKED.finditer(text))[-1]
            return text[: last.start()] + "- [ ]" + text[last.start() + 5 :]
        if change == "slip":  # due was earlier, before the plan slipped
            due, start = _DUE.search(text), _START.search(text)
            days = rng.randint(1, 5)
            if due and (
                not start
                or dt.date.fromisoformat(due.group(1)) - dt.timedelta(days=days) > dt.date.fromisoformat(start.group(1))
            ):
                return _shift(text, due, -days)
        elif change == "status":
            if kind == "milestone":
                text = re.sub(r"^completed: .*\n", "", text, count=1, flags=re.M)
                return text.replace("\nstatus: done\n", "\nstatus: in-progress\n", 1)
            return text.replace("\nstatus: accepted\n", "\nstatus: proposed\n", 1)
        elif change in ("score", "review"):  # re-scored (and re-reviewed) since
            reviewed = _REVIEWED.search(text)
            if reviewed:
                text = _shift(text, reviewed, -rng.randint(7, 30))
            if change == "score":
                score = rng.choice(list(_SCORE.finditer(text)))
                value = int(score.group(2)) % 5 + 1
                text = text[: score.start(2)] + str(value) + text[score.end(2) :]
            return text
        elif change == "note":  # the last note was added since
            notes = list(_NOTE.finditer(text))
            if len(notes) > 1:
                return text[: notes[-1].start()] + text[notes[-1].end() :]
        elif change == "reword":  # one sentence of one paragraph was reworded
            paragraphs = list(_PARAGRAPH.finditer(text))
            if paragraphs:
                paragraph = rng.choice(paragraphs)
                sentences = paragraph.group(0).split(". ")
                index = rng.randrange(len(sentences))
                sentences[index] = (
                    rng.choice(REWORDS).rstrip(".") if index < len(sentences) - 1 else rng.choice(REWORDS)
                )
                return text[: paragraph.start()] + ". ".join(sentences) + text[paragraph.end() :]
        elif change == "table":  # a workstream's progress was updated since
            cells = list(_CELL.finditer(text))
            if cells:
                cell = rng.choice(cells)
                lower = max(0, int(cell.group(2)) - rng.randrange(5, 30, 5))
                return text[: cell.start(2)] + str(lower) + text[cell.end(2) :]
    return text


def versions(kind: str, final: str, count: int, rng: random.Random) -> list[str]:
    """`count` versions of a document, oldest first, ending with `final`; each differs
    from the next by one small edit, two one time in five."""
    texts = [final]
    for _ in range(count - 1):
        text = undo_one_edit(kind, texts[-1], rng)
        if rng.random() < 0.2:
            text = undo_one_edit(kind, text, rng)
        texts.append(text)
    return texts[::-1]

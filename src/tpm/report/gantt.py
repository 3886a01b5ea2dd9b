"""The Mermaid `gantt` chart of milestones (bars from start to due) and their checkpoints
(milestone markers), grouped in sections by phase, or by status when no milestone has a
phase.

Each task line reads `    LABEL :TAGS, ID, START, END`: labels are sanitised (no `:`,
`#` or `;`), start with the milestone's id so that no label can be a Mermaid keyword,
and ids are generated (`t1`, `t2`, ...), never taken from user text.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from tpm.config import ACTIVE, CLOSED, DONE, DROPPED, PLANNED
from tpm.report.data import PHASES
from tpm.report.escape import mermaid_label

if TYPE_CHECKING:
    from tpm.report.data import MilestoneRow

MAX_BARS = 60
RECENT_DAYS = 30


def _shown(milestone: MilestoneRow, today: datetime.date) -> bool:
    """Open milestones, and those finished in the last 30 days."""
    if milestone["due"] is None:
        return False
    if milestone["role"] in CLOSED:
        finished = milestone["completed"] or milestone["due"]
        return (today - datetime.date.fromisoformat(finished)).days <= RECENT_DAYS
    return True


def _tags(milestone: MilestoneRow) -> list[str]:
    if milestone["role"] in CLOSED:
        return ["done"]
    tags = ["crit"] if milestone["days_late"] is not None else []
    return tags + (["active"] if milestone["role"] == ACTIVE else [])


def render(milestones: list[MilestoneRow], today: datetime.date) -> tuple[str, int]:
    """The chart, and how many milestones it left out to stay readable."""
    shown = sorted((m for m in milestones if _shown(m, today)), key=lambda m: (m["due"], m["id"] or ""))
    left_out = max(len(shown) - MAX_BARS, 0)
    shown = shown[:MAX_BARS]
    by_phase = any(m["phase"] for m in shown)
    sections: dict[str, list[MilestoneRow]] = {}
    roles: dict[str, str | None] = {}  # a section named by a status -> that status's lifecycle role
    for milestone in shown:
        if by_phase:
            key = milestone["phase"] or "no phase"
        else:
            key = milestone["status"] or "no status"
            roles.setdefault(key, milestone["role"])
        sections.setdefault(key, []).append(milestone)
    lines = [
        "gantt",
        "    dateFormat YYYY-MM-DD",
        "    axisFormat %Y-%m-%d",
        f"    title Milestones as of {today.isoformat()}",
    ]
    counter = 0
    for section in sorted(sections, key=lambda name: _section_order(name, roles.get(name))):
        lines.append(f"    section {mermaid_label(section.capitalize()) or 'Other'}")
        for milestone in sections[section]:
            counter += 1
            bar = f"t{counter}"
            due = milestone["due"]
            assert due is not None  # _shown keeps only milestones with a due date
            start = min(milestone["start"] or due, due)
            tags = ", ".join([*_tags(milestone), bar])
            label = _label(f"{milestone['id'] or ''} {milestone['title'] or ''}")
            lines.append(f"    {label} :{tags}, {start}, {due}")
            for item in milestone["checkpoint_items"]:
                counter += 1
                done = item["done"]
                late = not done and item["date"] < today.isoformat()
                marker = ["milestone"] + (["done"] if done else ["crit"] if late else [])
                text = _label(f"{milestone['id'] or ''} {item['text']}", 50)
                lines.append(f"    {text} :{', '.join(marker)}, t{counter}, {item['date']}, 0d")
    return "\n".join(lines), left_out


# Words that begin a Mermaid gantt statement: a task label must not start with one.
_KEYWORDS = {
    "gantt",
    "title",
    "section",
    "dateformat",
    "axisformat",
    "tickinterval",
    "excludes",
    "includes",
    "todaymarker",
    "weekday",
    "weekend",
    "click",
    "acctitle",
    "accdescr",
    "inclusiveenddates",
    "topaxis",
    "displaymode",
}


def _label(text: str, limit: int = 60) -> str:
    """A task label: sanitised, never empty, never starting with a Mermaid keyword."""
    label = mermaid_label(text, limit)
    if not label:
        return "untitled"
    if label.split(" ", 1)[0].lower() in _KEYWORDS:
        return mermaid_label(f"task {label}", limit)
    return label


_ROLE_ORDER = (ACTIVE, PLANNED, DONE, DROPPED)  # sections by status: work in hand first


def _section_order(name: str, role: str | None) -> tuple[int, int, str]:
    """Phases in their order; else statuses by their role (active first); then the rest."""
    if name in PHASES:
        return (0, PHASES.index(name), name)
    if role in _ROLE_ORDER:
        return (1, _ROLE_ORDER.index(role), name)
    return (2, 0, name)

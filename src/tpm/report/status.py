"""Red, amber, green: the verdict a stakeholder reads first, by criteria that docs/report.md
writes out, so that a colour always has a reason a reader can check.

An open milestone (lifecycle role planned or active) is

- **red** when it is past its due date, or when it waits on a red milestone although its
  own start date has come (it should be under way, and what it needs is late);
- **amber** when it waits on a red milestone and has not started yet, has a checkpoint
  past its date and still open, its due date moved later in the last 14 days, or a high
  risk linked to it (either document naming the other) has gone unreviewed past its
  cadence;
- **green** otherwise.

Finished milestones are `done` and dropped ones `dropped`; neither has a colour. The
project is **off track** when any milestone is red, **at risk** when any is amber or a
high risk is unreviewed, a post-mortem action item is overdue or another document has an
error about its dates or reviews, else **on track**. Every
colour carries its reasons in plain words, which the report prints beside it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from tpm.config import CLOSED, DONE
from tpm.wording import plural

if TYPE_CHECKING:
    from tpm.report.data import ActionRow, MilestoneRow, RiskRow

RECENT_SLIP_DAYS = 14

RED, AMBER, GREEN = "red", "amber", "green"
ON_TRACK, AT_RISK, OFF_TRACK = "on track", "at risk", "off track"


class Verdict(TypedDict):
    status: str  # ON_TRACK, AT_RISK or OFF_TRACK
    reasons: list[str]
    checkpoints: dict[str, int]  # {"done", "total"} over milestones not dropped
    percent: int | None  # of those checkpoints done, rounded down; None without checkpoints
    colours: dict[str, int]  # red, amber, green, done, dropped -> how many milestones


def colour_milestones(milestones: list[MilestoneRow], unreviewed_high: dict[str, list[str]], today: str) -> None:
    """Set each row's `rag` and `reasons`. `unreviewed_high` maps a milestone id to the
    ids of the unreviewed high risks linked to it."""
    by_id = {m["id"]: m for m in milestones if m["id"]}
    for milestone in milestones:
        milestone["rag"], milestone["reasons"] = _own_colour(milestone, unreviewed_high, today)
    # Red spreads along dependencies to milestones that should be under way; those not
    # started yet turn amber, and amber spreads no further. Each pass can only redden a
    # milestone, so the loop ends (a cycle too) after at most one pass per milestone.
    warned: set[int] = set()
    changed = True
    while changed:
        changed = False
        for index, milestone in enumerate(milestones):
            if milestone["rag"] not in (AMBER, GREEN):
                continue
            late = [d for d in milestone["depends_on"] if d in by_id and by_id[d]["rag"] == RED]
            if not late:
                continue
            started = milestone["start"] is not None and milestone["start"] <= today
            if started:
                reason = f"should be under way, but waits on {', '.join(late)}, which {_is_are(late)} off track"
                milestone["rag"], changed = RED, True
                milestone["reasons"] = [reason] + [r for r in milestone["reasons"] if not r.startswith("waits on ")]
            elif index not in warned:
                warned.add(index)
                milestone["rag"] = AMBER
                milestone["reasons"] = [f"waits on {', '.join(late)}, which {_is_are(late)} off track"] + milestone[
                    "reasons"
                ]


def _own_colour(milestone: MilestoneRow, unreviewed_high: dict[str, list[str]], today: str) -> tuple[str, list[str]]:
    role = milestone["role"]
    if role in CLOSED:
        return (DONE if role == DONE else "dropped"), []
    if role is None:
        return "unknown", []
    if milestone["days_late"] is not None:
        due = milestone["due"]
        return RED, [f"{plural(milestone['days_late'], 'day')} past its due date {due}"]
    reasons = []
    if milestone["late_checkpoints"]:
        reasons.append(f"{plural(milestone['late_checkpoints'], 'checkpoint')} past {_its_their(milestone)} date")
    recent = [
        m for m in milestone["slips"]["moves"] if m["date"] and _days_between(m["date"], today) <= RECENT_SLIP_DAYS
    ]
    if recent:
        last = recent[-1]
        reasons.append(f"due date moved from {last['from']} to {last['to']} on {last['date']}")
    risks = unreviewed_high.get(milestone["id"] or "", [])
    if risks:
        reasons.append(f"high {'risk' if len(risks) == 1 else 'risks'} {', '.join(risks)} not reviewed on time")
    return (AMBER if reasons else GREEN), reasons


def _its_their(milestone: MilestoneRow) -> str:
    return "its" if milestone["late_checkpoints"] == 1 else "their"


def _is_are(items: list[str]) -> str:
    return "is" if len(items) == 1 else "are"


def _days_between(earlier: str, later: str) -> int:
    return (datetime.date.fromisoformat(later) - datetime.date.fromisoformat(earlier)).days


def verdict(
    milestones: list[MilestoneRow], risks: Iterable[RiskRow], actions: list[ActionRow], other_errors: int = 0
) -> Verdict:
    """The project's overall status and its reasons, worst first. `other_errors` counts the
    errors about dates and reviews that no milestone, risk or action item above accounts
    for (an overdue document of another type, say): they put the project at risk too."""
    colours = {name: 0 for name in (RED, AMBER, GREEN, DONE, "dropped")}
    for m in milestones:
        if m["rag"] in colours:
            colours[m["rag"]] += 1
    counted = [m for m in milestones if m["rag"] != "dropped"]
    done = sum(m["checkpoints"]["done"] for m in counted)
    total = sum(m["checkpoints"]["total"] for m in counted)
    reasons = []
    red = [_name(m) for m in milestones if m["rag"] == RED]
    amber = [_name(m) for m in milestones if m["rag"] == AMBER]
    if red:
        reasons.append(f"{plural(len(red), 'milestone')} off track: {', '.join(red)}")
    if amber:
        reasons.append(f"{plural(len(amber), 'milestone')} at risk: {', '.join(amber)}")
    unreviewed = [r["id"] or r["path"] for r in risks if r["band"] == "high" and r["overdue_review"]]
    if unreviewed:
        reasons.append(f"{plural(len(unreviewed), 'high risk')} not reviewed on time: {', '.join(unreviewed)}")
    overdue = sum(1 for a in actions if a["overdue"])
    if overdue:
        reasons.append(f"{plural(overdue, 'post-mortem action item')} overdue")
    if other_errors:
        reasons.append(f"{plural(other_errors, 'other item')} past due or unreviewed, under Needs attention")
    status = OFF_TRACK if red else AT_RISK if reasons else ON_TRACK
    return {
        "status": status,
        "reasons": reasons,
        "checkpoints": {"done": done, "total": total},
        "percent": done * 100 // total if total else None,
        "colours": colours,
    }


def _name(milestone: MilestoneRow) -> str:
    return milestone["id"] or milestone["path"].rsplit("/", 1)[-1]

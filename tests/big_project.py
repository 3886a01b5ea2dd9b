"""A generated but realistic large project: 40 milestones (by default) across the eight
phases of a warehouse-management-system rollout, with risks, decisions, post-mortems and
twelve weeks of git history, for the report's scaling checks (tests/test_report_browser.py).

Fully deterministic: no randomness, fixed dates, fixed committer dates. As of 2026-11-30
`tpm check` finds only the deliberate late items (two overdue milestones, one that slipped
too often) and their open checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from helpers import git, make_repo, write_files

TODAY = date(2026, 11, 30)
FIRST_START = date(2026, 3, 2)
SPAN_DAYS = 520  # the milestones' start dates spread over ~17 months, due dates to ~18
# Weekly commits on Mondays from 2026-09-07, then the steering-committee update on Thursday 11-26.
COMMITS = [date(2026, 9, 7) + timedelta(weeks=week) for week in range(12)] + [date(2026, 11, 26)]

PHASES = ["kickoff", "requirements", "planning", "design", "development", "testing", "deployment", "closure"]
OWNERS = ["@amira", "@bjorn", "@chen", "@dara", "@elif", "@farid", "@greta", "@hugo"]
TITLES = {
    "kickoff": [
        "Project charter signed by operations and finance",
        "Steering committee and RACI in place",
        "Budget for the rollout approved",
        "Core team staffed from both distribution centres",
        "Vendor contract for the WMS signed",
    ],
    "requirements": [
        "Inbound receiving processes documented",
        "Pick, pack and ship requirements agreed",
        "Inventory accuracy targets agreed with finance",
        "Carrier integration requirements collected",
        "Reporting and KPI requirements signed off",
    ],
    "planning": [
        "Cutover strategy per distribution centre",
        "Data migration plan for item and location masters",
        "Training plan for 300 floor staff",
        "Hardware rollout plan for scanners and printers",
        "Test strategy and environments booked",
    ],
    "design": [
        "Slotting and location model designed",
        "Interfaces to ERP and TMS specified",
        "Label and document templates designed",
        "Replenishment rules designed",
        "Role and permission model approved",
    ],
    "development": [
        "ERP order interface built",
        "Carrier label service integrated",
        "RF scanner workflows configured",
        "Item master migration scripts",
        "KPI dashboards built",
    ],
    "testing": [
        "System integration test passed",
        "Peak-volume performance test passed",
        "User acceptance test in Rotterdam",
        "User acceptance test in Leipzig",
        "Disaster recovery test passed",
    ],
    "deployment": [
        "Rotterdam go-live",
        "Leipzig go-live",
        "Returns centre go-live",
        "Legacy WMS switched to read-only",
        "Hypercare for both distribution centres",
    ],
    "closure": [
        "Legacy WMS decommissioned",
        "Benefits review with finance",
        "Support handed over to operations IT",
        "Lessons learned workshop",
        "Project closed and budget reconciled",
    ],
}
CHECKPOINT_VERBS = ["Draft reviewed", "Sign-off by the process owner", "Dry run completed", "Go/no-go held"]

LATE = {17, 18}  # in progress long past their due dates: deliberately overdue
CANCELLED = 32  # dropped when the returns centre moved to the 3PL
SLIPS = {  # milestone number -> [(commit index, days the due date moves later)]
    20: [(3, 7), (8, 7)],
    22: [(8, 7)],  # knock-on of M-20
    23: [(2, 7), (5, 7), (9, 7)],  # slipped three times: deliberately flagged
    25: [(4, 7), (10, 7)],
    27: [(6, 14)],
    29: [(6, 7)],  # knock-on of M-27
}


@dataclass
class Milestone:
    number: int
    title: str
    phase: str
    owner: str
    start: date
    due0: date
    depends_on: list[int]
    checkpoints: list[tuple[date, str, str]] = field(default_factory=list)

    def due(self, week: int) -> date:
        return self.due0 + timedelta(days=sum(days for when, days in SLIPS.get(self.number, []) if when <= week))


def _milestones(count: int) -> list[Milestone]:
    step = max(1, SPAN_DAYS // max(count - 1, 1))
    milestones = []
    for i in range(count):
        number = i + 1
        phase = PHASES[i * len(PHASES) // count]
        titles = TITLES[phase]
        title = titles[i % len(titles)] + ("" if count <= 40 else f" (part {i // 40 + 1})")
        start = FIRST_START + timedelta(days=step * i)
        due0 = start + timedelta(days=28 + 7 * (i % 4))
        depends_on = []
        for back in (2, 4) if number % 5 == 0 else (2,):
            dependency = number - back
            if dependency == CANCELLED:
                dependency -= 1
            if dependency >= 1:
                depends_on.append(dependency)
        milestone = Milestone(number, title, phase, OWNERS[i % len(OWNERS)], start, due0, depends_on)
        count_checkpoints = 2 + (i * 7) % 5
        span = (due0 - start).days
        for j in range(count_checkpoints):
            when = start + timedelta(days=span * (j + 1) // count_checkpoints)
            if date(2026, 11, 27) <= when <= TODAY:  # not between the last commit and today
                when = TODAY + timedelta(days=1)
                when = min(when, due0)
            text = f"{CHECKPOINT_VERBS[j % len(CHECKPOINT_VERBS)]}: {title.lower()} (step {j + 1})"
            milestone.checkpoints.append((when, text, OWNERS[(i + j + 1) % len(OWNERS)]))
        milestones.append(milestone)
    return milestones


def _status(milestone: Milestone, week: int, today: date) -> str:
    if milestone.number == CANCELLED and week >= 6:
        return "cancelled"
    if milestone.number in LATE and milestone.start <= today:
        return "in-progress"
    if milestone.due(week) <= today:
        return "done"
    return "in-progress" if milestone.start <= today else "planned"


def _milestone_file(milestone: Milestone, week: int, today: date, risks: dict[int, list[str]]) -> str:
    status = _status(milestone, week, today)
    lines = [
        "---",
        f"id: M-{milestone.number}",
        f"title: {milestone.title}",
        f"status: {status}",
        f'owner: "{milestone.owner}"',
        f"phase: {milestone.phase}",
        f"start: {milestone.start.isoformat()}",
        f"due: {milestone.due(week).isoformat()}",
    ]
    if status == "done":
        completed = milestone.due(week) - timedelta(days=milestone.number % 3)
        lines.append(f"completed: {completed.isoformat()}")
    if milestone.depends_on:
        lines.append("depends_on: [" + ", ".join(f"M-{n}" for n in milestone.depends_on) + "]")
    if risks.get(milestone.number):
        lines.append("risks: [" + ", ".join(risks[milestone.number]) + "]")
    lines += ["---", f"# {milestone.title}", "", "## Checkpoints", ""]
    last = len(milestone.checkpoints) - 1
    for j, (when, text, owner) in enumerate(milestone.checkpoints):
        ticked = when <= today and not (milestone.number in LATE and j == last) and status != "cancelled"
        lines.append(f"- [{'x' if ticked else ' '}] {when.isoformat()} {text} {owner}")
    lines += ["", "## Notes", ""]
    if status == "in-progress":
        lines.append(f"Status reviewed in the weekly meeting of {today.isoformat()}.")
    elif status == "cancelled":
        lines.append("Cancelled: the returns centre moves to the third-party logistics provider.")
    else:
        lines.append("No open issues.")
    return "\n".join(lines) + "\n"


# id, slug, title, owner, (likelihood, impact) per commit index from which it holds, status
# per commit index, milestones, first commit index the risk exists at.
RISKS = [
    (1, "vendor-delivery", "WMS vendor delivers configuration late", {0: (4, 4), 5: (3, 4)}, {0: "mitigating"}),
    (2, "data-quality", "Item master data is too poor to migrate", {0: (4, 5)}, {0: "open", 3: "mitigating"}),
    (3, "scanner-shortage", "RF scanners arrive after go-live", {0: (3, 3), 7: (2, 3)}, {0: "open", 10: "closed"}),
    (4, "peak-season", "Go-live collides with the December peak", {0: (3, 5)}, {0: "mitigating"}),
    (5, "staff-turnover", "Floor staff turnover undoes the training", {0: (3, 3)}, {0: "open"}),
    (6, "erp-interface", "ERP order interface drops orders under load", {1: (2, 5), 8: (3, 5)}, {1: "open"}),
    (7, "carrier-labels", "Carrier label formats change before go-live", {0: (2, 3), 6: (2, 4)}, {0: "open"}),
    (8, "union-consultation", "Works council consultation delays cutover", {0: (2, 4)}, {0: "closed"}),
    (9, "network-coverage", "Wi-Fi coverage gaps in the high-bay area", {2: (3, 4)}, {2: "mitigating"}),
    (10, "licence-costs", "User licence costs exceed the budget", {0: (2, 3)}, {0: "open"}),
    (11, "legacy-access", "Auditors need the legacy WMS after decommission", {6: (3, 3)}, {6: "open"}),
    (12, "returns-3pl", "3PL contract for returns not signed in time", {4: (3, 4), 9: (2, 4)}, {4: "open"}),
]
RISK_MILESTONES = {
    1: [21, 22, 23],
    2: [19, 24],
    3: [28, 29],
    4: [31, 33],
    5: [13, 30],
    6: [21, 26],
    7: [22],
    8: [31],
    9: [23, 27],
    10: [5],
    11: [36],
    12: [32],
}


def _at(timeline: dict, week: int):
    return timeline[max(k for k in timeline if k <= week)]


def _risk_file(risk: tuple, week: int, count: int) -> str:
    number, _slug, title, scores, statuses = risk
    likelihood, impact = _at(scores, week)
    status = _at(statuses, week)
    # High risks are reviewed every week, the others every second week; a re-score is a review.
    reviews = [
        k
        for k in range(min(scores), week + 1)
        if likelihood * impact >= 15 or (k + number) % 2 == 0 or k in scores or k == min(scores)
    ]
    milestones = [n for n in RISK_MILESTONES[number] if n <= count]
    lines = [
        "---",
        f"id: R-{number}",
        f"title: {title}",
        f"status: {status}",
        f'owner: "{OWNERS[(number * 3) % len(OWNERS)]}"',
        f"likelihood: {likelihood}",
        f"impact: {impact}",
        f"reviewed: {COMMITS[reviews[-1]].isoformat()}",
    ]
    if milestones:
        lines.append("milestones: [" + ", ".join(f"M-{n}" for n in milestones) + "]")
    lines += [
        "---",
        f"# {title}",
        "",
        "## Mitigation",
        "",
        f"- Weekly check of the exposure with {OWNERS[number % len(OWNERS)]}.",
        "- Escalate to the steering committee when the score rises.",
        "",
    ]
    return "\n".join(lines)


DECISIONS = [
    (1, "saas-wms", "Run the WMS as SaaS rather than on premises", "accepted", date(2026, 4, 14), 0),
    (2, "batch-interface", "Exchange orders with the ERP in batches", "superseded by ADR-0004", date(2026, 5, 5), 0),
    (3, "rf-scanners", "Standardise on one RF scanner model", "accepted", date(2026, 6, 2), 0),
    (4, "event-interface", "Exchange orders with the ERP as events", "accepted", date(2026, 9, 21), 2),
    (5, "phased-golive", "Go live one distribution centre at a time", "proposed", date(2026, 11, 16), 10),
]


def _decision_file(decision: tuple) -> str:
    number, _slug, title, status, when, _week = decision
    lines = ["---", f"id: ADR-{number:04d}", f"title: {title}", f"status: {status}", f"date: {when.isoformat()}"]
    if number == 2:
        lines.append("superseded_by: ADR-0004")
    lines += [
        "---",
        f"# {title}",
        "",
        "## Context and Problem Statement",
        "",
        "Decided in the architecture board of the rollout.",
        "",
    ]
    return "\n".join(lines)


POSTMORTEMS = [
    (1, "requirements-overrun", "Requirements phase overran by three weeks", date(2026, 6, 19), 7, 0),
    (2, "design-review-rework", "Interface design reworked after the security review", date(2026, 10, 9), 17, 5),
]


def _postmortem_file(postmortem: tuple, today: date) -> str:
    number, _slug, title, when, milestone, _week = postmortem
    actions = [
        (when + timedelta(days=14), "Add a buffer week to each phase plan", OWNERS[number]),
        (when + timedelta(days=28), "Review interface specs with security first", OWNERS[number + 2]),
        (date(2026, 12, 15), "Share the lessons with the next rollout team", OWNERS[number + 4]),
    ]
    lines = [
        "---",
        f"id: PM-{number}",
        f"title: {title}",
        f"date: {when.isoformat()}",
        "status: final",
        f'owner: "{OWNERS[number]}"',
        f"milestone: M-{milestone}",
        "---",
        f"# {title}",
        "",
        "## Lessons learned",
        "",
        "- Sign-offs took longer than planned because the process owners were on the floor.",
        "",
        "## Action items",
        "",
    ]
    lines += [f"- [{'x' if due <= today else ' '}] {due.isoformat()} {text} {owner}" for due, text, owner in actions]
    return "\n".join(lines) + "\n"


CONFIG = """\
# tpm configuration for the warehouse-management-system rollout.
name = "WMS rollout"
timezone = "Europe/Amsterdam"

[risk_bands]
high = 15
medium = 8

# Post-mortems are written for troubled milestones only, not for every finished one.
[rules.missing-postmortem]
severity = "off"
"""


def _tree(milestones: list[Milestone], week: int, today: date) -> dict[str, str]:
    count = len(milestones)
    slugs = {m.number: "-".join(m.title.lower().replace(",", "").split()[:4]) for m in milestones}
    risk_links: dict[int, list[str]] = {}
    files = {".tpm.toml": CONFIG, "project/README.md": "# WMS rollout\n\nProject state of the WMS rollout.\n"}
    for risk in RISKS:
        if min(risk[3]) <= week:
            files[f"project/risks/R-{risk[0]}-{risk[1]}.md"] = _risk_file(risk, week, count)
            for number in RISK_MILESTONES[risk[0]][:1]:
                risk_links.setdefault(number, []).append(f"R-{risk[0]}")
    for milestone in milestones:
        path = f"project/milestones/M-{milestone.number}-{slugs[milestone.number]}.md"
        files[path] = _milestone_file(milestone, week, today, risk_links)
    for decision in DECISIONS:
        if decision[5] <= week:
            files[f"project/decisions/{decision[0]:04d}-{decision[1]}.md"] = _decision_file(decision)
    for postmortem in POSTMORTEMS:
        if postmortem[5] <= week and postmortem[4] <= count:
            files[f"project/postmortems/PM-{postmortem[0]}-{postmortem[1]}.md"] = _postmortem_file(postmortem, today)
    return files


def build_big_project(path: Path, milestones: int = 40) -> Path:
    """A git repository at `path` with `milestones` milestones and their history: one
    commit per week from 2026-09-07, the last on 2026-11-26. Report on it as of 2026-11-30."""
    plan = _milestones(milestones)
    make_repo(path)
    for week, day in enumerate(COMMITS):
        write_files(path, _tree(plan, week, day))
        git(path, "add", "-A")
        stamp = f"{day.isoformat()}T12:00:00+00:00"
        git(path, "commit", "-q", "-m", f"Weekly project update {day.isoformat()}", date=stamp)
    return path

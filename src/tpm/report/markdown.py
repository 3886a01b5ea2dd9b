"""The report as GitHub/GitLab-flavoured Markdown: tables, a Mermaid gantt chart, links.
It draws what data.py decided; every user string goes through escape.cell."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from tpm.report import gantt
from tpm.report.escape import cell
from tpm.wording import plural

if TYPE_CHECKING:
    from tpm.report.data import (
        ActionRow,
        AttentionItem,
        DecisionRow,
        FindingRow,
        Health,
        MilestoneRow,
        Report,
        RiskRow,
        Risks,
    )


def _link(text: object, target: str) -> str:
    return f"[{cell(text)}]({target})"


def _name(row: MilestoneRow | RiskRow | DecisionRow) -> str:
    """A document's id, or its file name when it has none."""
    return row["id"] or row["path"].rsplit("/", 1)[-1]


def render(data: Report) -> str:
    today = datetime.date.fromisoformat(data["today"])
    out: list[str] = [f"# {cell(data['project'])}: project status", ""]
    out += [*_health(data["health"], data["today"]), ""]
    out += _milestones(data["milestones"], today)
    out += _risks(data["risks"])
    out += _attention(data["attention"], data["health"]["history"])
    out += _decisions(data["decisions"])
    out += _actions(data["actions"])
    out += _appendix(data["findings"])
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _health(health: Health, today: str) -> list[str]:
    problems = f"{plural(health['errors'], 'error')}, {plural(health['warnings'], 'warning')}"
    state = "healthy" if not health["errors"] and not health["warnings"] else problems
    parts = [
        f"{plural(health['overdue_milestones'], 'overdue milestone')}",
        f"{plural(health['overdue_actions'], 'overdue action item')}",
        f"{plural(health['unreviewed_high_risks'], 'unreviewed high risk')}",
    ]
    line = f"As of **{today}**, {plural(health['documents'], 'document')}: **{state}**; " + ", ".join(parts) + "."
    if not health["history"]:
        line += " Git history was not read (--no-history), so slips and review ages are not shown."
    return [line]


def _schedule(milestone: MilestoneRow) -> str:
    if milestone["days_late"] is not None:
        return f"**{plural(milestone['days_late'], 'day')} late**"
    if milestone["days_left"] is not None:
        return f"{plural(milestone['days_left'], 'day')} left"
    return "·"


def _slips(milestone: MilestoneRow) -> str:
    slips = milestone["slips"]
    if not slips["count"]:
        return "·"
    return f"{slips['count']}× (+{plural(slips['days'], 'day')})"


def _milestones(milestones: list[MilestoneRow], today: datetime.date) -> list[str]:
    out = ["## Milestones", ""]
    if not milestones:
        return [*out, "No milestones yet.", ""]
    out += [
        "| Milestone | Owner | Status | Due | Checkpoints | Schedule | Slips |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in milestones:
        progress = f"{m['checkpoints']['done']}/{m['checkpoints']['total']}" if m["checkpoints"]["total"] else "·"
        out.append(
            f"| {_link(_name(m), m['link'])} {cell(m['title'])} | {cell(m['owner'] or '·')} "
            f"| {cell(m['status'] or '·')} "
            f"| {m['due'] or '·'} | {progress} | {_schedule(m)} | {_slips(m)} |"
        )
    chart, left_out = gantt.render(milestones, today)
    out += ["", "```mermaid", chart, "```", ""]
    if left_out:
        out += [f"The chart leaves out {plural(left_out, 'later milestone')}.", ""]
    return out


def _risks(risks: Risks) -> list[str]:
    out = ["## Risks", ""]
    if not risks["open"]:
        return [*out, "No open risks.", ""]
    out += [
        f"{plural(risks['open'], 'open risk')}, by likelihood (rows) and impact (columns); high band in bold:",
        "",
        "| Likelihood ↓ Impact → | 1 | 2 | 3 | 4 | 5 |",
        "| --- | :---: | :---: | :---: | :---: | :---: |",
    ]
    for row, counts in enumerate(risks["heatmap"]):
        high = risks["high_band"]
        shown = [
            f"**{c}**" if c and (5 - row) * (i + 1) >= high else (str(c) if c else "·") for i, c in enumerate(counts)
        ]
        out.append(f"| {5 - row} | " + " | ".join(shown) + " |")
    out += [
        "",
        "Top risks:",
        "",
        "| Risk | Score | Owner | Last review | Mitigation |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in risks["top"]:
        age = r["review_age_days"]  # known exactly when last_review is
        review = f"{r['last_review']} ({plural(age, 'day')} ago)" if age is not None else "·"
        score = f"{r['score']} ({r['likelihood']}×{r['impact']}, {r['band']})"
        mitigated = "yes" if r["mitigated"] else "**missing**"
        out.append(
            f"| {_link(_name(r), r['link'])} {cell(r['title'])} | {score} "
            f"| {cell(r['owner']) if r['owner'] else '**none**'} | {review} | {mitigated} |"
        )
    return [*out, ""]


def _attention(items: list[AttentionItem], history: bool) -> list[str]:
    """Schedule and history findings not shown in the tables, in their own plain words."""
    out = ["## Needs attention", ""]
    for item in items:
        out.append(f"- {_link(item['id'] or item['path'], item['link'])} {cell(item['message'])}")
    if not history:
        out += [*([""] if items else []), "Stale work and reviews were not checked: git history was not read."]
    elif not items:
        out.append("Nothing: every checkpoint, milestone and risk has been kept up to date.")
    return [*out, ""]


def _decisions(decisions: list[DecisionRow]) -> list[str]:
    out = ["## Decisions", ""]
    if not decisions:
        return [*out, "No decisions recorded.", ""]
    out += ["| Decision | Status | Date | Supersession |", "| --- | --- | --- | --- |"]
    for d in decisions:
        chain = []
        if d["supersedes"]:
            chain.append("supersedes " + ", ".join(cell(s) for s in d["supersedes"]))
        if d["superseded_by"]:
            chain.append("superseded by " + ", ".join(cell(s) for s in d["superseded_by"]))
        out.append(
            f"| {_link(_name(d), d['link'])} {cell(d['title'])} | {cell(d['status'] or '·')} "
            f"| {d['date'] or '·'} "
            f"| {'; '.join(chain) or '·'} |"
        )
    return [*out, ""]


def _actions(actions: list[ActionRow]) -> list[str]:
    out = ["## Open action items", ""]
    if not actions:
        return [*out, "None open.", ""]
    out += ["| Due | Action | Owner | Post-mortem |", "| --- | --- | --- | --- |"]
    for a in actions:
        due = f"**{a['date']}** (overdue)" if a["overdue"] else (a["date"] or "·")
        owner = f"@{cell(a['owner'])}" if a["owner"] else "·"
        out.append(f"| {due} | {cell(a['text'])} | {owner} | {_link(a['postmortem'] or a['path'], a['link'])} |")
    return [*out, ""]


def _appendix(findings: list[FindingRow]) -> list[str]:
    """The findings no section above shows, for whoever keeps the project's files; with
    them, every finding of `tpm check` is in the report."""
    rest = [f for f in findings if f["section"] == "appendix"]
    if not rest:
        return []
    out = [
        "## Appendix: other findings",
        "",
        f"For whoever keeps the project's files: {plural(len(rest), 'finding')} of `tpm check` "
        "that the sections above do not show.",
        "",
        "| Where | Severity | Rule | Message |",
        "| --- | --- | --- | --- |",
    ]
    for f in rest:
        where = _link(f"{f['path']}:{f['line']}", f["link"])
        out.append(f"| {where} | {f['severity']} | {f['rule']} | {cell(f['message'])} |")
    return [*out, ""]

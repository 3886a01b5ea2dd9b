"""The report as GitHub/GitLab-flavoured Markdown: tables, a Mermaid gantt chart, links.
It draws what data.py decided; every user string goes through escape.cell."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from tpm.report import gantt, trends
from tpm.report.escape import cell
from tpm.report.status import AT_RISK, OFF_TRACK, ON_TRACK
from tpm.vocabulary import natural_key
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
    from tpm.report.status import Verdict


def _link(text: object, target: str) -> str:
    return f"[{cell(text)}]({target})"


def _score_trend(risk: RiskRow) -> str:
    """How the score moved in git, with the day of the latest change: `12 → 16 → 9 (since 2026-11-20)`."""
    points = risk["score_trend"]
    if len(points) < 2:
        return "unchanged" if points else "·"
    shown = points[-4:]
    scores = " → ".join(str(p["score"]) for p in shown)
    return f"{'… → ' if len(points) > 4 else ''}{scores} (since {shown[-1]['date']})"


def _owner(name: str) -> str:
    """An owner as `@name`, whether or not the document wrote the `@`."""
    return "@" + cell(name.removeprefix("@"))


def _name(row: MilestoneRow | RiskRow | DecisionRow) -> str:
    """A document's id, or its file name when it has none."""
    return row["id"] or row["path"].rsplit("/", 1)[-1]


def render(data: Report) -> str:
    today = datetime.date.fromisoformat(data["today"])
    out: list[str] = [f"# {cell(data['project'])}: project status", ""]
    out += _verdict(data["verdict"], data["today"], data["health"]["history"])
    out += _milestones(data["milestones"], today)
    out += _attention(data["attention"], data["health"]["history"])
    out += _risks(data["risks"])
    out += ["## Trends", "", *trends.render(data["trends"], today), ""]
    out += _decisions(data["decisions"])
    out += _actions(data["actions"])
    out += _appendix(data["findings"], data["health"])
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


# Squares GitHub and GitLab draw as colours, with words beside them for whoever cannot see colour.
SQUARE = {"red": "🟥", "amber": "🟧", "green": "🟩", "done": "✅", "dropped": "⬜", "unknown": "⬜"}
BAND_SQUARE = {"high": "🟥", "medium": "🟧", "low": "🟩"}
VERDICT = {ON_TRACK: "🟩 On track", AT_RISK: "🟧 At risk", OFF_TRACK: "🟥 Off track"}


def _verdict(verdict: Verdict, today: str, history: bool) -> list[str]:
    """The ten-second answer: the overall status, progress, and why, worst first."""
    progress = verdict["checkpoints"]
    line = f"As of **{today}** the project is **{VERDICT[verdict['status']]}**."
    if verdict["percent"] is not None:
        line += f" {verdict['percent']}% of checkpoints are done ({progress['done']} of {progress['total']})."
    colours = verdict["colours"]
    counts = [
        f"{SQUARE[name]} {colours[name]} {label}"
        for name, label in (("red", "off track"), ("amber", "at risk"), ("green", "on track"), ("done", "done"))
        if colours[name]
    ]
    paragraphs = [
        [line],
        [f"- {reason}" for reason in verdict["reasons"]],
        ["Milestones: " + " · ".join(counts) + "."] if counts else [],
        [] if history else ["Git history was not read (--no-history), so slips, reviews and trends are not shown."],
    ]
    return [line for paragraph in paragraphs if paragraph for line in [*paragraph, ""]]


def _schedule(milestone: MilestoneRow) -> str:
    if milestone["days_late"] is not None:
        return f"**{plural(milestone['days_late'], 'day')} late**"
    if milestone["days_left"] is not None:
        return f"{plural(milestone['days_left'], 'day')} left"
    return "·"


def _due(milestone: MilestoneRow) -> str:
    """The due date, and the original plan when it has moved."""
    due = milestone["due"] or "·"
    if milestone["original_due"]:
        slips = milestone["slips"]
        moved = f", moved {slips['count']}×" if slips["count"] > 1 else ""
        return f"{due} (planned {milestone['original_due']}{moved})"
    return due


def _progress(milestone: MilestoneRow) -> str:
    total = milestone["checkpoints"]["total"]
    if not total:
        return "·"
    return f"{milestone['checkpoints']['done']}/{total} ({milestone['percent']}%)"


def _milestones(milestones: list[MilestoneRow], today: datetime.date) -> list[str]:
    out = ["## Milestones", ""]
    if not milestones:
        return [*out, "No milestones yet.", ""]
    out += [
        "| | Milestone | Owner | Due | Checkpoints | Schedule | Why this colour |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in milestones:
        status = SQUARE.get(m["rag"], "⬜")
        why = "; ".join(m["reasons"]) if m["reasons"] else cell(m["status"] or "·")
        owner = _owner(m["owner"]) if m["owner"] else "·"
        out.append(
            f"| {status} | {_link(_name(m), m['link'])} {cell(m['title'])} | {owner} "
            f"| {_due(m)} | {_progress(m)} | {_schedule(m)} | {why} |"
        )
    return [*out, "", *gantt.render(milestones, today), ""]


ATTENTION_SHOWN = 15  # past this, the rest of the list is folded away


def _attention(items: list[AttentionItem], history: bool) -> list[str]:
    """Schedule and history findings not shown in the tables, as who, what and which
    document, errors first; a long list shows its first items and folds the rest."""
    out = ["## Needs attention", ""]
    lines = []
    for item in sorted(items, key=lambda i: (i["severity"] != "error", natural_key(i["id"] or ""), i["path"])):
        who = f"**{_owner(item['owner'])}**" if item["owner"] else "**no owner**"
        title = f" {cell(item['title'])}" if item["title"] else ""
        lines.append(f"- {who} · {_link(item['id'] or item['path'], item['link'])}{title}: {cell(item['message'])}")
    out += lines[:ATTENTION_SHOWN]
    if len(lines) > ATTENTION_SHOWN:
        rest = len(lines) - ATTENTION_SHOWN
        out += [
            "",
            "<details>",
            f"<summary>{plural(rest, 'more item')}</summary>",
            "",
            *lines[ATTENTION_SHOWN:],
            "",
            "</details>",
        ]
    if not history:
        out += [*([""] if items else []), "Stale work and reviews were not checked: git history was not read."]
    elif not items:
        out.append("Nothing: every checkpoint, milestone and risk has been kept up to date.")
    return [*out, ""]


def _risks(risks: Risks) -> list[str]:
    out = ["## Risks", ""]
    if not risks["open"]:
        return [*out, "No open risks.", ""]
    out += [
        f"{plural(risks['open'], 'open risk')} by likelihood (rows) and impact (columns); "
        "🟥 high, 🟧 medium, 🟩 low band:",
        "",
        "| Likelihood ↓ Impact → | 1 | 2 | 3 | 4 | 5 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row, (cells, bands) in enumerate(zip(risks["cells"], risks["bands"], strict=True)):
        shown = [
            " ".join([BAND_SQUARE[band], *(_link(r["id"], r["link"]) for r in found)])
            for found, band in zip(cells, bands, strict=True)
        ]
        out.append(f"| **{5 - row}** | " + " | ".join(shown) + " |")
    out += [
        "",
        "| Risk | Score | Score over time | Owner | Last review | Mitigation |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in risks["top"]:
        age = r["review_age_days"]  # known exactly when last_review is
        review = f"{plural(age, 'day')} ago ({r['last_review']})" if age is not None else "·"
        if r["overdue_review"]:
            review = f"**{review}, overdue**"
        score = f"{BAND_SQUARE[r['band']]} {r['score']} ({r['likelihood']}×{r['impact']})"
        mitigated = "yes" if r["mitigated"] else "**missing**"
        out.append(
            f"| {_link(_name(r), r['link'])} {cell(r['title'])} | {score} | {_score_trend(r)} "
            f"| {_owner(r['owner']) if r['owner'] else '**none**'} | {review} | {mitigated} |"
        )
    if risks["open"] > len(risks["top"]):
        out += ["", f"The table shows the {len(risks['top'])} highest of {risks['open']} open risks."]
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
        owner = _owner(a["owner"]) if a["owner"] else "·"
        out.append(f"| {due} | {cell(a['text'])} | {owner} | {_link(a['postmortem'] or a['path'], a['link'])} |")
    return [*out, ""]


def _appendix(findings: list[FindingRow], health: Health) -> list[str]:
    """The findings no section above shows, for whoever keeps the project's files, folded
    away so that stakeholders are not shown them first; with them, every finding of
    `tpm check` is in the report."""
    rest = [f for f in findings if f["section"] == "appendix"]
    counts = f"{plural(health['errors'], 'error')}, {plural(health['warnings'], 'warning')}"
    out = [
        "## Appendix: for maintainers",
        "",
        f"`tpm check` on {plural(health['documents'], 'document')}: {counts}.",
        "",
    ]
    if not rest:
        return out
    out += [
        "<details>",
        f"<summary>{plural(len(rest), 'finding')} the sections above do not show</summary>",
        "",
        "| Where | Severity | Rule | Message |",
        "| --- | --- | --- | --- |",
    ]
    for f in rest:
        where = _link(f"{f['path']}:{f['line']}", f["link"])
        out.append(f"| {where} | {f['severity']} | {f['rule']} | {cell(f['message'])} |")
    return [*out, "", "</details>", ""]

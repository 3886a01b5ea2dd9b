"""The report's content as plain data: what `--format json` prints and what the Markdown
renderer draws. Everything is sorted explicitly, so the same input gives the same bytes.

Shape (version 1):

    {"version": 1, "project": str, "today": "YYYY-MM-DD",
     "verdict": {"status": "on track"|"at risk"|"off track", "reasons": [str],
                 "checkpoints": {"done", "total"}, "percent", "colours": {colour: count}},
     "health": {"documents", "errors", "warnings", "infos", "overdue_milestones",
                "overdue_actions", "unreviewed_high_risks", "history": bool},
     "milestones": [{"id", "title", "path", "link", "owner", "status", "role", "phase", "start",
                     "due", "completed", "checkpoints": {"done", "total"},
                     "checkpoint_items": [{"date", "text", "done", "owner"}],
                     "days_late", "days_left", "slips": {"count", "days",
                     "moves": [{"date", "from", "to", "days"}]}, "original_due", "depends_on",
                     "late_checkpoints", "percent", "rag", "reasons"}],
     "risks": {"heatmap": [[count by impact 1..5] for likelihood 5..1],
               "cells": [[[{"id", "link"}] by impact] by likelihood], "bands": [[band]],
               "high_band": int, "open": int, "top": [{"id", "title", "path", "link", "score", "band",
               "likelihood", "impact", "owner", "status", "last_review",
               "review_age_days", "mitigated", "overdue_review", "milestones",
               "score_trend": [{"date", "score"}]}]},
     "trends": {"weeks", "checkpoints_done", "checkpoints_total", "risk_exposure", "open_risks"} or null
               (no history),
     "attention": [{"id", "title", "owner", "path", "link", "line", "rule", "severity", "message"}],
     "findings": [{"path", "link", "line", "column", "rule", "code", "severity", "message",
                   "section"}],
     "decisions": [{"id", "title", "path", "link", "status", "date", "supersedes",
                    "superseded_by"}],
     "actions": [{"date", "text", "owner", "overdue", "postmortem", "path", "link", "line"}]}

`findings` is every finding of the run, exactly what `tpm check` reports with the same
options, in its order; `section` says where the report shows it: `milestones` (an overdue
milestone's row says how late it is), `actions` (an overdue action item's row), `attention`
(the other schedule and history findings, also listed in `attention`), or `appendix` (the
rest: broken files, references, plan problems, for whoever keeps the files). Nothing a
check finds is left out, and the health counts are the counts of `findings`.

A milestone's `rag` and `reasons` and the `verdict` follow the criteria in status.py
(docs/report.md writes them out for users). A milestone's `role` is its status's
lifecycle role (planned, active, done, dropped) or null. Dates are ISO strings or null;
`link` is the document's path relative to where the report is written, percent-encoded.
The TypedDicts below spell this shape out for the type checker; at run time they are plain
dicts.
"""

from __future__ import annotations

import datetime
import os
import posixpath
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from tpm.config import ACTIVE, DUE, OPEN
from tpm.diagnostic import Severity
from tpm.history import review_of
from tpm.report import status, trends
from tpm.report.escape import link as encode_link
from tpm.model import role_field, role_of
from tpm.rules import all_rules
from tpm.rules.content import has_mitigation, risk_score
from tpm.rules.references import named_successors
from tpm.vocabulary import natural_key, parse_iso_date

if TYPE_CHECKING:
    from tpm.config import Config, TypeConfig
    from tpm.diagnostic import Diagnostic
    from tpm.history import FileHistory, History, Slip
    from tpm.model import Document, Project
    from tpm.pipeline import Run
    from tpm.report.status import Verdict
    from tpm.report.trends import Trends

SECTIONS = ("milestones", "actions", "attention", "appendix")

PHASES = ("kickoff", "requirements", "planning", "design", "development", "testing", "deployment", "closure")
TOP_RISKS = 10

Linker = Callable[[str], str]  # a repository-relative path -> the link to it from the report


class Health(TypedDict):
    documents: int
    errors: int
    warnings: int
    infos: int
    overdue_milestones: int
    overdue_actions: int
    unreviewed_high_risks: int
    history: bool


class Progress(TypedDict):
    done: int
    total: int


class CheckpointItem(TypedDict):
    date: str
    text: str
    done: bool
    owner: str | None


class Slips(TypedDict):
    count: int
    days: int
    moves: list[Slip]


class MilestoneRow(TypedDict):
    id: str | None
    title: str | None
    path: str
    link: str
    owner: str | None
    status: str | None
    role: str | None
    phase: str | None
    start: str | None
    due: str | None
    completed: str | None
    checkpoints: Progress
    checkpoint_items: list[CheckpointItem]
    days_late: int | None
    days_left: int | None
    slips: Slips
    original_due: str | None  # the first due date it had, when that has moved since
    depends_on: list[str]  # ids of the milestones it waits on
    late_checkpoints: int  # open checkpoints past their date
    percent: int | None  # of checkpoints done, rounded down; None without checkpoints
    rag: str  # red, amber, green (open), done, dropped, or unknown (no lifecycle role)
    reasons: list[str]  # why it has its colour, in plain words


class RiskRow(TypedDict):
    id: str | None
    title: str | None
    path: str
    link: str
    score: int
    band: str
    likelihood: int
    impact: int
    owner: str | None
    status: str | None
    last_review: str | None
    review_age_days: int | None
    mitigated: bool
    overdue_review: bool  # past its review cadence (what `tpm check` reports)
    milestones: list[str]  # ids of the milestones it is linked with, either way
    score_trend: list[ScorePoint]  # each change of its score in git, oldest first


class ScorePoint(TypedDict):
    date: str
    score: int


class RiskCell(TypedDict):
    id: str
    link: str


class Risks(TypedDict):
    heatmap: list[list[int]]
    cells: list[list[list[RiskCell]]]  # the risks of each heat-map cell, same layout
    bands: list[list[str]]  # each cell's band (high, medium, low), same layout
    high_band: int
    open: int
    top: list[RiskRow]


class AttentionItem(TypedDict):
    id: str | None
    title: str | None
    owner: str | None
    path: str
    link: str
    line: int
    rule: str
    severity: str
    message: str


class FindingRow(TypedDict):
    path: str
    link: str
    line: int
    column: int
    rule: str
    code: str
    severity: str
    message: str
    section: str  # one of SECTIONS


class DecisionRow(TypedDict):
    id: str | None
    title: str | None
    path: str
    link: str
    status: str | None
    date: str | None
    supersedes: list[str]
    superseded_by: list[str]


class ActionRow(TypedDict):
    date: str | None
    text: str
    owner: str | None
    overdue: bool
    postmortem: str | None
    path: str
    link: str
    line: int


class Report(TypedDict):
    version: int
    project: str
    today: str
    verdict: Verdict
    health: Health
    milestones: list[MilestoneRow]
    risks: Risks
    trends: Trends | None  # None when git history was not read
    attention: list[AttentionItem]
    findings: list[FindingRow]
    decisions: list[DecisionRow]
    actions: list[ActionRow]


def build(run: Run, link_base: str, name: str) -> Report:
    """The report of a finished lint run. `link_base` is the repository-relative folder the
    report will live in ("" for the root)."""
    project, result, today = run.project, run.result, run.today
    history = run.history

    folders: dict[str, str] = {}  # a document's folder -> that folder relative to the report

    def link(path: str) -> str:
        folder, _, name = path.rpartition("/")
        if folder not in folders:
            folders[folder] = posixpath.relpath(folder or ".", link_base or ".")
        relative = name if folders[folder] == "." else f"{folders[folder]}/{name}"
        return encode_link(relative)

    config = run.config
    dependency_field = _option(config, "dependency-order", "field", "depends_on")
    milestones = [
        _milestone(d, history, today, link, config, dependency_field) for d in _by_id(project.of_type("milestone"))
    ]
    actions = _actions(project, today, link)
    findings = _findings(result.diagnostics, milestones, actions, link)
    unreviewed = {d.path for d in result.diagnostics if d.rule == "unreviewed"}
    risk_rows = _risk_rows(project, history, today, link, config, unreviewed)
    status.colour_milestones(milestones, _unreviewed_high_by_milestone(risk_rows), today.isoformat())
    return {
        "version": 1,
        "project": name,
        "today": today.isoformat(),
        "verdict": status.verdict(milestones, risk_rows, actions, _other_errors(findings, risk_rows)),
        "health": _health(run, milestones),
        "milestones": milestones,
        "risks": _risks(risk_rows, config),
        "trends": trends.weekly(project, history, config, today) if history is not None else None,
        "attention": [_attention(project, f) for f in findings if f["section"] == "attention"],
        "findings": findings,
        "decisions": [_decision(d, link, config) for d in _by_id(project.of_type("decision"))],
        "actions": actions,
    }


def _other_errors(findings: list[FindingRow], risks: list[RiskRow]) -> int:
    """Errors listed under "needs attention" that the verdict does not already count (an
    unreviewed risk is counted by its band)."""
    risk_paths = {r["path"] for r in risks}
    return sum(
        1
        for f in findings
        if f["section"] == "attention"
        and f["severity"] == "error"
        and not (f["rule"] == "unreviewed" and f["path"] in risk_paths)
    )


def _option(config: Config, slug: str, name: str, default: str) -> str:
    """A rule's option as configured, else its default."""
    rule = config.rules.get(slug)
    value = rule.options.get(name) if rule else None
    return value if isinstance(value, str) else default


def _unreviewed_high_by_milestone(risks: list[RiskRow]) -> dict[str, list[str]]:
    linked: dict[str, list[str]] = {}
    for risk in risks:
        if risk["band"] == "high" and risk["overdue_review"] and risk["id"]:
            for milestone in risk["milestones"]:
                linked.setdefault(milestone, []).append(risk["id"])
    return linked


def _attention(project: Project, finding: FindingRow) -> AttentionItem:
    """A schedule or history finding as a stakeholder reads it: whose, what, about which
    document; the rule and line stay for the JSON, the Markdown shows neither."""
    document = project.by_path.get(finding["path"])
    return {
        "id": document.id if document else None,
        "title": document.title if document else None,
        "owner": document.text("owner") if document else None,
        "path": finding["path"],
        "link": finding["link"],
        "line": finding["line"],
        "rule": finding["rule"],
        "severity": finding["severity"],
        "message": finding["message"],
    }


def _findings(
    diagnostics: Iterable[Diagnostic], milestones: list[MilestoneRow], actions: list[ActionRow], link: Linker
) -> list[FindingRow]:
    """Every diagnostic, with the section of the report that shows it."""
    late = {m["path"] for m in milestones if m["days_late"] is not None}
    overdue_actions = {(a["path"], a["line"]) for a in actions if a["overdue"]}
    # findings about dates and deadlines, and the history rules': worded for stakeholders
    attention = {rule.slug for rule in all_rules() if rule.kind in ("schedule", "history")}
    rows: list[FindingRow] = []
    for d in diagnostics:
        if d.rule == "overdue" and d.path in late:
            section = "milestones"
        elif d.rule == "overdue-action" and (d.path, d.line) in overdue_actions:
            section = "actions"
        elif d.rule in attention:
            section = "attention"
        else:
            section = "appendix"
        rows.append(
            {
                "path": d.path,
                "link": link(d.path),
                "line": d.line,
                "column": d.column,
                "rule": d.rule,
                "code": d.code,
                "severity": d.severity.value,
                "message": d.message,
                "section": section,
            }
        )
    return rows


def _by_id(documents: Iterable[Document]) -> list[Document]:
    return sorted(documents, key=lambda d: (natural_key(d.id or ""), d.path))


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime.date) else None


def _health(run: Run, milestones: list[MilestoneRow]) -> Health:
    result = run.result
    return {
        "documents": result.files,
        "errors": result.count(Severity.ERROR),
        "warnings": result.count(Severity.WARNING),
        "infos": result.count(Severity.INFO),
        "overdue_milestones": sum(1 for d in result.diagnostics if d.rule == "overdue"),
        "overdue_actions": sum(1 for d in result.diagnostics if d.rule == "overdue-action"),
        "unreviewed_high_risks": sum(
            1 for d in result.diagnostics if d.rule == "unreviewed" and d.severity is Severity.ERROR
        ),
        "history": run.history is not None,
    }


def _milestone(
    document: Document,
    history: History | None,
    today: datetime.date,
    link: Linker,
    config: Config,
    dependency_field: str,
) -> MilestoneRow:
    items = [t for t in document.body.tasks if t.section == "checkpoints"]
    due = document.date("due")
    role = role_of(document, config)
    open_status = role in OPEN
    state = history.for_path(document.path) if history else None
    due_field = role_field(document, config, DUE)
    moves = state.slips(due_field) if state else []  # what `slipped` reads
    all_moves = state.moves.get(due_field, []) if state and due_field else []  # slips and pull-ins
    first_due = all_moves[0][1] if all_moves else None
    done = sum(1 for t in items if t.done)
    separator = config.types[document.type].reference_separator if document.type else None
    start = document.date("start")
    if start is None and state is not None:
        start = parse_iso_date(state.created)  # None when the first commit's date is unknown
    return {
        "id": document.id,
        "title": document.title,
        "path": document.path,
        "link": link(document.path),
        "owner": document.text("owner"),
        "status": document.status,
        "role": role,
        "phase": document.text("phase"),
        "start": _iso(start),
        "due": _iso(due),
        "completed": _iso(document.date("completed")),
        "checkpoints": {"done": done, "total": len(items)},
        "checkpoint_items": [
            {"date": t.date.isoformat(), "text": t.text, "done": t.done, "owner": t.owner} for t in items if t.date
        ],
        "days_late": (today - due).days if open_status and due and due < today else None,
        "days_left": (due - today).days if open_status and due and due >= today else None,
        "slips": {"count": len(moves), "days": sum(m["days"] for m in moves), "moves": moves},
        "original_due": first_due if first_due and due and first_due != due.isoformat() else None,
        "depends_on": document.ids(dependency_field, separator),
        "late_checkpoints": sum(1 for t in items if not t.done and t.date and t.date < today) if open_status else 0,
        "percent": done * 100 // len(items) if items else None,
        "rag": "unknown",  # set by status.colour_milestones once every row is known
        "reasons": [],
    }


def _risk_rows(
    project: Project, history: History | None, today: datetime.date, link: Linker, config: Config, unreviewed: set[str]
) -> list[RiskRow]:
    """Every open scored risk, highest score first."""
    # Which milestones name each id, built once: asking every milestone per risk is quadratic.
    named_by: dict[str, set[str]] = {}
    milestone_ids: set[str] = set()
    for milestone in project.of_type("milestone"):
        if milestone.id:
            milestone_ids.add(milestone.id)
            for target in _references(milestone, config):
                named_by.setdefault(target, set()).add(milestone.id)
    rows: list[RiskRow] = []
    for risk in project.of_type("risk"):
        score = risk_score(risk)
        if score is None or role_of(risk, config) != ACTIVE:
            continue
        likelihood, impact = risk.data["likelihood"], risk.data["impact"]
        state = history.for_path(risk.path) if history else None
        # The rule's own last review (SPEC §2): the latest commit that set `reviewed`, else the creation.
        last_review = review_of(state, config.types[risk.type]).date if state and risk.type else None
        reviewed_on = parse_iso_date(last_review)  # None when the commit's date is unknown
        rows.append(
            {
                "id": risk.id,
                "title": risk.title,
                "path": risk.path,
                "link": link(risk.path),
                "score": score,
                "band": config.band(score),
                "likelihood": likelihood,
                "impact": impact,
                "owner": risk.text("owner"),
                "status": risk.status,
                "last_review": last_review,
                "review_age_days": (today - reviewed_on).days if reviewed_on else None,
                "mitigated": has_mitigation(risk),
                "overdue_review": risk.path in unreviewed,
                "milestones": _linked(risk, milestone_ids, named_by, config),
                "score_trend": _score_trend(state, config.types[risk.type] if risk.type else None),
            }
        )
    rows.sort(key=lambda r: (-r["score"], natural_key(r["id"] or ""), r["path"]))
    return rows


def _score_trend(state: FileHistory | None, type_config: TypeConfig | None) -> list[ScorePoint]:
    if state is None or type_config is None:
        return []
    return [{"date": day, "score": value} for day, value in trends.score_trend(state, type_config)]


def _linked(risk: Document, milestone_ids: set[str], named_by: dict[str, set[str]], config: Config) -> list[str]:
    """The milestones a risk names in its reference fields, and those that name it in theirs."""
    found = {target for target in _references(risk, config) if target in milestone_ids}
    if risk.id:
        found |= named_by.get(risk.id, set())
    return sorted(found, key=natural_key)


def _references(document: Document, config: Config) -> set[str]:
    if document.type is None:
        return set()
    declared = config.types[document.type]
    return {target for name in declared.references for target in document.ids(name, declared.reference_separator)}


def _risks(rows: list[RiskRow], config: Config) -> Risks:
    heatmap = [[0] * 5 for _ in range(5)]  # rows: likelihood 5..1, columns: impact 1..5
    cells: list[list[list[RiskCell]]] = [[[] for _ in range(5)] for _ in range(5)]
    for row in rows:
        likelihood, impact = row["likelihood"], row["impact"]
        if 1 <= likelihood <= 5 and 1 <= impact <= 5:
            heatmap[5 - likelihood][impact - 1] += 1
            cells[5 - likelihood][impact - 1].append({"id": row["id"] or row["path"], "link": row["link"]})
    return {
        "heatmap": heatmap,
        "cells": cells,
        "bands": [[config.band(likelihood * impact) for impact in range(1, 6)] for likelihood in range(5, 0, -1)],
        "high_band": config.risk_high,
        "open": len(rows),
        "top": rows[:TOP_RISKS],
    }


def _decision(document: Document, link: Linker, config: Config) -> DecisionRow:
    return {
        "id": document.id,
        "title": document.title,
        "path": document.path,
        "link": link(document.path),
        "status": document.status,
        "date": _iso(document.date("date")),
        "supersedes": document.ids("supersedes"),
        "superseded_by": sorted({name for name, _ in named_successors(document, config)}),
    }


def _actions(project: Project, today: datetime.date, link: Linker) -> list[ActionRow]:
    rows: list[ActionRow] = []
    for postmortem in project.of_type("postmortem"):
        for item in postmortem.body.tasks:
            if item.section == "action items" and not item.done:
                rows.append(
                    {
                        "date": _iso(item.date),
                        "text": item.text,
                        "owner": item.owner,
                        "overdue": bool(item.date and item.date < today),
                        "postmortem": postmortem.id,
                        "path": postmortem.path,
                        "link": link(postmortem.path),
                        "line": item.line,
                    }
                )
    rows.sort(key=lambda r: (r["date"] or "9999-99-99", r["path"], r["line"]))
    return rows


def link_base_for(root: Path, cwd: Path, output: str | None) -> str:
    """The repository-relative folder the report's links start from."""
    folder = (cwd / output).resolve().parent if output else cwd.resolve()
    try:
        relative = folder.relative_to(root.resolve())
        return "" if relative == Path(".") else relative.as_posix()
    except ValueError:
        return os.path.relpath(folder, root.resolve()).replace(os.sep, "/")

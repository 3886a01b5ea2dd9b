"""Rules that read git history: what was actually updated, and when.

They receive the history index built once per run (history.py) and never call git. A
file's uncommitted changes count as made today. A commit date git could not give (None)
counts as today too: an unknown date never makes something look stale.
"""

from __future__ import annotations

from collections.abc import Iterator

from tpm.diagnostic import Finding, Severity
from tpm.model import Project
from tpm.rules.content import risk_score
from tpm.rules.registry import Context, HistoryIndex, rule
from tpm.vocabulary import MILESTONE_CLOSED, RISK_OPEN, parse_iso_date
from tpm.wording import plural


def _day(date: str | None) -> str:
    """A history date as shown in a message."""
    return date or "an unknown date"


@rule("stale-checkpoint", "TPM401", "warning", scope="history", options={"grace_days": 1})
def stale_checkpoint(project: Project, history: HistoryIndex, ctx: Context) -> Iterator[Finding]:
    """An open checkpoint is past its date and nobody has touched its line since.

    A checkpoint `- [ ] 2026-12-01 Load test @bob` that is still open more than
    `grace_days` (1) after its date, and whose line has not changed in any commit since
    that date, is state that went stale: tick it, re-date it, or add a note to its line.
    An edit to the line on or after its date counts as an update; an uncommitted edit
    counts as made today. Reported at the checkpoint's own line.
    """
    grace = ctx.options["grace_days"]
    for milestone in project.of_type("milestone"):
        if milestone.status in MILESTONE_CLOSED:
            continue
        state = history.for_path(milestone.path)
        lines = milestone.source.text.split("\n")
        for item in milestone.body.tasks:
            if item.section != "checkpoints" or item.done or item.date is None or (ctx.today - item.date).days <= grace:
                continue
            since = parse_iso_date(state.unchanged_since(lines[item.line - 1].strip())) or ctx.today
            if since < item.date:
                late = (ctx.today - item.date).days
                yield Finding(
                    milestone.path,
                    item.line,
                    item.column,
                    f"checkpoint dated {item.date} is still open {plural(late, 'day')} later, "
                    f"and its line has not changed since {since}",
                )


@rule("stale-milestone", "TPM402", "warning", scope="history", options={"stale_after_days": 7})
def stale_milestone(project: Project, history: HistoryIndex, ctx: Context) -> Iterator[Finding]:
    """An `in-progress` milestone's file has had no commit for `stale_after_days` (7).

    Work in progress shows in its file: ticked checkpoints, notes, a moved date. A file
    nobody has committed to for a week is a status nobody is keeping. Reported at the
    `status` value.
    """
    limit = ctx.options["stale_after_days"]
    for milestone in project.of_type("milestone"):
        if milestone.status != "in-progress":
            continue
        last = parse_iso_date(history.for_path(milestone.path).last_change) or ctx.today
        idle = (ctx.today - last).days
        if idle > limit:
            line, column = milestone.value_position("status")
            yield Finding(
                milestone.path,
                line,
                column,
                f"{milestone.id} is in progress but its file has had no commit for {plural(idle, 'day')} (last {last})",
            )


@rule(
    "unreviewed-risk",
    "TPM403",
    "warning",
    scope="history",
    options={"high_days": 7, "medium_days": 14, "low_days": 30},
)
def unreviewed_risk(project: Project, history: HistoryIndex, ctx: Context) -> Iterator[Finding]:
    """An open risk has not been reviewed within its cadence, or changed since its review.

    The last review is the latest commit that changed the risk's front-matter (a
    body-only edit is not a review). The cadence is the risk's `review_every` (days), or
    by band: high 7, medium 14, low 30 days (options `high_days`, `medium_days`,
    `low_days`). A risk is also unreviewed when its `likelihood`, `impact`, `status` or
    mitigation changed in a commit after the commit that last set `reviewed`: update
    `reviewed` (and `reviewed_by`) when you re-assess it. Open means `open` or
    `mitigating`. Error for high-band risks, warning otherwise; reported at the
    `reviewed` value (line 1 without one).
    """
    for risk in project.of_type("risk"):
        if risk.status not in RISK_OPEN:
            continue
        score = risk_score(risk)
        band = ctx.config.band(score) if score is not None else "low"
        severity = Severity.ERROR if band == "high" else None
        state = history.for_path(risk.path)
        line, column = risk.value_position("reviewed")
        if state.reviewed_seq and state.scoring_seq > state.reviewed_seq:  # a review, even on an unknown date
            changed = ", ".join(state.scoring_fields)
            yield Finding(
                risk.path,
                line,
                column,
                f"{changed} changed on {_day(state.scoring_changed)}, "
                f"after the last review ({_day(state.reviewed_set)}); re-assess it and update `reviewed`",
                severity=severity,
            )
            continue
        cadence = risk.data.get("review_every")
        if type(cadence) is not int or cadence < 1:
            cadence = ctx.options[f"{band}_days"]
        last = parse_iso_date(state.front_matter_changed) or ctx.today
        age = (ctx.today - last).days
        if age > cadence:
            yield Finding(
                risk.path,
                line,
                column,
                f"last reviewed {plural(age, 'day')} ago ({last}); "
                f"{band} risks are reviewed every {plural(cadence, 'day')}",
                severity=severity,
            )


@rule(
    "slipped-milestone",
    "TPM404",
    "warning",
    scope="history",
    options={"max_slips": 2, "max_slip_days": 14},
)
def slipped_milestone(project: Project, history: HistoryIndex, ctx: Context) -> Iterator[Finding]:
    """A milestone's `due` moved later too often, or too far, across its git history.

    Fires when `due` moved later more than `max_slips` (2) times, or by more than
    `max_slip_days` (14) in total. A slipping milestone is a plan that no longer holds:
    re-plan it openly (split it, re-scope it) instead of nudging the date. The message
    names each slip with its date and size; moves earlier are not slips. Reported at the
    `due` value.
    """
    for milestone in project.of_type("milestone"):
        slips = history.for_path(milestone.path).slips()
        total = sum(slip["days"] for slip in slips)
        if len(slips) > ctx.options["max_slips"] or total > ctx.options["max_slip_days"]:
            line, column = milestone.value_position("due")
            named = "; ".join(f"{_day(s['date'])}: {s['from']} → {s['to']} (+{s['days']}d)" for s in slips)
            times = "once" if len(slips) == 1 else f"{len(slips)} times"
            yield Finding(
                milestone.path, line, column, f"due moved later {times}, {plural(total, 'day')} in total: {named}"
            )

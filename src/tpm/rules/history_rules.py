"""Rules that read git history: what was actually updated, and when.

They receive the history index built once per run (history.py) and never call git. A
file's uncommitted changes count as made today. A commit date git could not give (None)
counts as today too: an unknown date never makes something look stale.

None of them knows a type or a field by name: each asks the document's type declaration
what its status means (`lifecycle`), where its dates are (`dates`: `due`, `reviewed`) and
which heading holds its checkpoints (`checkpoints`).
"""

from __future__ import annotations

from collections.abc import Iterator

from tpm.diagnostic import Finding, Severity
from tpm.config import ACTIVE, CLOSED, DUE, REVIEWED
from tpm.history import FileHistory, assessment, review_of, shown
from tpm.model import Document, Project, role_of, status_of
from tpm.rules.content import risk_score
from tpm.rules.dates import name_of, status_position
from tpm.rules.registry import Context, HistoryIndex, rule
from tpm.vocabulary import heading_key, parse_iso_date
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

    Judged: the task items under the `checkpoints` heading of a type that also declares a
    `due` date (milestones: `## Checkpoints`), in documents that are not done or dropped.
    """
    grace = ctx.options["grace_days"]
    for document in project.documents:
        if document.type is None:
            continue
        declared = ctx.config.types[document.type]
        if not declared.checkpoints or not declared.date_field(DUE) or role_of(document, ctx.config) in CLOSED:
            continue
        heading = heading_key(declared.checkpoints)
        state: FileHistory | None = None  # read for the first late item only
        lines = document.source.text.split("\n")
        for item in document.body.tasks:
            if item.section != heading or item.done or item.date is None or (ctx.today - item.date).days <= grace:
                continue
            state = state or history.for_path(document.path)
            since = parse_iso_date(state.unchanged_since(lines[item.line - 1].strip())) or ctx.today
            if since < item.date:
                late = (ctx.today - item.date).days
                yield Finding(
                    document.path,
                    item.line,
                    item.column,
                    f"checkpoint dated {item.date} is still open {plural(late, 'day')} later, "
                    f"and its line has not changed since {since}",
                )


@rule("stale", "TPM402", "warning", scope="history", options={"stale_after_days": 7})
def stale(project: Project, history: HistoryIndex, ctx: Context) -> Iterator[Finding]:
    """An active document's file has had no commit for `stale_after_days` (7).

    Work in progress shows in its file: ticked checkpoints, notes, a moved date. A file
    nobody has committed to for a week is a status nobody is keeping. A commit that only
    changes whitespace (re-wrapping, trailing spaces, blank lines) is not activity.

    Judged: documents whose status is in their type's `active` lifecycle role (milestones:
    `in-progress`; post-mortems: `draft`), when the type has no `reviewed` date (those are
    judged by `unreviewed`, by their review cadence instead). Reported at the status value.
    Old slug: `stale-milestone`.
    """
    limit = ctx.options["stale_after_days"]
    for document in project.documents:
        if document.type is None or role_of(document, ctx.config) != ACTIVE:
            continue
        declared = ctx.config.types[document.type]
        if declared.date_field(REVIEWED):
            continue
        last = parse_iso_date(history.for_path(document.path).last_change) or ctx.today
        idle = (ctx.today - last).days
        if idle > limit:
            line, column = status_position(document, ctx)
            status = (status_of(document, ctx.config) or "").replace("-", " ")
            yield Finding(
                document.path,
                line,
                column,
                f"{name_of(document)} is {status} but its file has had no commit "
                f"for {plural(idle, 'day')} (last {last})",
            )


@rule(
    "unreviewed",
    "TPM403",
    "warning",
    scope="history",
    options={"high_days": 7, "medium_days": 14, "low_days": 30},
)
def unreviewed(project: Project, history: HistoryIndex, ctx: Context) -> Iterator[Finding]:
    """An active document has not been reviewed within its cadence, or changed since its review.

    A review is a commit that changes the document's `reviewed` date (an uncommitted one
    counts as today); the last review is the latest such commit, or the document's
    creation when there is none. Changing the owner, the tags or the body is not a review.

    The cadence is the document's `review_every` field (days), else its type's
    `review_every`, else, for a document scored `likelihood` × `impact`, by band: high 7,
    medium 14, low 30 days (options `high_days`, `medium_days`, `low_days`); an unscored
    one uses `low_days`. A document is also unreviewed when its assessment (`likelihood`,
    `impact`, status, the `mitigation` field or the Mitigation section) changed in a
    commit after its last review: re-assess it and update `reviewed` (and `reviewed_by`).

    Judged: documents in their type's `active` role whose type declares a `reviewed` date
    (risks: `open`, `mitigating`). Error for high-band ones, warning otherwise; reported at
    the `reviewed` value (line 1 without one). Old slug: `unreviewed-risk`.
    """
    for document in project.documents:
        if document.type is None or role_of(document, ctx.config) != ACTIVE:
            continue
        declared = ctx.config.types[document.type]
        field = declared.date_field(REVIEWED)
        if not field:
            continue
        score = risk_score(document)
        band = ctx.config.band(score) if score is not None else None
        severity = Severity.ERROR if band == "high" else None
        state = history.for_path(document.path)
        review = review_of(state, declared)
        change = state.last_change_of(assessment(declared))
        if change is not None and review.seq and change.seq > review.seq:  # even on unknown dates
            changed = ", ".join(dict.fromkeys(shown(item) for item in change.items))
            when = _day(review.date) if review.reviewed else f"{_day(review.date)}, its creation"
            yield Finding(
                document.path,
                *document.value_position(field),
                f"{changed} changed on {_day(change.date)}, after the last review ({when}); "
                f"re-assess it and update `{field}`",
                severity=severity,
            )
            continue
        cadence, rhythm = review_cadence(document, band, ctx)
        last = parse_iso_date(review.date) or ctx.today
        age = (ctx.today - last).days
        if age > cadence:
            since = (
                f"last reviewed {plural(age, 'day')} ago ({last})"
                if review.reviewed
                else f"not reviewed since its creation {plural(age, 'day')} ago ({last})"
            )
            yield Finding(document.path, *document.value_position(field), f"{since}; {rhythm}", severity=severity)


def review_cadence(document: Document, band: str | None, ctx: Context) -> tuple[int, str]:
    """Days between reviews, and the words that say where that number comes from: what
    `unreviewed` judges by, and when `tpm agenda` says the next review is due."""
    assert document.type is not None  # only typed documents are judged
    own = document.data.get("review_every")
    if type(own) is int and own >= 1:
        return own, f"its `review_every` is {plural(own, 'day')}"
    declared = ctx.config.types[document.type].review_every
    if declared is not None:
        return declared, f"{document.type}s are reviewed every {plural(declared, 'day')}"
    days = ctx.options[f"{band or 'low'}_days"]
    return days, f"{band + ' ' if band else ''}{document.type}s are reviewed every {plural(days, 'day')}"


@rule(
    "slipped",
    "TPM404",
    "warning",
    scope="history",
    options={"max_slips": 2, "max_slip_days": 14},
)
def slipped(project: Project, history: HistoryIndex, ctx: Context) -> Iterator[Finding]:
    """A document's due date moved later too often, or too far, across its git history.

    Fires when the field of its type's `due` date role (milestones: `due`) moved later
    more than `max_slips` (2) times, or by more than `max_slip_days` (14) in total. A
    slipping plan no longer holds: re-plan it openly (split it, re-scope it) instead of
    nudging the date. The message names each slip with its date and size; moves earlier
    are not slips. Only planned and active documents are judged: a finished or dropped
    one's slips are history, not something to act on. Reported at the due date's value.
    Old slug: `slipped-milestone`.
    """
    for document in project.documents:
        if document.type is None or role_of(document, ctx.config) in CLOSED:
            continue
        field = ctx.config.types[document.type].date_field(DUE)
        if not field:
            continue
        slips = history.for_path(document.path).slips(field)
        total = sum(slip["days"] for slip in slips)
        if len(slips) > ctx.options["max_slips"] or total > ctx.options["max_slip_days"]:
            line, column = document.value_position(field)
            named = "; ".join(f"{_day(s['date'])}: {s['from']} → {s['to']} (+{s['days']}d)" for s in slips)
            times = "once" if len(slips) == 1 else f"{len(slips)} times"
            yield Finding(
                document.path, line, column, f"{field} moved later {times}, {plural(total, 'day')} in total: {named}"
            )

"""The Mermaid `gantt` charts of milestones: one row per milestone, from its start to its
due date, and a fixed marker for the report's as-of date.

Readable at any size: up to `MAX_ROWS` milestones make one chart, in sections by phase
(or by status when no milestone has a phase); past that, the milestones are split into
several charts of at most `MAX_ROWS` rows, by phase (whole consecutive phases packed into
one chart while they fit, a phase too big for one chart cut into parts) or, without
phases, by the calendar quarter of their due date. Within a section a milestone comes
after the milestones it depends on (then by due date, then id); a dependency cycle is
kept together, in due order.

Checkpoints are not rows: a label reads `M-4 Wave 1 cutover · 2/4 · 1 late · was due
2026-10-30` (checkpoints done/total, how many are past their date, and the first due date
of a milestone that has slipped). Dropped milestones and those without a due date are
named in a line under the charts instead.

Mermaid draws its own "today" line from the reader's clock, which is not the report's
date: it is turned off (`todayMarker off`) and the as-of date is a milestone (a diamond)
in a section of its own. Mermaid 11's `vert` marker would draw a full-height line, but it
came in Mermaid 11.7 and GitHub renders with 11.3, which rejects it.

Each task line reads `    LABEL :TAGS, ID, START, END`: labels are sanitised (no `:`,
`#`, `;` or `%`), never empty and never start with a word the Mermaid lexer reads as a
statement; ids are generated (`t1`, `t2`, ...), never taken from user text.
"""

from __future__ import annotations

import datetime
import heapq
import math
import re
from typing import TYPE_CHECKING, NamedTuple

from tpm.config import ACTIVE, CLOSED, DONE, DROPPED, PLANNED
from tpm.report.data import PHASES
from tpm.report.escape import cell, mermaid_label
from tpm.vocabulary import natural_key

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from tpm.report.data import MilestoneRow

MAX_ROWS = 20  # milestone rows in one chart (the as-of row comes on top)
NAME_LIMIT = 48  # characters of `ID title` in a bar's label, before the summary


class _Section(NamedTuple):
    name: str  # as shown: sanitised, capitalised
    milestones: list[MilestoneRow]  # in chart order
    part: bool = False  # one of the parts of a group too big for one chart


class _Chart(NamedTuple):
    title: str  # what part of the plan it shows, sanitised
    sections: list[_Section]


def render(milestones: list[MilestoneRow], as_of: datetime.date) -> list[str]:
    """The Markdown lines of the chart part of the report: one or more ```mermaid blocks,
    separated by blank lines; after them, a blank line and a one-line legend; then, when
    some milestones are not charted, a blank line and a line naming them. No blank line
    before or after. No lines at all when there are no milestones."""
    dropped = [m for m in milestones if m["role"] == DROPPED]
    undated = [m for m in milestones if m["role"] != DROPPED and m["due"] is None]
    charted = [m for m in milestones if m["role"] != DROPPED and m["due"] is not None]
    out: list[str] = []
    counter = 0
    for chart in _charts(charted, as_of):
        body, counter = _chart_lines(chart, as_of, counter)
        if out:
            out.append("")
        out += ["```mermaid", *body, "```"]
    if out:
        out += ["", _legend(as_of)]
    left_out = _left_out(undated, dropped)
    if left_out:
        out += ["", left_out] if out else [left_out]
    return out


# ---------------------------------------------------------------------------------------
# Which charts, which sections


def _charts(charted: list[MilestoneRow], as_of: datetime.date) -> list[_Chart]:
    if not charted:
        return []
    stamp = as_of.isoformat()
    by_phase = any(m["phase"] for m in charted)
    if len(charted) <= MAX_ROWS:
        if by_phase:
            groups = _groups(charted, lambda m: m["phase"] or "", _phase_order)
            sections = [_Section(_section_name(key or "no phase"), _ordered(ms)) for key, ms in groups]
        else:
            roles: dict[str, str | None] = {}
            for m in charted:
                roles.setdefault(m["status"] or "", m["role"])
            groups = _groups(charted, lambda m: m["status"] or "", lambda key: _status_order(key, roles[key]))
            sections = [_Section(_section_name(key or "no status"), _ordered(ms)) for key, ms in groups]
        return [_Chart(f"Milestones (as of {stamp})", sections)]
    if by_phase:
        groups = _groups(charted, lambda m: m["phase"] or "", _phase_order)
        parts = [(_section_name(key or "no phase"), _ordered(ms)) for key, ms in groups]
        prefix, ranged = "Milestones: ", False
    else:
        groups = _groups(charted, lambda m: _quarter(m["due"]), lambda key: (0, 0, key))
        parts = [(key, _ordered(ms)) for key, ms in groups]
        prefix, ranged = "Milestones due ", True  # quarters: `2026 Q1 to 2026 Q4`
    charts = []
    for sections in _pack([piece for name, ms in parts for piece in _cut(name, ms)]):
        charts.append(
            _Chart(f"{prefix}{_span_of([section.name for section in sections], ranged)} (as of {stamp})", sections)
        )
    return charts


def _span_of(names: list[str], ranged: bool) -> str:
    """`A`, `A and B`, `A, B and C`, or `A to F` for a range or when naming them all would be long."""
    if len(names) <= 2:
        return " and ".join(names)
    listed = f"{', '.join(names[:-1])} and {names[-1]}"
    return listed if len(listed) <= 60 and not ranged else f"{names[0]} to {names[-1]}"


def _groups(
    milestones: list[MilestoneRow],
    key: Callable[[MilestoneRow], str],
    order: Callable[[str], tuple[int, int, str]],
) -> list[tuple[str, list[MilestoneRow]]]:
    groups: dict[str, list[MilestoneRow]] = {}
    for m in milestones:
        groups.setdefault(key(m), []).append(m)
    return [(name, groups[name]) for name in sorted(groups, key=order)]


def _phase_order(phase: str) -> tuple[int, int, str]:
    """The phases of `PHASES` in their order, other phases by name, milestones without a phase last."""
    if phase in PHASES:
        return (0, PHASES.index(phase), "")
    return (1, 0, phase) if phase else (2, 0, "")


_ROLE_ORDER = (ACTIVE, PLANNED, DONE, DROPPED)  # sections by status: work in hand first


def _status_order(status: str, role: str | None) -> tuple[int, int, str]:
    """Statuses by their role (active first), then the others by name, no status last."""
    if not status:
        return (3, 0, "")
    if role in _ROLE_ORDER:
        return (1, _ROLE_ORDER.index(role), status)
    return (2, 0, status)


def _quarter(due: str | None) -> str:
    day = datetime.date.fromisoformat(due or "")
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def _section_name(text: str) -> str:
    return mermaid_label(text[:1].upper() + text[1:], 40) or "Other"


def _cut(name: str, milestones: list[MilestoneRow]) -> list[_Section]:
    """A group as one section, or cut into parts of about equal size that each fit a chart."""
    count = math.ceil(len(milestones) / MAX_ROWS)
    if count <= 1:
        return [_Section(name, milestones)]
    size, extra = divmod(len(milestones), count)
    parts, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        parts.append(_Section(f"{name}, part {index + 1} of {count}", milestones[start:end], part=True))
        start = end
    return parts


def _pack(sections: list[_Section]) -> list[list[_Section]]:
    """Consecutive whole groups packed into charts while their rows fit in one; each part
    of a group that had to be cut is a chart of its own."""
    charts: list[list[_Section]] = []
    rows = 0
    for section in sections:
        fits = charts and rows + len(section.milestones) <= MAX_ROWS
        if fits and not section.part and not charts[-1][-1].part:
            charts[-1].append(section)
            rows += len(section.milestones)
        else:
            charts.append([section])
            rows = len(section.milestones)
    return charts


# ---------------------------------------------------------------------------------------
# Dependency order


def _ordered(milestones: list[MilestoneRow]) -> list[MilestoneRow]:
    """Each milestone after those it depends on (among these), ties by due date then id.
    The milestones of a dependency cycle stay together, in due order."""
    count = len(milestones)
    keys = [(m["due"] or "", natural_key(m["id"] or ""), m["path"], index) for index, m in enumerate(milestones)]
    by_id: dict[str, list[int]] = {}
    for index, m in enumerate(milestones):
        if m["id"]:
            by_id.setdefault(m["id"], []).append(index)
    needs = [
        sorted({d for dep in m["depends_on"] for d in by_id.get(dep, []) if d != i}) for i, m in enumerate(milestones)
    ]
    reach = [_reachable(start, needs) for start in range(count)]
    # strongly connected components: the milestones of a cycle, or one milestone alone
    component = list(range(count))
    for a in range(count):
        for b in reach[a]:
            if a in reach[b]:
                component[b] = min(component[b], a)
    members: dict[int, list[int]] = {}
    for index in range(count):
        members.setdefault(component[index], []).append(index)
    waits_on = {c: {component[d] for i in ms for d in needs[i]} - {c} for c, ms in members.items()}
    first_key = {c: min(keys[i] for i in ms) for c, ms in members.items()}
    ready = [(first_key[c], c) for c, deps in waits_on.items() if not deps]
    heapq.heapify(ready)
    order: list[int] = []
    placed: set[int] = set()
    while ready:
        _, c = heapq.heappop(ready)
        placed.add(c)
        order += sorted(members[c], key=lambda i: keys[i])
        for other, deps in waits_on.items():
            if other not in placed and c in deps:
                deps.discard(c)
                if not deps:
                    heapq.heappush(ready, (first_key[other], other))
    return [milestones[i] for i in order]


def _reachable(start: int, needs: Sequence[Sequence[int]]) -> set[int]:
    seen: set[int] = set()
    stack = list(needs[start])
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(needs[node])
    return seen


# ---------------------------------------------------------------------------------------
# The Mermaid text


def _chart_lines(chart: _Chart, as_of: datetime.date, counter: int) -> tuple[list[str], int]:
    """The lines inside one ```mermaid block, and the last task number used."""
    stamp = as_of.isoformat()
    bars: list[tuple[datetime.date, datetime.date]] = []
    rows: list[str] = []
    for section in chart.sections:
        rows.append(f"    section {section.name}")
        for milestone in section.milestones:
            counter += 1
            start, due = _span(milestone)
            bars.append((start, due))
            tags = ", ".join([*_tags(milestone), f"t{counter}"])
            rows.append(f"    {_bar_label(milestone)} :{tags}, {start.isoformat()}, {due.isoformat()}")
    first = min([as_of, *(start for start, _ in bars)])
    last = max([as_of, *(due for _, due in bars)])
    return [
        "gantt",
        f"    title {chart.title}",
        "    dateFormat YYYY-MM-DD",
        *_axis((last - first).days),
        "    todayMarker off",
        "    section As of",
        f"    As of {stamp} :milestone, asof, {stamp}, 0d",
        *rows,
    ], counter


def _axis(days: int) -> list[str]:
    """Ticks a reader can count: weeks for a short plan, months, quarters, then years."""
    if days <= 100:
        return ["    axisFormat %d %b", "    tickInterval 1week"]
    if days <= 450:
        return ["    axisFormat %b %Y", "    tickInterval 1month"]
    if days <= 1400:
        return ["    axisFormat %b %Y", "    tickInterval 3month"]
    return ["    axisFormat %Y", "    tickInterval 12month"]


def _span(milestone: MilestoneRow) -> tuple[datetime.date, datetime.date]:
    """From the start to the due date; a day long when there is no start before the due date."""
    due = datetime.date.fromisoformat(milestone["due"] or "")
    start = datetime.date.fromisoformat(milestone["start"]) if milestone["start"] else due
    if start < due:
        return start, due
    if due == datetime.date.min:  # nothing comes before the first day of year 1: the day after it
        return due, due + datetime.timedelta(days=1)
    return due - datetime.timedelta(days=1), due


def _tags(milestone: MilestoneRow) -> list[str]:
    if milestone["role"] in CLOSED:
        return ["done"]
    tags = ["crit"] if milestone["days_late"] is not None else []
    return tags + (["active"] if milestone["role"] == ACTIVE else [])


def _bar_label(milestone: MilestoneRow) -> str:
    """`ID title · done/total · N late · was due DATE`, the parts that apply."""
    parts = [_label(f"{milestone['id'] or ''} {milestone['title'] or ''}", NAME_LIMIT)]
    progress = milestone["checkpoints"]
    if progress["total"]:
        parts.append(f"{progress['done']}/{progress['total']}")
    if milestone["late_checkpoints"]:
        parts.append(f"{milestone['late_checkpoints']} late")
    original = milestone["original_due"]
    if original and original != milestone["due"]:
        parts.append(f"was due {datetime.date.fromisoformat(original).isoformat()}")
    return " · ".join(parts)


# Words that begin a Mermaid gantt statement (Mermaid 11 lexer): a task label must not
# start with one, nor with a date.
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
    "call",
    "href",
    "acctitle",
    "accdescr",
    "accdescription",
    "inclusiveenddates",
    "topaxis",
    "displaymode",
    "vert",
}
_LEADING_WORD = re.compile(r"[a-z]+|\d{4}-\d\d-\d\d", re.IGNORECASE)


def _label(text: str, limit: int = 60) -> str:
    """A task label: sanitised, never empty, never starting with a Mermaid keyword or a date."""
    label = mermaid_label(text, limit)
    if not label:
        return "untitled"
    first = label.split(" ", 1)[0].lower()
    leading = _LEADING_WORD.match(label)
    if first in _KEYWORDS or (leading and (leading.group().lower() in _KEYWORDS or leading.group()[0].isdigit())):
        return mermaid_label(f"task {label}", limit)
    return label


# ---------------------------------------------------------------------------------------
# The text around the charts


def _legend(as_of: datetime.date) -> str:
    return (
        "Legend: a bar runs from a milestone's start to its due date; grey: done; pale blue: in progress; "
        f"blue: planned; red or red-edged: late. The diamond marks the report's date, {as_of.isoformat()}. "
        "Labels: checkpoints done/total, checkpoints late, and the first due date of a milestone that slipped."
    )


def _left_out(undated: list[MilestoneRow], dropped: list[MilestoneRow]) -> str:
    parts = []
    if undated:
        parts.append(f"Not in the chart (no due date): {_names(undated)}.")
    if dropped:
        parts.append(f"Not in the chart (dropped): {_names(dropped)}.")
    return " ".join(parts)


def _names(milestones: list[MilestoneRow]) -> str:
    named = sorted(milestones, key=lambda m: (natural_key(m["id"] or ""), m["path"]))
    return ", ".join(cell(m["id"] or m["title"] or m["path"]) for m in named)

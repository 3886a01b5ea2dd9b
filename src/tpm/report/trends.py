"""Trends from git history for the status report: checkpoint burn-up and open risk exposure,
week by week, and a risk's score over time.

Everything here reads the timelines that the history fold keeps (`FileHistory.timeline`,
see tpm.history): no second walk of history. Week points are `today`, `today - 7`, ...
back to the earliest point of any document the trends follow (at most 26), oldest first;
a document's state at a week point is its latest point dated on or before it (it is
absent before its first one). What a status means is read with the lifecycle of the
document's type as it is declared now, whatever the type was then.

- Burn-up: done and total task items under the checkpoints heading, summed over the
  documents whose type declares checkpoints and a `due` date, unless their status at the
  week point is a dropped one.
- Exposure: likelihood × impact (each a whole number 1-5 as written; anything else is no
  score), summed over the documents of a type with a lifecycle whose status at the week
  point has an open role (planned or active) and that are scored then; `open_risks`
  counts them.

The charts hold only numbers and dates that tpm writes, never a document's text: nothing
in them needs escaping, and it must stay so.
"""

from __future__ import annotations

import bisect
import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypedDict, TypeVar

from tpm.config import DROPPED, DUE, OPEN, Config, TypeConfig
from tpm.history import SCORE_FIELDS, TrendPoint

if TYPE_CHECKING:
    from tpm.history import FileHistory, History
    from tpm.model import Project

WEEKS = 26  # week points at most
RECENT = 4  # the sentences compare with this many weeks ago (or the first week point)
_LEVEL = re.compile(r"[1-5]")  # a likelihood or an impact, as the fold keeps its text
_Value = TypeVar("_Value")
_AGO = {1: "a week ago", 2: "two weeks ago", 3: "three weeks ago", 4: "four weeks ago"}


class Trends(TypedDict):
    weeks: list[str]  # ISO dates, oldest first
    checkpoints_done: list[int]
    checkpoints_total: list[int]
    risk_exposure: list[int]  # the sum of the scores of open risks
    open_risks: list[int]


def score(point: TrendPoint) -> int | None:
    """likelihood × impact at a point, when both are whole numbers from 1 to 5."""
    likelihood, impact = (point.values.get(name, "") for name in SCORE_FIELDS)
    if _LEVEL.fullmatch(likelihood) and _LEVEL.fullmatch(impact):
        return int(likelihood) * int(impact)
    return None


def score_trend(state: FileHistory, type_config: TypeConfig) -> list[tuple[str, int]]:
    """Each change of a document's score over time, (date, likelihood × impact), oldest
    first: the first score, then every other one. A point without a score (a field gone or
    not a number from 1 to 5) is passed over. Empty for a type without a lifecycle: no
    status says whether such a document's risk was ever open."""
    if not type_config.lifecycle:
        return []
    found: list[tuple[str, int]] = []
    for point in state.timeline():
        value = score(point)
        if value is not None and (not found or found[-1][1] != value):
            found.append((point.date, value))
    return found


def _empty() -> Trends:
    return {"weeks": [], "checkpoints_done": [], "checkpoints_total": [], "risk_exposure": [], "open_risks": []}


def weekly(project: Project, history: History | None, config: Config, today: datetime.date) -> Trends:
    """The weekly series of the burn-up and the open risk exposure (see the module's doc);
    empty lists without history or without any point to show."""
    trends = _empty()
    if history is None:
        return trends
    burning, scored = _followed(project, history, config)
    starts = [followed.dates[0] for followed in burning + scored]
    if not starts:
        return trends
    earliest = min(starts)
    first = max(today.toordinal() - 7 * (WEEKS - 1), 1)  # no week point before year 1
    days = (datetime.date.fromordinal(ordinal) for ordinal in range(today.toordinal(), first - 1, -7))
    weeks = [day.isoformat() for day in days if day.isoformat() >= earliest]
    for week in reversed(weeks):
        done = total = exposure = count = 0
        for document in burning:
            progress = document.at(week)
            if progress is not None:
                done, total = done + progress[0], total + progress[1]
        for risk in scored:
            value = risk.at(week)
            if value is not None:
                exposure, count = exposure + value, count + 1
        trends["weeks"].append(week)
        trends["checkpoints_done"].append(done)
        trends["checkpoints_total"].append(total)
        trends["risk_exposure"].append(exposure)
        trends["open_risks"].append(count)
    return trends


def _followed(
    project: Project, history: History, config: Config
) -> tuple[list[_Followed[tuple[int, int]]], list[_Followed[int]]]:
    """What each document adds, from each of its points on: to the burn-up (its type
    declares checkpoints and a `due` date) its (done, total) unless dropped then, and to the
    exposure (its type has a lifecycle, and it was ever scored) its score while open."""
    burning: list[_Followed[tuple[int, int]]] = []
    scored: list[_Followed[int]] = []
    for document in project.documents:
        if document.type is None or not document.data:
            continue  # a file that cannot be read today is in no table either, so in no series
        type_config = config.types[document.type]
        wanted = bool(type_config.checkpoints and type_config.date_field(DUE))
        if not (wanted or type_config.lifecycle):
            continue
        timeline = history.for_path(document.path).timeline()
        dates = [point.date for point in timeline]
        roles = [type_config.role_of(point.values.get(type_config.status_field)) for point in timeline]
        if wanted and timeline:
            progress = [(p.done, p.total) if role != DROPPED else None for p, role in zip(timeline, roles, strict=True)]
            burning.append(_Followed(dates, progress))
        scores = [score(point) for point in timeline]
        if type_config.lifecycle and any(value is not None for value in scores):
            exposure = [value if role in OPEN else None for value, role in zip(scores, roles, strict=True)]
            scored.append(_Followed(dates, exposure))
    return burning, scored


@dataclass(frozen=True)
class _Followed(Generic[_Value]):
    """What a document adds to a series from each of its points on (None: nothing)."""

    dates: list[str]  # of the points, oldest first
    values: list[_Value | None]

    def at(self, day: str) -> _Value | None:
        """What it adds on `day`: its latest point's dated on or before it (ISO dates compare
        as text); nothing before its first point."""
        index = bisect.bisect_right(self.dates, day)
        return self.values[index - 1] if index else None


def render(trends: Trends | None, as_of: datetime.date) -> list[str]:
    """Markdown lines: a Mermaid `xychart-beta` of the burn-up and one of the open risk
    exposure, each followed by a sentence. `trends` None: the run read no git history."""
    if trends is None:
        return ["Trends need git history: run without --no-history to see them."]
    weeks = trends["weeks"]
    if not weeks:
        return ["Nothing to draw over time: no document has checkpoints under a due date, or a risk score."]
    if len(weeks) < 2:
        return [f"Not enough history yet for weekly trends (as of {as_of.isoformat()}): they need two weeks of it."]
    labels = ", ".join(f'"{week[5:]}"' for week in weeks)
    done, total = trends["checkpoints_done"], trends["checkpoints_total"]
    exposure, count = trends["risk_exposure"], trends["open_risks"]
    back = min(RECENT, len(weeks) - 1)
    lines = [
        *_chart(
            "Checkpoints done of total, weekly",
            labels,
            "Checkpoints",
            max(total),
            [("bar", done), ("line", total)],
            BURNUP_COLOURS,
        ),
        "",
        _burnup_sentence(done[-1], total[-1], done[-1] - done[-1 - back], back, as_of),
        "",
        *_chart(
            "Open risk exposure, weekly", labels, "Sum of scores", max(exposure), [("line", exposure)], EXPOSURE_COLOURS
        ),
        "",
        _exposure_sentence(exposure[-1], count[-1], exposure[-1 - back], back, as_of),
    ]
    return lines


# Series colours, in series order: Mermaid's default palette starts with a pale lavender
# that a line on white barely shows. Mermaid reads them from the chart's own front-matter.
BURNUP_COLOURS = "#54aeff, #0550ae"  # ticked (bars, light blue), all (line, dark blue)
EXPOSURE_COLOURS = "#cf222e"  # red: exposure is what should go down


def _chart(
    title: str, labels: str, axis: str, top: int, series: list[tuple[str, list[int]]], colours: str
) -> list[str]:
    """A fenced Mermaid xychart: only our own words, dates and numbers go into it."""
    return [
        "```mermaid",
        "---",
        "config:",
        "  themeVariables:",
        "    xyChart:",
        f'      plotColorPalette: "{colours}"',
        "---",
        "xychart-beta",
        f'    title "{title}"',
        f"    x-axis [{labels}]",
        f'    y-axis "{axis}" 0 --> {max(top, 1)}',
        *(f"    {kind} [{', '.join(str(v) for v in values)}]" for kind, values in series),
        "```",
    ]


def _burnup_sentence(done: int, total: int, change: int, back: int, as_of: datetime.date) -> str:
    if not total:
        return f"Checkpoints as of {as_of.isoformat()}: none yet in documents with a due date."
    moved = f"up {change}" if change > 0 else f"down {-change}" if change < 0 else "no change"
    weeks = "the last week" if back == 1 else f"the last {back} weeks"
    return (
        f"Checkpoints done as of {as_of.isoformat()}: {done} of {total} ({done * 100 // total}%), {moved} in {weeks}."
    )


def _exposure_sentence(now: int, count: int, before: int, back: int, as_of: datetime.date) -> str:
    risks = "1 open risk" if count == 1 else f"{count} open risks"
    moved = "up from" if now > before else "down from" if now < before else "the same as"
    return f"Open risk exposure as of {as_of.isoformat()}: {now} ({risks}), {moved} {before} {_AGO[back]}."

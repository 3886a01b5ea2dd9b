"""The milestone charts (tpm.report.gantt) as plain functions of MilestoneRow dicts: the
exact Markdown of a small plan, the split of a big one, dependency order, cycles, and
hostile titles that must not add a line or a directive to the Mermaid text."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from tpm.report.data import PHASES
from tpm.report.gantt import MAX_ROWS, render

AS_OF = datetime.date(2026, 11, 30)

TASK = re.compile(r"^    (?P<label>[^:%#;\n]+) :(?P<data>[a-z, 0-9-]+)$")
STATEMENT = re.compile(
    r"^(gantt|    title [^\n]+|    dateFormat YYYY-MM-DD|    axisFormat [%a-zA-Z ]+|"
    r"    tickInterval [0-9]+(week|month)|    todayMarker off|    section [^\n]+)$"
)
AS_OF_LINE = "    As of 2026-11-30 :milestone, asof, 2026-11-30, 0d"


def milestone(number: int, **fields: Any) -> dict[str, Any]:
    """A MilestoneRow with plain defaults: an active milestone M-<number>, due in December."""
    row: dict[str, Any] = {
        "id": f"M-{number}",
        "title": f"Milestone {number}",
        "path": f"project/milestones/M-{number}.md",
        "link": f"project/milestones/M-{number}.md",
        "owner": None,
        "status": "in-progress",
        "role": "active",
        "phase": None,
        "start": None,
        "due": "2026-12-15",
        "completed": None,
        "checkpoints": {"done": 0, "total": 0},
        "checkpoint_items": [],
        "days_late": None,
        "days_left": None,
        "slips": {"count": 0, "days": 0, "moves": []},
        "original_due": None,
        "depends_on": [],
        "late_checkpoints": 0,
        "percent": None,
        "rag": "green",
        "reasons": [],
    }
    row.update(fields)
    return row


def charts(lines: list[str]) -> list[list[str]]:
    """The lines inside each ```mermaid block."""
    found: list[list[str]] = []
    inside = False
    for line in lines:
        if line == "```mermaid":
            found.append([])
            inside = True
        elif line == "```":
            inside = False
        elif inside:
            found[-1].append(line)
    return found


def tasks(chart: list[str]) -> list[str]:
    return [line for line in chart if TASK.match(line)]


def milestone_rows(chart: list[str]) -> list[str]:
    return [line for line in tasks(chart) if line != AS_OF_LINE]


def assert_well_formed(lines: list[str]) -> None:
    """Every chart line is a statement we write or a task line; every chart has the fixed date."""
    for chart in charts(lines):
        assert chart[0] == "gantt"
        for line in chart:
            assert STATEMENT.match(line) or TASK.match(line), line
        assert chart.count("    todayMarker off") == 1
        assert chart.count(AS_OF_LINE) == 1


def test_a_small_plan_renders_exactly():
    rows = [
        milestone(
            1,
            title="Discovery",
            status="done",
            role="done",
            phase="design",
            start="2026-08-01",
            due="2026-09-30",
            completed="2026-09-28",
            checkpoints={"done": 3, "total": 3},
        ),
        milestone(
            2,
            title="Wave 1 cutover",
            phase="development",
            start="2026-10-01",
            due="2026-11-20",
            days_late=10,
            original_due="2026-10-30",
            checkpoints={"done": 2, "total": 4},
            late_checkpoints=1,
            depends_on=["M-3"],
        ),
        milestone(
            3,
            title="Data migration",
            status="planned",
            role="planned",
            phase="development",
            start="2026-09-15",
            due="2026-12-20",
        ),
    ]
    assert render(rows, AS_OF) == [
        "```mermaid",
        "gantt",
        "    title Milestones (as of 2026-11-30)",
        "    dateFormat YYYY-MM-DD",
        "    axisFormat %b %Y",
        "    tickInterval 1month",
        "    todayMarker off",
        "    section As of",
        AS_OF_LINE,
        "    section Design",
        "    M-1 Discovery · 3/3 :done, t1, 2026-08-01, 2026-09-30",
        "    section Development",
        # M-2 depends on M-3: it comes second although it is due first
        "    M-3 Data migration :t2, 2026-09-15, 2026-12-20",
        "    M-2 Wave 1 cutover · 2/4 · 1 late · was due 2026-10-30 :crit, active, t3, 2026-10-01, 2026-11-20",
        "```",
        "",
        "Legend: a bar runs from a milestone's start to its due date; grey: done; pale blue: in progress; "
        "blue: planned; red or red-edged: late. The diamond marks the report's date, 2026-11-30. "
        "Labels: checkpoints done/total, checkpoints late, and the first due date of a milestone that slipped.",
    ]


def test_milestones_without_a_due_date_and_dropped_ones_are_named_under_the_chart():
    rows = [
        milestone(12, due=None),
        milestone(1),
        milestone(9, due=None),
        milestone(3, role="dropped", status="dropped"),
    ]
    lines = render(rows, AS_OF)
    assert lines[-2:] == ["", "Not in the chart (no due date): M-9, M-12. Not in the chart (dropped): M-3."]
    assert [row.split(" :")[0] for row in milestone_rows(charts(lines)[0])] == ["    M-1 Milestone 1"]


def test_nothing_to_chart():
    assert render([], AS_OF) == []
    assert render([milestone(1, due=None)], AS_OF) == ["Not in the chart (no due date): M-1."]


def test_a_milestone_without_a_start_is_a_one_day_bar_ending_on_its_due_date():
    (row,) = milestone_rows(charts(render([milestone(1, start=None, due="2026-12-15")], AS_OF))[0])
    assert row.endswith(":active, t1, 2026-12-14, 2026-12-15")


@pytest.mark.parametrize("start", [None, "0001-01-01", "9999-12-31"])
def test_a_milestone_due_on_the_first_day_of_year_1_is_a_day_long_bar_from_it(start):
    # A fuzzed milestone started 9999-12-31 and due 0001-01-01 drew a bar ending before it began.
    (row,) = milestone_rows(charts(render([milestone(1, start=start, due="0001-01-01")], AS_OF))[0])
    assert row.endswith(", t1, 0001-01-01, 0001-01-02")


def forty_across_phases() -> list[dict[str, Any]]:
    phases = ["design", "development", "development", "development", "testing", None, "deployment", "ops-handover"]
    rows = []
    for number in range(1, 41):
        month = 1 + number % 12
        rows.append(
            milestone(
                number,
                phase=phases[number % len(phases)] if number <= 30 else "development",
                role=("done", "active", "planned")[number % 3],
                status=("done", "in-progress", "planned")[number % 3],
                start=f"2026-{month:02d}-01",
                due=f"2026-{month:02d}-25",
                days_late=5 if number % 7 == 0 else None,
                checkpoints={"done": number % 4, "total": 4},
                depends_on=[f"M-{number + 1}"] if number % 5 == 0 else [],
            )
        )
    return rows


def test_forty_milestones_across_phases_are_split_into_charts_of_at_most_twenty():
    rows = forty_across_phases()
    lines = render(rows, AS_OF)
    assert_well_formed(lines)
    found = charts(lines)
    assert len(found) >= 3
    seen = []
    for chart in found:
        rows_here = milestone_rows(chart)
        assert 1 <= len(rows_here) <= MAX_ROWS
        assert len(tasks(chart)) == len(rows_here) + 1  # and the as-of marker
        seen += [re.match(r"    (M-\d+) ", row).group(1) for row in rows_here]
        (title,) = [line for line in chart if line.startswith("    title ")]
        assert title.startswith("    title Milestones: ") and title.endswith(" (as of 2026-11-30)")
    assert sorted(seen) == sorted(f"M-{n}" for n in range(1, 41))  # each exactly once
    # Development has 20+ milestones: cut into parts of about equal size, each in a chart of its own
    titles = [line for chart in found for line in chart if line.startswith("    title ")]
    assert "    title Milestones: Development, part 1 of 2 (as of 2026-11-30)" in titles
    # phases in the order of PHASES, unknown phases after, no phase last
    sections = [line[len("    section ") :] for chart in found for line in chart if line.startswith("    section ")]
    named = [s.split(", part")[0].lower() for s in sections if s != "As of"]
    known = [s for s in named if s in PHASES]
    assert known == sorted(known, key=PHASES.index)
    assert named.index("ops-handover") > max(named.index(p) for p in known)
    assert named[-1] == "no phase"
    assert all(line.endswith("```") or line != "```mermaid" for line in lines[-3:])  # legend after the last chart
    assert lines[-1].startswith("Legend: ")


def test_a_chart_of_twenty_stays_one_chart_and_twenty_one_splits():
    twenty = [milestone(n, phase="development", due=f"2026-12-{n:02d}") for n in range(1, 21)]
    assert len(charts(render(twenty, AS_OF))) == 1
    twenty_one = [*twenty, milestone(21, phase="development", due="2026-12-21")]
    found = charts(render(twenty_one, AS_OF))
    assert [len(milestone_rows(chart)) for chart in found] == [11, 10]


def test_without_phases_big_plans_split_by_quarter_of_the_due_date():
    rows = [milestone(n, due=f"{2026 + (n - 1) // 12}-{1 + (n - 1) % 12:02d}-10") for n in range(1, 31)]
    lines = render(rows, AS_OF)
    assert_well_formed(lines)
    found = charts(lines)
    titles = [line for chart in found for line in chart if line.startswith("    title ")]
    # three milestones a quarter: six whole quarters fit in a chart of twenty rows
    assert titles == [
        "    title Milestones due 2026 Q1 to 2027 Q2 (as of 2026-11-30)",
        "    title Milestones due 2027 Q3 to 2028 Q2 (as of 2026-11-30)",
    ]
    sections = [line for line in found[0] if line.startswith("    section ")]
    assert sections == [
        "    section As of",
        *(f"    section 2026 Q{q}" for q in (1, 2, 3, 4)),
        "    section 2027 Q1",
        "    section 2027 Q2",
    ]
    assert sum(len(milestone_rows(chart)) for chart in found) == 30


def test_a_small_plan_without_phases_has_sections_by_status():
    rows = [
        milestone(1, role="done", status="done"),
        milestone(2, role="planned", status="planned"),
        milestone(3),
    ]
    (chart,) = charts(render(rows, AS_OF))
    sections = [line for line in chart if line.startswith("    section ")]
    assert sections == ["    section As of", "    section In-progress", "    section Planned", "    section Done"]


def order_of(rows: list[dict[str, Any]]) -> list[str]:
    (chart,) = charts(render(rows, AS_OF))
    return [re.match(r"    (M-\d+) ", row).group(1) for row in milestone_rows(chart)]


def test_dependencies_come_first_then_due_date_then_id():
    rows = [
        milestone(1, due="2026-12-01", depends_on=["M-4"]),
        milestone(2, due="2026-12-01"),
        milestone(10, due="2026-12-01"),
        milestone(3, due="2026-12-02", depends_on=["M-1", "M-404"]),  # M-404 does not exist
        milestone(4, due="2026-12-30"),
    ]
    assert order_of(rows) == ["M-2", "M-10", "M-4", "M-1", "M-3"]


def test_a_dependency_cycle_terminates_and_keeps_due_order_inside_the_cycle():
    rows = [
        milestone(1, due="2026-12-03", depends_on=["M-2"]),
        milestone(2, due="2026-12-02", depends_on=["M-3"]),
        milestone(3, due="2026-12-01", depends_on=["M-1"]),
        milestone(4, due="2026-11-01", depends_on=["M-1"]),  # after the cycle, though due first
        milestone(5, due="2026-12-31", depends_on=["M-5"]),  # on itself
    ]
    assert order_of(rows) == ["M-3", "M-2", "M-1", "M-4", "M-5"]


def test_a_big_cycle_is_quick():
    rows = [milestone(n, phase="testing", depends_on=[f"M-{n % 300 + 1}"]) for n in range(1, 301)]
    found = charts(render(rows, AS_OF))
    assert sum(len(milestone_rows(chart)) for chart in found) == 300


HOSTILE = [
    "Colons: and # hashes; semicolons",
    "Line one\nLine two :crit, x, 2020-01-01, 1d",
    "%%{init: {'theme': 'forest'}}%%",
    'click t1 href "javascript:alert(1)"',
    "call back()",
    "section Fake section",
    "title: gantt",
    "gantt-chart",
    "2026-01-01 kickoff",
    "Back`ticks` and ```mermaid fences",
    "<script>alert(1)</script>",
    "todayMarker on",
    "",
    "\u202eright-to-left\x00\x1b[31m",
]


@pytest.mark.parametrize("title", HOSTILE)
@pytest.mark.parametrize("as_id", [False, True])
def test_hostile_titles_and_ids_cannot_add_a_line_or_a_directive(title, as_id):
    rows = [
        milestone(1, title=title, phase=title or None, status=title),
        milestone(2, id=title if as_id else "M-2", title=title, due="2026-12-20"),
        milestone(3, id=title if as_id else "M-3", due=None),
    ]
    lines = render(rows, AS_OF)
    assert_well_formed(lines)
    (chart,) = charts(lines)
    assert len(milestone_rows(chart)) == 2
    assert len(lines) == len(chart) + 6  # the fences, blank, legend, blank, the not-charted line
    for line in milestone_rows(chart):
        label = TASK.match(line).group("label")
        first = re.match(r"[a-zA-Z]+|\d", label).group().lower()
        assert first not in {"click", "call", "href", "section", "title", "gantt", "todaymarker"}
        assert not first.isdigit()
        assert "`" not in label and "<" not in label
    body = "\n".join(chart)
    assert "%%" not in body and "init" not in body.split("section")[0]
    assert "<script>" not in "\n".join(lines)


def test_output_is_deterministic():
    rows = forty_across_phases()
    assert render(rows, AS_OF) == render(list(reversed(rows)), AS_OF)


def test_forty_milestones_and_hostile_titles_draw_in_mermaid(tmp_path):
    """Drawn by Mermaid (the version GitHub uses) in headless Chromium, when both are here:
    every chart parses and draws, one bar per task line, one row per bar."""
    browser = pytest.importorskip("test_report_browser")
    if browser.CHROMIUM is None or not browser.MERMAID_JS.is_file():
        pytest.skip("Chromium or the mermaid npm package is not installed (see tests/test_report_browser.py)")
    rows = forty_across_phases()
    rows += [milestone(40 + n, title=title, phase="testing", due="2026-12-20") for n, title in enumerate(HOSTILE, 1)]
    markdown = "\n".join(render(rows, AS_OF)) + "\n"
    dom, results, _height = browser.render_in_browser(markdown, tmp_path)
    browser.assert_every_chart_draws(markdown, results)
    found = charts(markdown.splitlines())
    assert [result["rows"] for result in results] == [len(tasks(chart)) for chart in found]
    assert "Syntax error" not in dom

"""The report's colours and verdict (tpm/report/status.py), criterion by criterion, as
docs/report.md states them."""

from __future__ import annotations

import pytest

from tpm.report.status import colour_milestones, verdict

TODAY = "2026-11-30"


def row(id: str, **fields) -> dict:
    """A milestone row as data.py builds it: open, on time, nothing late, unless told."""
    base = {
        "id": id,
        "path": f"project/milestones/{id}.md",
        "role": "active",
        "due": "2026-12-31",
        "days_late": None,
        "late_checkpoints": 0,
        "slips": {"count": 0, "days": 0, "moves": []},
        "depends_on": [],
        "start": None,
        "checkpoints": {"done": 1, "total": 2},
        "rag": "unknown",
        "reasons": [],
    }
    return base | fields


def risk(id: str, band: str = "high", overdue_review: bool = True) -> dict:
    return {"id": id, "path": f"project/risks/{id}.md", "band": band, "overdue_review": overdue_review}


def coloured(*rows: dict, unreviewed: dict | None = None) -> dict[str, tuple[str, list[str]]]:
    milestones = list(rows)
    colour_milestones(milestones, unreviewed or {}, TODAY)  # type: ignore[arg-type]
    return {m["id"]: (m["rag"], m["reasons"]) for m in milestones}


def test_an_open_milestone_past_its_due_date_is_red():
    assert coloured(row("M-1", due="2026-11-20", days_late=10)) == {
        "M-1": ("red", ["10 days past its due date 2026-11-20"])
    }


def test_red_spreads_through_a_chain_to_what_should_be_under_way():
    result = coloured(
        row("M-3", depends_on=["M-2"], start="2026-11-30"),
        row("M-2", depends_on=["M-1"], start="2026-11-01", late_checkpoints=1),
        row("M-1", due="2026-11-29", days_late=1),
    )
    assert result["M-2"] == (
        "red",
        ["should be under way, but waits on M-1, which is off track", "1 checkpoint past its date"],
    )
    assert result["M-3"] == ("red", ["should be under way, but waits on M-2, which is off track"])


def test_what_has_not_started_is_at_risk_and_amber_spreads_no_further():
    result = coloured(
        row("M-3", depends_on=["M-2"]),
        row("M-2", depends_on=["M-1"], start="2026-12-07"),
        row("M-1", due="2026-11-29", days_late=1),
    )
    assert result["M-2"] == ("amber", ["waits on M-1, which is off track"])
    assert result["M-3"] == ("green", [])


def test_a_dependency_cycle_ends():
    result = coloured(row("M-1", depends_on=["M-2"]), row("M-2", depends_on=["M-1"]))
    assert result == {"M-1": ("green", []), "M-2": ("green", [])}


@pytest.mark.parametrize(
    ("fields", "unreviewed", "reason"),
    [
        ({"late_checkpoints": 2}, {}, "2 checkpoints past their date"),
        ({"late_checkpoints": 1}, {}, "1 checkpoint past its date"),
        (
            {
                "slips": {
                    "count": 1,
                    "days": 4,
                    "moves": [{"date": "2026-11-16", "from": "2026-12-01", "to": "2026-12-05", "days": 4}],
                }
            },
            {},
            "due date moved from 2026-12-01 to 2026-12-05 on 2026-11-16",
        ),
        ({}, {"M-1": ["R-2", "R-5"]}, "high risks R-2, R-5 not reviewed on time"),
    ],
)
def test_amber_criteria(fields, unreviewed, reason):
    assert coloured(row("M-1", **fields), unreviewed=unreviewed) == {"M-1": ("amber", [reason])}


def test_a_slip_older_than_fourteen_days_is_no_longer_amber():
    old = {"date": "2026-11-15", "from": "2026-12-01", "to": "2026-12-05", "days": 4}
    assert coloured(row("M-1", slips={"count": 1, "days": 4, "moves": [old]})) == {"M-1": ("green", [])}


def test_finished_dropped_and_unknown_milestones_have_no_colour():
    result = coloured(
        row("M-1", role="done", due="2026-01-01", days_late=None),
        row("M-2", role="dropped"),
        row("M-3", role=None),
    )
    assert result == {"M-1": ("done", []), "M-2": ("dropped", []), "M-3": ("unknown", [])}


def test_the_verdict_is_the_worst_of_its_parts():
    milestones = [
        row("M-1", rag="red"),
        row("M-2", rag="amber"),
        row("M-3", rag="green", checkpoints={"done": 0, "total": 1}),
    ]
    result = verdict(milestones, [risk("R-1"), risk("R-2", band="medium")], [{"overdue": True}])  # type: ignore[arg-type]
    assert result == {
        "status": "off track",
        "reasons": [
            "1 milestone off track: M-1",
            "1 milestone at risk: M-2",
            "1 high risk not reviewed on time: R-1",
            "1 post-mortem action item overdue",
        ],
        "checkpoints": {"done": 2, "total": 5},
        "percent": 40,
        "colours": {"red": 1, "amber": 1, "green": 1, "done": 0, "dropped": 0},
    }


def test_unreviewed_high_risks_or_overdue_actions_alone_put_the_project_at_risk():
    green = [row("M-1", rag="green")]
    assert verdict(green, [risk("R-1")], [])["status"] == "at risk"  # type: ignore[arg-type]
    assert verdict(green, [], [{"overdue": True}])["status"] == "at risk"  # type: ignore[arg-type]
    assert verdict(green, [risk("R-1", overdue_review=False)], [{"overdue": False}]) == {  # type: ignore[arg-type]
        "status": "on track",
        "reasons": [],
        "checkpoints": {"done": 1, "total": 2},
        "percent": 50,
        "colours": {"red": 0, "amber": 0, "green": 1, "done": 0, "dropped": 0},
    }


def test_dropped_milestones_do_not_count_toward_progress_and_none_means_no_percentage():
    assert verdict([row("M-1", rag="dropped")], [], [])["percent"] is None  # type: ignore[arg-type]

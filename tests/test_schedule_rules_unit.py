"""The schedule and project rules that ask a type's declaration, on projects built in memory.

Each case runs a rule through the engine (slug, code, severity and options come from the
registry and the config, as in a real run) over a type of the user's own next to a built-in
one, and compares the complete diagnostics: path, line, column, slug and exact message.
"""

from __future__ import annotations

import datetime

from fakes import config_of, project_of
from tpm import engine
from tpm.config import Config
from tpm.rules import REGISTRY
from tpm.rules.registry import Context

TODAY = datetime.date(2026, 11, 27)


def findings(slug: str, files: dict[str, str], table: dict | None = None) -> list[str]:
    result = engine.run(project_of(files, config_of(table)), [REGISTRY[slug]], TODAY)
    return [f"{d.path}:{d.line}:{d.column} {d.rule} {d.message}" for d in result.diagnostics]


def test_the_context_keeps_numbers_and_names_apart():
    ctx = Context.of(Config(), TODAY, {"buffer_days": 2, "field": "requires"})
    assert (dict(ctx.options), dict(ctx.names)) == ({"buffer_days": 2}, {"field": "requires"})


RETROS = {
    "types": {
        "retro": {"paths": ["retros/*.md"], "checkpoints": "Action items", "lifecycle": {"dropped": ["void"]}},
        "sprint": {"paths": ["sprints/*.md"], "checkpoints": "Action items", "dates": {"due": "ends"}},
    }
}
ITEMS = "## Action items\n\n- [ ] 2026-11-20 Fix the alert @ann\n- [x] 2026-11-01 Write it up\n"


def test_overdue_action_judges_the_checkpoints_of_types_without_a_due_date():
    files = {
        "retros/R-1-a.md": "---\nid: R-1\n---\n" + ITEMS,  # no status: its dates are all it says
        "retros/R-2-b.md": "---\nid: R-2\nstatus: void\n---\n" + ITEMS,  # dropped
        "retros/R-3-c.md": "---\nid: R-3\nstatus: whatever\n---\n" + ITEMS,  # a status the lifecycle does not know
        "sprints/S-1-a.md": "---\nid: S-1\nends: 2026-12-01\n---\n" + ITEMS,  # has a due date: stale-checkpoint's
        "project/milestones/M-1-a.md": "---\nid: M-1\ntitle: A\nstatus: planned\ndue: 2026-12-01\n---\n" + ITEMS,
        "project/postmortems/PM-1-a.md": "---\nid: PM-1\ntitle: P\ndate: 2026-11-01\nstatus: final\n---\n" + ITEMS,
    }
    message = "overdue-action action item 7 days overdue (due 2026-11-20) (@ann): Fix the alert"
    assert findings("overdue-action", files, RETROS) == [
        f"project/postmortems/PM-1-a.md:9:3 {message}",
        f"retros/R-1-a.md:6:3 {message}",
    ]


RFCS = {
    "types": {
        "rfc": {
            "paths": ["rfcs/*.md"],
            "status_field": "state",
            "lifecycle": {"planned": ["Draft"], "done": ["Final"]},
            "dates": {"start": "opened"},
        }
    }
}


def test_stale_decision_judges_planned_documents_without_a_due_date_by_their_start():
    files = {
        "rfcs/RFC-1-a.md": "---\nid: RFC-1\nopened: 2026-10-01\nstate: Draft\n---\n",
        "rfcs/RFC-2-b.md": "---\nid: RFC-2\nopened: 2026-10-01\nstate: Final\n---\n",
        "rfcs/RFC-3-c.md": "---\nid: RFC-3\nopened: 2026-11-01\nstate: Draft\n---\n",
        # a milestone has a due date: its lateness is `overdue`'s business, however old its start
        "project/milestones/M-1-a.md": (
            "---\nid: M-1\ntitle: A\nstatus: planned\nstart: 2026-01-01\ndue: 2027-01-01\n---\n"
        ),
    }
    assert findings("stale-decision", files, RFCS) == [
        "rfcs/RFC-1-a.md:4:8 stale-decision still Draft 57 days after 2026-10-01 (limit 30)",
    ]


TASKS = {
    "types": {
        "task": {
            "paths": ["tasks/*.md"],
            "references": ["requires"],
            "reference_separator": ",",
            "lifecycle": {"planned": ["todo"], "done": ["done"], "dropped": ["wontfix"]},
            "dates": {"due": "due_date"},
        }
    },
    "rules": {"dependency-order": {"field": "requires"}},
}


def test_dependency_order_follows_the_configured_field_and_due_role():
    files = {
        "tasks/T-1-a.md": "---\nid: T-1\nstatus: todo\ndue_date: 2026-12-10\n---\n",
        "tasks/T-2-b.md": "---\nid: T-2\nstatus: todo\ndue_date: 2026-12-01\nrequires: T-1, T-3\n---\n",
        "tasks/T-3-c.md": "---\nid: T-3\nstatus: wontfix\ndue_date: 2026-12-20\n---\n",  # dropped: no constraint
        "tasks/T-4-d.md": "---\nid: T-4\nstatus: done\ndue_date: 2026-11-01\nrequires: T-1\n---\n",  # done
        # the built-in field is not read once the option names another
        "project/milestones/M-1-a.md": "---\nid: M-1\ntitle: A\nstatus: planned\ndue: 2026-12-01\n---\n",
        "project/milestones/M-2-b.md": (
            "---\nid: M-2\ntitle: B\nstatus: planned\ndue: 2026-11-30\ndepends_on: [M-1]\n---\n"
        ),
    }
    assert findings("dependency-order", files, TASKS) == [
        "tasks/T-2-b.md:5:11 dependency-order T-2 is due 2026-12-01, before its dependency T-1 (due 2026-12-10)",
    ]
    assert findings("dependency-order", files, {"types": TASKS["types"]}) == [
        "project/milestones/M-2-b.md:6:14 dependency-order "
        "M-2 is due 2026-11-30, before its dependency M-1 (due 2026-12-01)",
    ]


def test_overdue_and_review_due_name_a_document_without_an_id_by_its_file():
    table = {
        "types": {
            "note": {
                "paths": ["notes/*.md"],
                "lifecycle": {"active": ["open"]},
                "dates": {"due": "by", "review_by": "by"},
            }
        }
    }
    files = {"notes/plan.md": "---\nstatus: open\nby: 2026-11-26\n---\n"}
    assert findings("overdue", files, table) == [
        "notes/plan.md:3:5 overdue plan.md is 1 day overdue (due 2026-11-26, still open)"
    ]
    assert findings("review-due", files, table) == [
        "notes/plan.md:3:5 review-due plan.md was to be reviewed by 2026-11-26 (1 day ago); "
        "review it and set a new `by`"
    ]

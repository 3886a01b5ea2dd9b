"""`tpm changes`, the backward half of a stand-up: what changed in project state since a
date or ref, read from git."""

from __future__ import annotations

import datetime

import pytest

from helpers import git, make_repo, run_tpm, write_files
from tpm.changes import digest, previous_working_day, render_markdown, render_text
from tpm.config import load_config
from tpm.rules import rule_defaults

TODAY = "2026-11-27"


@pytest.fixture
def evolving(tmp_path):
    repo = make_repo(tmp_path / "repo")
    first = {
        "project/milestones/M-1-beta.md": (
            "---\nid: M-1\ntitle: Beta\nstatus: planned\ndue: 2026-12-10\n---\n"
            "## Checkpoints\n\n- [ ] 2026-11-25 Load test\n- [ ] 2026-12-05 Docs\n"
        ),
        "project/risks/R-1-vendor.md": "---\nid: R-1\ntitle: Vendor\nstatus: open\nlikelihood: 2\nimpact: 3\n---\n",
        "project/risks/R-2-old.md": "---\nid: R-2\ntitle: Old\nstatus: open\nlikelihood: 1\nimpact: 1\n---\n",
        "project/decisions/0001-x.md": "---\ntitle: Use X\nstatus: proposed\n---\n",
        "project/postmortems/PM-1-a.md": (
            "---\nid: PM-1\ntitle: A\ndate: 2026-11-01\n---\n## Action items\n\n- [ ] 2026-11-30 Add alerting @bob\n"
        ),
    }
    write_files(repo, first)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first", date="2026-11-20T12:00:00+00:00")
    second = {
        "project/milestones/M-1-beta.md": first["project/milestones/M-1-beta.md"]
        .replace("planned", "in-progress")
        .replace("2026-12-10", "2026-12-17")
        .replace("[ ] 2026-11-25", "[x] 2026-11-25"),
        "project/risks/R-1-vendor.md": first["project/risks/R-1-vendor.md"].replace("likelihood: 2", "likelihood: 5"),
        "project/risks/R-2-old.md": first["project/risks/R-2-old.md"].replace("status: open", "status: closed"),
        "project/risks/R-3-new.md": "---\nid: R-3\ntitle: New\nstatus: open\nlikelihood: 3\nimpact: 3\n---\n",
        "project/decisions/0001-x.md": "---\ntitle: Use X\nstatus: accepted\n---\n",
        "project/postmortems/PM-1-a.md": (
            "---\nid: PM-1\ntitle: A\ndate: 2026-11-01\n---\n## Action items\n\n- [x] 2026-11-30 Add alerting @bob\n"
        ),
    }
    write_files(repo, second)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second", date="2026-11-26T12:00:00+00:00")
    return repo


EXPECTED_CHANGES = """\
Changes in project state since 2026-11-26:

Milestones
  M-1  planned → in-progress: Beta
  M-1  due slipped 2026-12-10 → 2026-12-17 (+7 days): Beta

Risks
  R-1  re-scored 6 → 15: Vendor
  R-2  open → closed: Old
  R-3  new: New (score 9, open)

Decisions
  ADR-0001  proposed → accepted: Use X

Checkpoints ticked
  M-1  2026-11-25 Load test

Action items ticked
  PM-1  2026-11-30 Add alerting
"""


def test_changes_since_yesterday(evolving):
    outcome = run_tpm(evolving, "changes", "--today", TODAY)
    assert (outcome.code, outcome.out) == (0, EXPECTED_CHANGES)
    assert digest_of(evolving, TODAY) == EXPECTED_CHANGES  # as the command prints it once it calls digest()


def test_changes_since_a_ref_in_markdown(evolving):
    outcome = run_tpm(evolving, "changes", "--since", "HEAD~1", "--format", "markdown")
    assert outcome.out.startswith("## Changes in project state since HEAD\\~1 (")  # `~` escaped for Markdown
    assert "### Checkpoints ticked\n\n- [M-1](project/milestones/M-1-beta.md) 2026-11-25 Load test\n" in outcome.out


def test_no_changes_and_bad_since(evolving):
    assert (
        run_tpm(evolving, "changes", "--since", "HEAD").out
        == "No changes in project state since HEAD (" + git(evolving, "rev-parse", "HEAD")[:10] + ").\n"
    )
    bad = run_tpm(evolving, "changes", "--since", "no-such-ref")
    assert (bad.code, bad.err) == (
        2,
        "tpm: error: --since: 'no-such-ref' is neither a date (YYYY-MM-DD) nor a commit, branch or tag\n",
    )


def test_changes_before_the_first_commit_lists_everything_as_new(evolving):
    out = run_tpm(evolving, "changes", "--since", "2026-01-01").out
    assert "R-1  new: Vendor (score 15, open)" in out and "M-1  new: Beta (due 2026-12-17, in-progress)" in out


# The window's own tests: each repository is built commit by commit with fixed dates, and
# the digest is produced as `tpm changes` produces it.

MILESTONE = "---\nid: {id}\ntitle: {title}\nstatus: {status}\ndue: {due}\n---\n"
RISK = "---\nid: R-1\ntitle: Vendor\nstatus: {status}\nlikelihood: 2\nimpact: 3\n{more}---\n"


def committed(tmp_path, *commits):
    """A repository with one commit per (ISO date, {path: text}), in order."""
    repo = make_repo(tmp_path / "repo")
    for day, files in commits:
        write_files(repo, files)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"on {day}", date=f"{day}T12:00:00+00:00")
    return repo


def digest_of(repo, today, since=None, markdown=False):
    """The digest as `tpm changes [--since SINCE] --today TODAY` prints it."""
    config = load_config(repo, repo, rule_defaults=rule_defaults())
    found, described = digest(repo, config, since, datetime.date.fromisoformat(today))
    return render_markdown(found, described, "") if markdown else render_text(found, described)


@pytest.mark.parametrize(
    ("today", "previous"),
    [
        ("2026-11-30", "2026-11-27"),  # Monday: Friday
        ("2026-11-29", "2026-11-27"),  # Sunday: Friday
        ("2026-11-28", "2026-11-27"),  # Saturday: Friday
        ("2026-12-01", "2026-11-30"),  # Tuesday: Monday
        ("2026-11-27", "2026-11-26"),  # Friday: Thursday
        ("0001-01-01", "0001-01-01"),  # the first day there is: no day before
    ],
)
def test_previous_working_day(today, previous):
    assert previous_working_day(datetime.date.fromisoformat(today)).isoformat() == previous


def test_monday_looks_back_to_friday(tmp_path):
    open_risk = "---\nid: {id}\ntitle: {title}\nstatus: {status}\nlikelihood: 1\nimpact: 2\n---\n"
    repo = committed(
        tmp_path,
        ("2026-11-20", {"project/risks/R-1-a.md": open_risk.format(id="R-1", title="Thursday's", status="open")}),
        ("2026-11-20", {"project/risks/R-2-b.md": open_risk.format(id="R-2", title="Friday's", status="open")}),
        ("2026-11-26", {"project/risks/R-1-a.md": open_risk.format(id="R-1", title="Thursday's", status="mitigating")}),
        ("2026-11-27", {"project/risks/R-2-b.md": open_risk.format(id="R-2", title="Friday's", status="mitigating")}),
    )
    assert digest_of(repo, "2026-11-30") == (
        "Changes in project state since 2026-11-27:\n\nRisks\n  R-2  open → mitigating: Friday's\n"
    )


def test_today_ends_the_window_before_later_commits(tmp_path):
    beta = {"id": "M-1", "title": "Beta", "due": "2026-12-10"}
    path = "project/milestones/M-1-beta.md"
    repo = committed(
        tmp_path,
        ("2026-11-20", {path: MILESTONE.format(status="planned", **beta)}),
        ("2026-11-24", {path: MILESTONE.format(status="in-progress", **beta)}),
        ("2026-11-26", {path: MILESTONE.format(status="done", **beta)}),
    )
    write_files(repo, {path: MILESTONE.format(status="cancelled", **beta)})  # uncommitted: after the window too
    assert digest_of(repo, "2026-11-25", since="2026-11-21") == (
        "Changes in project state since 2026-11-21, up to 2026-11-25:\n\n"
        "Milestones\n  M-1  planned → in-progress: Beta\n"
    )
    assert digest_of(repo, "2026-11-19", since="2026-11-18") == (
        "No changes in project state since 2026-11-18, up to 2026-11-19.\n"
    )


def test_a_decision_made_and_superseded_in_the_window_is_new(tmp_path):
    first = "---\nid: ADR-0001\ntitle: Use X\nstatus: accepted\n---\n"
    second = "---\nid: ADR-0002\ntitle: Use Y\nstatus: {status}\nsupersedes: ADR-0001\n---\n"
    repo = committed(
        tmp_path,
        ("2026-11-20", {"project/decisions/0001-x.md": first}),
        ("2026-11-27", {"project/decisions/0002-y.md": second.format(status="accepted")}),
        ("2026-11-27", {"project/decisions/0002-y.md": second.format(status="superseded")}),
    )
    assert digest_of(repo, "2026-11-30", since="2026-11-27") == (
        "Changes in project state since 2026-11-27:\n\nDecisions\n  ADR-0002  new: Use Y (superseded)\n"
    )


def test_a_new_postmortem_is_reported(tmp_path):
    postmortem = (
        "---\nid: PM-2\ntitle: Outage\ndate: 2026-11-27\nstatus: draft\n---\n"
        "## Action items\n\n- [ ] 2026-12-10 Add alerting @bob\n"
    )
    repo = committed(
        tmp_path,
        ("2026-11-20", {"project/risks/R-1-vendor.md": RISK.format(status="open", more="")}),
        ("2026-11-27", {"project/postmortems/PM-2-outage.md": postmortem}),
    )
    assert digest_of(repo, "2026-11-30", since="2026-11-27", markdown=True) == (
        "## Changes in project state since 2026-11-27\n\n### Postmortems\n\n"
        "- [PM-2](project/postmortems/PM-2-outage.md) new: Outage (draft)\n"
    )


def test_status_changes_of_every_type(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / ".tpm.toml").write_text(
        '[types.objective]\npaths = ["project/objectives/*.md"]\nid_prefix = "O"\n'
        '[types.objective.lifecycle]\nactive = ["on-track", "at-risk"]\n',
        encoding="utf-8",
    )
    decision = "---\nid: ADR-0001\ntitle: Use X\nstatus: {status}\n---\n"
    objective = "---\nid: O-1\ntitle: Grow\nstatus: {status}\n---\n"
    repo = committed(
        tmp_path,
        (
            "2026-11-20",
            {
                "project/decisions/0001-x.md": decision.format(status="accepted"),
                "project/objectives/O-1-grow.md": objective.format(status="on-track"),
            },
        ),
        (
            "2026-11-27",
            {
                "project/decisions/0001-x.md": decision.format(status="deprecated"),
                "project/objectives/O-1-grow.md": objective.format(status="at-risk"),
            },
        ),
    )
    assert digest_of(repo, "2026-11-30", since="2026-11-27") == (
        "Changes in project state since 2026-11-27:\n\n"
        "Decisions\n  ADR-0001  accepted → deprecated: Use X\n\n"
        "Objectives\n  O-1  on-track → at-risk: Grow\n"
    )


def test_reviews_and_owner_changes(tmp_path):
    beta = {"id": "M-1", "title": "Beta", "status": "planned", "due": "2026-12-10"}
    repo = committed(
        tmp_path,
        (
            "2026-11-20",
            {
                "project/risks/R-1-vendor.md": RISK.format(status="open", more="owner: alice\nreviewed: 2026-11-01\n"),
                "project/milestones/M-1-beta.md": MILESTONE.format(**beta),
            },
        ),
        (
            "2026-11-27",
            {
                "project/risks/R-1-vendor.md": RISK.format(status="open", more="owner: '@bob'\nreviewed: 2026-11-27\n"),
                "project/milestones/M-1-beta.md": MILESTONE.format(**beta).replace("due:", "owner: carol\ndue:"),
            },
        ),
    )
    assert digest_of(repo, "2026-11-30", since="2026-11-27") == (
        "Changes in project state since 2026-11-27:\n\n"
        "Owner changes\n  M-1  owner none → @carol: Beta\n  R-1  owner @alice → @bob: Vendor\n\n"
        "Reviews\n  R-1  reviewed on 2026-11-27: Vendor\n"
    )


def test_items_that_became_overdue_in_the_window(tmp_path):
    checkpoints = "## Checkpoints\n\n- [ ] 2026-11-25 Before @dave\n- [ ] 2026-11-27 Load test @dave\n"
    checkpoints += "- [x] 2026-11-28 Ticked\n- [ ] 2026-11-30 Today\n"
    files = {
        "project/milestones/M-1-a.md": MILESTONE.format(
            id="M-1", title="Due Saturday", status="planned", due="2026-11-28"
        ),
        "project/milestones/M-2-b.md": MILESTONE.format(
            id="M-2", title="Late before", status="planned", due="2026-11-26"
        ),
        "project/milestones/M-3-c.md": MILESTONE.format(
            id="M-3", title="Due today", status="planned", due="2026-11-30"
        ),
        "project/milestones/M-4-d.md": MILESTONE.format(id="M-4", title="Done", status="done", due="2026-11-29"),
        "project/milestones/M-5-e.md": MILESTONE.format(id="M-5", title="Later", status="in-progress", due="2026-12-20")
        + checkpoints,
        "project/postmortems/PM-1-a.md": (
            "---\nid: PM-1\ntitle: A\ndate: 2026-11-01\nstatus: draft\n---\n"
            "## Action items\n\n- [ ] 2026-11-29 Add alerting @bob\n- [ ] 2026-11-20 Old\n"
        ),
    }
    repo = committed(tmp_path, ("2026-11-20", files))
    assert digest_of(repo, "2026-11-30", since="2026-11-27") == (
        "Changes in project state since 2026-11-27:\n\n"
        "Became overdue\n"
        "  M-1  due 2026-11-28, still planned: Due Saturday\n"
        "  M-5  checkpoint 2026-11-27 Load test @dave\n"
        "  PM-1  action item 2026-11-29 Add alerting @bob\n"
    )

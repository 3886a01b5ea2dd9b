"""A built-in type's lifecycle is data: a team's own status values are accepted by the
shipped schema and judged by the date rules, and a preset value it no longer declares is
refused."""

from __future__ import annotations

from helpers import make_repo, run_tpm

MILESTONE = "---\nid: M-1\ntitle: Beta\nstatus: {status}\ndue: 2026-11-20\n---\n# Beta\n"
CONFIG = '[types.milestone.lifecycle]\nactive = ["active"]\n'


def _check(tmp_path, status: str, config: str = CONFIG) -> list[str]:
    repo = make_repo(
        tmp_path / "repo",
        {".tpm.toml": config, "project/milestones/M-1-beta.md": MILESTONE.format(status=status)},
    )
    outcome = run_tpm(repo, "check", "--no-history", "--today", "2026-12-01")
    return outcome.out.splitlines()[:-1]


def test_a_declared_status_is_accepted_and_judged_by_its_role(tmp_path):
    assert _check(tmp_path, "active") == [
        "project/milestones/M-1-beta.md:5:6: error overdue M-1 is 11 days overdue (due 2026-11-20, still active)"
    ]


def test_a_preset_status_the_team_no_longer_declares_is_refused(tmp_path):
    assert _check(tmp_path, "in-progress") == [
        "project/milestones/M-1-beta.md:4:9: error schema-violation `status` must be one of planned, done, "
        "cancelled, active (got 'in-progress')"
    ]


def test_the_presets_keep_their_statuses(tmp_path):
    assert _check(tmp_path, "in-progress", config="") == [
        "project/milestones/M-1-beta.md:5:6: error overdue M-1 is 11 days overdue (due 2026-11-20, still in-progress)"
    ]


def test_a_mapping_where_a_date_belongs_is_named_once(tmp_path):
    repo = make_repo(
        tmp_path / "repo",
        {"project/decisions/0001-a.md": "---\ntitle: A\nstatus: proposed\ndate: {when: soon}\n---\n# A\n"},
    )
    outcome = run_tpm(repo, "check", "--no-history", "--today", "2026-12-01")
    assert outcome.out.splitlines()[0] == (
        "project/decisions/0001-a.md:4:7: error schema-violation `date` must be a string (got a mapping)"
    )

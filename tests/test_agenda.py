"""`tpm agenda`, the forward half of a stand-up: what is overdue or due in the next days,
per owner, read from the project as it is now."""

from __future__ import annotations

import pytest

from helpers import make_repo, run_tpm

TODAY = "2026-11-30"

PROJECT = {
    # overdue, owned by alice; one checkpoint owned by bob, one by the milestone's owner,
    # one ticked, one beyond the window
    "project/milestones/M-1-beta.md": (
        "---\nid: M-1\ntitle: Beta\nstatus: in-progress\ndue: 2026-11-27\nowner: '@alice'\n---\n"
        "## Checkpoints\n\n"
        "- [ ] 2026-11-25 Load test @bob\n"
        "- [x] 2026-11-26 Security review\n"
        "- [ ] 2026-12-02 Docs\n"
        "- [ ] 2026-12-20 Launch party\n"
    ),
    # due in the window, nobody named
    "project/milestones/M-2-ga.md": "---\nid: M-2\ntitle: GA\nstatus: planned\ndue: 2026-12-04\n---\n",
    # beyond the window
    "project/milestones/M-3-far.md": "---\nid: M-3\ntitle: Far\nstatus: planned\ndue: 2027-01-04\nowner: carol\n---\n",
    # done: neither it nor its open checkpoint appears
    "project/milestones/M-4-old.md": (
        "---\nid: M-4\ntitle: Old\nstatus: done\ndue: 2026-11-04\ncompleted: 2026-11-04\nowner: alice\n---\n"
        "## Checkpoints\n\n- [ ] 2026-11-25 Forgotten\n"
    ),
    # high band (20): reviewed every 7 days, so next on 2026-12-02
    "project/risks/R-1-vendor.md": (
        "---\nid: R-1\ntitle: Vendor lock-in\nstatus: open\nlikelihood: 5\nimpact: 4\nowner: bob\n"
        "reviewed: 2026-11-25\n---\n## Mitigation\n\nA second vendor.\n"
    ),
    # low band: 30 days, next on 2026-12-25, beyond the window
    "project/risks/R-2-minor.md": (
        "---\nid: R-2\ntitle: Minor\nstatus: open\nlikelihood: 1\nimpact: 2\nowner: bob\n"
        "reviewed: 2026-11-25\n---\n## Mitigation\n\nWatch it.\n"
    ),
    # never reviewed: due today
    "project/risks/R-3-new.md": (
        "---\nid: R-3\ntitle: Never reviewed\nstatus: open\nlikelihood: 2\nimpact: 2\n---\n## Mitigation\n\nx\n"
    ),
    # closed: no review
    "project/risks/R-4-closed.md": (
        "---\nid: R-4\ntitle: Closed\nstatus: closed\nlikelihood: 5\nimpact: 5\nreviewed: 2026-01-01\n---\n"
    ),
    "project/decisions/0001-use-x.md": (
        "---\ntitle: Use X\nstatus: accepted\ndate: 2026-01-01\nreview_by: 2026-12-01\nowner: alice\n---\n"
    ),
    "project/decisions/0002-use-y.md": (
        "---\ntitle: Use Y\nstatus: rejected\ndate: 2026-01-01\nreview_by: 2026-12-01\nowner: alice\n---\n"
    ),
    "project/postmortems/PM-1-outage.md": (
        "---\nid: PM-1\ntitle: Outage\ndate: 2026-11-01\nstatus: draft\nowner: dave\n---\n"
        "## Lessons learned\n\nAlerting.\n\n## Action items\n\n"
        "- [ ] 2026-11-29 Add alerting @bob\n"
        "- [ ] 2026-12-01 Write runbook\n"
        "- [x] 2026-11-20 Restart the service\n"
    ),
    # unreadable front-matter: skipped, as `tpm check` reports it
    "project/milestones/M-5-broken.md": "---\nid: M-5\ntitle: [unclosed\ndue: 2026-11-01\n---\n",
}

EXPECTED = """\
Agenda for 2026-11-30: overdue, and due in the next 7 days (by 2026-12-07):

@alice
  2026-11-27  3 days overdue  milestone due    M-1       Beta
  2026-12-01  in 1 day        decision review  ADR-0001  Use X
  2026-12-02  in 2 days       checkpoint       M-1       Docs

@bob
  2026-11-25  5 days overdue  checkpoint       M-1       Load test
  2026-11-29  1 day overdue   action item      PM-1      Add alerting
  2026-12-02  in 2 days       risk review      R-1       Vendor lock-in

@dave
  2026-12-01  in 1 day        action item      PM-1      Write runbook

No owner
  2026-11-30  today           risk review      R-3       Never reviewed
  2026-12-04  in 4 days       milestone due    M-2       GA
"""


@pytest.fixture
def project(tmp_path):
    return make_repo(tmp_path / "repo", PROJECT)


def agenda(repo, *args):
    return run_tpm(repo, "agenda", "--today", TODAY, *args)


def test_the_agenda_per_owner(project):
    outcome = agenda(project)
    assert (outcome.code, outcome.out, outcome.err) == (0, EXPECTED, "")


def test_the_output_is_deterministic(project):
    assert agenda(project).out == agenda(project).out


@pytest.mark.parametrize("name", ["@bob", "bob", "Bob"])
def test_owner_filter_with_or_without_at(project, name):
    outcome = agenda(project, "--owner", name)
    assert (outcome.code, outcome.out) == (
        0,
        "Agenda for 2026-11-30: overdue, and due in the next 7 days (by 2026-12-07):\n"
        "\n"
        "@bob\n"
        "  2026-11-25  5 days overdue  checkpoint   M-1   Load test\n"
        "  2026-11-29  1 day overdue   action item  PM-1  Add alerting\n"
        "  2026-12-02  in 2 days       risk review  R-1   Vendor lock-in\n",
    )


def test_an_owner_with_nothing_due(project):
    outcome = agenda(project, "--owner", "@carol")
    assert (outcome.code, outcome.out) == (0, "Nothing overdue or due in the next 7 days (by 2026-12-07) for @carol.\n")


def test_days_zero_is_overdue_and_today_only(project):
    outcome = agenda(project, "--days", "0")
    assert (outcome.code, outcome.out) == (
        0,
        "Agenda for 2026-11-30: overdue, and due today:\n"
        "\n"
        "@alice\n"
        "  2026-11-27  3 days overdue  milestone due  M-1   Beta\n"
        "\n"
        "@bob\n"
        "  2026-11-25  5 days overdue  checkpoint     M-1   Load test\n"
        "  2026-11-29  1 day overdue   action item    PM-1  Add alerting\n"
        "\n"
        "No owner\n"
        "  2026-11-30  today           risk review    R-3   Never reviewed\n",
    )


def test_a_longer_window_reaches_further(project):
    out = agenda(project, "--days", "40").out
    assert "\n@carol\n  2027-01-04  in 35 days  " in out and out.endswith("  GA\n")
    assert "risk review      R-2       Minor" in out  # 2026-11-25 + 30 days
    assert "Launch party" in out
    assert "Forgotten" not in out and "Old" not in out and "ADR-0002" not in out and "R-4" not in out


def test_a_huge_window_does_not_overflow(project):
    outcome = agenda(project, "--days", str(10**30))
    assert outcome.code == 0
    assert "(by 9999-12-31)" in outcome.out


@pytest.mark.parametrize("days", ["-1", "soon"])
def test_bad_days_is_a_one_line_usage_error(project, days):
    outcome = agenda(project, "--days", days)
    assert outcome.code == 2
    assert outcome.out == ""
    assert outcome.err.count("\n") == 1 and outcome.err.startswith("tpm: error:")
    assert "--days" in outcome.err


def test_a_blank_owner_is_a_usage_error(project):
    outcome = agenda(project, "--owner", "@")
    assert (outcome.code, outcome.out) == (2, "")
    assert outcome.err == "tpm: error: --owner: give a name, as @name or name\n"


def test_nothing_due(tmp_path):
    repo = make_repo(
        tmp_path / "repo",
        {"project/milestones/M-1-a.md": "---\nid: M-1\ntitle: A\nstatus: planned\ndue: 2027-06-01\n---\n"},
    )
    assert agenda(repo).out == "Nothing overdue or due in the next 7 days (by 2026-12-07).\n"
    assert agenda(repo, "--days", "0").out == "Nothing overdue or due today.\n"
    assert agenda(repo, "--format", "markdown").out == "Nothing overdue or due in the next 7 days (by 2026-12-07).\n"


def test_markdown_links_relative_to_the_current_folder(project):
    outcome = agenda(project, "--format", "markdown", "--owner", "alice")
    assert (outcome.code, outcome.out) == (
        0,
        "## Agenda for 2026-11-30: overdue, and due in the next 7 days (by 2026-12-07)\n"
        "\n"
        "### @alice\n"
        "\n"
        "- 2026-11-27, 3 days overdue: milestone due [M-1](project/milestones/M-1-beta.md) Beta\n"
        "- 2026-12-01, in 1 day: decision review [ADR-0001](project/decisions/0001-use-x.md) Use X\n"
        "- 2026-12-02, in 2 days: checkpoint [M-1](project/milestones/M-1-beta.md) Docs\n",
    )
    nested = run_tpm(project / "project" / "milestones", "agenda", "--today", TODAY, "--format", "markdown")
    assert "[M-2](M-2-ga.md) GA" in nested.out
    assert "[R-1](../risks/R-1-vendor.md) Vendor lock-in" in nested.out


HOSTILE = {
    "project/milestones/M-9 odd (name).md": (
        '---\nid: M-9\ntitle: "Ship `rm -rf` | <script>alert(1)</script> [x](javascript:y) \\e[31mred"\n'
        "status: planned\ndue: 2026-12-01\nowner: '<b>mallory</b>'\n---\n"
    ),
}


def test_markdown_escapes_a_hostile_title(tmp_path):
    repo = make_repo(tmp_path / "repo", HOSTILE)
    out = agenda(repo, "--format", "markdown").out
    assert out == (
        "## Agenda for 2026-11-30: overdue, and due in the next 7 days (by 2026-12-07)\n"
        "\n"
        "### @&lt;b&gt;mallory&lt;/b&gt;\n"
        "\n"
        "- 2026-12-01, in 1 day: milestone due [M-9](project/milestones/M-9%20odd%20%28name%29.md) "
        "Ship \\`rm -rf\\` \\| &lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](javascript:y) \\\\x1b\\[31mred\n"
    )
    assert "<script>" not in out and "\x1b" not in out


def test_text_escapes_controls(tmp_path):
    repo = make_repo(tmp_path / "repo", HOSTILE)
    out = agenda(repo).out
    assert "\x1b" not in out
    assert "  2026-12-01  in 1 day  milestone due  M-9  Ship `rm -rf` | <script>alert(1)</script>" in out
    assert "@<b>mallory</b>\n" in out


CUSTOM = {
    ".tpm.toml": (
        "[types.task]\n"
        'paths = ["board/*.md"]\n'
        'checkpoints = "Subtasks"\n'
        "review_every = 10\n"
        "[types.task.lifecycle]\n"
        'planned = ["To Do"]\n'
        'active = ["Doing"]\n'
        'done = ["Done"]\n'
        "[types.task.dates]\n"
        'due = "due_date"\n'
        'reviewed = "looked_at"\n'
    ),
    "board/task-1 - Login.md": (
        "---\nid: task-1\ntitle: Login\nstatus: Doing\ndue_date: 2026-11-28\nlooked_at: 2026-11-22\nowner: erin\n---\n"
        "## Subtasks\n\n- [ ] 2026-12-03 Password reset @frank\n- [x] 2026-11-20 Form\n"
    ),
    "board/task-2 - Logout.md": (
        "---\nid: task-2\ntitle: Logout\nstatus: Done\ndue_date: 2026-11-28\nowner: erin\n---\n"
    ),
    "board/task-10 - Signup.md": "---\nid: task-10\ntitle: Signup\nstatus: To Do\ndue_date: 2026-11-28\n---\n",
}


def test_a_users_own_type(tmp_path):
    repo = make_repo(tmp_path / "repo", CUSTOM)
    outcome = agenda(repo)
    assert (outcome.code, outcome.out, outcome.err) == (
        0,
        "Agenda for 2026-11-30: overdue, and due in the next 7 days (by 2026-12-07):\n"
        "\n"
        "@erin\n"
        "  2026-11-28  2 days overdue  task due     task-1   Login\n"
        "  2026-12-02  in 2 days       task review  task-1   Login\n"
        "\n"
        "@frank\n"
        "  2026-12-03  in 3 days       subtask      task-1   Password reset\n"
        "\n"
        "No owner\n"
        "  2026-11-28  2 days overdue  task due     task-10  Signup\n",
        "",
    )


def test_a_title_on_two_lines_stays_on_one(tmp_path):
    repo = make_repo(
        tmp_path / "repo",
        {"project/milestones/M-1-a.md": '---\nid: M-1\ntitle: "Two\\nlines"\nstatus: planned\ndue: 2026-12-01\n---\n'},
    )
    assert agenda(repo).out.endswith("\nNo owner\n  2026-12-01  in 1 day  milestone due  M-1  Two lines\n")
    assert agenda(repo, "--format", "markdown").out.endswith("[M-1](project/milestones/M-1-a.md) Two lines\n")

"""`tpm report --as-of` and `--update` (issue 18): a committed status page dated by the
project's last change, so that `--check` stays green on the days nothing changes."""

from __future__ import annotations

import json
import re

import pytest

from helpers import git, make_repo, run_tpm, shallow_clone, write_files

MILESTONE_PATH = "project/milestones/M-1-launch.md"
MILESTONE = "---\nid: M-1\ntitle: Launch\nstatus: in-progress\ndue: {due}\n---\n# Launch\n"
SECOND_PATH = "project/milestones/M-2-beta.md"
SECOND = "---\nid: M-2\ntitle: Beta\nstatus: in-progress\ndue: 2026-12-24\n---\n# Beta\n"
DAY = "2026-11-10"  # the day the fixture's only document was committed
LAST = ("--as-of", "last-change")


def commit(repo, date, files=None, message=None):
    write_files(repo, files or {})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message or f"on {date}", date=f"{date}T12:00:00+00:00")


def as_of(markdown: str) -> str:
    """The report's date, from its one `As of **DATE**` line (asserted to be exactly one)."""
    found = re.findall(r"^As of \*\*(\d{4}-\d{2}-\d{2})\*\* the project is ", markdown, re.M)
    assert len(found) == 1, markdown[:300]
    return found[0]


def report_date(repo, *args: str) -> str:
    """The date `tpm report ARGS` renders with, from the Markdown and from the JSON."""
    markdown = run_tpm(repo, "report", *args)
    assert (markdown.code, markdown.err) == (0, ""), markdown.err
    data = run_tpm(repo, "report", "--format", "json", *args)
    assert (data.code, data.err) == (0, ""), data.err
    assert json.loads(data.out)["today"] == as_of(markdown.out)
    return as_of(markdown.out)


@pytest.fixture
def repo(tmp_path):
    """One milestone, committed on DAY; nothing else."""
    return make_repo(
        tmp_path / "repo", {MILESTONE_PATH: MILESTONE.format(due="2026-12-20")}, date=f"{DAY}T12:00:00+00:00"
    )


def render_and_commit(repo, output="STATUS.md", cwd=None):
    """`tpm report --as-of last-change --output OUTPUT` on DAY, committed on DAY."""
    outcome = run_tpm(cwd or repo, "report", *LAST, "--today", DAY, "--output", output)
    assert (outcome.code, outcome.out, outcome.err) == (0, f"wrote {output}\n", "")
    commit(repo, DAY, message="status page")


def check(repo, today, output="STATUS.md", cwd=None):
    return run_tpm(cwd or repo, "report", "--check", *LAST, "--output", output, "--today", today)


# 1. Stable across days when no document changes.


def test_check_with_last_change_stays_green_on_later_days_without_document_changes(repo, monkeypatch):
    render_and_commit(repo)
    page = (repo / "STATUS.md").read_text(encoding="utf-8")
    assert as_of(page) == DAY
    assert "40 days left" in page  # due 2026-12-20, counted from DAY, not from any later day
    for later in ("2026-11-11", "2026-12-10"):
        outcome = check(repo, later)
        assert (outcome.code, outcome.out, outcome.err) == (0, "STATUS.md is up to date\n", "")
    # The same check dated by the clock goes stale the next day: the option is what keeps it green.
    clock = run_tpm(repo, "report", "--check", "--output", "STATUS.md", "--today", "2026-11-11")
    assert clock.code == 1
    assert clock.out.endswith("STATUS.md is out of date; run tpm report --output STATUS.md\n")
    # Later commits of files that are no documents: outside every document folder, and
    # inside the root folder but excluded (README.md) or not Markdown.
    commit(
        repo,
        "2026-11-20",
        {
            "notes.txt": "notes\n",
            "README.md": "# Readme\n",
            "project/README.md": "# About the project folder\n",
            "project/notes.txt": "not markdown\n",
            "docs/guide.md": "# A guide outside the project folder\n",
        },
    )
    monkeypatch.setenv("TPM_TODAY", "2026-12-10")  # today from the environment, too
    outcome = run_tpm(repo, "report", "--check", *LAST, "--output", "STATUS.md")
    assert (outcome.code, outcome.out, outcome.err) == (0, "STATUS.md is up to date\n", "")
    assert report_date(repo, *LAST) == DAY
    assert git(repo, "status", "--porcelain") == ""  # --check wrote nothing


# 2. Failing when a document changed.


def test_check_fails_after_a_committed_document_change_and_names_the_as_of(repo):
    render_and_commit(repo)
    before = (repo / "STATUS.md").read_bytes()
    commit(repo, "2026-11-15", {MILESTONE_PATH: MILESTONE.format(due="2026-12-21")})
    outcome = check(repo, "2026-11-30")
    assert outcome.code == 1 and outcome.err == ""
    assert outcome.out.startswith("--- STATUS.md\n+++ fresh render\n")
    assert f"\n-As of **{DAY}** the project is " in outcome.out
    assert "\n+As of **2026-11-15** the project is " in outcome.out
    assert outcome.out.endswith("STATUS.md is out of date; run tpm report --as-of last-change --output STATUS.md\n")
    assert (repo / "STATUS.md").read_bytes() == before


def test_check_fails_when_a_document_has_uncommitted_changes(repo):
    render_and_commit(repo)
    write_files(repo, {MILESTONE_PATH: MILESTONE.format(due="2026-12-20") + "An unsaved thought.\n"})
    outcome = check(repo, "2026-11-25")
    assert outcome.code == 1
    assert "\n+As of **2026-11-25** the project is " in outcome.out
    assert outcome.out.endswith("STATUS.md is out of date; run tpm report --as-of last-change --output STATUS.md\n")
    assert report_date(repo, *LAST, "--today", "2026-11-25") == "2026-11-25"


# 3. Which commit is the last change.


def test_last_change_is_the_newest_document_commit_not_a_newer_other_commit(repo):
    commit(repo, "2026-11-12", {MILESTONE_PATH: MILESTONE.format(due="2026-12-21")})
    commit(repo, "2026-11-14", {"notes.txt": "later\n", "project/README.md": "# Later\n"})
    commit(repo, "2026-11-16", {"project/data.json": "{}\n"})
    assert report_date(repo, *LAST, "--today", "2026-11-30") == "2026-11-12"


def test_a_renamed_document_is_a_change_on_the_day_of_the_rename(repo):
    commit(repo, "2026-11-12", {SECOND_PATH: SECOND})
    git(repo, "mv", SECOND_PATH, "project/milestones/M-2-beta-release.md")
    commit(repo, "2026-11-15")
    assert "R100" in git(repo, "show", "--raw", "-M", "--format=", "HEAD")  # a pure rename
    commit(repo, "2026-11-18", {"notes.txt": "not a document\n"})
    assert report_date(repo, *LAST, "--today", "2026-11-30") == "2026-11-15"


def test_a_deleted_document_is_a_change_on_the_day_of_the_delete(repo):
    commit(repo, "2026-11-12", {SECOND_PATH: SECOND})
    git(repo, "rm", "-q", SECOND_PATH)
    commit(repo, "2026-11-17")
    commit(repo, "2026-11-19", {"notes.txt": "not a document\n"})
    assert report_date(repo, *LAST, "--today", "2026-11-30") == "2026-11-17"


@pytest.mark.parametrize("target", ["attic-M-2-beta.txt", "project/M-2-beta.txt"])
def test_a_document_renamed_to_a_name_that_is_no_document_is_a_change(repo, target):
    """Outside the document folders, or inside the root folder but not Markdown: only the
    old name is a document, and it counts."""
    commit(repo, "2026-11-12", {SECOND_PATH: SECOND})
    git(repo, "mv", SECOND_PATH, target)
    commit(repo, "2026-11-16")
    commit(repo, "2026-11-18", {"notes.txt": "not a document\n"})
    assert report_date(repo, *LAST, "--today", "2026-11-30") == "2026-11-16"


def test_commits_of_the_report_file_itself_do_not_count(repo):
    # At the top: no document by its name anyway.
    render_and_commit(repo)
    commit(repo, "2026-11-20", {"STATUS.md": "hand-edited\n"})
    run_tpm(repo, "report", *LAST, "--today", "2026-11-20", "--output", "STATUS.md")
    commit(repo, "2026-11-21")
    assert as_of((repo / "STATUS.md").read_text(encoding="utf-8")) == DAY
    assert check(repo, "2026-11-30").code == 0


def test_a_report_file_under_the_root_folder_is_no_document_of_its_own_date(repo):
    inner = "project/STATUS.md"  # Markdown under the root folder: a document by its name
    # Rendered and still untracked: the page's own change does not make it today.
    outcome = run_tpm(repo, "report", *LAST, "--today", "2026-11-20", "--output", inner)
    assert (outcome.code, outcome.out) == (0, f"wrote {inner}\n")
    assert as_of((repo / inner).read_text(encoding="utf-8")) == DAY
    untracked = check(repo, "2026-11-21", inner)
    assert (untracked.code, untracked.out) == (0, f"{inner} is up to date\n")
    # Committed on a later day: that commit does not count either, given as a path from
    # the repository or from the folder it is in.
    commit(repo, "2026-11-20")
    committed = check(repo, "2026-11-30", inner)
    assert (committed.code, committed.out) == (0, f"{inner} is up to date\n")
    from_inside = check(repo, "2026-11-30", "STATUS.md", cwd=repo / "project")
    assert (from_inside.code, from_inside.out) == (0, "STATUS.md is up to date\n")
    # Without --output the same file is Markdown under the root folder, so its commit counts.
    assert report_date(repo, *LAST, "--today", "2026-11-30") == "2026-11-20"


# 4. Today: no commits, untracked, staged.


def test_no_commits_means_today(tmp_path):
    repo = make_repo(tmp_path / "repo", {MILESTONE_PATH: MILESTONE.format(due="2026-12-20")}, commit=False)
    assert report_date(repo, *LAST, "--today", "2026-11-22") == "2026-11-22"


def test_commits_that_never_changed_a_document_mean_today(tmp_path):
    repo = make_repo(tmp_path / "repo", {"notes.txt": "hello\n"}, date=f"{DAY}T12:00:00+00:00")
    assert report_date(repo, *LAST, "--today", "2026-11-22") == "2026-11-22"


def test_an_untracked_new_document_means_today(repo):
    assert report_date(repo, *LAST, "--today", "2026-11-22") == DAY
    write_files(repo, {SECOND_PATH: SECOND})
    assert report_date(repo, *LAST, "--today", "2026-11-22") == "2026-11-22"


def test_an_untracked_file_that_is_no_document_keeps_the_last_change(repo):
    write_files(repo, {"project/README.md": "# draft\n", "project/scratch.txt": "x\n", "notes.md": "# n\n"})
    assert report_date(repo, *LAST, "--today", "2026-11-22") == DAY


def test_a_staged_only_change_means_today(repo):
    write_files(repo, {MILESTONE_PATH: MILESTONE.format(due="2026-12-22")})
    git(repo, "add", MILESTONE_PATH)
    write_files(repo, {MILESTONE_PATH: MILESTONE.format(due="2026-12-20")})  # work tree back to HEAD
    assert git(repo, "diff", "--name-only") == MILESTONE_PATH + "\n"  # the work tree differs from the index
    assert git(repo, "diff", "--cached", "--name-only") == MILESTONE_PATH + "\n"
    assert git(repo, "diff", "HEAD", "--name-only") == ""  # and equals HEAD: only the index changed
    assert report_date(repo, *LAST, "--today", "2026-11-22") == "2026-11-22"


def test_a_staged_rename_of_a_document_to_a_name_that_is_no_document_means_today(repo):
    commit(repo, "2026-11-12", {SECOND_PATH: SECOND})
    git(repo, "mv", SECOND_PATH, "project/M-2-beta.txt")  # staged: the document is gone
    assert report_date(repo, *LAST, "--today", "2026-11-22") == "2026-11-22"


# 5. Fixed dates, today, and bad values.


def test_a_date_fixes_the_report_date(repo, monkeypatch):
    monkeypatch.setenv("TPM_TODAY", "2026-11-20")  # the environment's today does not conflict
    assert report_date(repo, "--as-of", "2026-12-01") == "2026-12-01"
    same = run_tpm(repo, "report", "--as-of", "2026-12-01", "--today", "2026-12-01")
    assert (same.code, same.err) == (0, "")
    assert same.out == run_tpm(repo, "report", "--as-of", "2026-12-01").out


def test_as_of_today_is_the_same_as_no_option(repo, monkeypatch):
    given = run_tpm(repo, "report", "--as-of", "today", "--today", "2026-11-22")
    assert (given.code, as_of(given.out)) == (0, "2026-11-22")
    assert given.out == run_tpm(repo, "report", "--today", "2026-11-22").out
    monkeypatch.setenv("TPM_TODAY", "2026-11-23")
    assert report_date(repo, "--as-of", "today") == "2026-11-23"
    assert run_tpm(repo, "report", "--as-of", "today").out == run_tpm(repo, "report").out


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("--as-of", "2026-12-01", "--today", "2026-12-02"),
            "tpm: error: --as-of and --today give two different dates; give one of them\n",
        ),
        (
            ("--as-of", "nope"),
            "tpm: error: --as-of: 'nope' is neither last-change, today nor a date as YYYY-MM-DD\n",
        ),
        (
            ("--as-of", "2026-02-30"),
            "tpm: error: --as-of: '2026-02-30' is neither last-change, today nor a date as YYYY-MM-DD\n",
        ),
        (
            ("--as-of", "last-change", "--today", "someday"),
            "tpm: error: --today: 'someday' is not a date as YYYY-MM-DD\n",
        ),
    ],
)
def test_bad_as_of_values_are_usage_errors_on_one_line(repo, args, message):
    outcome = run_tpm(repo, "report", *args, "--output", "STATUS.md")
    assert (outcome.code, outcome.out, outcome.err) == (2, "", message)
    assert not (repo / "STATUS.md").exists()


# 6. --update.


def test_update_writes_a_missing_file_and_exits_1(repo):
    outcome = run_tpm(repo, "report", "--update", *LAST, "--output", "STATUS.md", "--today", "2026-11-20")
    assert (outcome.code, outcome.err) == (1, "")
    assert outcome.out == "wrote STATUS.md, which was missing; stage it: git add STATUS.md\n"
    assert as_of((repo / "STATUS.md").read_text(encoding="utf-8")) == DAY


def test_update_leaves_a_current_file_alone_and_exits_0(repo):
    render_and_commit(repo)
    path = repo / "STATUS.md"
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    outcome = run_tpm(repo, "report", "--update", *LAST, "--output", "STATUS.md", "--today", "2026-12-01")
    assert (outcome.code, outcome.out, outcome.err) == (0, "STATUS.md is up to date\n", "")
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_update_rewrites_an_out_of_date_file_as_output_would_and_exits_1(repo):
    render_and_commit(repo)
    commit(repo, "2026-11-15", {MILESTONE_PATH: MILESTONE.format(due="2026-12-21")})
    outcome = run_tpm(repo, "report", "--update", *LAST, "--output", "STATUS.md", "--today", "2026-11-30")
    assert (outcome.code, outcome.err) == (1, "")
    assert outcome.out == "updated STATUS.md, which was out of date; stage it: git add STATUS.md\n"
    updated = (repo / "STATUS.md").read_bytes()
    # Exactly what a plain `--output` writes to the same path (its links are relative to it).
    (repo / "STATUS.md").unlink()
    plain = run_tpm(repo, "report", *LAST, "--output", "STATUS.md", "--today", "2026-11-30")
    assert (plain.code, plain.out) == (0, "wrote STATUS.md\n")
    assert updated == (repo / "STATUS.md").read_bytes()
    assert as_of(updated.decode("utf-8")) == "2026-11-15"
    # And now it is current: a second run changes nothing.
    again = run_tpm(repo, "report", "--update", *LAST, "--output", "STATUS.md", "--today", "2026-11-30")
    assert (again.code, again.out) == (0, "STATUS.md is up to date\n")


def test_update_rewrites_a_json_report_too(repo):
    args = ("report", "--format", "json", "--update", *LAST, "--output", "status.json", "--today", "2026-11-30")
    assert run_tpm(repo, *args).code == 1
    assert json.loads((repo / "status.json").read_text(encoding="utf-8"))["today"] == DAY
    assert run_tpm(repo, *args).code == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (("--update",), "tpm: error: --update compares with a file: give --output FILE\n"),
        (
            ("--update", "--check", "--output", "STATUS.md"),
            "tpm: error: --check writes nothing and --update rewrites the file: give one of them\n",
        ),
    ],
)
def test_update_needs_output_and_excludes_check(repo, args, message):
    outcome = run_tpm(repo, "report", *args, "--today", "2026-11-20")
    assert (outcome.code, outcome.out, outcome.err) == (2, "", message)
    assert not (repo / "STATUS.md").exists()


# 7. The configured time zone.


def test_the_configured_time_zone_dates_the_last_change(tmp_path):
    late = "2026-11-28T20:00:00+00:00"  # 09:00 on 2026-11-29 in Auckland (NZDT, +13:00)
    files = {MILESTONE_PATH: MILESTONE.format(due="2026-12-20")}
    plain = make_repo(tmp_path / "plain", files, date=late)
    assert report_date(plain, *LAST, "--today", "2026-12-05") == "2026-11-28"
    zoned = make_repo(tmp_path / "zoned", {**files, ".tpm.toml": 'timezone = "Pacific/Auckland"\n'}, date=late)
    assert report_date(zoned, *LAST, "--today", "2026-12-05") == "2026-11-29"


def test_without_a_time_zone_the_committers_own_day_counts(tmp_path):
    # 04:30 UTC on 2026-11-29, but 2026-11-28 where it was committed.
    repo = make_repo(
        tmp_path / "repo", {MILESTONE_PATH: MILESTONE.format(due="2026-12-20")}, date="2026-11-28T23:30:00-05:00"
    )
    assert report_date(repo, *LAST, "--today", "2026-12-05") == "2026-11-28"


# 8. A shallow clone.


def test_last_change_in_a_shallow_clone_is_a_usage_error(repo, tmp_path):
    commit(repo, "2026-11-15", {MILESTONE_PATH: MILESTONE.format(due="2026-12-21")})
    clone = shallow_clone(repo, tmp_path / "clone")
    assert (clone / ".git" / "shallow").is_file()
    outcome = run_tpm(clone, "report", *LAST, "--today", "2026-11-30", "--output", "STATUS.md")
    assert (outcome.code, outcome.out) == (2, "")
    assert outcome.err.startswith("tpm: error: --as-of last-change") and "shallow clone" in outcome.err
    assert "fetch-depth: 0" in outcome.err and outcome.err.count("\n") == 1
    # --no-history does not help here (the date itself is read from history), so it is no advice.
    assert "--no-history" not in outcome.err
    again = run_tpm(clone, "report", *LAST, "--no-history", "--today", "2026-11-30")
    assert (again.code, again.err) == (2, outcome.err)
    assert not (clone / "STATUS.md").exists()
    # A fixed date reads no history for the date, so it works there (without the history rules).
    fixed = run_tpm(clone, "report", "--as-of", "2026-11-30", "--no-history")
    assert (fixed.code, as_of(fixed.out)) == (0, "2026-11-30")


def test_staged_reports_on_what_the_commit_records(repo):
    # An untracked draft re-dates the work tree's page and appears in it; with --staged
    # (the commit hook's reading) it is left out of both, and a staged change counts.
    write_files(repo, {SECOND_PATH: SECOND})
    assert report_date(repo, *LAST, "--today", "2026-11-22") == "2026-11-22"
    assert report_date(repo, *LAST, "--staged", "--today", "2026-11-22") == DAY
    staged_page = run_tpm(repo, "report", *LAST, "--staged", "--today", "2026-11-22").out
    assert "M-2" not in staged_page and "M-2" in run_tpm(repo, "report", *LAST, "--today", "2026-11-22").out
    git(repo, "add", SECOND_PATH)
    assert report_date(repo, *LAST, "--staged", "--today", "2026-11-22") == "2026-11-22"
    assert "M-2" in run_tpm(repo, "report", *LAST, "--staged", "--today", "2026-11-22").out

"""Issue 11, what git history and the caches can do to tpm in an untrusted repository:
huge past versions (case 5), planted caches (case 9), hostile commit dates (case 13) and
keys the history scan did not read as YAML does (case 14). Each test failed on the code
before the fix, except the control that a cache signed with the same TPM_CACHE_KEY is used."""

from __future__ import annotations

import datetime
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import git, git_env, make_repo, run_tpm, write_files

TODAY = "2026-11-27"
MIB = 1024 * 1024
MILESTONE_PATH = "project/milestones/M-1-launch.md"
RISK_PATH = "project/risks/R-1-outage.md"
HISTORY_RULES = {"stale-checkpoint", "stale", "unreviewed", "slipped"}


def milestone(due: str, front: str | None = None) -> str:
    front = front if front is not None else f"due: {due}"
    return f"---\nid: M-1\ntitle: Launch\nstatus: in-progress\n{front}\n---\n# Launch\n"


def commit(repo: Path, date: str, files: dict) -> None:
    write_files(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"on {date}", date=f"{date}T12:00:00+00:00")


def history_findings(repo: Path, *args: str) -> list:
    outcome = run_tpm(repo, "check", "--today", TODAY, "--format", "json", *args)
    assert outcome.code in (0, 1) and outcome.err == "", outcome.err
    return [
        (d["path"], d["line"], d["rule"], d["message"])
        for d in json.loads(outcome.out)["diagnostics"]
        if d["rule"] in HISTORY_RULES
    ]


# --- case 5: past versions over the size cap are never read -----------------------------

MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
sys.stdout.write(f"{done.returncode} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n")
sys.stdout.write(done.stdout.decode("utf-8", "replace"))
"""


def peak_rss_mib(repo: Path, *args: str) -> tuple[int, float, str]:
    """`tpm ARGS` as a subprocess of a fresh helper: (exit code, peak RSS of the process
    tree in MiB, stdout). git's own processes count too."""
    helper = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "tpm", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    first, _, out = helper.stdout.partition("\n")
    code, kib = first.split()
    return int(code), int(kib) / 1024, out


BIG = 60 * MIB  # tpm alone peaks near 30 MiB; holding this version once would pass 90


@pytest.fixture
def huge_past(tmp_path):
    """A milestone whose middle version was 60 MiB (compressible, so the clone is small)."""
    repo = make_repo(tmp_path / "repo")
    commit(repo, "2026-10-01", {MILESTONE_PATH: milestone("2026-12-01")})
    commit(repo, "2026-10-10", {MILESTONE_PATH: milestone("2026-12-09") + "x" * BIG + "\n"})
    commit(repo, "2026-10-20", {MILESTONE_PATH: milestone("2026-12-20")})
    return repo


def test_a_huge_past_version_is_skipped_by_check_without_being_read(huge_past):
    code, rss, out = peak_rss_mib(huge_past, "check", "--no-cache", "--today", TODAY, "--format", "json")
    assert rss < 80, f"peak RSS {rss:.0f} MiB"
    assert code == 0  # warnings only
    findings = [(d["rule"], d["message"]) for d in json.loads(out)["diagnostics"] if d["rule"] in HISTORY_RULES]
    # The huge version is skipped: the fold sees 2026-12-01 then 2026-12-20, one slip.
    assert findings == [
        ("stale", "M-1 is in progress but its file has had no commit for 38 days (last 2026-10-20)"),
        ("slipped", "due moved later once, 19 days in total: 2026-10-20: 2026-12-01 → 2026-12-20 (+19d)"),
    ]


def test_a_huge_past_version_is_not_read_by_changes(huge_past):
    base = git(huge_past, "rev-parse", "HEAD~1").strip()
    code, rss, out = peak_rss_mib(huge_past, "changes", "--since", base, "--today", TODAY)
    assert rss < 80, f"peak RSS {rss:.0f} MiB"
    assert code == 0
    # Not read, the old version counts as absent, so the milestone shows as new.
    assert out == (
        f"Changes in project state since {base} ({base[:10]}):\n\nMilestones\n  M-1  new: Launch (due 2026-12-20, "
        f"in-progress)\n"
    )


def test_a_huge_staged_version_is_not_read(tmp_path):
    repo = make_repo(tmp_path / "repo")
    commit(repo, "2026-10-01", {MILESTONE_PATH: milestone("2026-12-01")})
    write_files(repo, {MILESTONE_PATH: milestone("2026-12-09") + "x" * BIG + "\n"})
    git(repo, "add", "-A")
    write_files(repo, {MILESTONE_PATH: milestone("2026-12-09")})  # the work tree differs from the index
    code, rss, _ = peak_rss_mib(repo, "check", "--staged", "--no-cache", "--today", TODAY, "--format", "json")
    assert rss < 80, f"peak RSS {rss:.0f} MiB"
    assert code == 1


def test_a_huge_staged_version_is_reported_over_the_limit(tmp_path):
    repo = make_repo(tmp_path / "repo")
    commit(repo, "2026-10-01", {MILESTONE_PATH: milestone("2026-12-01")})
    write_files(repo, {MILESTONE_PATH: milestone("2026-12-09") + "x" * (2 * MIB) + "\n"})
    git(repo, "add", "-A")
    write_files(repo, {MILESTONE_PATH: milestone("2026-12-09")})
    outcome = run_tpm(repo, "check", "--staged", "--no-history", "--today", TODAY, "--format", "json")
    assert outcome.code == 1
    size = len(milestone("2026-12-09")) + 2 * MIB + 1
    assert [(d["path"], d["rule"], d["message"]) for d in json.loads(outcome.out)["diagnostics"]] == [
        (MILESTONE_PATH, "parse-error", f"file is {size:,} bytes, over the 1,048,576-byte limit; not read")
    ]


# --- case 9: caches cannot lie ------------------------------------------------------------

BROKEN = "---\nid: M-1\ntitle: Launch\nstatus: doing\ndue: 2026-12-01\n---\n# Launch\n"


def documents_cache(repo: Path) -> Path:
    return repo / ".git" / "tpm-cache" / "documents.json"


def test_a_planted_document_cache_claiming_a_broken_file_is_clean_is_ignored(tmp_path):
    repo = make_repo(tmp_path / "repo", {MILESTONE_PATH: BROKEN})
    expected = run_tpm(repo, "check", "--no-history", "--today", TODAY, "--no-cache")
    assert expected.code == 1
    assert run_tpm(repo, "check", "--no-history", "--today", TODAY).code == 1  # writes the cache
    planted = json.loads(documents_cache(repo).read_text())
    for entry in planted["entries"].values():
        entry["data"]["status"], entry["problems"] = "planned", []
    documents_cache(repo).write_text(json.dumps(planted))  # the signature no longer matches
    assert run_tpm(repo, "check", "--no-history", "--today", TODAY).out == expected.out
    assert run_tpm(repo, "check", "--no-history", "--today", TODAY).code == 1


@pytest.fixture
def slipping(tmp_path):
    repo = make_repo(tmp_path / "repo")
    for date, due in (("2026-10-01", "2026-12-01"), ("2026-10-10", "2026-12-09"), ("2026-10-20", "2026-12-20")):
        commit(repo, date, {MILESTONE_PATH: milestone(due)})
    return repo


SLIPPED = (
    MILESTONE_PATH,
    5,
    "slipped",
    "due moved later 2 times, 19 days in total: 2026-10-10: 2026-12-01 → 2026-12-09 (+8d); "
    "2026-10-20: 2026-12-09 → 2026-12-20 (+11d)",
)


def test_a_planted_history_cache_hiding_slips_is_ignored(slipping):
    assert SLIPPED in history_findings(slipping)  # writes the cache
    cache = slipping / ".git" / "tpm-cache" / "history.json"
    planted = json.loads(cache.read_text())
    for state in planted["files"].values():
        state["moves"] = {}
    cache.write_text(json.dumps(planted))
    assert SLIPPED in history_findings(slipping)


def test_the_signing_key_is_private_to_the_clone(slipping):
    history_findings(slipping)
    key = slipping / ".git" / "tpm-cache.key"
    assert key.stat().st_size == 32
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "second_key, accepted",
    [("shared secret", True), ("", False), (None, False)],
    ids=["same-TPM_CACHE_KEY", "empty-TPM_CACHE_KEY", "no-TPM_CACHE_KEY"],
)
def test_a_restored_cache_is_used_only_with_the_same_secret(tmp_path, monkeypatch, second_key, accepted):
    first = make_repo(tmp_path / "first", {MILESTONE_PATH: BROKEN})
    second = tmp_path / "second"
    git(tmp_path, "clone", "-q", str(first), str(second))
    monkeypatch.setenv("TPM_CACHE_KEY", "shared secret")
    run_tpm(first, "check", "--no-history", "--today", TODAY)
    restored = documents_cache(first).read_bytes()
    documents_cache(second).parent.mkdir()
    documents_cache(second).write_bytes(restored)  # as CI restores .git/tpm-cache/
    if second_key is None:
        monkeypatch.delenv("TPM_CACHE_KEY")
    else:
        monkeypatch.setenv("TPM_CACHE_KEY", second_key)
    assert run_tpm(second, "check", "--no-history", "--today", TODAY).code == 1
    assert (documents_cache(second).read_bytes() == restored) is accepted  # rewritten when refused


# --- case 13: hostile commit dates ----------------------------------------------------------


def hostile_commit(repo: Path, committer_date: str, files: dict) -> None:
    """Commit `files` with a committer line no git would write: `committer_date` is the raw
    text after the e-mail ("" for none)."""
    write_files(repo, files)
    git(repo, "add", "-A")
    tree = git(repo, "write-tree").strip()
    parent = git(repo, "rev-parse", "HEAD").strip()
    ident = "Test Author <author@example.com>"
    body = (
        f"tree {tree}\nparent {parent}\nauthor {ident} 1790000000 +0000\n"
        f"committer {ident}{' ' + committer_date if committer_date else ''}\n\nhostile\n"
    )
    sha = subprocess.run(
        ["git", "hash-object", "-w", "--literally", "-t", "commit", "--stdin"],
        cwd=repo,
        input=body,
        env=git_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    git(repo, "update-ref", "HEAD", sha)


@pytest.mark.parametrize(
    "raw, day, since",
    [("300000000000 +0000", None, "2026-12-09"), ("", None, "2026-12-20"), ("0 -1200", "1969-12-31", "2026-12-20")],
    ids=["year-11476", "no-date", "before-epoch-in-its-zone"],
)
def test_hostile_commit_dates_are_unknown_or_converted_never_fatal(tmp_path, raw, day, since):
    repo = make_repo(tmp_path / "repo", {"README.md": "# Project\n"}, date="2026-09-01T12:00:00+00:00")
    hostile_commit(repo, raw, {MILESTONE_PATH: milestone("2026-12-01")})  # creates the milestone
    commit(repo, "2026-10-10", {MILESTONE_PATH: milestone("2026-12-09")})
    hostile_commit(repo, raw, {MILESTONE_PATH: milestone("2026-12-20")})
    commit(repo, "2026-10-25", {MILESTONE_PATH: milestone("2026-12-30")})
    shown = day or "an unknown date"
    for args in ((), ("--no-cache",)):
        assert history_findings(repo, *args) == [
            (
                MILESTONE_PATH,
                4,
                "stale",
                "M-1 is in progress but its file has had no commit for 33 days (last 2026-10-25)",
            ),
            (
                MILESTONE_PATH,
                5,
                "slipped",
                "due moved later 3 times, 29 days in total: 2026-10-10: 2026-12-01 → 2026-12-09 "
                f"(+8d); {shown}: 2026-12-09 → 2026-12-20 (+11d); 2026-10-25: 2026-12-20 → 2026-12-30 (+10d)",
            ),
        ]
    report = run_tpm(repo, "report", "--format", "json", "--today", TODAY)
    assert report.code == 0 and report.err == ""
    (entry,) = json.loads(report.out)["milestones"]
    assert entry["start"] == day
    assert [move["date"] for move in entry["slips"]["moves"]] == ["2026-10-10", day, "2026-10-25"]
    # The base is git's: the newest first-parent commit dated before the day, and a commit
    # git reads as dated 1970 (no date counts as 0) is one.
    changes = run_tpm(repo, "changes", "--since", "2026-10-15", "--today", TODAY)
    assert (changes.code, changes.err) == (0, "")
    days = (datetime.date(2026, 12, 30) - datetime.date.fromisoformat(since)).days
    assert changes.out == (
        "Changes in project state since 2026-10-15:\n\nMilestones\n"
        f"  M-1  due slipped {since} → 2026-12-30 (+{days} days): Launch\n"
    )


# --- case 14: keys read as YAML reads them ---------------------------------------------------


@pytest.mark.parametrize(
    "front",
    [
        '"due": {due}',
        "'due': {due}",
        "? due\n: {due}",
        '"d\\u0075e": {due}',
        "&key due: {due}",
        "!!str due: {due}",
        "plan: &day {due}\ndue: *day",
        "due: # planned 2026-11-01\n  {due}",
        'due: {due}\nnotes: "a note\ndue: 2026-12-01"',
        "due: {due}\nnotes: [a,\ndue: 2026-12-01]",
    ],
    ids=[
        "double-quoted",
        "single-quoted",
        "complex-key",
        "escaped-key",
        "anchored-key",
        "tagged-key",
        "aliased-value",
        "comment-before-value",
        "quoted-value-over-lines",
        "flow-value-over-lines",
    ],
)
def test_slips_are_seen_whatever_the_spelling_of_due(tmp_path, front):
    repo = make_repo(tmp_path / "repo")
    for date, due in (
        ("2026-10-01", "2026-12-01"),
        ("2026-10-10", "2026-12-09"),
        ("2026-10-20", "2026-12-20"),
        ("2026-11-20", "2026-12-30"),
    ):
        commit(repo, date, {MILESTONE_PATH: milestone(due, front.format(due=due))})
    rule = [f for f in history_findings(repo) if f[2] == "slipped"]
    assert [message for *_, message in rule] == [
        "due moved later 3 times, 29 days in total: 2026-10-10: 2026-12-01 → 2026-12-09 (+8d); "
        "2026-10-20: 2026-12-09 → 2026-12-20 (+11d); 2026-11-20: 2026-12-20 → 2026-12-30 (+10d)"
    ]


def test_slips_are_seen_in_a_flow_mapping_front_matter(tmp_path):
    repo = make_repo(tmp_path / "repo")
    for date, due in (
        ("2026-10-01", "2026-12-01"),
        ("2026-10-10", "2026-12-09"),
        ("2026-10-20", "2026-12-20"),
        ("2026-11-20", "2026-12-30"),
    ):
        commit(
            repo,
            date,
            {MILESTONE_PATH: f"---\n{{id: M-1, title: Launch, status: in-progress, due: {due}}}\n---\n# Launch\n"},
        )
    assert [f[3] for f in history_findings(repo) if f[2] == "slipped"] == [
        "due moved later 3 times, 29 days in total: 2026-10-10: 2026-12-01 → 2026-12-09 (+8d); "
        "2026-10-20: 2026-12-09 → 2026-12-20 (+11d); 2026-11-20: 2026-12-20 → 2026-12-30 (+10d)"
    ]


def risk(quoted: str, quote: str, likelihood: int = 2, impact: int = 2, status: str = "open") -> str:
    fields = {"status": status, "likelihood": likelihood, "impact": impact, "reviewed": "2026-10-01"}
    lines = [f"{quote}{k}{quote}: {v}" if k == quoted else f"{k}: {v}" for k, v in fields.items()]
    return (
        "---\nid: R-1\ntitle: Outage\nowner: alice\n"
        + "\n".join(lines)
        + "\n---\n# Outage\n\n## Mitigation\n\nFailover.\n"
    )


@pytest.mark.parametrize("quote", ['"', "'"], ids=["double", "single"])
@pytest.mark.parametrize(
    "quoted, change, changed",
    [
        ("reviewed", {"likelihood": 4}, "likelihood"),
        ("likelihood", {"likelihood": 4}, "likelihood"),
        ("impact", {"impact": 4}, "impact"),
        ("status", {"status": "mitigating"}, "status"),
    ],
)
def test_a_change_after_review_is_seen_whatever_the_quoting(tmp_path, quote, quoted, change, changed):
    repo = make_repo(tmp_path / "repo")
    commit(repo, "2026-10-01", {RISK_PATH: risk(quoted, quote)})
    commit(repo, "2026-11-20", {RISK_PATH: risk(quoted, quote, **change)})
    assert [(rule, message) for _, _, rule, message in history_findings(repo)] == [
        (
            "unreviewed",
            f"{changed} changed on 2026-11-20, after the last review (2026-10-01); re-assess it and update `reviewed`",
        )
    ]

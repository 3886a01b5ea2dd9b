"""The hook manifest tested with the real client: pre-commit installs tpm from a commit of
this repository into an environment of its own, and runs the hooks in sample repositories,
on real `git commit`s where the hook's verdict is what matters.

pre-commit installs hooks from a commit, and `try-repo` would leave new, untracked files
of this work tree out, so the module commits a snapshot of the work tree (tracked and
untracked-not-ignored files) into a repository of its own and points the sample
repositories' `.pre-commit-config.yaml` at it. The first hook run builds the environment
(pip installs tpm and its dependencies); the module shares one PRE_COMMIT_HOME.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import FIXED_DATE, git, git_env, make_repo

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None, reason="pre-commit is not installed")
TODAY = "2026-11-27"

CLEAN = {
    "project/milestones/M-1-beta.md": "---\nid: M-1\ntitle: Beta\nstatus: planned\ndue: 2027-01-15\n---\n# Beta\n",
    "project/risks/R-1-vendor.md": (
        "---\nid: R-1\ntitle: Vendor\nstatus: open\nlikelihood: 2\nimpact: 2\nmitigation: weekly sync\n---\n"
    ),
}
ALPHA = "project/milestones/M-2-alpha.md"
LATE_ALPHA = (
    "---\nid: M-2\ntitle: Alpha\nstatus: in-progress\ndue: 2026-11-25\n---\n# Alpha\n\n"
    "## Checkpoints\n\n- [ ] 2026-11-10 Load test\n- [ ] 2026-11-20 Sign-off\n"
)
# A milestone two days late that another depends on, and a high risk last reviewed when
# the project began (2026-11-01, 26 days before TODAY): the CI gate fails on both.
LATE = {
    ALPHA: LATE_ALPHA,
    "project/milestones/M-3-gamma.md": (
        "---\nid: M-3\ntitle: Gamma\nstatus: planned\ndue: 2027-02-01\ndepends_on: [M-2]\n---\n# Gamma\n"
    ),
    "project/risks/R-2-load.md": (
        "---\nid: R-2\ntitle: Load\nstatus: open\nlikelihood: 4\nimpact: 4\nowner: pat\n"
        "mitigation: load tests\nreviewed: 2026-11-01\n---\n# Load\n"
    ),
}


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hooks_source(tmp_path_factory) -> dict:
    """tpm as this work tree holds it, committed: the `repo` entry of a pre-commit config."""
    snapshot = tmp_path_factory.mktemp("tpm-snapshot")
    for name in git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0"):
        source = ROOT / name
        if name and source.is_file() and not source.is_symlink():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, snapshot / name)
    make_repo(snapshot, {"README.md": (ROOT / "README.md").read_text()})
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "--allow-empty", "-m", "snapshot")
    return {"repo": str(snapshot), "rev": git(snapshot, "rev-parse", "HEAD").strip()}


def sample(
    path: Path, files: dict, source: dict, hooks: tuple[str, ...] = ("tpm-check",), date: str = FIXED_DATE
) -> Path:
    """A sample repository whose pre-commit config uses tpm's `hooks`, committed on `date`."""
    config = {"repos": [{**source, "hooks": [{"id": hook} for hook in hooks]}]}
    return make_repo(path, {**files, ".pre-commit-config.yaml": yaml.safe_dump(config)}, date=date)


def env(home: Path, day: str = TODAY) -> dict:
    """Commits made at 09:00 UTC on `day`, which is also tpm's today."""
    environment = git_env(f"{day}T09:00:00+00:00")
    environment.update(PRE_COMMIT_HOME=str(home), TPM_TODAY=day)
    return environment


def _run(repo: Path, home: Path, command: list[str], day: str) -> subprocess.CompletedProcess:
    """A command in `repo` on `day` (tpm's today, and the commit date), its output captured."""
    return subprocess.run(
        command, cwd=repo, env=env(home, day), capture_output=True, text=True, timeout=600, check=False
    )


def pre_commit(repo: Path, home: Path, *args: str, day: str = TODAY) -> subprocess.CompletedProcess:
    return _run(repo, home, [sys.executable, "-m", "pre_commit", *args], day)


def run_hook(repo: Path, home: Path, hook: str, *args: str, day: str = TODAY) -> subprocess.CompletedProcess:
    return pre_commit(repo, home, "run", hook, "--all-files", "--verbose", *args, day=day)


def commit(repo: Path, home: Path, message: str) -> subprocess.CompletedProcess:
    """A real `git commit -a`, with the installed hook deciding."""
    return _run(repo, home, ["git", "commit", "-q", "-a", "-m", message], TODAY)


def commit_staged(repo: Path, home: Path, message: str, day: str) -> subprocess.CompletedProcess:
    """A real `git commit` of what is staged, made on `day` (tpm's today too), with the
    installed hook deciding."""
    return _run(repo, home, ["git", "commit", "-q", "-m", message], day)


def hook_output(printed: str) -> list[str]:
    """What the hook itself printed: the lines after pre-commit's `- exit code:` line."""
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("- exit code:")) + 1
    return [line for line in lines[start:] if line.strip()]


def test_the_manifest_declares_whole_project_hooks():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert list(hooks) == ["tpm-check", "tpm-check-ci", "tpm-report", "tpm-report-check"]
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False and hook["require_serial"] is True
        # pre-commit matches no file in a commit that only deletes (tpm-check), and one
        # that changes no document must still have its report compared (tpm-report)
        assert hook["always_run"] is True
    assert hooks["tpm-check"]["entry"] == "tpm check --staged --gate commit"
    assert hooks["tpm-check"]["stages"] == ["pre-commit", "pre-push", "manual"]
    assert hooks["tpm-check-ci"]["entry"] == "tpm check --staged --gate ci"
    assert hooks["tpm-check-ci"]["stages"] == ["manual"]
    assert "args" not in hooks["tpm-check"] and "args" not in hooks["tpm-check-ci"]
    assert hooks["tpm-report"]["entry"] == "tpm report --staged --as-of last-change --update"
    assert hooks["tpm-report"]["args"] == ["--output", "STATUS.md"]
    assert hooks["tpm-report"]["stages"] == ["pre-commit", "pre-push", "manual"]
    assert hooks["tpm-report-check"]["entry"] == "tpm report --check --staged --as-of last-change"
    assert hooks["tpm-report-check"]["args"] == ["--output", "STATUS.md"]
    assert hooks["tpm-report-check"]["stages"] == ["manual"]


@pytest.fixture
def late_project(tmp_path, hooks_source, pre_commit_home) -> Path:
    """The late project with both hooks configured and tpm-check installed in git."""
    repo = sample(tmp_path / "late", {**CLEAN, **LATE}, hooks_source, ("tpm-check", "tpm-check-ci"))
    installed = pre_commit(repo, pre_commit_home, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return repo


def test_ticking_a_checkpoint_of_a_late_milestone_commits(late_project, pre_commit_home):
    (late_project / ALPHA).write_text(LATE_ALPHA.replace("- [ ] 2026-11-10", "- [x] 2026-11-10"))
    committed = commit(late_project, pre_commit_home, "Load test done")
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert git(late_project, "log", "-1", "--format=%s").strip() == "Load test done"


def test_the_ci_gate_still_fails_on_the_overdue_milestone(late_project, pre_commit_home):
    failed = run_hook(late_project, pre_commit_home, "tpm-check-ci", "--hook-stage", "manual")
    assert failed.returncode == 1, failed.stdout
    assert f"{ALPHA}:5:6: error overdue M-2 is 2 days overdue" in failed.stdout
    assert "project/risks/R-2-load.md:9:11: error unreviewed" in failed.stdout
    assert run_hook(late_project, pre_commit_home, "tpm-check").returncode == 0  # the commit gate


def test_a_status_typo_is_refused_and_printed_first(late_project, pre_commit_home):
    (late_project / ALPHA).write_text(LATE_ALPHA.replace("status: in-progress", "status: in-progres"))
    refused = commit(late_project, pre_commit_home, "typo")
    assert refused.returncode == 1
    printed = hook_output(refused.stdout + refused.stderr)
    assert printed[0].startswith(f"{ALPHA}:4:9: error schema-violation ")
    assert "did you mean `in-progress`?" in printed[0]
    assert printed[1] == "Blocking this commit: the 1 finding above, introduced by it."
    assert git(late_project, "log", "-1", "--format=%s").strip() == "initial"


def test_deleting_a_referenced_document_is_refused(late_project, pre_commit_home):
    git(late_project, "rm", "-q", ALPHA)
    refused = commit(late_project, pre_commit_home, "drop alpha")
    assert refused.returncode == 1
    printed = hook_output(refused.stdout + refused.stderr)
    assert printed[0].startswith(
        "project/milestones/M-3-gamma.md:6:14: error dangling-reference `depends_on` names M-2"
    )
    assert git(late_project, "log", "-1", "--format=%s").strip() == "initial"


def test_tpm_check_lints_what_is_staged(tmp_path, hooks_source, pre_commit_home):
    repo = sample(tmp_path / "repo", CLEAN, hooks_source)
    broken = CLEAN["project/milestones/M-1-beta.md"].replace("planned", "planed")
    (repo / "project/milestones/M-1-beta.md").write_text(broken)  # not staged
    assert run_hook(repo, pre_commit_home, "tpm-check").returncode == 0
    git(repo, "add", "-A")
    failed = run_hook(repo, pre_commit_home, "tpm-check")
    assert failed.returncode == 1 and "Failed" in failed.stdout
    assert "project/milestones/M-1-beta.md:4:9: error schema-violation" in failed.stdout


# The report's project: one milestone with one checkpoint, all committed on DAY (2026-11-27).
DAY, NEXT_DAY, FIVE_DAYS_ON, A_WEEK_ON = "2026-11-27", "2026-11-28", "2026-12-02", "2026-12-04"
BETA = "project/milestones/M-1-beta.md"
OPEN_BETA = (
    "---\nid: M-1\ntitle: Beta\nstatus: in-progress\ndue: 2027-01-15\n---\n# Beta\n\n"
    "## Checkpoints\n\n- [ ] 2026-12-10 Sign-off\n"
)
TICKED_BETA = OPEN_BETA.replace("- [ ] 2026-12-10", "- [x] 2026-12-10")
STATUS = "STATUS.md"


def tpm_report(repo: Path, home: Path, day: str, *args: str) -> subprocess.CompletedProcess:
    """`tpm report ARGS` as the developer runs it, on `day`."""
    return _run(repo, home, [sys.executable, "-m", "tpm", "report", *args], day)


def last_subject(repo: Path) -> str:
    return git(repo, "log", "-1", "--format=%s").strip()


def commit_with_the_report(repo: Path, home: Path, message: str, report: str) -> None:
    """Stage the report the hook wrote and commit again, on NEXT_DAY: the hook lets it
    through, the commit records that report, and nothing is left over."""
    git(repo, "add", STATUS)
    committed = commit_staged(repo, home, message, NEXT_DAY)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert last_subject(repo) == message
    assert git(repo, "show", f"HEAD:{STATUS}") == report
    assert git(repo, "status", "--porcelain") == ""


@pytest.fixture
def unreported_project(tmp_path, hooks_source, pre_commit_home) -> Path:
    """The report's project committed on DAY without a STATUS.md, both report hooks
    configured and tpm-report installed in git."""
    repo = sample(
        tmp_path / "reported",
        {BETA: OPEN_BETA},
        hooks_source,
        ("tpm-report", "tpm-report-check"),
        f"{DAY}T08:00:00+00:00",
    )
    installed = pre_commit(repo, pre_commit_home, "install", day=DAY)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return repo


@pytest.fixture
def reported_project(unreported_project, pre_commit_home) -> Path:
    """The report's project with STATUS.md rendered and committed (through the hook) on DAY."""
    repo = unreported_project
    rendered = tpm_report(repo, pre_commit_home, DAY, "--as-of", "last-change", "--output", STATUS)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    git(repo, "add", STATUS)
    committed = commit_staged(repo, pre_commit_home, "Status report", DAY)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert "As of **2026-11-27** " in (repo / STATUS).read_text()
    assert git(repo, "status", "--porcelain") == ""
    return repo


def test_a_commit_that_changes_no_document_leaves_the_report_as_it_is(reported_project, pre_commit_home):
    repo = reported_project
    rendered = (repo / STATUS).read_bytes()
    for day, note in ((NEXT_DAY, "call the vendor\n"), (A_WEEK_ON, "call the vendor again\n")):
        (repo / "notes.txt").write_text(note)
        git(repo, "add", "notes.txt")
        committed = commit_staged(repo, pre_commit_home, f"Notes of {day}", day)
        assert committed.returncode == 0, committed.stdout + committed.stderr
        assert last_subject(repo) == f"Notes of {day}"
        assert (repo / STATUS).read_bytes() == rendered
        assert git(repo, "show", f"HEAD:{STATUS}").encode() == rendered
        assert git(repo, "status", "--porcelain") == ""


def test_a_new_document_left_out_of_the_commit_stays_out_of_the_report(reported_project, pre_commit_home):
    # pre-commit sets unstaged edits aside but leaves untracked files in place: the hook
    # reads what the commit records (--staged), or an untracked draft would re-date the
    # page and appear in it, and CI's check of the committed page would then fail.
    repo = reported_project
    rendered = (repo / STATUS).read_bytes()
    (repo / "project/milestones/M-2-gamma.md").write_text(
        "---\nid: M-2\ntitle: Gamma\nstatus: planned\ndue: 2027-02-01\n---\n# Gamma\n"
    )
    (repo / "notes.txt").write_text("a draft milestone, not ready\n")
    git(repo, "add", "notes.txt")
    committed = commit_staged(repo, pre_commit_home, "Notes", NEXT_DAY)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert (repo / STATUS).read_bytes() == rendered
    check = ("--check", "--as-of", "last-change", "--output", STATUS)
    assert tpm_report(repo, pre_commit_home, A_WEEK_ON, *check).returncode == 1  # the work tree has the draft
    (repo / "project/milestones/M-2-gamma.md").unlink()
    checked = tpm_report(repo, pre_commit_home, A_WEEK_ON, *check)
    assert checked.returncode == 0, checked.stdout


def test_ticking_a_checkpoint_updates_the_report_through_the_hook(reported_project, pre_commit_home):
    repo = reported_project
    before = (repo / STATUS).read_text()
    assert "0% of checkpoints are done (0 of 1)." in before
    (repo / BETA).write_text(TICKED_BETA)
    git(repo, "add", BETA)
    stopped = commit_staged(repo, pre_commit_home, "Sign-off done", NEXT_DAY)
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    printed = hook_output(stopped.stdout + stopped.stderr)  # git prints the hook's output on stderr
    assert printed == [
        "- files were modified by this hook",
        "updated STATUS.md, which was out of date; stage it: git add STATUS.md",
    ]
    assert last_subject(repo) == "Status report"  # nothing committed
    updated = (repo / STATUS).read_text()
    assert "As of **2026-11-28** the project is" in updated
    assert "100% of checkpoints are done (1 of 1)." in updated
    assert "| 1/1 (100%) | 48 days left |" in updated
    assert "As of **2026-11-27**" not in updated
    assert git(repo, "status", "--porcelain").splitlines() == [f" M {STATUS}", f"M  {BETA}"]

    commit_with_the_report(repo, pre_commit_home, "Sign-off done", updated)
    # CI, days later, accepts the committed report: it is dated by the change, not the clock
    checked = tpm_report(repo, pre_commit_home, FIVE_DAYS_ON, "--check", "--as-of", "last-change", "--output", STATUS)
    assert (checked.returncode, checked.stdout) == (0, "STATUS.md is up to date\n"), checked.stderr
    assert (repo / STATUS).read_text() == updated


def test_a_missing_report_is_written_by_the_hook(unreported_project, pre_commit_home):
    repo = unreported_project
    (repo / "notes.txt").write_text("call the vendor\n")
    git(repo, "add", "notes.txt")
    stopped = commit_staged(repo, pre_commit_home, "Notes", NEXT_DAY)
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    printed = hook_output(stopped.stdout + stopped.stderr)  # git prints the hook's output on stderr
    # (pre-commit sees no modified file in a new, untracked one: the exit code stops the commit)
    assert printed == ["wrote STATUS.md, which was missing; stage it: git add STATUS.md"]
    assert git(repo, "status", "--porcelain").splitlines() == ["A  notes.txt", "?? STATUS.md"]
    assert last_subject(repo) == "initial"
    written = (repo / STATUS).read_text()
    # dated by the documents' last commit (DAY), not by the day of this commit
    assert "As of **2026-11-27** the project is" in written
    assert "0% of checkpoints are done (0 of 1)." in written

    commit_with_the_report(repo, pre_commit_home, "Notes", written)


def test_the_manual_report_check_compares_and_writes_nothing(reported_project, pre_commit_home):
    repo = reported_project
    rendered = (repo / STATUS).read_bytes()
    current = run_hook(repo, pre_commit_home, "tpm-report-check", "--hook-stage", "manual", day=A_WEEK_ON)
    assert current.returncode == 0, current.stdout + current.stderr
    lines = current.stdout.splitlines()
    assert lines[0].startswith("tpm report is up to date...") and lines[0].endswith("Passed")
    assert [line for line in lines if not line.startswith("- ")][1:] == ["", "STATUS.md is up to date", ""]

    # the checkpoint ticked and committed past the hook: STATUS.md is now out of date
    (repo / BETA).write_text(TICKED_BETA)
    git(repo, "commit", "-q", "--no-verify", "-am", "Sign-off done", date=f"{NEXT_DAY}T09:00:00+00:00")
    stale = run_hook(repo, pre_commit_home, "tpm-report-check", "--hook-stage", "manual", day=A_WEEK_ON)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    printed = hook_output(stale.stdout)
    assert "-As of **2026-11-27** the project is **🟩 On track**. 0% of checkpoints are done (0 of 1)." in printed
    assert "+As of **2026-11-28** the project is **🟩 On track**. 100% of checkpoints are done (1 of 1)." in printed
    assert printed[-1] == "STATUS.md is out of date; run tpm report --as-of last-change --output STATUS.md"
    assert (repo / STATUS).read_bytes() == rendered
    assert git(repo, "status", "--porcelain") == ""

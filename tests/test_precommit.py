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

from helpers import git, git_env, make_repo

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


def sample(path: Path, files: dict, source: dict, hooks: tuple[str, ...] = ("tpm-check",)) -> Path:
    """A committed sample repository whose pre-commit config uses tpm's `hooks`."""
    config = {"repos": [{**source, "hooks": [{"id": hook} for hook in hooks]}]}
    return make_repo(path, {**files, ".pre-commit-config.yaml": yaml.safe_dump(config)})


def env(home: Path) -> dict:
    environment = git_env("2026-11-27T09:00:00+00:00")
    environment.update(PRE_COMMIT_HOME=str(home), TPM_TODAY=TODAY)
    return environment


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        env=env(home),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def run_hook(repo: Path, home: Path, hook: str, *args: str) -> subprocess.CompletedProcess:
    return pre_commit(repo, home, "run", hook, "--all-files", "--verbose", *args)


def commit(repo: Path, home: Path, message: str) -> subprocess.CompletedProcess:
    """A real `git commit -a`, with the installed hook deciding."""
    return subprocess.run(
        ["git", "commit", "-q", "-a", "-m", message],
        cwd=repo,
        env=env(home),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def hook_output(printed: str) -> list[str]:
    """What the hook itself printed: the lines after pre-commit's `- exit code:` line."""
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("- exit code:")) + 1
    return [line for line in lines[start:] if line.strip()]


def test_the_manifest_declares_whole_project_hooks():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"tpm-check", "tpm-check-ci", "tpm-report"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False and hook["require_serial"] is True
    assert set(hooks["tpm-check"]["stages"]) >= {"pre-commit", "pre-push"}
    assert set(hooks["tpm-report"]["stages"]) >= {"pre-commit", "pre-push"}
    assert hooks["tpm-check"]["entry"] == "tpm check --staged --gate commit"
    assert hooks["tpm-check-ci"]["entry"] == "tpm check --staged --gate ci"
    assert hooks["tpm-check-ci"]["stages"] == ["manual"]
    # pre-commit matches no file in a commit that only deletes: the hook must run anyway
    assert hooks["tpm-check"]["always_run"] is True and hooks["tpm-check-ci"]["always_run"] is True


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


def test_tpm_report_fails_until_the_report_is_committed_up_to_date(tmp_path, hooks_source, pre_commit_home):
    repo = sample(tmp_path / "repo", CLEAN, hooks_source, ("tpm-report",))
    missing = run_hook(repo, pre_commit_home, "tpm-report")
    assert missing.returncode == 1 and "STATUS.md does not exist" in missing.stdout
    subprocess.run(
        [sys.executable, "-m", "tpm", "report", "--output", "STATUS.md"],
        cwd=repo,
        env=env(pre_commit_home),
        check=True,
        capture_output=True,
    )
    git(repo, "add", "STATUS.md")
    assert run_hook(repo, pre_commit_home, "tpm-report").returncode == 0

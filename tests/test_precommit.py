"""The hook manifest tested with the real client: `pre-commit try-repo` installs tpm from
this repository into an environment of its own and runs the hooks in sample repositories.

The first run builds that environment (pip installs tpm and its dependencies), so the
module shares one PRE_COMMIT_HOME across its tests.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import git, git_env, make_repo

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None, reason="pre-commit is not installed")

CLEAN = {
    "project/milestones/M-1-beta.md": "---\nid: M-1\ntitle: Beta\nstatus: planned\ndue: 2027-01-15\n---\n# Beta\n",
    "project/risks/R-1-vendor.md": (
        "---\nid: R-1\ntitle: Vendor\nstatus: open\nlikelihood: 2\nimpact: 2\nmitigation: weekly sync\n---\n"
    ),
}
OVERDUE = {
    "project/milestones/M-2-alpha.md": (
        "---\nid: M-2\ntitle: Alpha\nstatus: in-progress\ndue: 2026-01-15\n---\n# Alpha\n"
    )
}


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(repo: Path, home: Path, hook: str, *args: str) -> subprocess.CompletedProcess:
    env = git_env()
    env["PRE_COMMIT_HOME"] = str(home)
    env["TPM_TODAY"] = "2026-11-27"
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--all-files", "--verbose", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_manifest_declares_whole_project_hooks():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"tpm-check", "tpm-report"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False and hook["require_serial"] is True
        assert set(hook["stages"]) >= {"pre-commit", "pre-push"}
    assert hooks["tpm-check"]["entry"] == "tpm check --staged"


def test_tpm_check_passes_on_a_clean_project_and_fails_on_an_overdue_milestone(tmp_path, pre_commit_home):
    clean = make_repo(tmp_path / "clean", CLEAN)
    passed = try_repo(clean, pre_commit_home, "tpm-check")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "tpm check" in passed.stdout and "Passed" in passed.stdout

    late = make_repo(tmp_path / "late", {**CLEAN, **OVERDUE})
    failed = try_repo(late, pre_commit_home, "tpm-check")
    assert failed.returncode == 1
    assert "Failed" in failed.stdout
    assert "project/milestones/M-2-alpha.md:5:6: error overdue M-2 is 316 days overdue" in failed.stdout


def test_tpm_check_lints_what_is_staged(tmp_path, pre_commit_home):
    repo = make_repo(tmp_path / "repo", CLEAN)
    (repo / "project/milestones/M-2-alpha.md").write_text(OVERDUE["project/milestones/M-2-alpha.md"])  # not staged
    assert try_repo(repo, pre_commit_home, "tpm-check").returncode == 0
    git(repo, "add", "-A")
    assert try_repo(repo, pre_commit_home, "tpm-check").returncode == 1


def test_tpm_report_fails_until_the_report_is_committed_up_to_date(tmp_path, pre_commit_home):
    repo = make_repo(tmp_path / "repo", CLEAN)
    missing = try_repo(repo, pre_commit_home, "tpm-report")
    assert missing.returncode == 1 and "STATUS.md does not exist" in missing.stdout
    env = git_env()
    env["TPM_TODAY"] = "2026-11-27"
    subprocess.run(
        [sys.executable, "-m", "tpm", "report", "--output", "STATUS.md"],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )
    git(repo, "add", "STATUS.md")
    assert try_repo(repo, pre_commit_home, "tpm-report").returncode == 0

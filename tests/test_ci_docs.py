"""Every snippet of docs/ci.md is parsed, and every `tpm` command in it is run as written
against the realistic project, with the outputs its CI expects checked."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import build_realistic_repo, git, git_env

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
SNIPPETS = re.findall(r"```yaml\n(.*?)```", DOC, re.S)


def snippet(marker: str) -> dict:
    found = [yaml.safe_load(s) for s in SNIPPETS if marker in s]
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    base = tmp_path_factory.mktemp("docs")
    path = build_realistic_repo(base / "repo")
    git(path, "update-ref", "refs/remotes/origin/main", "HEAD")
    bin_dir = base / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "tpm"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tpm "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    return path, bin_dir


def shell(repo_and_bin, command: str, **env_changes: str | None) -> subprocess.CompletedProcess:
    """Run `command` with bash in the repository, today being 2026-11-27; `env_changes`
    sets variables (None removes one)."""
    repo, bin_dir = repo_and_bin
    env = git_env()
    env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", TPM_TODAY="2026-11-27", GITHUB_STEP_SUMMARY="")
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        ["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def own_repo(repo, tmp_path):
    """A copy of the realistic repository, for a test that commits to it."""
    path = tmp_path / "repo"
    shutil.copytree(repo[0], path, symlinks=True)
    return path, repo[1]


def commands_of(steps: list[dict]) -> list[str]:
    """The `run:` commands of `steps` that run tpm, the install steps left out."""
    return [s["run"] for s in steps if "tpm " in s.get("run", "") and "pip" not in s["run"]]


def test_every_snippet_parses():
    assert len(SNIPPETS) == 5
    for text in SNIPPETS:
        assert isinstance(yaml.safe_load(text), dict)


def test_the_github_workflow(repo):
    workflow = snippet("upload-sarif")
    assert set(workflow["jobs"]) == {"lint", "overdue", "status-page"}
    for job in workflow["jobs"].values():
        checkout = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout"))
        assert checkout["with"]["fetch-depth"] == 0
    lint_steps = workflow["jobs"]["lint"]["steps"]
    upload = next(step for step in lint_steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    commands = commands_of(lint_steps + workflow["jobs"]["overdue"]["steps"])
    outcomes = {}
    for command in commands:
        outcomes[command] = shell(repo, command.replace("${{ github.base_ref }}", "main"))
    pr, push, sarif, overdue = commands
    assert outcomes[pr].returncode == 0 and outcomes[pr].stdout.endswith("Checked 0 files: no problems.\n")
    assert outcomes[push].returncode == 1 and outcomes[push].stdout.startswith("::error file=")
    assert outcomes[sarif].returncode == 0
    assert json.loads((repo[0] / upload["with"]["sarif_file"]).read_text())["version"] == "2.1.0"
    assert outcomes[overdue].returncode == 1
    assert "overdue M-7 is 7 days overdue" in outcomes[overdue].stdout


def test_the_status_page_job_checks_the_page_the_hook_wrote(own_repo):
    job = snippet("upload-sarif")["jobs"]["status-page"]
    assert job["if"] == "github.event_name == 'pull_request'"
    checkout = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    [check] = commands_of(job["steps"])
    missing = shell(own_repo, check)
    assert missing.returncode == 1
    assert missing.stdout == "STATUS.md does not exist; run tpm report --as-of last-change --output STATUS.md\n"
    hook = shell(own_repo, "tpm report --as-of last-change --update --output STATUS.md")
    assert hook.returncode == 1 and "As of **2026-11-26**" in (own_repo[0] / "STATUS.md").read_text()
    git(own_repo[0], "add", "STATUS.md")
    git(own_repo[0], "commit", "-q", "-m", "Status page", date="2026-11-27T09:00:00+00:00")
    for today in ("2026-11-27", "2026-12-24", "2027-03-01"):  # the page does not go stale
        outcome = shell(own_repo, check, TPM_TODAY=today)
        assert (outcome.returncode, outcome.stdout) == (0, "STATUS.md is up to date\n")
    milestone = own_repo[0] / "project" / "milestones" / "M-9-historical-transaction-archive.md"
    milestone.write_text(milestone.read_text().replace("- [ ]", "- [x]", 1))
    drift = shell(own_repo, check, TPM_TODAY="2026-12-01")
    assert drift.returncode == 1 and "+As of **2026-12-01**" in drift.stdout


def test_the_gitlab_job(repo):
    job = snippet("GIT_DEPTH")["tpm"]
    assert job["variables"]["GIT_DEPTH"] == 0
    reports = job["artifacts"]["reports"]
    codes = [shell(repo, line).returncode for line in job["script"] if line.startswith("tpm ")]
    assert codes == [0, 1]  # the job fails on errors, after writing both reports
    assert json.loads((repo[0] / reports["codequality"]).read_text())[0]["check_name"]
    assert (repo[0] / reports["junit"]).read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')


MANIFEST = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def test_the_pre_commit_config_names_real_hooks():
    config = snippet("repos:")
    hooks = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    assert set(hooks) <= set(MANIFEST)
    assert hooks["tpm-report"]["args"] == ["--output", "STATUS.md"]
    assert hooks["tpm-report-check"]["args"] == ["--output", "STATUS.md"]
    assert MANIFEST["tpm-report"]["always_run"] is True
    assert MANIFEST["tpm-report-check"]["stages"] == ["manual"]


def test_the_report_hook_as_the_page_tells_it(own_repo):
    """The hook's command (entry, then the config's args): a commit that changes no
    document leaves the page alone whatever the day; a ticked checkpoint rewrites it."""
    hook = " ".join([MANIFEST["tpm-report"]["entry"], *snippet("repos:")["repos"][0]["hooks"][1]["args"]])
    path = own_repo[0]
    assert shell(own_repo, hook).returncode == 1  # no page yet: written, to be staged
    git(path, "add", "STATUS.md")
    git(path, "commit", "-q", "-m", "Status page", date="2026-11-27T09:00:00+00:00")
    (path / "notes.txt").write_text("no document\n")
    git(path, "add", "notes.txt")
    assert shell(own_repo, hook, TPM_TODAY="2026-12-09").stdout == "STATUS.md is up to date\n"
    milestone = path / "project" / "milestones" / "M-9-historical-transaction-archive.md"
    milestone.write_text(milestone.read_text().replace("- [ ]", "- [x]", 1))
    git(path, "add", milestone.relative_to(path).as_posix())
    ticked = shell(own_repo, hook, TPM_TODAY="2026-12-09")
    assert ticked.returncode == 1
    assert ticked.stdout == "updated STATUS.md, which was out of date; stage it: git add STATUS.md\n"
    assert "As of **2026-12-09**" in (path / "STATUS.md").read_text()
    git(path, "add", "STATUS.md")
    assert shell(own_repo, hook, TPM_TODAY="2026-12-09").returncode == 0
    manual = " ".join([MANIFEST["tpm-report-check"]["entry"], *MANIFEST["tpm-report-check"]["args"]])
    git(path, "commit", "-q", "-m", "Tick a checkpoint", date="2026-12-09T10:00:00+00:00")
    assert shell(own_repo, manual, TPM_TODAY="2027-01-04").returncode == 0


# The daily refresh: its shell steps run as written, pushing to a bare remote ------------


def daily(own_repo, tmp_path):
    """The repository with STATUS.md committed as of 2026-11-20 and pushed to a bare
    `origin` that its main branch tracks, as actions/checkout leaves a clone."""
    path = own_repo[0]
    assert shell(own_repo, "tpm report --output STATUS.md --today 2026-11-20").returncode == 0
    git(path, "add", "STATUS.md")
    git(path, "commit", "-q", "-m", "Status page", date="2026-11-20T09:00:00+00:00")
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], env=git_env(), check=True)
    git(path, "remote", "add", "origin", str(remote))
    git(path, "push", "-q", "-u", "origin", "main")
    return remote


def test_the_daily_refresh_commits_the_page_only_when_it_changed(own_repo, tmp_path):
    workflow = snippet("contents: write")
    assert workflow["permissions"] == {"contents": "write"}
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert [entry["cron"] for entry in triggers["schedule"]] == ["0 5 * * *"]
    [job] = workflow["jobs"].values()
    checkout = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    steps = [step["run"] for step in job["steps"] if "run" in step and "pip" not in step["run"]]
    assert steps[0] == "tpm report --output STATUS.md"
    remote = daily(own_repo, tmp_path)
    before = git(remote, "rev-parse", "main")
    bot = {"GIT_AUTHOR_NAME": None, "GIT_AUTHOR_EMAIL": None, "GIT_COMMITTER_NAME": None, "GIT_COMMITTER_EMAIL": None}
    for step in steps:
        outcome = shell(own_repo, step, **bot)
        assert outcome.returncode == 0, outcome.stderr
    assert git(remote, "rev-parse", "main~1") == before
    pushed = git(remote, "show", "main:STATUS.md")
    assert "As of **2026-11-27**" in pushed
    assert pushed == shell(own_repo, "tpm report --output STATUS.md && cat STATUS.md").stdout.removeprefix(
        "wrote STATUS.md\n"
    )
    assert git(remote, "log", "-1", "--format=%an <%ae> %s", "main") == (
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com> Refresh STATUS.md\n"
    )
    after = git(remote, "rev-parse", "main")
    for step in steps:  # the same day again: nothing to commit
        assert shell(own_repo, step, **bot).returncode == 0
    assert git(remote, "rev-parse", "main") == after


def test_the_daily_refresh_pushes_a_first_page_too(own_repo, tmp_path):
    path = own_repo[0]
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], env=git_env(), check=True)
    git(path, "remote", "add", "origin", str(remote))
    git(path, "push", "-q", "-u", "origin", "main")
    [job] = snippet("contents: write")["jobs"].values()
    for step in (step["run"] for step in job["steps"] if "run" in step and "pip" not in step["run"]):
        assert shell(own_repo, step).returncode == 0
    assert "As of **2026-11-27**" in git(remote, "show", "main:STATUS.md")


def test_the_job_summary_variant(repo, tmp_path):
    [job] = snippet("GITHUB_STEP_SUMMARY")["jobs"].values()
    checkout = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    [command] = commands_of(job["steps"])
    summary = tmp_path / "summary.md"
    summary.write_text("Earlier step\n")
    outcome = shell(repo, command, GITHUB_STEP_SUMMARY=str(summary))
    assert outcome.returncode == 0 and outcome.stdout == ""
    report = shell(repo, "tpm report").stdout
    assert report.startswith("# ") and "As of **2026-11-27**" in report
    assert summary.read_text() == "Earlier step\n" + report

"""Every snippet of docs/ci.md is parsed, and every `tpm` command in it is run as written
against the realistic project, with the outputs its CI expects checked."""

from __future__ import annotations

import json
import os
import re
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


def shell(repo_and_bin, command: str) -> subprocess.CompletedProcess:
    repo, bin_dir = repo_and_bin
    env = git_env()
    env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", TPM_TODAY="2026-11-27", GITHUB_STEP_SUMMARY="")
    return subprocess.run(
        ["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_every_snippet_parses():
    assert len(SNIPPETS) == 3
    for text in SNIPPETS:
        assert isinstance(yaml.safe_load(text), dict)


def test_the_github_workflow(repo):
    workflow = snippet("actions/checkout")
    assert set(workflow["jobs"]) == {"lint", "overdue"}
    for job in workflow["jobs"].values():
        checkout = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/checkout"))
        assert checkout["with"]["fetch-depth"] == 0
    lint_steps = workflow["jobs"]["lint"]["steps"]
    upload = next(step for step in lint_steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    commands = [
        s["run"]
        for s in lint_steps + workflow["jobs"]["overdue"]["steps"]
        if "tpm " in s.get("run", "") and "pip" not in s["run"]
    ]
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


def test_the_gitlab_job(repo):
    job = snippet("GIT_DEPTH")["tpm"]
    assert job["variables"]["GIT_DEPTH"] == 0
    reports = job["artifacts"]["reports"]
    codes = [shell(repo, line).returncode for line in job["script"] if line.startswith("tpm ")]
    assert codes == [0, 1]  # the job fails on errors, after writing both reports
    assert json.loads((repo[0] / reports["codequality"]).read_text())[0]["check_name"]
    assert (repo[0] / reports["junit"]).read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')


def test_the_pre_commit_config_names_real_hooks():
    config = snippet("repos:")
    manifest = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hooks = config["repos"][0]["hooks"]
    assert {hook["id"] for hook in hooks} <= manifest
    assert next(h for h in hooks if h["id"] == "tpm-report")["args"] == ["--output", "STATUS.md"]

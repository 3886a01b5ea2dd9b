"""The repository itself: its own project/ lints cleanly, CI runs the README's command,
and the wheel ships the schemas and templates."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from helpers import run_tpm

if sys.version_info >= (3, 11):
    import tomllib
else:  # tpm depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", readme)


def test_readme_opens_with_the_two_setup_commands_and_ci_runs_the_test_one():
    main_job, test_command = _readme_commands()[:2]
    assert "pip install" in main_job and "tpm check" in main_job
    assert "pip install" in test_command and "pytest" in test_command
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_command in ci_lines


def test_ci_installs_the_tools_then_lints_checks_formatting_and_types_before_the_tests():
    """.ci/run: the test extra first (it brings ruff and mypy), then the three static checks
    in order, then the browser check's Chromium (from Debian, when missing) and mermaid
    (from the lock file), then the README's test command, which measures branch coverage."""
    test_command = _readme_commands()[1]
    assert "--cov=tpm" in test_command and "--cov-branch" in test_command
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in script  # any failing step fails the run
    steps = [line for line in script.splitlines() if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert steps == [
        "python -m pip install -e '.[test]'",
        "python -m ruff check .",
        "python -m ruff format --check .",
        "python -m mypy",
        "if ! command -v chromium >/dev/null 2>&1; then",
        "  apt-get update",
        "  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium",
        "fi",
        "npm ci --prefix tests/browser --no-audit --no-fund",
        test_command,
    ]
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    names = {re.split(r"[<>=~!; ]", requirement, maxsplit=1)[0].lower() for requirement in extra["test"]}
    assert {"pytest-cov", "ruff", "mypy", "types-pyyaml", "types-jsonschema", "google-re2-stubs"} <= names


def test_our_own_project_folder_lints_cleanly():
    outcome = run_tpm(ROOT, "check", "--today", "2026-11-27", "--format", "json")
    assert outcome.code == 0, outcome.out
    summary = json.loads(outcome.out)["summary"]
    assert summary["files"] >= 10 and summary["errors"] == summary["warnings"] == 0


def test_wheel_ships_schemas_and_templates(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("tpm-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("milestone", "risk", "decision", "postmortem"):
        assert f"tpm/schemas/{kind}.schema.json" in names
        assert f"tpm/templates/{kind}.md" in names
    assert "tpm/cli.py" in names

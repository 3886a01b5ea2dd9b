"""The GitHub Action (action.yml at the repository root): parsed, checked for shell
injection, and its `run:` steps executed as written with bash in test repositories.

The runner is imitated: every `run:` step gets the environment a composite action's step
gets (GITHUB_ACTION_PATH, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, its `env:` mapping with the
`${{ }}` expressions filled in), runs as `bash --noprofile --norc -eo pipefail`, and writes
outputs that later steps read. `uses:` steps are skipped; the setup-python step's
`python-path` output is a virtual environment made for the module (on top of the test's
own packages, so that pip needs no network), into which the install step installs this
checkout once; the other tests run the remaining steps with what it installed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import git_env, make_repo

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
TODAY = "2026-11-27"

CLEAN = {
    "project/milestones/M-1-beta.md": "---\nid: M-1\ntitle: Beta\nstatus: planned\ndue: 2027-01-15\n---\n# Beta\n",
}
OVERDUE = {
    **CLEAN,
    "project/milestones/M-2-alpha.md": "---\nid: M-2\ntitle: Alpha\nstatus: in-progress\ndue: 2026-11-20\n---\n",
}


def test_the_action_is_composite_with_its_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert {name: spec["default"] for name, spec in ACTION["inputs"].items()} == {
        "args": "",
        "today": "",
        "sarif": "false",
    }
    assert all(spec["required"] is False and spec["description"] for spec in ACTION["inputs"].values())
    upload = next(s for s in STEPS if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["if"] == "${{ always() && inputs.sarif == 'true' }}"
    assert upload["with"] == {"sarif_file": "tpm.sarif", "category": "tpm"}


def test_no_run_step_interpolates_an_expression():
    """Inputs reach the shell through `env:` only; a `${{ }}` inside `run:` would be pasted
    into the script before bash parses it."""
    runs = [step for step in STEPS if "run" in step]
    assert len(runs) == 3
    for step in runs:
        assert "${{" not in step["run"], step["name"]
        assert step["shell"] == "bash" and "if" not in step
    assert "${{ inputs" not in "".join(step["run"] for step in runs)


INSTALL = next(step for step in STEPS if step["name"] == "Install tpm")
CHECK_STEPS = [step for step in STEPS if step is not INSTALL]
OFFLINE = {"PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0"}  # pip: installed build backend, no index


@pytest.fixture(scope="module")
def action_python(tmp_path_factory):
    """The Python the action set up, with tpm installed by the action's install step."""
    folder = tmp_path_factory.mktemp("action")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(folder / "venv")], check=True)
    python = folder / "venv" / "bin" / "python"
    (folder / "repo").mkdir()
    failed, (install,) = run_action(folder / "repo", python, steps=[INSTALL], extra_env=OFFLINE)
    assert failed is None, install.stderr
    return python


def run_action(
    repo: Path,
    python: Path,
    steps: list[dict] = CHECK_STEPS,
    extra_env: dict[str, str] | None = None,
    **inputs: str,
) -> tuple[int | None, list[subprocess.CompletedProcess]]:
    """Run the action's `steps` in `repo` as the runner would; (the failing step's exit
    code or None, the completed steps)."""
    values = {name: spec["default"] for name, spec in ACTION["inputs"].items()} | inputs
    outputs: dict[str, dict[str, str]] = {"python": {"python-path": str(python)}}
    summary = repo.parent / "summary.md"
    completed = []

    def evaluate(match: re.Match) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            return values[expression.removeprefix("inputs.")]
        step, _, name = expression.removeprefix("steps.").partition(".outputs.")
        return outputs.get(step, {}).get(name, "")

    for number, step in enumerate(steps):
        if "uses" in step:
            continue
        script = repo.parent / f"step-{number}.sh"
        script.write_text(step["run"])
        output = repo.parent / f"output-{number}"
        output.write_text("")
        env = (
            git_env()
            | (extra_env or {})
            | {
                "GITHUB_ACTION_PATH": str(ROOT),
                "GITHUB_STEP_SUMMARY": str(summary),
                "GITHUB_OUTPUT": str(output),
            }
        )
        env |= {name: EXPRESSION.sub(evaluate, str(value)) for name, value in step.get("env", {}).items()}
        env.pop("TPM_TODAY", None)
        process = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        completed.append(process)
        if "id" in step:
            outputs[step["id"]] = dict(line.split("=", 1) for line in output.read_text().splitlines())
        if process.returncode:
            return process.returncode, completed
    return None, completed


def test_the_action_installs_tpm_from_its_own_path(action_python):
    where = subprocess.run(
        [str(action_python), "-c", "import tpm; print(tpm.__file__)"], capture_output=True, text=True, check=True
    )
    assert Path(where.stdout.strip()).is_relative_to(action_python.parents[1])  # the wheel, not this checkout


def test_a_clean_project_passes(tmp_path, action_python):
    repo = make_repo(tmp_path / "repo", CLEAN)
    failed, steps = run_action(repo, action_python, today=TODAY)
    assert failed is None
    assert steps[0].stdout.endswith("Checked 1 file: no problems.\n")
    assert (tmp_path / "summary.md").read_text().startswith("## tpm check")
    assert not (repo / "tpm.sarif").exists()


def test_an_overdue_milestone_fails_the_action_after_writing_sarif(tmp_path, action_python):
    repo = make_repo(tmp_path / "repo", OVERDUE)
    failed, steps = run_action(repo, action_python, today=TODAY, sarif="true")
    assert failed == 1 and len(steps) == 2
    assert "::error file=project/milestones/M-2-alpha.md,line=5" in steps[0].stdout
    assert "M-2 is 7 days overdue" in (tmp_path / "summary.md").read_text()
    sarif = json.loads((repo / "tpm.sarif").read_text())
    assert sorted(r["ruleId"] for r in sarif["runs"][0]["results"]) == ["overdue", "stale"]
    assert steps[1].stdout == "tpm check exited with 1; its findings are above and in the job summary.\n"


def test_today_and_args_reach_tpm_check(tmp_path, action_python):
    repo = make_repo(tmp_path / "repo", OVERDUE)
    assert run_action(repo, action_python, today="2026-11-19")[0] is None  # not yet due
    failed, steps = run_action(repo, action_python, today=TODAY, args="--select stale  --no-history")
    assert failed is None and steps[0].stdout == (
        "Checked 2 files: no problems; git history rules skipped (--no-history): stale.\n"
    )


def test_hostile_inputs_are_arguments_not_shell(tmp_path, action_python):
    repo = make_repo(tmp_path / "repo", CLEAN)
    for inputs in (
        {"args": "$(touch pwned) `touch pwned` ; touch pwned"},
        {"today": '2026-11-27"; touch pwned; echo "'},
    ):
        failed, steps = run_action(repo, action_python, **inputs)
        assert failed == 2 and "tpm: error:" in steps[0].stderr  # tpm refused the odd argument
        assert not (repo / "pwned").exists()


def test_the_documented_workflow_uses_the_action_with_its_inputs():
    """docs/ci.md shows the action in a workflow (a `yml` block: tests/test_ci_docs.py runs
    the `yaml` ones): it checks out the whole history and names only inputs that exist."""
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```yml\n(.*?)```", docs, re.S)
    steps = yaml.safe_load(block)["jobs"]["tpm"]["steps"]
    assert steps[0] == {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}}
    assert steps[1]["uses"].split("@")[0].endswith("/tpm") and set(steps[1]["with"]) <= set(ACTION["inputs"])
    table = re.findall(r"^\| `(\w+)` \| `(.*?)` \|", docs, re.M)
    assert dict(table) == {name: json.dumps(spec["default"]) for name, spec in ACTION["inputs"].items()}

"""Every rule's pass and fail fixtures (tests/fixtures/rules/<slug>.yaml), run end to end.

Each case builds a real git repository, runs `tpm check --select <rule>` and compares the
complete list of `path:line:col slug`, so a false positive fails as surely as a miss.

A case's `files` are committed on 2026-11-01. A case with `commits` instead makes one
commit per entry (`date`, `files`, optional `move: {old: new}` for `git mv`), and its
`files`, if any, are then written without committing. A case may also set `select`,
`today`, `config` (.tpm.toml text) and `message` (the exact message of its single
expected diagnostic).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from helpers import git, make_repo, run_tpm, write_files
from tpm.rules import REGISTRY

FIXTURES = Path(__file__).parent / "fixtures" / "rules"


def _cases():
    for path in sorted(FIXTURES.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            yield pytest.param(spec["rule"], case, id=f"{spec['rule']}: {case['name']}")


def _build_repo(path: Path, case: dict) -> Path:
    config = {".tpm.toml": case["config"]} if "config" in case else {}
    if "commits" not in case:
        return make_repo(path, {**case["files"], **config})
    repo = make_repo(path, config, commit=False)
    for commit in case["commits"]:
        date = f"{commit['date']}T12:00:00+00:00"
        for old, new in commit.get("move", {}).items():
            git(repo, "mv", old, new)
        write_files(repo, commit.get("files", {}))
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", f"change of {commit['date']}", date=date)
    write_files(repo, case.get("files", {}))
    return repo


@pytest.mark.parametrize("rule, case", list(_cases()))
def test_rule_fixture(tmp_path, rule, case):
    repo = _build_repo(tmp_path / "repo", case)
    args = ["check", "--format", "json", "--today", case.get("today", "2026-11-27")]
    args += ["--select", case.get("select", rule)]
    outcome = run_tpm(repo, *args)
    assert outcome.code in (0, 1), outcome.err
    report = json.loads(outcome.out)
    found = [f"{d['path']}:{d['line']}:{d['column']} {d['rule']}" for d in report["diagnostics"]]
    assert found == case.get("expect", [])
    if "message" in case:
        assert [d["message"] for d in report["diagnostics"]] == [case["message"]]
    has_errors = any(d["severity"] == "error" for d in report["diagnostics"])
    assert outcome.code == (1 if has_errors else 0)


def test_every_rule_is_documented_and_has_passing_and_failing_fixtures():
    covered = {}
    for path in FIXTURES.glob("*.yaml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        covered[spec["rule"]] = spec["cases"]
    for slug, rule in REGISTRY.items():
        assert rule.doc.strip(), f"{slug} has no docstring"
        assert slug in covered, f"{slug} has no fixture file"
        assert any(not c.get("expect") for c in covered[slug]), f"{slug} has no passing case"
        assert any(c.get("expect") for c in covered[slug]), f"{slug} has no failing case"

"""A realistic project (tests/fixtures/realistic/) that exercises every rule at once.

The fixture is a payments-platform migration as a team would keep it: milestones across
phases, risks, MADR decisions, post-mortems, a custom `task` type with the user's own JSON
Schema, a `.tpm.toml` with rule options, and `lint:` suppressions (one in force, one
expired, one misspelt). Most documents are healthy; a minority carries one deliberate
problem each. EXPECTED.txt is the complete `tpm check` output, so a false positive fails
as surely as a miss, and every registered rule must appear in it: a new rule needs a
realistic case here too.

The git rules read history, so the project gets one: the dated folders of
tests/fixtures/realistic-history/ (see its README) are committed oldest first, on their
dates, with a `git mv` rename among them, and then the final tree is committed on
2026-11-26. A document the history does not mention is fresh; the few it does mention
fire each git rule once or twice on purpose, beside near misses that must stay silent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import FIXTURES, build_realistic_repo, run_tpm
from tpm.rules import REGISTRY

FIXTURE = FIXTURES / "realistic"
EXPECTED = (FIXTURE / "EXPECTED.txt").read_text(encoding="utf-8")
TODAY = "2026-11-27"

_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning|info) (?P<rule>[a-z-]+) ")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return build_realistic_repo(tmp_path / "repo")


def _expected_diagnostics() -> list[re.Match]:
    lines = EXPECTED.splitlines()[:-1]  # the last line is the summary
    matches = [_LINE.match(line) for line in lines]
    assert all(matches), [line for line, m in zip(lines, matches, strict=False) if not m]
    return matches


def test_realistic_project_reports_exactly_the_expected_diagnostics(repo):
    outcome = run_tpm(repo, "check", "--today", TODAY)
    assert outcome.err == ""
    assert outcome.out == EXPECTED
    assert outcome.code == 1


def test_every_registered_rule_fires_in_the_realistic_project():
    fired = {m["rule"] for m in _expected_diagnostics()}
    assert fired == set(REGISTRY), (
        f"rules without a realistic case: {sorted(set(REGISTRY) - fired)}; "
        f"unknown rules in EXPECTED.txt: {sorted(fired - set(REGISTRY))}"
    )


def test_realistic_project_json_summary_matches_expected(repo):
    outcome = run_tpm(repo, "check", "--today", TODAY, "--format", "json")
    assert outcome.code == 1, outcome.err
    report = json.loads(outcome.out)
    expected = _expected_diagnostics()
    summary = report["summary"]
    assert summary["errors"] == sum(1 for m in expected if m["severity"] == "error")
    assert summary["warnings"] == sum(1 for m in expected if m["severity"] == "warning")
    assert summary["infos"] == sum(1 for m in expected if m["severity"] == "info")
    assert summary["files"] == int(re.match(r"Checked (\d+) files?", EXPECTED.splitlines()[-1]).group(1))
    assert report["today"] == TODAY
    found = [(d["path"], d["line"], d["column"], d["severity"], d["rule"]) for d in report["diagnostics"]]
    assert found == [(m["path"], int(m["line"]), int(m["column"]), m["severity"], m["rule"]) for m in expected]

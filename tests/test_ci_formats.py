"""The CI output formats, checked field by field, and the PR- and commit-scoped modes."""

from __future__ import annotations

import json
from xml.etree import ElementTree
from pathlib import Path

import jsonschema
import pytest

from helpers import FIXTURES, build_realistic_repo, git, make_repo, run_tpm, write_files
from tpm.reporters.github import escape_data, escape_property
from tpm.rules import REGISTRY

TODAY = "2026-11-27"
SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sarif-schema-2.1.0.json"
EXPECTED = (FIXTURES / "realistic" / "EXPECTED.txt").read_text(encoding="utf-8").splitlines()  # `tpm check`'s output


@pytest.fixture(scope="module")
def realistic(tmp_path_factory):
    return build_realistic_repo(tmp_path_factory.mktemp("ci") / "repo")


def check(repo, *args):
    return run_tpm(repo, "check", "--today", TODAY, *args)


@pytest.mark.skipif(not SARIF_SCHEMA.is_file(), reason=f"the official SARIF schema is not at {SARIF_SCHEMA}")
def test_sarif_is_valid_against_the_official_schema(realistic):
    outcome = check(realistic, "--format", "sarif")
    assert outcome.code == 1
    sarif = json.loads(outcome.out)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(REGISTRY, key=lambda s: REGISTRY[s].code)
    assert all(r["help"]["text"] == REGISTRY[r["id"]].doc for r in rules)
    results = run["results"]
    assert len(results) == len(EXPECTED) - 1  # one per finding: every line but the summary
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert not location["artifactLocation"]["uri"].startswith(("/", "file:"))
        assert location["region"]["startLine"] >= 1
    prints = [r["partialFingerprints"]["tpmFingerprint/v1"] for r in results]
    assert len(set(prints)) == len(prints)
    uri = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "backlog/T-102%20settlement%20file%20parser.md" in uri


def test_fingerprints_survive_moved_lines_and_passing_days(realistic, tmp_path):
    def prints(repo, today):
        report = json.loads(run_tpm(repo, "check", "--today", today, "--format", "codequality").out)
        return {(i["check_name"], i["location"]["path"]): i["fingerprint"] for i in report}

    before = prints(realistic, TODAY)
    assert (
        prints(realistic, "2026-11-28").get(("overdue", "project/milestones/M-7-3ds2-challenge-flow.md"))
        == before[("overdue", "project/milestones/M-7-3ds2-challenge-flow.md")]
    )
    moved = make_repo(
        tmp_path / "moved",
        {"project/milestones/M-1-a.md": "---\nid: M-1\ntitle: A\nstatus: planned\ndue: 2026-11-01\n---\n"},
    )
    first = prints(moved, TODAY)
    write_files(
        moved,
        {
            "project/milestones/M-1-a.md": (
                "---\n# a comment that moves every line\nid: M-1\ntitle: A\nstatus: planned\ndue: 2026-11-01\n---\n"
            )
        },
    )
    assert prints(moved, TODAY) == first


def test_codequality_fields(realistic):
    issues = json.loads(check(realistic, "--format", "codequality").out)
    assert len(issues) == len(EXPECTED) - 1  # one per finding: every line but the summary
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert issue["check_name"] in REGISTRY
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["path"], str) and issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    overdue = next(i for i in issues if i["check_name"] == "overdue")
    assert overdue == {
        "type": "issue",
        "description": "M-7 is 7 days overdue (due 2026-11-20, still in-progress)",
        "check_name": "overdue",
        "categories": ["Bug Risk"],
        "fingerprint": overdue["fingerprint"],
        "severity": "critical",
        "location": {"path": "project/milestones/M-7-3ds2-challenge-flow.md", "lines": {"begin": 8, "end": 8}},
    }
    assert check(realistic, "--format", "codequality").out == check(realistic, "--format", "codequality").out


def test_junit_has_one_case_per_document(realistic):
    root = ElementTree.fromstring(check(realistic, "--format", "junit").out)
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert (root.get("tests"), suite.get("tests"), len(cases)) == ("30", "30", 30)
    failed = [c for c in cases if c.find("failure") is not None]
    with_errors = {line.split(":", 1)[0] for line in EXPECTED[:-1] if ": error " in line}
    assert suite.get("failures") == root.get("failures") == str(len(failed)) == str(len(with_errors))
    m7 = next(c for c in cases if c.get("file") == "project/milestones/M-7-3ds2-challenge-flow.md")
    assert m7.get("classname") == "project.milestones" and m7.get("name") == "M-7-3ds2-challenge-flow.md"
    assert "overdue M-7 is 7 days overdue" in m7.find("failure").text
    warned = next(c for c in cases if c.get("file") == "project/decisions/0005-idempotency-keys-for-payment-intents.md")
    assert warned.find("failure") is None and "stale-decision" in warned.find("system-out").text
    strict = ElementTree.fromstring(check(realistic, "--format", "junit", "--strict").out)
    assert int(strict.get("failures")) > 14


def test_github_escaping():
    assert escape_data("50%\r\ndone") == "50%25%0D%0Adone"
    assert escape_property("a,b:c%d\n") == "a%2Cb%3Ac%25d%0A"


def test_github_annotations_escape_names_and_messages(tmp_path):
    repo = make_repo(
        tmp_path / "repo",
        {
            "project/risks/R-1, odd: name.md": (
                '---\nid: R-1\ntitle: T\nstatus: "50% done"\nlikelihood: 1\nimpact: 1\nmitigation: m\n---\n'
            )
        },
    )
    out = check(repo, "--format", "github").out.splitlines()
    assert out[0] == (
        "::error file=project/risks/R-1%2C odd%3A name.md,line=4,endLine=4,col=9,"
        "title=schema-violation (TPM005)::`status` must be one of open, mitigating, accepted, closed (got '50%25 done')"
    )
    assert out[1].startswith("::stop-commands::")  # the plain lines below can start no workflow command
    assert out[2].startswith("project/risks/R-1, odd: name.md:4:9: error schema-violation")


def test_github_shows_ten_per_kind_and_counts_the_rest(tmp_path, monkeypatch):
    files = {f"project/risks/R-{n}.md": "no front-matter\n" for n in range(1, 13)}
    repo = make_repo(tmp_path / "repo", files)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out = check(repo, "--format", "github").out.splitlines()
    assert sum(line.startswith("::error ") for line in out) == 10
    assert out[10] == (
        "::notice title=tpm::2 more findings not shown as annotations (GitHub shows 10 of each kind); all are "
        "listed below and in the step summary"
    )
    assert sum(": error missing-front-matter" in line for line in out) == 12
    written = summary.read_text()
    assert written.startswith("earlier step\n## tpm check\n\nChecked 12 files: 12 errors, 0 warnings, 0 infos.\n")
    assert written.count("| missing-front-matter |") == 12


def test_any_format_can_go_to_a_file_with_the_summary_on_the_terminal(realistic, tmp_path):
    outcome = check(realistic, "--format", "sarif", "--output", str(tmp_path / "out.sarif"))
    assert outcome.out == EXPECTED[-1] + "\n" and outcome.code == 1
    assert json.loads((tmp_path / "out.sarif").read_text())["version"] == "2.1.0"


def test_diff_base_reports_only_changed_documents(realistic):
    git(realistic, "branch", "-f", "base", "HEAD")
    git(realistic, "checkout", "-q", "-b", "feature")
    try:
        path = realistic / "project/milestones/M-5-settlement-and-reconciliation.md"
        path.write_text(path.read_text().replace("status: planned", "status: someday", 1))
        outcome = check(realistic, "--diff-base", "base")
        assert outcome.out.splitlines()[-1] == "Checked 1 file: 2 errors, 0 warnings, 0 infos."
        assert {line.split(":")[0] for line in outcome.out.splitlines()[:-1]} == {
            "project/milestones/M-5-settlement-and-reconciliation.md"
        }
        bad = check(realistic, "--diff-base", "no-such-branch")
        assert bad.code == 2 and bad.err.startswith(
            "tpm: error: --diff-base: no merge base between 'no-such-branch' and HEAD"
        )
    finally:
        git(realistic, "checkout", "-q", "--", ".")
        git(realistic, "checkout", "-q", "main")


def test_staged_checks_what_the_commit_records(tmp_path):
    valid = "---\nid: R-1\ntitle: T\nstatus: open\nlikelihood: 1\nimpact: 1\nmitigation: m\n---\n"
    repo = make_repo(tmp_path / "repo", {"project/risks/R-1-a.md": valid})
    write_files(repo, {"project/risks/R-1-a.md": valid.replace("open", "opened")})  # unstaged, broken
    write_files(repo, {"project/risks/R-2-new.md": "not staged, no front-matter\n"})
    assert check(repo, "--staged").out == "Checked 1 file: no problems.\n"
    assert check(repo).code == 1
    git(repo, "add", "project/risks/R-1-a.md")
    staged = check(repo, "--staged")
    assert staged.code == 1 and staged.out.startswith("project/risks/R-1-a.md:4:9: error schema-violation")

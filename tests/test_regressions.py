"""Regression tests for bugs found in review, one per bug, each reproducing the input."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from helpers import git, make_repo, run_tpm, write_files

TODAY = "2026-11-27"
RISK = "---\nid: R-1\ntitle: T\nstatus: open\nlikelihood: {likelihood}\nimpact: 1\nmitigation: m\n---\n"


def findings(repo, *args):
    outcome = run_tpm(repo, "check", "--today", TODAY, "--format", "json", *args)
    assert outcome.code in (0, 1) and "internal error" not in outcome.err, outcome.err
    return [(d["path"], d["line"], d["rule"]) for d in json.loads(outcome.out)["diagnostics"]]


def test_a_huge_hex_number_is_a_parse_error(tmp_path):
    repo = make_repo(tmp_path / "r", {"project/risks/R-1-a.md": RISK.format(likelihood="0x" + "F" * 4000)})
    assert findings(repo) == [("project/risks/R-1-a.md", 5, "parse-error")]


def test_a_file_name_that_is_not_utf8_renders_everywhere(tmp_path):
    repo = make_repo(tmp_path / "r")
    name = b"M-9-\xff.md"
    (repo / "project" / "milestones").mkdir(parents=True)
    (repo / "project" / "milestones").joinpath(name.decode("utf-8", "surrogateescape")).write_text("no front-matter\n")
    for args in (
        ["check", "--format", "sarif"],
        ["report"],
        ["changes", "--format", "markdown", "--since", "2020-01-01"],
    ):
        outcome = run_tpm(repo, *args, "--today", TODAY)
        assert "internal error" not in outcome.err and outcome.code in (0, 1), (args, outcome.err)
    assert "M-9-%FF.md" in run_tpm(repo, "report", "--today", TODAY).out


def test_boolean_and_referenced_subschemas_do_not_break_the_wording(tmp_path):
    schema = {
        "$defs": {
            "x": {"allOf": [{"if": {"properties": {"state": {"const": "done"}}}, "then": {"required": ["done_on"]}}]}
        },
        "allOf": [{"$ref": "#/$defs/x"}],
        "properties": {"size": {"anyOf": [False, {"type": "integer"}]}},
    }
    repo = make_repo(
        tmp_path / "r",
        {
            ".tpm.toml": '[types.task]\npaths = ["tasks/*.md"]\nschema = "task.json"\n',
            "task.json": json.dumps(schema),
            "tasks/T-1.md": "---\nstate: done\nsize: big\n---\n",
        },
    )
    assert findings(repo) == [("tasks/T-1.md", 1, "schema-violation"), ("tasks/T-1.md", 3, "schema-violation")]


def test_a_malformed_lint_ignore_with_an_expired_date(tmp_path):
    repo = make_repo(
        tmp_path / "r",
        {
            "project/risks/R-1-a.md": RISK.format(likelihood=1).replace(
                "---\n", "---\nlint: {ignore: 5, until: 2020-01-01}\n", 1
            )
        },
    )
    assert ("project/risks/R-1-a.md", 2, "expired-suppression") in findings(repo)


def test_a_tool_key_that_is_not_a_table(tmp_path):
    repo = make_repo(
        tmp_path / "r", {"pyproject.toml": "tool = 1\n", "project/risks/R-1-a.md": RISK.format(likelihood=1)}
    )
    assert findings(repo) == []
    outcome = run_tpm(repo, "check", "--config", "pyproject.toml")
    assert (outcome.code, outcome.err) == (2, "tpm: error: pyproject.toml: no [tool.tpm] table\n")


def test_init_names_a_file_in_the_way(tmp_path):
    repo = make_repo(tmp_path / "r", {"project": "a file, not a folder\n"})
    outcome = run_tpm(repo, "init")
    assert outcome.code == 2 and "project is a file, not a folder" in outcome.err


def test_decision_ids_on_other_branches_are_taken(tmp_path):
    repo = make_repo(tmp_path / "r", {"README.md": "x\n"})
    git(repo, "checkout", "-q", "-b", "other")
    write_files(repo, {"project/decisions/0001-theirs.md": "---\nstatus: proposed\n---\n# Theirs\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "theirs")
    git(repo, "checkout", "-q", "main")
    assert run_tpm(repo, "new", "decision", "Mine", "--today", TODAY).out == "project/decisions/0002-mine.md\n"


def test_a_changed_referenced_schema_file_is_not_served_from_the_cache(tmp_path):
    repo = make_repo(
        tmp_path / "r",
        {
            ".tpm.toml": '[types.task]\npaths = ["tasks/*.md"]\nschema = "s/task.json"\n',
            "s/task.json": '{"properties": {"size": {"$ref": "common.json#/$defs/size"}}}',
            "s/common.json": '{"$defs": {"size": {"type": "integer"}}}',
            "tasks/T-1.md": "---\nsize: big\n---\n",
        },
    )
    assert findings(repo) == [("tasks/T-1.md", 2, "schema-violation")]
    write_files(repo, {"s/common.json": '{"$defs": {"size": {"type": "string"}}}'})
    assert findings(repo) == []


def test_a_config_in_a_dot_folder(tmp_path):
    repo = make_repo(
        tmp_path / "r", {".cfg/tpm.toml": '[types.task]\npaths = ["tasks/*.md"]\n', ".cfg/tasks/T-1.md": "plain\n"}
    )
    assert findings(repo, "--config", ".cfg/tpm.toml") == [(".cfg/tasks/T-1.md", 1, "missing-front-matter")]


def test_dependency_order_points_at_the_file_that_names_the_dependency(tmp_path):
    milestone = "---\nid: {id}\ntitle: T\nstatus: planned\ndue: {due}\n{extra}---\n"
    repo = make_repo(
        tmp_path / "r",
        {
            "project/milestones/M-1-a.md": milestone.format(id="M-1", due="2026-12-20", extra=""),
            "project/milestones/M-2-a.md": milestone.format(id="M-2", due="2026-12-30", extra=""),
            "project/milestones/M-2-b.md": milestone.format(
                id="M-2", due="2026-12-01", extra="# a comment\n# another\n# and a third\ndepends_on: [M-1]\n"
            ),
        },
    )
    assert ("project/milestones/M-2-b.md", 9, "dependency-order") in findings(repo, "--select", "dependency-order")


def test_control_characters_in_messages_keep_junit_parseable(tmp_path):
    repo = make_repo(
        tmp_path / "r",
        {
            "project/milestones/M-1-a.md": (
                '---\nid: M-1\ntitle: T\nstatus: planned\ndue: 2026-12-20\ndepends_on: ["M-\\x01\\x1b[31m"]\n---\n'
            )
        },
    )
    out = run_tpm(repo, "check", "--format", "junit", "--today", TODAY).out
    failure = ElementTree.fromstring(out).find("testsuite/testcase/failure")
    assert "\\x01\\x1b[31m" in failure.text


def test_iso_week_dates_are_not_dates(tmp_path):
    repo = make_repo(
        tmp_path / "r",
        {"project/milestones/M-1-a.md": "---\nid: M-1\ntitle: T\nstatus: planned\ndue: 2026-W01-1\n---\n"},
    )
    assert findings(repo) == [("project/milestones/M-1-a.md", 5, "schema-violation")]
    outcome = run_tpm(repo, "check", "--today", "2026-W01-1")
    assert (outcome.code, outcome.err) == (2, "tpm: error: --today: '2026-W01-1' is not a date as YYYY-MM-DD\n")

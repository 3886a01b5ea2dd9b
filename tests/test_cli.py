"""The `tpm check` command line: exit codes, options, config, formats and faults."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import git, make_repo, run_tpm, write_files

TODAY = "2026-11-27"
VALID_RISK = (
    "---\nid: R-1\ntitle: Vendor may slip\nstatus: open\nlikelihood: 2\nimpact: 3\n---\n## Mitigation\n\nWeekly sync.\n"
)
BAD_RISK = "---\nid: R-2\ntitle: Bad\nstatus: opened\nlikelihood: 2\nimpact: 3\nmitigation: sync\n---\n"


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", {"project/risks/R-1-vendor.md": VALID_RISK})


def check(cwd, *args):
    return run_tpm(cwd, "check", "--today", TODAY, *args)


def test_clean_project_exits_0_with_a_summary(repo):
    outcome = check(repo)
    assert (outcome.code, outcome.out, outcome.err) == (0, "Checked 1 file: no problems.\n", "")


def test_error_findings_exit_1_in_text_format(repo):
    write_files(repo, {"project/risks/R-2-bad.md": BAD_RISK})
    outcome = check(repo)
    assert outcome.code == 1
    assert outcome.out.splitlines() == [
        "project/risks/R-2-bad.md:4:9: error schema-violation "
        "`status` must be one of open, mitigating, accepted, closed (got 'opened')",
        "Checked 2 files: 1 error, 0 warnings, 0 infos.",
    ]


def test_json_format_has_the_documented_shape(repo):
    write_files(repo, {"project/risks/R-2-bad.md": BAD_RISK})
    report = json.loads(check(repo, "--format", "json").out)
    assert report["version"] == 1 and report["today"] == TODAY
    assert report["summary"] == {"files": 2, "errors": 1, "warnings": 0, "infos": 0, "skipped_rules": []}
    assert report["diagnostics"] == [
        {
            "path": "project/risks/R-2-bad.md",
            "line": 4,
            "column": 9,
            "end_line": 4,
            "code": "TPM005",
            "rule": "schema-violation",
            "severity": "error",
            "message": "`status` must be one of open, mitigating, accepted, closed (got 'opened')",
        }
    ]


def test_output_is_byte_identical_across_runs(repo):
    write_files(repo, {"project/risks/R-2-bad.md": BAD_RISK, "project/risks/R-3.md": "no front-matter"})
    for fmt in ("text", "json"):
        assert check(repo, "--format", fmt).out == check(repo, "--format", fmt).out


def test_strict_fails_on_warnings(repo):
    write_files(
        repo,
        {
            "project/risks/R-9-copy.md": VALID_RISK,
            ".tpm.toml": '[rules.duplicate-id]\nseverity = "warning"\n',
        },
    )
    assert check(repo).code == 0
    assert check(repo, "--strict").code == 1


def test_severity_off_disables_a_rule(repo):
    write_files(
        repo, {"project/risks/R-2-bad.md": BAD_RISK, ".tpm.toml": '[rules.schema-violation]\nseverity = "off"\n'}
    )
    assert check(repo).code == 0


@pytest.mark.parametrize(
    "args, expected_rules",
    [
        (["--select", "schema-violation"], {"schema-violation"}),
        (["--select", "TPM003"], {"missing-front-matter"}),
        (["--select", "TPM00"], {"schema-violation", "missing-front-matter"}),
        (["--select", "ALL", "--ignore", "schema-violation,TPM003"], set()),
        (["--ignore", "missing-front-matter"], {"schema-violation"}),
    ],
)
def test_select_and_ignore_take_slugs_codes_and_prefixes(repo, args, expected_rules):
    write_files(repo, {"project/risks/R-2-bad.md": BAD_RISK, "project/risks/R-3.md": "plain"})
    report = json.loads(check(repo, "--format", "json", *args).out)
    assert {d["rule"] for d in report["diagnostics"]} == expected_rules


def test_paths_limit_reporting_but_rules_see_the_whole_project(repo):
    write_files(repo, {"project/risks/R-9-copy.md": VALID_RISK, "project/risks/R-2-bad.md": BAD_RISK})
    report = json.loads(check(repo, "--format", "json", "project/risks/R-9-copy.md").out)
    assert [(d["path"], d["rule"]) for d in report["diagnostics"]] == [("project/risks/R-9-copy.md", "duplicate-id")]
    assert report["summary"]["files"] == 1


def test_paths_are_repository_relative_from_a_subfolder(repo):
    write_files(repo, {"project/risks/R-2-bad.md": BAD_RISK})
    outcome = check(repo / "project" / "risks")
    assert outcome.out.startswith("project/risks/R-2-bad.md:4:9: ")


def test_untracked_files_are_linted_and_ignored_files_are_not(repo):
    write_files(
        repo, {"project/risks/R-2-bad.md": BAD_RISK, "project/risks/R-3-x.md": BAD_RISK, ".gitignore": "R-3-*\n"}
    )
    report = json.loads(check(repo, "--format", "json").out)
    assert [d["path"] for d in report["diagnostics"]] == ["project/risks/R-2-bad.md"]


def test_output_file_gets_the_report_and_the_terminal_the_summary(repo):
    write_files(repo, {"project/risks/R-2-bad.md": BAD_RISK})
    outcome = check(repo, "--format", "json", "--output", "out/report.json")
    assert outcome.out == "Checked 2 files: 1 error, 0 warnings, 0 infos.\n"
    assert json.loads((repo / "out" / "report.json").read_text())["summary"]["errors"] == 1
    assert sorted(p.name for p in (repo / "out").iterdir()) == ["report.json"]


def test_today_comes_from_the_environment(repo, monkeypatch):
    monkeypatch.setenv("TPM_TODAY", "2027-01-02")
    assert json.loads(run_tpm(repo, "check", "--format", "json").out)["today"] == "2027-01-02"
    assert json.loads(run_tpm(repo, "check", "--format", "json", "--today", "2027-03-04").out)["today"] == "2027-03-04"


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--today", "2026-13-01"], {}, "tpm: error: --today: '2026-13-01' is not a date as YYYY-MM-DD"),
        (["--today", "tomorrow"], {}, "tpm: error: --today: 'tomorrow' is not a date as YYYY-MM-DD"),
        ([], {"TPM_TODAY": "27/11/2026"}, "tpm: error: TPM_TODAY: '27/11/2026' is not a date as YYYY-MM-DD"),
        (["--select", "no-such-rule"], {}, "tpm: error: --select: no rule matches 'no-such-rule' (see `tpm rules`)"),
        (["--config", "missing.toml"], {}, "tpm: error: config file not found: missing.toml"),
    ],
)
def test_usage_errors_exit_2_with_one_line(repo, monkeypatch, args, env, message):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    outcome = run_tpm(repo, "check", *args)
    assert (outcome.code, outcome.out, outcome.err) == (2, "", message + "\n")


@pytest.mark.parametrize(
    "config, message",
    [
        (
            "roots = 'x'\n",
            "tpm: error: .tpm.toml: unknown key `roots` (allowed: exclude, ignore, name, risk_bands, root, rules, "
            "select, templates, timezone, type_key, types)",
        ),
        ("[rules.no-such]\n", "tpm: error: .tpm.toml: [rules.no-such]: no rule is named 'no-such' (see `tpm rules`)"),
        (
            "[rules.duplicate-id]\nseverity = 'fatal'\n",
            "tpm: error: .tpm.toml: rules.duplicate-id.severity: unknown severity 'fatal' (expected one of error, "
            "warning, info) or off",
        ),
        ("[types.task]\nschema = 's.json'\n", "tpm: error: .tpm.toml: [types.task] needs `paths`"),
        (
            "timezone = 'Mars/Olympus'\n",
            "tpm: error: timezone: unknown time zone 'Mars/Olympus' (use an IANA name like Europe/Berlin)",
        ),
    ],
)
def test_config_mistakes_exit_2_with_one_line(repo, config, message):
    write_files(repo, {".tpm.toml": config})
    outcome = run_tpm(repo, "check")
    assert (outcome.code, outcome.err) == (2, message + "\n")


def test_invalid_toml_names_the_file_and_line(repo):
    write_files(repo, {".tpm.toml": "root = \n"})
    outcome = run_tpm(repo, "check")
    assert outcome.code == 2
    assert re.fullmatch(r"tpm: error: .*\.tpm\.toml: invalid TOML: .*line 1.*\n", outcome.err)


def test_not_a_git_repository_exits_2(tmp_path):
    outcome = run_tpm(tmp_path, "check")
    assert outcome.code == 2
    assert outcome.err.startswith("tpm: error: not a git repository: ") and outcome.err.count("\n") == 1


def test_git_missing_exits_2(repo, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    outcome = run_tpm(repo, "check")
    assert (outcome.code, outcome.err) == (
        2,
        "tpm: error: git is not installed or not on PATH; tpm reads the project through git\n",
    )


def test_pyproject_tool_table_and_dotfile_precedence(repo):
    write_files(repo, {"pyproject.toml": "[tool.tpm]\nroot = 'plans'\n", "plans/risks/R-5.md": "plain"})
    assert json.loads(check(repo, "--format", "json").out)["summary"]["files"] == 1  # plans/ only
    write_files(repo, {".tpm.toml": "root = 'project'\n"})
    assert json.loads(check(repo, "--format", "json").out)["summary"]["files"] == 1  # project/ again
    outcome = check(repo, "--format", "json", "--config", "pyproject.toml")
    assert [d["path"] for d in json.loads(outcome.out)["diagnostics"]] == ["plans/risks/R-5.md"]


def test_pyproject_without_tool_tpm_is_passed_over(repo):
    write_files(repo, {"project/pyproject.toml": "[tool.other]\nx = 1\n", ".tpm.toml": "exclude = ['R-1-*']\n"})
    assert json.loads(check(repo / "project", "--format", "json").out)["summary"]["files"] == 0


def test_config_paths_add_a_madr_log_to_decisions(repo):
    write_files(
        repo,
        {
            ".tpm.toml": "[types.decision]\npaths = ['docs/decisions/*.md']\n",
            "docs/decisions/0001-record-decisions.md": (
                "---\nstatus: accepted\ndate: 2026-01-02\n---\n# Record decisions\n"
            ),
            "docs/decisions/0002-bad.md": "---\nstatus: maybe\n---\n# Bad\n",
            "docs/decisions/index.md": "# Index\n",
        },
    )
    report = json.loads(check(repo, "--format", "json").out)
    assert report["summary"]["files"] == 3
    assert [(d["path"], d["line"], d["rule"]) for d in report["diagnostics"]] == [
        ("docs/decisions/0002-bad.md", 2, "schema-violation")
    ]


def test_rules_lists_every_rule_and_explain_prints_the_docstring(repo):
    listing = run_tpm(repo, "rules").out
    assert re.search(r"^TPM006  duplicate-id +error +Two or more documents share an id\.$", listing, re.M)
    explained = run_tpm(repo, "explain", "TPM006")
    assert explained.code == 0 and explained.out.startswith("duplicate-id (TPM006)\nDefault severity: error.")
    assert run_tpm(repo, "explain", "nope").code == 2


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("overdue-milestone", "overdue", "TPM201"),
        ("stale-milestone", "stale", "TPM402"),
        ("unreviewed-risk", "unreviewed", "TPM403"),
        ("slipped-milestone", "slipped", "TPM404"),
    ],
)
def test_explain_an_old_slug_says_whose_alias_it_is_and_rules_lists_them(repo, old, new, code):
    explained = run_tpm(repo, "explain", old)
    assert explained.code == 0
    assert explained.out.startswith(
        f"{old} is an alias of {new}, its old slug; it is accepted wherever a slug is.\n{new} ({code})\n"
    )
    assert explained.out.split("\n", 1)[1] == run_tpm(repo, "explain", new).out
    assert not run_tpm(repo, "explain", new).out.startswith(old)
    listing = run_tpm(repo, "rules").out
    assert re.search(rf"^{code}  {new} ", listing, re.M)
    assert f"{old} → {new}" in listing.splitlines()[-1]


def test_old_slugs_work_on_the_command_line_in_the_config_and_in_suppressions_and_output_uses_the_new(repo):
    write_files(
        repo,
        {
            "project/milestones/M-1-a.md": "---\nid: M-1\ntitle: A\nstatus: planned\ndue: 2026-11-01\n---\n",
            "project/milestones/M-2-b.md": (
                "---\nid: M-2\ntitle: B\nstatus: planned\ndue: 2026-11-01\nlint: {ignore: [overdue-milestone]}\n---\n"
            ),
        },
    )
    old = check(repo, "--select", "overdue-milestone")
    assert (old.code, old.out.splitlines()[0]) == (
        1,
        "project/milestones/M-1-a.md:5:6: error overdue M-1 is 26 days overdue (due 2026-11-01, still planned)",
    )
    assert old.out == check(repo, "--select", "overdue").out
    assert check(repo, "--select", "TPM201", "--ignore", "overdue-milestone").code == 0
    (repo / ".tpm.toml").write_text('[rules.overdue-milestone]\nseverity = "warning"\n', encoding="utf-8")
    demoted = check(repo, "--select", "overdue")
    assert (demoted.code, demoted.out.splitlines()[0]) == (
        0,
        "project/milestones/M-1-a.md:5:6: warning overdue M-1 is 26 days overdue (due 2026-11-01, still planned)",
    )
    (repo / ".tpm.toml").write_text('select = ["overdue-milestone"]\n', encoding="utf-8")
    assert check(repo).out == old.out
    (repo / ".tpm.toml").write_text('ignore = ["overdue-milestone"]\n', encoding="utf-8")
    assert "overdue" not in check(repo).out
    # the command line's --select of the rule outweighs the config's ignore of it
    assert check(repo, "--select", "overdue").out == old.out


def test_schema_prints_the_effective_schema(repo):
    outcome = run_tpm(repo, "schema", "milestone")
    schema = json.loads(outcome.out)
    root = Path(__file__).resolve().parents[1]
    assert schema == json.loads((root / "schemas" / "milestone.schema.json").read_text())
    assert (
        run_tpm(repo, "schema", "widget").err
        == "tpm: error: unknown type 'widget' (known: milestone, risk, decision, postmortem)\n"
    )


def test_schema_works_outside_a_repository(tmp_path):
    assert json.loads(run_tpm(tmp_path, "schema", "risk").out)["properties"]["likelihood"]["maximum"] == 5


def test_committed_and_uncommitted_work_the_same(repo):
    git(repo, "rm", "-q", "--cached", "project/risks/R-1-vendor.md")
    assert check(repo).out == "Checked 1 file: no problems.\n"

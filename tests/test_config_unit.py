"""Config parsing on its own: `parse_config` on TOML tables (no file, no git), and the
search for the config file on a plain folder tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fakes import NOWHERE, config_of
from tpm.config import Config, RuleConfig, TypeConfig, builtin_types, find_config_file, load_config
from tpm.diagnostic import Severity
from tpm.errors import UsageError
from tpm.rules import rule_defaults

TOP_KEYS = "exclude, ignore, name, risk_bands, root, rules, select, templates, timezone, type_key, types"
TYPE_KEYS = (
    "checkpoints, dates, id_field, id_prefix, lifecycle, paths, reference_separator, references, required_sections, "
    "review_every, schema, status_field, template"
)


def fails(table: dict, base: Path = NOWHERE) -> str:
    with pytest.raises(UsageError) as raised:
        config_of(table, base)
    return str(raised.value)


# defaults and paths ---------------------------------------------------------------------


def test_an_empty_table_gives_the_defaults():
    config = config_of({})
    assert config == Config(types=builtin_types("project"), source=".tpm.toml")
    assert config.root == "project" and config.templates == ".tpm/templates"
    assert config.exclude == ("README.md", "index.md")
    assert (config.risk_high, config.risk_medium, config.select, config.ignore) == (15, 8, (), ())
    assert list(config.types) == ["milestone", "risk", "decision", "postmortem"]
    assert config.types["milestone"] == TypeConfig(
        "milestone",
        ("project/milestones/**/*.md",),
        builtin=True,
        id_prefix="M",
        references=("depends_on", "risks"),
        lifecycle={"planned": ("planned",), "active": ("in-progress",), "done": ("done",), "dropped": ("cancelled",)},
        dates={"due": "due", "start": "start", "completed": "completed"},
        checkpoints="Checkpoints",
    )
    assert config.types["risk"].required_sections == ("Mitigation",)
    assert config.types["risk"].dates == {"reviewed": "reviewed"}
    assert config.types["decision"].role_of("superseded") == "dropped"
    assert config.types["postmortem"].checkpoints == "Action items"
    assert config.types["decision"].id_prefix == "ADR"
    assert config.types["postmortem"].required_sections == ("Lessons learned", "Action items")
    assert config.rule("stale") == RuleConfig()


def test_paths_in_a_config_below_the_root_are_joined_to_its_folder():
    table = {
        "root": "plan",
        "templates": "tpl/",
        "types": {
            "task": {"paths": ["tasks/*.md", "../shared/*.md"], "schema": "task.json", "template": "t/task.md"},
            "decision": {"paths": ["./adr/*.md"]},
        },
    }
    config = config_of(table, NOWHERE / "sub" / "dir")
    assert config.root == "sub/dir/plan"
    assert config.templates == "sub/dir/tpl"
    assert config.types["milestone"].paths == ("sub/dir/plan/milestones/**/*.md",)
    assert config.types["task"].paths == ("sub/dir/tasks/*.md", "sub/shared/*.md")
    assert config.types["task"].schema == os.path.abspath(NOWHERE / "sub" / "dir" / "task.json")
    assert config.types["task"].template == os.path.abspath(NOWHERE / "sub" / "dir" / "t" / "task.md")
    assert config.types["decision"].paths == ("sub/dir/plan/decisions/**/*.md", "sub/dir/adr/*.md")


@pytest.mark.parametrize(
    ("base", "root", "expected_root", "milestones"),
    [
        (NOWHERE, ".", "", "milestones/**/*.md"),  # the repository itself is the project
        (NOWHERE / "sub", ".", "sub", "sub/milestones/**/*.md"),
        (NOWHERE / "sub", "..", "", "milestones/**/*.md"),
        (NOWHERE, " docs/plan/ ", "docs/plan", "docs/plan/milestones/**/*.md"),
        (Path("/elsewhere/configs"), "plan", "plan", "plan/milestones/**/*.md"),  # --config outside: from the root
    ],
)
def test_root_is_relative_to_the_config_folder(base, root, expected_root, milestones):
    config = config_of({"root": root}, base)
    assert config.root == expected_root
    assert config.types["milestone"].paths == (milestones,)


def test_a_builtin_type_is_extended_not_replaced():
    config = config_of(
        {
            "types": {
                "milestone": {
                    "paths": ["roadmap/*.md"],
                    "references": ["blocks"],
                    "required_sections": ["Scope"],
                    "id_field": "key",
                    "id_prefix": "MS",
                }
            }
        }
    )
    milestone = config.types["milestone"]
    assert milestone.paths == ("project/milestones/**/*.md", "roadmap/*.md")
    assert milestone.references == ("depends_on", "risks", "blocks")
    assert milestone.required_sections == ("Scope",)  # replaced: a list of what is required
    assert (milestone.id_field, milestone.id_prefix, milestone.builtin) == ("key", "MS", True)
    assert config.types["risk"] == builtin_types("project")["risk"]


def test_a_new_type_comes_after_the_builtin_ones_with_plain_defaults():
    config = config_of({"types": {"task": {"paths": ["tasks/**/*.md"]}}})
    assert list(config.types) == ["milestone", "risk", "decision", "postmortem", "task"]
    assert config.types["task"] == TypeConfig("task", ("tasks/**/*.md",))


def test_top_level_values_are_kept():
    config = config_of(
        {
            "name": "Payments",
            "timezone": "Europe/Paris",
            "select": ["TPM2", "stale-milestone"],
            "ignore": ["TPM203"],
            "exclude": ["DRAFT-*.md", "archive/**"],
            "risk_bands": {"high": 20, "medium": 10},
        },
        source="pyproject.toml",
    )
    assert config.name == "Payments" and config.timezone == "Europe/Paris"
    assert config.select == ("TPM2", "stale-milestone") and config.ignore == ("TPM203",)
    assert config.exclude == ("DRAFT-*.md", "archive/**")
    assert (config.risk_high, config.risk_medium, config.source) == (20, 10, "pyproject.toml")


@pytest.mark.parametrize(
    ("score", "band"), [(25, "high"), (15, "high"), (14, "medium"), (8, "medium"), (7, "low"), (1, "low")]
)
def test_band(score, band):
    assert config_of({}).band(score) == band


def test_band_with_configured_bounds():
    config = config_of({"risk_bands": {"high": 9, "medium": 9}})
    assert [config.band(s) for s in (8, 9, 25)] == ["low", "high", "high"]


# rule options and severities ------------------------------------------------------------


def test_rule_tables_give_severity_enabled_and_options_over_the_defaults():
    config = config_of(
        {
            "rules": {
                "unreviewed": {"severity": "error", "high_days": 3},
                "stale": {"severity": "off"},
                "overdue": {"severity": "info"},
                "stale-checkpoint": {},
                "dependency-order": {"field": "requires"},
            }
        }
    )
    assert config.rule("unreviewed") == RuleConfig(
        Severity.ERROR, True, {"high_days": 3, "medium_days": 14, "low_days": 30}
    )
    assert config.rule("stale") == RuleConfig(None, False, {"stale_after_days": 7})
    assert config.rule("overdue") == RuleConfig(Severity.INFO, True, {})
    assert config.rule("stale-checkpoint") == RuleConfig(None, True, {"grace_days": 1})
    assert config.rule("slipped") == RuleConfig()
    assert config.rule("dependency-order") == RuleConfig(None, True, {"buffer_days": 0, "field": "requires"})


def test_rule_tables_may_name_a_rule_by_its_old_slug_and_are_kept_under_the_new_one():
    config = config_of(
        {
            "rules": {
                "unreviewed-risk": {"severity": "error", "high_days": 3},
                "stale-milestone": {"severity": "off"},
                "overdue-milestone": {"severity": "info"},
                "slipped-milestone": {"max_slips": 5},
            }
        }
    )
    assert config.rule("unreviewed") == RuleConfig(
        Severity.ERROR, True, {"high_days": 3, "medium_days": 14, "low_days": 30}
    )
    assert config.rule("stale") == RuleConfig(None, False, {"stale_after_days": 7})
    assert config.rule("overdue") == RuleConfig(Severity.INFO, True, {})
    assert config.rule("slipped") == RuleConfig(None, True, {"max_slips": 5, "max_slip_days": 14})
    assert set(config.rules) == {"unreviewed", "stale", "overdue", "slipped"}


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"no-such-rule": {}}, "[rules.no-such-rule]: no rule is named 'no-such-rule' (see `tpm rules`)"),
        ({"TPM402": {}}, "[rules.TPM402]: no rule is named 'TPM402' (see `tpm rules`)"),  # slugs only
        ({"stale-milestone": "off"}, "[rules.stale-milestone] must be a table"),
        (
            {"stale": {}, "stale-milestone": {"severity": "off"}},
            "[rules.stale] and [rules.stale-milestone] configure the same rule, stale: keep one",
        ),
        ({"dependency-cycle": {"field": 3}}, "rules.dependency-cycle.field must be str, got 3"),
        ({"dependency-cycle": {"field": " "}}, "rules.dependency-cycle.field must name something, got ' '"),
        (
            {"missing-postmortem": {"postmortem_type": "retro"}},
            "rules.missing-postmortem.postmortem_type: no type is named 'retro' "
            "(known: milestone, risk, decision, postmortem)",
        ),
        (
            {"missing-postmortem": {"postmortem_within_days": "14"}},
            "rules.missing-postmortem.postmortem_within_days must be int, got '14'",
        ),
        (
            {"stale-milestone": {"stale_days": 3}},
            "unknown key `rules.stale-milestone.stale_days` (allowed: severity, stale_after_days)",
        ),
        (
            {"overdue-milestone": {"grace_days": 1}},
            "unknown key `rules.overdue-milestone.grace_days` (allowed: severity)",
        ),
        (
            {"stale-milestone": {"severity": "fatal"}},
            "rules.stale-milestone.severity: unknown severity 'fatal' (expected one of error, warning, info) or off",
        ),
        (
            {"stale-milestone": {"severity": 2}},
            "rules.stale-milestone.severity: unknown severity '2' (expected one of error, warning, info) or off",
        ),
        (
            {"stale-milestone": {"severity": "Error"}},
            "rules.stale-milestone.severity: unknown severity 'Error' (expected one of error, warning, info) or off",
        ),
        ({"stale-milestone": {"stale_after_days": "7"}}, "rules.stale-milestone.stale_after_days must be int, got '7'"),
        ({"stale-milestone": {"stale_after_days": 7.0}}, "rules.stale-milestone.stale_after_days must be int, got 7.0"),
        (
            {"stale-milestone": {"stale_after_days": True}},
            "rules.stale-milestone.stale_after_days must be int, got True",
        ),
    ],
)
def test_rule_tables_are_checked(rules, message):
    assert fails({"rules": rules}) == f".tpm.toml: {message}"


# refused tables -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"roots": "x"}, f"unknown key `roots` (allowed: {TOP_KEYS})"),
        ({"zeta": 1, "alpha": 2}, f"unknown key `alpha` (allowed: {TOP_KEYS})"),  # the first, sorted
        ({"types": {"task": {"path": ["t/*.md"]}}}, f"unknown key `types.task.path` (allowed: {TYPE_KEYS})"),
        ({"types": ["task"]}, "`types` must be a table"),
        ({"rules": "all"}, "`rules` must be a table"),
        ({"risk_bands": [15, 8]}, "`risk_bands` must be a table"),
        ({"types": {"task": "tasks/*.md"}}, "[types.task] must be a table"),
        ({"types": {"task": {}}}, "[types.task] needs `paths`"),
        ({"types": {"task": {"paths": []}}}, "[types.task] needs `paths`"),
        (
            {"types": {"task": {"paths": "tasks/*.md"}}},
            "`types.task.paths` must be a list of strings, got 'tasks/*.md'",
        ),
        ({"types": {"task": {"paths": ["a", 1]}}}, "`types.task.paths` must be a list of strings, got ['a', 1]"),
        (
            {"types": {"task": {"paths": ["tasks/**.md"]}}},
            "`types.task.paths`: 'tasks/**.md' is not a valid glob "
            "(`**` must be a whole path segment, as in `docs/**/*.md`)",
        ),
        ({"types": {"task": {"paths": ["t/*.md"], "schema": 1}}}, "`types.task.schema` must be a string, got 1"),
        ({"types": {"risk": {"id_prefix": ["R"]}}}, "`types.risk.id_prefix` must be a string, got ['R']"),
        ({"types": {"risk": {"references": "x"}}}, "`types.risk.references` must be a list of strings, got 'x'"),
        ({"root": 1}, "`root` must be a string, got 1"),
        ({"name": None}, "`name` must be a string, got None"),
        ({"timezone": 1}, "`timezone` must be a string, got 1"),
        ({"templates": False}, "`templates` must be a string, got False"),
        ({"select": "TPM1"}, "`select` must be a list of strings, got 'TPM1'"),
        ({"ignore": [1]}, "`ignore` must be a list of strings, got [1]"),
        (
            {"exclude": ["ok.md", "**x/a.md"]},
            "`exclude`: '**x/a.md' is not a valid glob (`**` must be a whole path segment, as in `docs/**/*.md`)",
        ),
        ({"risk_bands": {"critical": 20}}, "unknown key `risk_bands.critical` (allowed: high, medium)"),
        ({"risk_bands": {"high": 26}}, "risk_bands needs whole numbers with 1 <= medium <= high <= 25"),
        ({"risk_bands": {"medium": 0}}, "risk_bands needs whole numbers with 1 <= medium <= high <= 25"),
        ({"risk_bands": {"high": 10, "medium": 11}}, "risk_bands needs whole numbers with 1 <= medium <= high <= 25"),
        ({"risk_bands": {"high": 15.0}}, "risk_bands needs whole numbers with 1 <= medium <= high <= 25"),
        ({"risk_bands": {"medium": 7, "high": "15"}}, "risk_bands needs whole numbers with 1 <= medium <= high <= 25"),
    ],
)
def test_bad_tables_are_refused_with_the_key_named(table, message):
    assert fails(table) == f".tpm.toml: {message}"


def test_risk_bands_refuse_booleans():
    assert fails({"risk_bands": {"high": True, "medium": True}}).endswith("1 <= medium <= high <= 25")


# finding and loading the file -----------------------------------------------------------


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "a" / "b").mkdir(parents=True, exist_ok=True)
    return root


def test_the_nearest_config_wins_and_a_pyproject_without_tool_tpm_is_passed_over(tmp_path):
    root = tree(
        tmp_path,
        {
            ".tpm.toml": 'root = "top"\n',
            "a/pyproject.toml": "[tool.black]\nline-length = 80\n",
            "a/b/pyproject.toml": '[tool.tpm]\nroot = "deep"\n',
        },
    )
    assert find_config_file(root / "a" / "b", root) == (root / "a" / "b" / "pyproject.toml", True)
    assert find_config_file(root / "a", root) == (root / ".tpm.toml", False)
    (root / "a" / ".tpm.toml").write_text("", encoding="utf-8")
    (root / "a" / "pyproject.toml").write_text('[tool.tpm]\nroot = "x"\n', encoding="utf-8")
    assert find_config_file(root / "a", root) == (root / "a" / ".tpm.toml", False)  # the dotfile first
    assert find_config_file(tmp_path.parent, root) == (root / ".tpm.toml", False)  # from outside: the root's


def test_no_config_anywhere_gives_the_defaults(tmp_path):
    root = tree(tmp_path, {})
    assert find_config_file(root / "a" / "b", root) is None
    assert load_config(root, root / "a", rule_defaults=rule_defaults()) == Config(types=builtin_types("project"))


def test_load_config_reads_the_file_found_and_names_it_relative_to_cwd(tmp_path):
    root = tree(tmp_path, {"a/.tpm.toml": 'root = "plan"\n[rules.stale-milestone]\nstale_after_days = 3\n'})
    config = load_config(root, root / "a" / "b", rule_defaults=rule_defaults())
    assert config.root == "a/plan" and config.source == "../.tpm.toml"
    assert config.rule("stale").options == {"stale_after_days": 3}  # written by its old slug
    with pytest.raises(UsageError, match=r"^\.\./\.tpm\.toml: unknown key `roots`"):
        (root / "a" / ".tpm.toml").write_text('roots = "plan"\n', encoding="utf-8")
        load_config(root, root / "a" / "b", rule_defaults=rule_defaults())


def test_load_config_explicit_files(tmp_path):
    root = tree(tmp_path, {"conf/pyproject.toml": "[tool.tpm]\nroot = 'p'\n", "conf/other.toml": "root = 'q'\n"})
    defaults = rule_defaults()
    config = load_config(root, root, "conf/pyproject.toml", rule_defaults=defaults)
    assert config.root == "conf/p" and config.source == "conf/pyproject.toml"
    (root / "conf" / "pyproject.toml").write_text("[tool.black]\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"^conf/pyproject\.toml: no \[tool\.tpm\] table$"):
        load_config(root, root, "conf/pyproject.toml", rule_defaults=defaults)
    with pytest.raises(UsageError, match=r"^config file not found: nope\.toml$"):
        load_config(root, root, "nope.toml", rule_defaults=defaults)
    assert load_config(root, root, str(root / "conf" / "other.toml"), rule_defaults=defaults).root == "conf/q"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("root = \n", r"^\.tpm\.toml: invalid TOML: "),
        ("x = " + "[" * 5000 + "]" * 5000 + "\n", r"^\.tpm\.toml: invalid TOML: it nests too deeply$"),
    ],
)
def test_invalid_toml_is_a_usage_error(tmp_path, text, message):
    root = tree(tmp_path, {".tpm.toml": text})
    with pytest.raises(UsageError, match=message):
        load_config(root, root, rule_defaults=rule_defaults())

"""The engine on its own: rule selection, severities, suppressions and the result, with
projects built in memory (tests/fakes.py) and small rules made up for the test."""

from __future__ import annotations

import datetime
import re

import pytest

from fakes import FakeHistory, config_of, file_history, project_of
from tpm import engine
from tpm.config import Config
from tpm.diagnostic import Finding, Severity
from tpm.errors import UsageError
from tpm.rules import ALIASES, REGISTRY, all_rules, find, rule, rule_defaults
from tpm.rules.registry import Rule

TODAY = datetime.date(2026, 11, 27)
M1 = "project/milestones/M-1-launch.md"
M2 = "project/milestones/M-2-later.md"


def config(table: dict | None = None) -> Config:
    return config_of(table)


def slugs(rules: list[Rule]) -> list[str]:
    return [r.slug for r in rules]


def milestone(due: str = "2026-11-20", lint: str = "", ident: str = "M-1") -> str:
    return f"---\nid: {ident}\ntitle: Launch\nstatus: in-progress\ndue: {due}\n{lint}---\n# Launch\n"


def made_up(slug: str, scope: str = "document", severity: str = "warning", check=None, code: str = "TST001") -> Rule:
    """A rule that is not registered: the engine needs only the object."""
    return Rule(slug, code, Severity(severity), scope, check or (lambda *args: iter(())), {})


# selection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selectors", "expected"),
    [
        (["stale"], {"stale"}),
        (["TPM402"], {"stale"}),
        (["tpm402"], {"stale"}),  # codes in any case
        (["TPM40"], {"stale-checkpoint", "stale", "unreviewed", "slipped"}),
        (["overdue-milestone", "stale-milestone"], {"overdue", "stale"}),  # old slugs name the new rules
        (["unreviewed-risk", "slipped-milestone"], {"unreviewed", "slipped"}),
        (["TPM9", "TPM001"], {"expired-suppression", "invalid-suppression", "parse-error"}),
        ([" ", "", " TPM104 "], {"superseded-link"}),  # blanks skipped, spaces trimmed
        (["all"], {r.slug for r in all_rules()}),
        (["ALL", "TPM001"], {r.slug for r in all_rules()}),
        ([], set()),
    ],
)
def test_resolve_selectors_takes_slugs_codes_prefixes_and_all(selectors, expected):
    assert engine.resolve_selectors(selectors, all_rules(), "--select") == expected


@pytest.mark.parametrize("selector", ["stal", "TPM5", "Stale-Milestone", "Overdue", "TPM4021", "*"])
def test_resolve_selectors_refuses_what_names_no_rule(selector):
    with pytest.raises(UsageError) as raised:
        engine.resolve_selectors(["TPM001", selector], all_rules(), ".tpm.toml: select")
    assert str(raised.value) == f".tpm.toml: select: no rule matches {selector!r} (see `tpm rules`)"


def test_selected_rules_default_is_every_rule_in_code_order():
    chosen = engine.selected_rules(config())
    assert slugs(chosen) == slugs(all_rules())
    assert [r.code for r in chosen] == sorted(r.code for r in chosen)


def test_command_line_select_wins_over_the_config_select():
    cfg = config({"select": ["TPM2"]})
    assert slugs(engine.selected_rules(cfg)) == [
        "overdue",
        "overdue-action",
        "stale-decision",
        "missing-postmortem",
        "review-due",
    ]
    assert slugs(engine.selected_rules(cfg, select=["TPM402"])) == ["stale"]


def test_config_ignore_is_added_to_the_command_line_ignore_even_under_select():
    """README: `ignore = []  # added to --ignore`; a --select by prefix or ALL does not
    outweigh it (only one that names the rule itself does, below)."""
    cfg = config({"ignore": ["stale"]})
    assert slugs(engine.selected_rules(cfg, select=["TPM40"])) == [
        "stale-checkpoint",
        "unreviewed",
        "slipped",
    ]
    assert slugs(engine.selected_rules(cfg, select=["TPM40"], ignore=["TPM401", " "])) == [
        "unreviewed",
        "slipped",
    ]
    assert "stale" not in slugs(engine.selected_rules(cfg, select=["ALL"]))
    assert engine.selected_rules(cfg, select=["ALL"], ignore=["ALL"]) == []


@pytest.mark.parametrize("ignored", ["overdue", "overdue-milestone", "TPM201", "TPM20"])
@pytest.mark.parametrize("selected", ["overdue", "overdue-milestone", "TPM201", "tpm201"])
def test_a_command_line_select_of_one_rule_wins_over_the_config_ignore(ignored, selected):
    """SPEC: `--select` of a slug wins over the config's `ignore` of the same slug (the
    more specific wins); an old slug or the rule's whole code names it as well."""
    cfg = config({"ignore": [ignored]})
    assert "overdue" not in slugs(engine.selected_rules(cfg))
    assert slugs(engine.selected_rules(cfg, select=[selected])) == ["overdue"]
    assert slugs(engine.selected_rules(cfg, select=[selected, "TPM202"])) == ["overdue", "overdue-action"]
    assert engine.selected_rules(cfg, select=[selected], ignore=["overdue"]) == []  # --ignore still wins


def test_only_the_command_line_select_outweighs_the_config_ignore():
    both = config({"select": ["overdue"], "ignore": ["overdue"]})
    assert engine.selected_rules(both) == []  # the config's own select does not
    prefix = config({"ignore": ["overdue"]})
    assert slugs(engine.selected_rules(prefix, select=["TPM20"])) == [
        "overdue-action",
        "stale-decision",
        "missing-postmortem",
        "review-due",
    ]
    off = config({"rules": {"overdue": {"severity": "off"}}})
    assert engine.selected_rules(off, select=["overdue"]) == []  # `off` is no ignore: it stays off


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("overdue-milestone", "overdue"),
        ("stale-milestone", "stale"),
        ("unreviewed-risk", "unreviewed"),
        ("slipped-milestone", "slipped"),
    ],
)
def test_old_slugs_work_in_every_selector(old, new):
    assert slugs(engine.selected_rules(config(), select=[old])) == [new]
    assert new not in slugs(engine.selected_rules(config(), ignore=[old]))
    assert slugs(engine.selected_rules(config({"select": [old]}))) == [new]
    assert new not in slugs(engine.selected_rules(config({"ignore": [old]})))
    assert engine.selected_rules(config({"rules": {old: {"severity": "off"}}}), select=[new]) == []


def test_severity_off_removes_a_rule_even_when_selected_by_name():
    cfg = config({"rules": {"stale": {"severity": "off"}}})
    assert engine.selected_rules(cfg, select=["stale"]) == []
    assert "stale" not in slugs(engine.selected_rules(cfg))
    assert cfg.rule("stale").enabled is False
    assert cfg.rule("stale-checkpoint").enabled is True


@pytest.mark.parametrize(
    ("table", "origin"),
    [
        ({"select": ["TPM77"]}, ".tpm.toml: select"),
        ({"ignore": ["nope"]}, ".tpm.toml: ignore"),
    ],
)
def test_config_selectors_are_checked_and_named_by_origin(table, origin):
    with pytest.raises(UsageError, match=f"^{re.escape(origin)}: no rule matches"):
        engine.selected_rules(config(table))
    with pytest.raises(UsageError, match=r"^--ignore: no rule matches 'x' \(see `tpm rules`\)$"):
        engine.selected_rules(config(), ignore=["x"])


def test_the_alias_table_redirects_old_slugs_to_registered_rules_only():
    assert dict(ALIASES) == {
        "overdue-milestone": "overdue",
        "stale-milestone": "stale",
        "unreviewed-risk": "unreviewed",
        "slipped-milestone": "slipped",
    }
    for old, new in ALIASES.items():
        assert old not in REGISTRY and new in REGISTRY
        assert find(old) is find(new) is find(REGISTRY[new].code.lower()) is REGISTRY[new]
        assert rule_defaults()[old] == (new, REGISTRY[new].options)
    assert find("Overdue") is None and find("TPM20") is None
    with pytest.raises(ValueError, match=r"^rule stale-milestone: that is the old slug of stale$"):
        rule("stale-milestone", "TPM997", "warning")(lambda document, ctx: iter(()))
    assert "stale-milestone" not in REGISTRY


# severities -----------------------------------------------------------------------------


def run_one(rule: Rule, files: dict, cfg: Config | None = None, history=None) -> engine.Result:
    cfg = cfg or config()
    return engine.run(project_of(files, cfg), [rule], TODAY, history=history)


def test_severity_comes_from_the_registry_then_the_config():
    overdue = REGISTRY["overdue"]
    result = run_one(overdue, {M1: milestone()})
    assert [(d.rule, d.code, d.severity, d.line, d.column, d.message) for d in result.diagnostics] == [
        (
            "overdue",
            "TPM201",
            Severity.ERROR,
            5,
            6,
            "M-1 is 7 days overdue (due 2026-11-20, still in-progress)",
        )
    ]
    assert result.exit_code(strict=False) == 1
    demoted = run_one(overdue, {M1: milestone()}, config({"rules": {"overdue": {"severity": "info"}}}))
    assert [d.severity for d in demoted.diagnostics] == [Severity.INFO]
    assert demoted.count(Severity.INFO) == 1 and demoted.count(Severity.ERROR) == 0
    assert demoted.exit_code(strict=False) == 0
    assert demoted.exit_code(strict=True) == 1


def test_a_findings_own_severity_beats_the_default_but_not_the_config():
    def check(document, ctx):
        yield Finding(document.path, 1, 1, "plain")
        yield Finding(document.path, 2, 1, "marked", severity=Severity.ERROR)

    rule = made_up("overdue", check=check)  # a registered slug, for the config to name
    result = run_one(rule, {M1: milestone()})
    assert [(d.line, d.severity) for d in result.diagnostics] == [(1, Severity.WARNING), (2, Severity.ERROR)]
    configured = run_one(rule, {M1: milestone()}, config({"rules": {"overdue-milestone": {"severity": "warning"}}}))
    assert [(d.rule, d.line, d.severity) for d in configured.diagnostics] == [
        ("overdue", 1, Severity.WARNING),  # configured by its old slug, reported by its new one
        ("overdue", 2, Severity.WARNING),
    ]
    assert [(d.line, d.severity) for d in configured.diagnostics] == [(1, Severity.WARNING), (2, Severity.WARNING)]


def test_rule_options_come_from_the_config_merged_over_the_defaults():
    seen = []

    def check(document, ctx):
        seen.append(dict(ctx.options))
        return iter(())

    rule = Rule("stale-decision", "TST203", Severity.WARNING, "document", check, {"decide_within_days": 30})
    run_one(rule, {M1: milestone()})
    run_one(rule, {M1: milestone()}, config({"rules": {"stale-decision": {"decide_within_days": 3}}}))
    assert seen == [{"decide_within_days": 30}, {"decide_within_days": 3}]


def test_messages_are_made_printable_and_duplicates_collapse():
    def check(document, ctx):
        for _ in range(2):
            yield Finding(document.path, 3, 4, "title \x1b[31mred\x07 tab\there\nnext \x85 é")

    result = run_one(made_up("x", check=check), {M1: milestone()})
    # control characters escaped; tab and newline kept
    assert [d.message for d in result.diagnostics] == ["title \\x1b[31mred\\x07 tab\there\nnext \\x85 é"]
    assert result.diagnostics[0].end_line == 3


def test_diagnostics_are_sorted_and_the_result_lists_the_checked_documents():
    def check(project, ctx):
        yield Finding(M2, 2, 1, "b")
        yield Finding(M1, 9, 1, "c")
        yield Finding(M1, 2, 5, "a", end_line=4)

    result = run_one(made_up("x", scope="project", check=check), {M2: milestone(ident="M-2"), M1: milestone()})
    assert [(d.path, d.line, d.column, d.end_line) for d in result.diagnostics] == [
        (M1, 2, 5, 4),
        (M1, 9, 1, 9),
        (M2, 2, 1, 2),
    ]
    assert result.files == 2 and result.paths == (M1, M2)
    assert result.skipped_rules == () and result.history_skipped is False


# history rules --------------------------------------------------------------------------


def test_history_rules_are_skipped_without_a_history_index():
    rules = [REGISTRY["stale"], REGISTRY["overdue"]]
    result = engine.run(project_of({M1: milestone()}, config()), rules, TODAY, history_skipped=True)
    assert result.skipped_rules == ("stale",)
    assert result.history_skipped is True
    assert [d.rule for d in result.diagnostics] == ["overdue"]


def test_a_history_function_is_called_once_and_only_after_the_other_rules():
    calls = []

    def document_rule(document, ctx):
        calls.append("document")
        return iter(())

    def history_rule(project, history, ctx):
        calls.append(("history", history.for_path(M1).last_change))
        return iter(())

    def index():
        calls.append("index")
        return FakeHistory({M1: file_history(created="2026-11-01")})

    rules = [
        made_up("h1", scope="history", check=history_rule, code="TST001"),
        made_up("d", check=document_rule, code="TST002"),
        made_up("h2", scope="history", check=history_rule, code="TST003"),
    ]
    engine.run(project_of({M1: milestone()}, config()), rules, TODAY, history=index)
    assert calls == ["document", "index", ("history", "2026-11-01"), ("history", "2026-11-01")]


def test_a_history_function_is_never_called_when_no_history_rule_runs():
    def index():
        raise AssertionError("history read for nothing")

    result = engine.run(project_of({M1: milestone()}, config()), [REGISTRY["overdue"]], TODAY, history=index)
    assert len(result.diagnostics) == 1


# suppressions ---------------------------------------------------------------------------


def suppressed(lint: str) -> list[str]:
    """The rules still reported for an overdue milestone with this `lint:` block."""
    rules = [REGISTRY["overdue"], REGISTRY["expired-suppression"], REGISTRY["invalid-suppression"]]
    project = project_of({M1: milestone(lint=lint)}, config())
    return [f"{d.rule}:{d.line}" for d in engine.run(project, rules, TODAY).diagnostics]


@pytest.mark.parametrize(
    ("lint", "expected"),
    [
        ("", ["overdue:5"]),
        ("lint:\n  ignore: [overdue]\n", []),
        ("lint:\n  ignore: [overdue-milestone]\n", []),  # the old slug
        ("lint:\n  ignore: [TPM201]\n", []),
        ("lint:\n  ignore: [tpm201]\n", []),  # codes in any case
        ("lint:\n  ignore: [overdue]\n  until: 2026-12-01\n", []),
        ("lint:\n  ignore: [overdue-milestone]\n  until: 2026-11-27\n", []),  # until is inclusive
        (
            "lint:\n  ignore: [overdue]\n  until: 2026-11-26\n",
            ["overdue:5", "expired-suppression:8"],
        ),
        ("lint:\n  ignore: [overdue, nope]\n", ["invalid-suppression:7"]),
        ("lint:\n  ignore: [overdue-milestone, Overdue]\n", ["invalid-suppression:7"]),  # slugs are exact
        ("lint:\n  ignore: [stale-milestone]\n", ["overdue:5"]),  # another rule
        ("lint:\n  ignore: [stale]\n", ["overdue:5"]),
        ("lint:\n  ignore: overdue\n", ["overdue:5"]),  # not a list: nothing
        ("lint: overdue\n", ["overdue:5"]),  # not a mapping: nothing
        (  # an expired suppression cannot silence its own expiry
            "lint:\n  ignore: [expired-suppression, overdue]\n  until: 2026-01-01\n",
            ["overdue:5", "expired-suppression:8"],
        ),
    ],
)
def test_suppressions(lint, expected):
    assert suppressed(lint) == expected


def test_active_suppressions_read_directly():
    document = project_of({M1: milestone()}, config()).documents[0]
    document.data = {"lint": {"ignore": ["TPM201", "overdue-action", 7, None, "made-up"], "until": "2026-11-27"}}
    assert engine.active_suppressions(document, TODAY) == {"overdue", "overdue-action", "made-up"}
    assert engine.active_suppressions(document, TODAY + datetime.timedelta(days=1)) == set()
    document.data["lint"]["until"] = "soon"  # not a date: no end (the schema reports it)
    assert engine.active_suppressions(document, datetime.date(2099, 1, 1)) == {
        "overdue",
        "overdue-action",
        "made-up",
    }
    document.data = {"lint": {"ignore": ["overdue-milestone", "stale-milestone", "unreviewed-risk", "TPM404"]}}
    assert engine.active_suppressions(document, TODAY) == {"overdue", "stale", "unreviewed", "slipped"}
    assert engine.active_suppressions(None, TODAY) == set()


def test_a_diagnostic_on_a_path_outside_the_project_is_not_suppressed():
    def check(project, ctx):
        yield Finding("elsewhere.md", 1, 1, "outside")

    result = run_one(made_up("x", scope="project", check=check), {M1: milestone()})
    assert [d.path for d in result.diagnostics] == ["elsewhere.md"]
    assert list(result.fingerprints.values()) == [result.fingerprints[result.diagnostics[0]]]


# fingerprints and filtering -------------------------------------------------------------


def test_fingerprints_follow_the_line_text_not_its_number_and_count_repeats():
    def check(document, ctx):
        yield Finding(document.path, 2, 1, "same line text")
        yield Finding(document.path, 2, 9, "same line text again")
        yield Finding(document.path, 99, 1, "past the end")

    rule = made_up("x", check=check)
    first = run_one(rule, {M1: milestone()})
    moved = run_one(rule, {M1: "\n" + milestone()})  # every line one lower: line 2 now holds `---`
    prints = [first.fingerprints[d] for d in first.diagnostics]
    assert len(set(prints)) == 3 and all(len(p) == 32 for p in prints)
    assert [moved.fingerprints[d] for d in moved.diagnostics] != prints
    assert run_one(rule, {M1: milestone()}).fingerprints == first.fingerprints


def test_only_paths_and_only_documents_keep_what_concerns_them():
    def check(project, ctx):
        for path in (M1, M2, "project/risks/R-1-x.md"):
            yield Finding(path, 1, 1, "here")

    files = {M1: milestone(), M2: milestone(ident="M-2"), "project/risks/R-1-x.md": "---\nid: R-1\n---\n"}
    result = run_one(made_up("x", scope="project", check=check), files)
    assert engine.only_paths(result, []) is result
    assert engine.only_paths(result, ["."]) is result
    assert engine.only_paths(result, ["project/milestones", ""]) is result
    kept = engine.only_paths(result, ["project/milestones/"])
    assert [d.path for d in kept.diagnostics] == [M1, M2] and kept.files == 2 and kept.paths == (M1, M2)
    assert [d.path for d in engine.only_paths(result, [M2]).diagnostics] == [M2]
    assert engine.only_paths(result, ["project/mile"]).diagnostics == ()  # a folder is a whole name
    single = engine.only_documents(result, {M1})
    assert [d.path for d in single.diagnostics] == [M1] and single.paths == (M1,) and single.files == 1

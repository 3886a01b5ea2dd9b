"""`tpm check --gate commit`: only document- and project-kind errors that the change
introduces (absent at HEAD, by fingerprint) fail it; everything else is information."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from helpers import git, make_repo, run_tpm
from tpm import engine, gate
from tpm.changes import project_at
from tpm.diagnostic import Diagnostic, Severity
from tpm.config import load_config
from tpm.discover import discover
from tpm.model import load_project
from tpm.rules import all_rules, rule_defaults

TODAY = "2026-11-27"
LATE = (
    "---\nid: M-1\ntitle: Alpha\nstatus: in-progress\ndue: 2026-11-20\n---\n# Alpha\n\n"
    "## Checkpoints\n\n- [ ] 2026-11-10 Load test\n- [ ] 2026-11-18 Sign-off\n"
)
PROJECT = {
    "project/milestones/M-1-alpha.md": LATE,
    "project/milestones/M-2-beta.md": (
        "---\nid: M-2\ntitle: Beta\nstatus: planned\ndue: 2027-01-15\ndepends_on: [M-1]\n---\n# Beta\n"
    ),
    "project/risks/R-1-vendor.md": (
        "---\nid: R-1\ntitle: Vendor\nstatus: open\nlikelihood: 5\nimpact: 4\nowner: pat\n"
        "mitigation: a second vendor\nreviewed: 2026-09-01\n---\n# Vendor\n"
    ),
}
M1 = "project/milestones/M-1-alpha.md"


def commit_check(repo: Path, *args: str):
    return run_tpm(repo, "check", "--staged", "--gate", "commit", "--today", TODAY, *args)


def stage(repo: Path, path: str, text: str) -> None:
    (repo / path).write_text(text)
    git(repo, "add", path)


def test_ticking_a_checkpoint_of_a_late_milestone_passes_the_commit_gate_not_the_ci_gate(tmp_path):
    repo = make_repo(tmp_path / "repo", PROJECT)
    stage(repo, M1, LATE.replace("- [ ] 2026-11-10", "- [x] 2026-11-10"))

    gated = commit_check(repo)
    assert gated.code == 0, gated.out
    lines = gated.out.splitlines()
    assert lines[0] == "Not blocking (already at HEAD, or about the schedule or history):"
    assert lines[1].startswith(f"{M1}:5:6: error overdue M-1 is 7 days overdue (due 2026-11-20")
    assert any(line.startswith("project/risks/R-1-vendor.md:9:11: error unreviewed ") for line in lines)
    assert "Blocking" not in gated.out

    ci = run_tpm(repo, "check", "--staged", "--today", TODAY)
    assert ci.code == 1 and f"{M1}:5:6: error overdue" in ci.out
    assert run_tpm(repo, "check", "--staged", "--gate", "ci", "--today", TODAY).code == 1


def test_a_status_typo_is_refused_and_printed_first(tmp_path):
    repo = make_repo(tmp_path / "repo", PROJECT)
    stage(repo, M1, LATE.replace("status: in-progress", "status: in-progres"))

    refused = commit_check(repo)
    assert refused.code == 1
    lines = refused.out.splitlines()
    assert re.fullmatch(rf"{M1}:4:9: error schema-violation .*in-progres.*did you mean .in-progress.*", lines[0])
    assert lines[1] == "Blocking this commit: the 1 finding above, introduced by it."
    assert lines[3] == "Not blocking (already at HEAD, or about the schedule or history):"
    assert not any("schema-violation" in line for line in lines[3:])


def test_deleting_a_document_that_others_reference_is_refused(tmp_path):
    repo = make_repo(tmp_path / "repo", PROJECT)
    git(repo, "rm", "-q", M1)

    refused = commit_check(repo)
    assert refused.code == 1
    assert refused.out.splitlines()[0].startswith(
        "project/milestones/M-2-beta.md:6:14: error dangling-reference `depends_on` names M-1, which no document has"
    )


def test_renaming_an_id_that_others_use_is_refused(tmp_path):
    repo = make_repo(tmp_path / "repo", PROJECT)
    stage(repo, M1, LATE.replace("id: M-1", "id: M-10"))

    refused = commit_check(repo)
    assert refused.code == 1
    first, blocking = refused.out.splitlines()[:2]
    assert first.startswith("project/milestones/M-2-beta.md:6:14: error dangling-reference `depends_on` names M-1")
    assert blocking == "Blocking this commit: the 1 finding above, introduced by it."


def test_an_error_already_committed_does_not_block_an_unrelated_change(tmp_path):
    broken = {**PROJECT, M1: LATE.replace("status: in-progress", "status: in-progres")}
    repo = make_repo(tmp_path / "repo", broken)
    stage(repo, "project/risks/R-1-vendor.md", PROJECT["project/risks/R-1-vendor.md"].replace("pat", "sam"))

    passed = commit_check(repo)
    assert passed.code == 0, passed.out
    assert f"{M1}:4:9: error schema-violation" in passed.out
    # the same finding moved to another line of its file is still the same finding
    stage(repo, M1, broken[M1].replace("title: Alpha\n", "title: Alpha\nowner: pat\n"))
    assert commit_check(repo).code == 0


def test_strict_blocks_introduced_warnings_of_document_kind_only(tmp_path):
    repo = make_repo(tmp_path / "repo", PROJECT)
    stage(repo, M1, LATE.replace("title: Alpha\n", "title: Alpha\ndepends-on: [M-2]\n"))
    assert commit_check(repo).code == 0
    strict = commit_check(repo, "--strict")
    assert strict.code == 1
    assert (
        strict.out.splitlines()[0]
        == f"{M1}:4:1: warning unknown-field unknown field `depends-on`; did you mean `depends_on`?"
    )


def test_before_the_first_commit_everything_is_introduced(tmp_path):
    repo = make_repo(tmp_path / "repo", PROJECT, commit=False)
    git(repo, "add", "-A")
    assert commit_check(repo).code == 0  # the overdue milestone is schedule: never blocks
    stage(repo, M1, LATE.replace("status: in-progress", "status: in-progres"))
    refused = commit_check(repo)
    assert refused.code == 1 and refused.out.startswith(f"{M1}:4:9: error schema-violation")


def test_the_work_tree_is_compared_without_staged(tmp_path):
    repo = make_repo(tmp_path / "repo", PROJECT)
    (repo / M1).write_text(LATE.replace("status: in-progress", "status: in-progres"))  # not staged
    assert commit_check(repo).code == 0
    unstaged = run_tpm(repo, "check", "--gate", "commit", "--today", TODAY)
    assert unstaged.code == 1 and unstaged.out.startswith(f"{M1}:4:9: error schema-violation")


def test_other_formats_keep_their_output_and_take_the_gate_exit_code(tmp_path):
    repo = make_repo(tmp_path / "repo", PROJECT)
    stage(repo, M1, LATE.replace("- [ ] 2026-11-10", "- [x] 2026-11-10"))
    gated = commit_check(repo, "--format", "json")
    assert gated.code == 0 and '"rule": "overdue"' in gated.out


# The comparison itself


def _lint(repo: Path, staged: bool = False):
    config = load_config(repo, repo, rule_defaults=rule_defaults())
    candidates = discover(repo, config, staged=staged)
    return load_project(repo, candidates, config)


def test_head_fingerprints_are_those_of_a_full_lint_of_heads_tree(tmp_path):
    """The shortcut (reuse unchanged documents, re-run document rules only on changed
    files) finds what a lint of HEAD's whole tree finds, for the gated kinds."""
    broken = {**PROJECT, M1: LATE.replace("status: in-progress", "status: in-progres")}
    broken["project/decisions/0001-db.md"] = "---\nid: ADR-0001\ntitle: DB\nstatus: acepted\n---\n# DB\n"
    repo = make_repo(tmp_path / "repo", broken)
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "rm", "-q", "project/milestones/M-2-beta.md")
    stage(repo, M1, PROJECT[M1])
    stage(repo, "project/milestones/M-3-new.md", "---\nid: M-3\ntitle: New\nstatus: planed\ndue: 2027-02-01\n---\n")

    project = _lint(repo, staged=True)
    rules = [r for r in all_rules() if gate.kind_of(r) in gate.GATED_KINDS]
    today = datetime.date(2026, 11, 27)
    changed = gate.changed_since_head(repo, head, staged=True)
    assert changed == {M1, "project/milestones/M-2-beta.md", "project/milestones/M-3-new.md"}
    whole = engine.run(project, rules, today)
    shortcut = gate.head_fingerprints(project, rules, today, head, changed) | gate.unchanged_fingerprints(
        whole, changed
    )

    full = engine.run(project_at(repo, head, project.config), rules, today)
    assert set(full.fingerprints.values()) <= shortcut
    assert len(full.fingerprints) == 2  # the two status typos committed
    verdict = gate.decide(whole, shortcut, strict=False)
    assert [(d.path, d.rule) for d in verdict.blocking] == [("project/milestones/M-3-new.md", "schema-violation")]


def test_no_head_means_no_fingerprints(tmp_path):
    repo = make_repo(tmp_path / "repo", PROJECT, commit=False)
    project = _lint(repo)
    assert gate.head_fingerprints(project, all_rules(), datetime.date(2026, 11, 27), None, set()) == set()


def test_every_rules_kind_is_the_one_the_reference_documents():
    reference = (Path(__file__).resolve().parents[1] / "docs" / "reference.md").read_text()
    documented = dict(re.findall(r"^\| TPM\d+ \| `([a-z-]+)` \| ([a-z]+) \|", reference, re.M))
    kinds = {rule.slug: gate.kind_of(rule) for rule in all_rules() if rule.slug in documented}
    assert kinds == {slug: kind for slug, kind in documented.items() if slug in kinds}
    assert {slug for slug, kind in documented.items() if kind == "schedule"} == {
        rule.slug for rule in all_rules() if rule.kind == "schedule"
    }


def test_the_example_in_the_ci_docs_is_what_the_commit_gate_prints(tmp_path):
    from test_precommit import CLEAN, LATE

    docs = (Path(__file__).resolve().parents[1] / "docs" / "ci.md").read_text()
    example = docs.split("The output leads with what blocks the commit:\n\n```text\n", 1)[1].split("```", 1)[0]
    repo = make_repo(tmp_path / "repo", {**CLEAN, **LATE})
    gamma = "project/milestones/M-3-gamma.md"
    stage(repo, gamma, LATE[gamma].replace("status: planned", "status: planed"))
    assert commit_check(repo).out == example


def test_decide_blocks_only_new_findings_of_the_gated_kinds():
    def finding(rule: str, severity: Severity, line: int) -> Diagnostic:
        return Diagnostic("project/a.md", line, 1, rule, "m", "TPM000", severity, line)

    overdue = finding("overdue", Severity.ERROR, 5)  # schedule: never blocks
    unreviewed = finding("unreviewed", Severity.ERROR, 6)  # history: never blocks
    old = finding("schema-violation", Severity.ERROR, 4)  # at HEAD already
    new = finding("dangling-reference", Severity.ERROR, 7)
    warning = finding("unknown-field", Severity.WARNING, 8)
    ordered = (old, overdue, unreviewed, new, warning)
    result = engine.Result(datetime.date(2026, 11, 27), 1, ordered, fingerprints={d: f"fp{d.line}" for d in ordered})
    plain = gate.decide(result, {"fp4"}, strict=False)
    assert plain.blocking == (new,) and plain.informing == (old, overdue, unreviewed, warning)
    assert plain.exit_code == 1
    assert gate.decide(result, {"fp4"}, strict=True).blocking == (new, warning)
    assert gate.decide(result, {"fp4", "fp7", "fp8"}, strict=True).exit_code == 0

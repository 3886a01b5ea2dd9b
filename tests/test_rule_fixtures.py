"""Every rule's pass and fail fixtures (tests/fixtures/rules/<slug>.yaml), run end to end.

Each case builds a real git repository, runs `tpm check --select <rule>` and compares the
complete list of `path:line:col slug`, so a false positive fails as surely as a miss.

A case's `files` are committed on 2026-11-01. A case with `commits` instead makes one
commit per entry (`date`, `files`, optional `move: {old: new}` for `git mv`), and its
`files`, if any, are then written without committing. A case may also set `select`,
`today`, `config` (.tpm.toml text) and `message` (the exact message of its single
expected diagnostic).

Every file a case writes must have been read and checked, with a type: a typo in a
fixture path (`project/milestone/M-1.md`) would otherwise make a passing case pass by
checking nothing. A case names the exceptions it means: `unchecked` (files that are no
documents, such as notes or an excluded README.md) and `untyped` (documents whose type
cannot be told). Unknown keys are refused, so a misspelt `expect` cannot pass silently.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from helpers import git, make_repo, run_tpm, write_files
from tpm import engine
from tpm.rules import REGISTRY

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
SPEC_KEYS = {"rule", "cases"}
CASE_KEYS = {"name", "files", "commits", "expect", "message", "select", "today", "config", "unchecked", "untyped"}
COMMIT_KEYS = {"date", "files", "move"}


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


def _work_tree(repo: Path) -> set[str]:
    """Every file in the work tree, repository-relative, but the config."""
    found = set()
    for folder, subfolders, names in os.walk(repo):
        subfolders[:] = [name for name in subfolders if name != ".git"]
        found.update(Path(folder, name).relative_to(repo).as_posix() for name in names)
    return found - {".tpm.toml"}


@pytest.fixture
def checked(monkeypatch) -> list[dict]:
    """The documents each engine run saw, as {path: type}: what tpm actually read and checked."""
    seen: list[dict] = []
    real_run = engine.run

    def spy(project, *args, **kwargs):
        seen.append({document.path: document.type for document in project.documents})
        return real_run(project, *args, **kwargs)

    monkeypatch.setattr(engine, "run", spy)
    return seen


@pytest.mark.parametrize("rule, case", list(_cases()))
def test_rule_fixture(tmp_path, checked, rule, case):
    _run_case(tmp_path, checked, rule, case)


def _run_case(tmp_path: Path, checked: list[dict], rule: str, case: dict) -> None:
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

    # Every file the case wrote was read and checked, with a type, unless the case says otherwise.
    [documents] = checked
    written, unchecked, untyped = _work_tree(repo), set(case.get("unchecked", [])), set(case.get("untyped", []))
    assert unchecked <= written and untyped <= written, "`unchecked`/`untyped` name files the case does not write"
    assert sorted(documents) == sorted(written - unchecked), "files not checked (a typo in a fixture path?)"
    assert sorted(path for path, kind in documents.items() if kind is None) == sorted(untyped), "documents untyped"
    assert report["summary"]["files"] == len(documents)


MILESTONE = "---\nid: M-1\ntitle: A\nstatus: planned\ndue: 2026-12-01\n---\n# A\n"


@pytest.mark.parametrize(
    ("files", "extra", "complaint"),
    [
        ({"project/milestones/M-1-a.md": MILESTONE}, {}, None),
        ({"project/milestone/M-1-a.md": MILESTONE}, {}, "documents untyped"),  # folder misspelt
        ({"project/milestones/M-1-a.mdx": MILESTONE}, {}, "files not checked"),  # extension misspelt
        ({"projects/milestones/M-1-a.md": MILESTONE}, {}, "files not checked"),  # outside the root
        ({"project/milestones/README.md": MILESTONE}, {}, "files not checked"),  # excluded by name
        ({"project/milestones/M-1-a.md": MILESTONE}, {"unchecked": ["project/x.md"]}, "name files the case"),
    ],
)
def test_the_runner_fails_a_case_whose_files_were_not_all_checked(tmp_path, checked, files, extra, complaint):
    case = {"name": "typo", "files": files, **extra}
    if complaint is None:
        _run_case(tmp_path, checked, "overdue", case)
        return
    with pytest.raises(AssertionError, match=complaint):
        _run_case(tmp_path, checked, "overdue", case)


def test_fixture_files_use_only_known_keys_and_name_their_rule():
    for path in sorted(FIXTURES.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(spec) == SPEC_KEYS, path.name
        assert path.name == f"{spec['rule']}.yaml"
        for case in spec["cases"]:
            assert set(case) <= CASE_KEYS, f"{path.name}: {case.get('name')}: unknown keys {set(case) - CASE_KEYS}"
            assert ("files" in case) or ("commits" in case), f"{path.name}: {case['name']} writes nothing"
            for commit in case.get("commits", []):
                assert set(commit) <= COMMIT_KEYS, (
                    f"{path.name}: {case['name']}: unknown keys {set(commit) - COMMIT_KEYS}"
                )


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

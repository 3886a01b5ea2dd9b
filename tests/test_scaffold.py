"""`tpm init` and `tpm new`: valid at once, never clobbering, safe against hostile input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import git, git_env, make_repo, run_tpm, write_files
from tpm.errors import UsageError
from tpm.fsutil import write_atomic
from tpm.yamlload import load as load_yaml
from tpm.document import split_source

TODAY = "2026-11-27"


@pytest.fixture
def repo(tmp_path):
    repo = make_repo(tmp_path / "repo", {"README.md": "# demo\n"})
    assert run_tpm(repo, "init").code == 0
    return repo


def new(repo, *args, cwd=None):
    return run_tpm(cwd or repo, "new", "--today", TODAY, *args)


def front_matter(path: Path) -> dict:
    source = split_source(path.read_bytes())
    loaded = load_yaml(source.front_matter, 2)
    assert loaded.problems == []
    return loaded.data


def test_init_creates_the_config_and_folders_and_is_idempotent(tmp_path):
    repo = make_repo(tmp_path / "repo", {"README.md": "x\n"})
    first = run_tpm(repo, "init")
    assert first.code == 0
    assert first.out.splitlines()[:5] == [
        "created .tpm.toml",
        "created project/milestones/",
        "created project/risks/",
        "created project/decisions/",
        "created project/postmortems/",
    ]
    config = (repo / ".tpm.toml").read_text()
    assert 'root = "project"' in config and "[risk_bands]" in config
    (repo / ".tpm.toml").write_text(config + "\n# my edit\n")
    second = run_tpm(repo, "init")
    assert (second.code, second.out) == (0, "nothing to do: the config and the project folders already exist\n")
    assert (repo / ".tpm.toml").read_text().endswith("# my edit\n")
    assert run_tpm(repo, "check").code == 0


def test_init_pyproject_appends_without_disturbing_the_rest(tmp_path):
    original = '[project]\nname = "demo"  # keep this comment\n\n[tool.black]\nline-length = 100'
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": original})
    outcome = run_tpm(repo, "init", "--pyproject")
    assert outcome.code == 0 and outcome.out.startswith("added [tool.tpm] to pyproject.toml\n")
    text = (repo / "pyproject.toml").read_text()
    assert text.startswith(original + '\n\n[tool.tpm]\nroot = "project"')
    assert not (repo / ".tpm.toml").exists()
    assert (
        run_tpm(repo, "init", "--pyproject").out == "nothing to do: the config and the project folders already exist\n"
    )
    assert (repo / "pyproject.toml").read_text() == text
    assert run_tpm(repo, "check").code == 0


def test_init_pyproject_needs_a_pyproject(tmp_path):
    repo = make_repo(tmp_path / "repo", {"README.md": "x\n"})
    outcome = run_tpm(repo, "init", "--pyproject")
    assert outcome.code == 2 and "there is no pyproject.toml here" in outcome.err
    assert not (repo / "project").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["milestone", "Launch the beta", "--due", "2026-12-20", "--owner", "ann"],
        ["risk", "Vendor API may slip", "--likelihood", "4", "--impact", "5", "--owner", "bob"],
        ["decision", "Use PostgreSQL", "--owner", "cat"],
        ["postmortem", "Beta launch review"],
    ],
)
def test_every_built_in_type_is_valid_at_once(repo, args):
    outcome = new(repo, *args)
    assert outcome.code == 0, outcome.err
    created = repo / outcome.out.splitlines()[-1]
    assert created.is_file()
    report = json.loads(run_tpm(repo, "check", "--no-history", "--today", TODAY, "--format", "json").out)
    bad = {"parse-error", "schema-violation", "duplicate-id", "duplicate-key"}
    assert [d for d in report["diagnostics"] if d["rule"] in bad] == []


def test_a_new_documents_template_placeholders_count_as_empty(repo):
    """Issue 14 item 3: the sentences `tpm new` writes are no mitigation, no lessons."""
    assert new(repo, "risk", "X", "--likelihood", "5", "--impact", "5", "--owner", "pat").code == 0
    assert new(repo, "postmortem", "Y").code == 0
    outcome = run_tpm(repo, "check", "--no-history", "--today", TODAY, "--select", "missing-section,risk-unmitigated")
    assert outcome.code == 1
    assert outcome.out.splitlines()[:-1] == [
        "project/postmortems/PM-1-y.md:15:1: warning missing-section section `Lessons learned` still holds "
        "the template's placeholder text",
        "project/postmortems/PM-1-y.md:19:1: warning missing-section section `Action items` still holds "
        "the template's placeholder text",
        "project/risks/R-1-x.md:4:9: error risk-unmitigated high risk (score 25 = 5 × 5) has no mitigation",
        "project/risks/R-1-x.md:14:1: warning missing-section section `Mitigation` still holds "
        "the template's placeholder text",
    ]


def test_ids_follow_the_highest_in_use_and_decisions_use_madr_names(repo):
    write_files(repo, {"project/risks/R-5-old.md": "---\ntitle: Old\nstatus: closed\nlikelihood: 1\nimpact: 1\n---\n"})
    assert new(repo, "risk", "Next one").out == "project/risks/R-6-next-one.md\n"
    assert new(repo, "decision", "Record decisions").out == "project/decisions/0001-record-decisions.md\n"
    assert new(repo, "decision", "Use MADR").out == "project/decisions/0002-use-madr.md\n"
    assert front_matter(repo / "project/decisions/0002-use-madr.md")["id"] == "ADR-0002"


def test_ids_used_on_other_branches_are_taken(repo):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    git(repo, "checkout", "-q", "-b", "colleague")
    write_files(repo, {"project/risks/R-7-theirs.md": "---\ntitle: Theirs\n---\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "their risk")
    git(repo, "update-ref", "refs/remotes/origin/other", "HEAD")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "colleague")  # only the remote-tracking ref knows R-7 now
    assert new(repo, "risk", "Mine").out == "project/risks/R-8-mine.md\n"
    refused = new(repo, "risk", "Mine too", "--id", "R-7")
    assert (refused.code, refused.err) == (2, "tpm: error: --id R-7 is already taken (here or on another branch)\n")


def test_an_explicit_id(repo):
    assert new(repo, "risk", "Chosen", "--id", "R-40").out == "project/risks/R-40-chosen.md\n"
    assert new(repo, "risk", "Bad id", "--id", "../R-1").code == 2


@pytest.mark.parametrize(
    "title, slug",
    [
        ("../../etc/passwd", "etc-passwd"),
        ("/etc/passwd", "etc-passwd"),
        ('x: "y"\nstatus: closed', "x-y-status-closed"),
        ("no", "no"),
        ("Cafe\u0301 cr\u00e8me br\u00fbl\u00e9e", "cafe-creme-brulee"),
        ("Stra\u00dfe \uff21\uff22\uff23", "strasse-abc"),
        ("\U0001f680\U0001f525", "untitled"),
        ("-rf --no-preserve-root", "rf-no-preserve-root"),
    ],
)
def test_hostile_titles_round_trip_and_stay_in_the_folder(repo, title, slug):
    outcome = new(repo, "risk", "--", title)  # `--`, as for any argument that starts with -
    assert outcome.code == 0, outcome.err
    created = repo / outcome.out.splitlines()[-1]
    assert created.parent == repo / "project" / "risks"
    assert created.name == f"R-1-{slug}.md"
    data = front_matter(created)
    assert data["title"] == title and data["status"] == "open" and data["id"] == "R-1"
    assert run_tpm(repo, "check", "--no-history", "--today", TODAY, "--select", "TPM0").code == 0


def test_a_300_character_title_gets_a_short_slug(repo):
    title = "word " * 60
    created = repo / new(repo, "milestone", title).out.strip()
    assert len(created.name.encode()) <= 255 and len(created.stem) <= 90
    assert front_matter(created)["title"] == title


@pytest.mark.parametrize(
    "args, message",
    [
        (["risk", "   "], "tpm: error: the title is empty\n"),
        (["widget", "X"], "tpm: error: unknown type 'widget' (known: milestone, risk, decision, postmortem)\n"),
        (["risk", "X", "--due", "2026-12-01"], "tpm: error: --due is for milestone documents, not risk\n"),
        (["milestone", "X", "--due", "soon"], "tpm: error: --due: 'soon' is not a date as YYYY-MM-DD\n"),
        (["risk", "X", "--milestone", "M-9"], "tpm: error: --milestone M-9 names no document\n"),
    ],
)
def test_usage_errors_write_nothing(repo, args, message):
    outcome = new(repo, *args)
    assert (outcome.code, outcome.err) == (2, message)
    assert sorted(p.name for p in (repo / "project" / "risks").iterdir()) == [".gitkeep"]


def test_likelihood_out_of_range_is_a_usage_error(repo):
    assert new(repo, "risk", "X", "--likelihood", "6").code == 2


def test_a_broken_template_names_itself_and_writes_nothing(repo):
    write_files(repo, {".tpm/templates/risk.md": "# ${title}\n\nOwner: ${nobody}\n"})
    outcome = new(repo, "risk", "X")
    assert outcome.code == 2
    assert outcome.err.startswith("tpm: error: template ") and ".tpm/templates/risk.md uses ${nobody}" in outcome.err
    assert sorted(p.name for p in (repo / "project" / "risks").iterdir()) == [".gitkeep"]


def test_a_repository_template_overrides_tpms(repo):
    write_files(
        repo, {".tpm/templates/risk.md": "---\ntags: [vendor]\n---\n# ${title}\n\n## Mitigation\n\nAsk ${owner}.\n"}
    )
    created = repo / new(repo, "risk", "Vendor", "--owner", "bob").out.strip()
    assert created.read_text().endswith("# Vendor\n\n## Mitigation\n\nAsk bob.\n")
    assert front_matter(created)["tags"] == ["vendor"]


def test_custom_types_use_their_template_and_schema(repo):
    write_files(
        repo,
        {
            ".tpm.toml": '[types.task]\npaths = ["backlog/*.md"]\nid_prefix = "T"\nschema = "task.json"\n',
            "task.json": '{"required": ["state"], "properties": {"state": {"enum": ["todo", "done"]}}}',
        },
    )
    missing = new(repo, "task", "Write docs")
    assert missing.code == 2 and "type 'task' has no template" in missing.err
    write_files(repo, {".tpm/templates/task.md": "---\nstate: maybe\n---\n# ${title}\n"})
    invalid = new(repo, "task", "Write docs")
    assert invalid.code == 2 and "would not pass `tpm check` (schema-violation" in invalid.err
    write_files(repo, {".tpm/templates/task.md": "---\nstate: todo\n---\n# ${title}\n"})
    assert new(repo, "task", "Write docs").out == "backlog/T-1-write-docs.md\n"
    assert run_tpm(repo, "check", "--no-history").code == 0


def test_dry_run_prints_the_file_and_writes_nothing(repo):
    outcome = new(repo, "risk", "Dry", "--dry-run")
    lines = outcome.out.splitlines()
    assert (
        lines[0] == "---" and "title: Dry" in lines and lines[-1] == "(dry run) would create project/risks/R-1-dry.md"
    )
    assert not (repo / "project" / "risks" / "R-1-dry.md").exists()


def test_the_path_printed_is_relative_to_the_current_folder(repo):
    (repo / "docs").mkdir()
    assert new(repo, "risk", "From docs", cwd=repo / "docs").out == "../project/risks/R-1-from-docs.md\n"


def test_edit_opens_the_editor_on_the_new_file(repo, tmp_path, monkeypatch):
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\necho "edited" >> "$1"\n')
    editor.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(editor))
    created = repo / new(repo, "risk", "Edit me", "--edit").out.strip()
    assert created.read_text().endswith("edited\n")
    monkeypatch.delenv("VISUAL")
    monkeypatch.delenv("EDITOR", raising=False)
    outcome = new(repo, "risk", "No editor", "--edit")
    assert outcome.code == 2 and "set $VISUAL or $EDITOR" in outcome.err
    assert (repo / "project/risks/R-2-no-editor.md").is_file()


def test_atomic_exclusive_write_never_replaces_a_file(tmp_path):
    target = tmp_path / "x.md"
    target.write_text("theirs")
    with pytest.raises(UsageError, match="already exists; not overwritten"):
        write_atomic(target, "mine", overwrite=False)
    assert target.read_text() == "theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["x.md"]


def test_two_concurrent_runs_get_two_ids(repo):
    env = {k: v for k, v in git_env().items()}
    for round_number in range(3):
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "tpm", "new", "risk", f"Race {round_number} {n}", "--today", TODAY],
                cwd=repo,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(2)
        ]
        results = [(*p.communicate(), p.returncode) for p in processes]
        assert all(code == 0 for _, _, code in results), results
    names = sorted(p.name for p in (repo / "project" / "risks").glob("R-*.md"))
    ids = [name.split("-race")[0] for name in names]
    assert len(names) == 6 and len(set(ids)) == 6
    assert all(front_matter(repo / "project" / "risks" / n)["title"].startswith("Race") for n in names)

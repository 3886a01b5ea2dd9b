"""Issue 11, the file boundary: what a hostile repository can point tpm at.

Every case here failed on tpm 0.1.0: a committed link or config value made tpm read a
file outside the repository (and print it), read a device without end, write outside the
repository, or pass silently. Secrets are planted outside the repository (and in
`.git/config`, where CI keeps its token) and must never appear in any output.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import git, make_repo, run_tpm
from tpm import cli

SECRET = "PRIVATE-KEY-0123456789abcdef"

MILESTONE = "---\nid: M-1\ntitle: Beta\nstatus: planned\ndue: 2026-12-18\n---\n# Beta\n"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "outside" / "key.json"
    path.parent.mkdir()
    path.write_text(f'{{"type": "service_account", "private_key": "{SECRET}"}}\n', encoding="utf-8")
    return path


@pytest.fixture
def memory_cap():
    """Reading /dev/zero is endless: should a regression read it, fail with MemoryError
    at a 2 GiB address-space cap instead of taking the machine's memory."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(
        resource.RLIMIT_AS, (2 * 1024**3 if hard == resource.RLIM_INFINITY else min(hard, 2 * 1024**3), hard)
    )
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _repo(tmp_path: Path, files: dict | None = None) -> Path:
    return make_repo(tmp_path / "repo", {"project/milestones/M-1-beta.md": MILESTONE, **(files or {})})


def _link(repo: Path, name: str, target: str | Path, commit: bool = True) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)
    if commit:
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"link {name}")


def _assert_one_error_line(outcome, *fragments: str) -> None:
    assert outcome.code == 2, outcome
    assert outcome.err.startswith("tpm: error: ") and outcome.err.count("\n") == 1, outcome.err
    for fragment in fragments:
        assert fragment in outcome.err, outcome.err
    assert SECRET not in outcome.out + outcome.err


# ------------------------------------------------------------- case 2: report --check


@pytest.mark.parametrize("target", ["secret", ".git/config", "/dev/zero"])
def test_report_check_does_not_read_through_a_committed_link(tmp_path, secret_file, target, memory_cap):
    repo = _repo(tmp_path)
    with open(repo / ".git" / "config", "a", encoding="utf-8") as handle:
        handle.write(f'[http]\n\textraheader = "AUTHORIZATION: basic {SECRET}"\n')
    destination = {"secret": secret_file, ".git/config": ".git/config", "/dev/zero": "/dev/zero"}[target]
    _link(repo, "STATUS.md", destination)
    outcome = run_tpm(repo, "report", "--check", "--output", "STATUS.md", "--today", "2026-12-01")
    _assert_one_error_line(outcome, "STATUS.md")
    assert "not read" in outcome.err or "symbolic link" in outcome.err


def test_report_check_still_compares_a_real_file(tmp_path):
    repo = _repo(tmp_path)
    assert run_tpm(repo, "report", "--output", "STATUS.md", "--today", "2026-12-01").code == 0
    outcome = run_tpm(repo, "report", "--check", "--output", "STATUS.md", "--today", "2026-12-01")
    assert (outcome.code, outcome.out) == (0, "STATUS.md is up to date\n")


# ------------------------------------------------------- case 4: special files, config


def test_a_config_linked_to_a_device_is_refused_not_read(tmp_path, memory_cap):
    repo = _repo(tmp_path)
    _link(repo, ".tpm.toml", "/dev/zero")
    outcome = run_tpm(repo, "check", "--no-history")
    _assert_one_error_line(outcome, ".tpm.toml", "not read, it resolves outside the repository")


def test_a_config_linked_outside_the_repository_is_refused(tmp_path, secret_file):
    repo = _repo(tmp_path)
    _link(repo, ".tpm.toml", secret_file)
    outcome = run_tpm(repo, "check", "--no-history")
    _assert_one_error_line(outcome, ".tpm.toml", "resolves outside the repository")


def test_a_config_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    repo = _repo(tmp_path)
    os.mkfifo(repo / ".tpm.toml")
    outcome = run_tpm(repo, "check", "--no-history")
    _assert_one_error_line(outcome, ".tpm.toml", "not a regular file")


def test_a_config_over_the_size_cap_is_refused(tmp_path):
    repo = _repo(tmp_path, {".tpm.toml": "# " + "x" * (1024 * 1024) + "\n"})
    outcome = run_tpm(repo, "check", "--no-history")
    _assert_one_error_line(outcome, ".tpm.toml", "over the 1,048,576-byte limit")


def test_a_config_named_on_the_command_line_may_live_outside(tmp_path):
    repo = _repo(tmp_path)
    config = tmp_path / "elsewhere.toml"
    config.write_text('name = "Elsewhere"\n', encoding="utf-8")
    outcome = run_tpm(repo, "check", "--no-history", "--config", str(config), "--today", "2026-12-01")
    assert outcome.code == 0 and outcome.out.startswith("Checked 1 file: no problems;")


# -------------------------------------------------------------- case 10: templates


@pytest.mark.parametrize("how", ["override link", "config path", "config link"])
def test_new_never_copies_a_file_from_outside_into_a_document(tmp_path, secret_file, how):
    repo = _repo(tmp_path)
    if how == "override link":
        _link(repo, ".tpm/templates/milestone.md", secret_file)
    elif how == "config path":
        (repo / ".tpm.toml").write_text(f'[types.milestone]\ntemplate = "{secret_file}"\n', encoding="utf-8")
    else:
        (repo / ".tpm.toml").write_text('[types.milestone]\ntemplate = "t/milestone.md"\n', encoding="utf-8")
        _link(repo, "t/milestone.md", secret_file, commit=False)
    outcome = run_tpm(repo, "new", "milestone", "Next", "--today", "2026-12-01")
    _assert_one_error_line(outcome, "template", "resolves outside the repository")
    # grep exits 1 when it finds nothing, which is what this test wants
    written = subprocess.run(["grep", "-rl", SECRET, str(repo)], capture_output=True, text=True, check=False).stdout
    assert written == ""
    assert sorted(p.name for p in (repo / "project" / "milestones").iterdir()) == ["M-1-beta.md"]


def test_a_template_linked_to_a_device_is_refused(tmp_path, memory_cap):
    repo = _repo(tmp_path)
    _link(repo, ".tpm/templates/milestone.md", "/dev/zero")
    outcome = run_tpm(repo, "new", "milestone", "Next", "--today", "2026-12-01")
    _assert_one_error_line(outcome, "template", "resolves outside the repository")


def test_a_template_inside_the_repository_still_works(tmp_path):
    template = "---\nowner: pat\n---\n# ${title}\n\nDue ${due}.\n"
    repo = _repo(tmp_path, {".tpm/templates/milestone.md": template})
    outcome = run_tpm(repo, "new", "milestone", "Next", "--today", "2026-12-01")
    assert (outcome.code, outcome.out) == (0, "project/milestones/M-2-next.md\n")
    assert "owner: pat" in (repo / "project/milestones/M-2-next.md").read_text(encoding="utf-8")


# ------------------------------------------------------ case 16: a work tree elsewhere


def test_git_environment_pointing_elsewhere_finds_the_repositorys_config(tmp_path):
    broken = "---\nid: T-1\ntitle: Broken\nstatus: doing\ndue: 2026-12-18\n---\n"
    repo = make_repo(
        tmp_path / "repo",
        {".tpm.toml": 'root = "plan"\n', "plan/milestones/T-1.md": broken},
    )
    outside = tmp_path / "somewhere-else"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_DIR=str(repo / ".git"), GIT_WORK_TREE=str(repo), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull
    )
    completed = subprocess.run(
        [sys.executable, "-m", "tpm", "check", "--no-history", "--today", "2026-12-01"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1, completed
    assert completed.stdout.startswith("plan/milestones/T-1.md:4:9: error schema-violation `status` must be one of")
    assert "\nChecked 1 file: 1 error, 0 warnings, 0 infos; " in completed.stdout


# ------------------------------------------------ case 17: writing through a link


def test_report_output_does_not_write_through_a_linked_folder(tmp_path):
    repo = _repo(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _link(repo, "docs", elsewhere)
    outcome = run_tpm(repo, "report", "--output", "docs/STATUS.md", "--today", "2026-12-01")
    _assert_one_error_line(outcome, "docs/STATUS.md", "not written, its folder resolves outside the repository")
    assert list(elsewhere.iterdir()) == []


def test_check_output_does_not_write_into_the_git_directory_through_a_link(tmp_path):
    repo = _repo(tmp_path)
    _link(repo, "reports", ".git/hooks")
    outcome = run_tpm(repo, "check", "--no-history", "--output", "reports/pre-commit", "--today", "2026-12-01")
    _assert_one_error_line(outcome, "reports/pre-commit", "resolves into the git directory")
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()


def test_report_output_does_not_replace_a_link(tmp_path, secret_file):
    repo = _repo(tmp_path)
    _link(repo, "STATUS.md", secret_file)
    outcome = run_tpm(repo, "report", "--output", "STATUS.md", "--today", "2026-12-01")
    _assert_one_error_line(outcome, "STATUS.md", "symbolic link")
    assert SECRET in secret_file.read_text(encoding="utf-8")


def test_an_absolute_output_the_user_typed_outside_the_repository_is_allowed(tmp_path):
    repo = _repo(tmp_path)
    target = tmp_path / "out" / "STATUS.md"
    outcome = run_tpm(repo, "report", "--output", str(target), "--today", "2026-12-01")
    assert outcome.code == 0 and target.read_text(encoding="utf-8").startswith("# ")


def test_new_does_not_write_into_a_linked_type_folder(tmp_path):
    repo = make_repo(tmp_path / "repo", {"README.md": "x\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _link(repo, "project/risks", elsewhere)
    outcome = run_tpm(repo, "new", "risk", "Vendor API may slip", "--today", "2026-12-01")
    _assert_one_error_line(outcome, "resolves outside the repository")
    assert list(elsewhere.iterdir()) == []


def test_init_does_not_create_folders_through_a_link(tmp_path):
    repo = make_repo(tmp_path / "repo", {"README.md": "x\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _link(repo, "project", elsewhere)
    outcome = run_tpm(repo, "init")
    _assert_one_error_line(outcome, "resolves outside the repository")
    assert list(elsewhere.iterdir()) == []


# ------------------------------------------- case 1: an internal error leaks nothing


def test_an_internal_error_names_its_place_never_its_message(tmp_path, monkeypatch):
    repo = _repo(tmp_path)

    def explode(*args, **kwargs):
        raise ValueError(f"while reading {{'private_key': '{SECRET}'}}")

    monkeypatch.setattr(cli, "lint", explode)
    outcome = run_tpm(repo, "check")
    assert outcome.code == 2
    assert outcome.err.startswith("tpm: internal error: ValueError at test_security_files.py:")
    assert SECRET not in outcome.err + outcome.out


# --------------------------------------- caches are written inside the git directory


def test_caches_are_not_written_through_a_restored_link_out_of_the_git_directory(tmp_path):
    repo = _repo(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, repo / ".git" / "tpm-cache")  # as a restored CI cache could hold
    outcome = run_tpm(repo, "check", "--today", "2026-12-01")
    assert (outcome.code, outcome.err) == (0, "")
    assert list(elsewhere.iterdir()) == []

"""The cache of a whole run's result: a run in which nothing changed is answered from it,
and any change of what a result depends on (a file, the config, a schema, a template, the
rule selection, today, HEAD) makes the run afresh. A malformed cache is never trusted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import git, make_repo, realistic_tree_repo, run_tpm, write_files
from tpm import cachefile
from tpm.discover import Candidate
from tpm.resultcache import FORMAT, ResultCache, run_key

TODAY = "2026-11-27"


@pytest.fixture
def repo(tmp_path):
    return realistic_tree_repo(tmp_path / "repo")


def results_file(repo: Path) -> Path:
    return repo / ".git" / "tpm-cache" / "results.json"


def check(repo, *args, today=TODAY):
    outcome = run_tpm(repo, "check", "--today", today, "--format", "json", *args)
    return outcome.code, outcome.out


def answered_from_cache(repo, monkeypatch, *args, today=TODAY):
    """A run that must be answered from the result cache: running a rule fails it."""
    import tpm.engine

    def no_rules(*_args, **_kwargs):
        raise AssertionError("the rules ran")

    with monkeypatch.context() as patch:
        patch.setattr(tpm.engine, "run", no_rules)
        return check(repo, *args, today=today)


def test_an_unchanged_run_is_answered_from_the_cache_exactly_as_afresh(repo, monkeypatch):
    fresh = check(repo, "--no-cache")
    assert not results_file(repo).exists()
    first = check(repo)
    assert results_file(repo).is_file()
    stamp = results_file(repo).stat().st_mtime_ns
    assert answered_from_cache(repo, monkeypatch) == first == fresh
    assert results_file(repo).stat().st_mtime_ns == stamp  # a hit writes nothing
    # Every format renders from the cached result as from a fresh one (fingerprints too).
    for output_format in ("text", "sarif", "github", "codequality", "junit"):
        args = ("check", "--today", TODAY, "--format", output_format)
        cached = run_tpm(repo, *args)
        fresh_run = run_tpm(repo, *args, "--no-cache")
        assert (cached.code, cached.out) == (fresh_run.code, fresh_run.out)


def test_no_cache_neither_reads_nor_writes_it(repo):
    check(repo, "--no-cache")
    assert not results_file(repo).exists()


def _change_file(repo):
    name = "project/milestones/M-6-pci-dss-assessment.md"
    write_files(repo, {name: (repo / name).read_text().replace("status: planned", "status: doing", 1)})


def _change_config(repo):
    config = repo / ".tpm.toml"
    config.write_text(config.read_text().replace("decide_within_days = 21", "decide_within_days = 30"))


def _change_schema(repo):
    write_files(
        repo,
        {
            ".tpm.toml": (repo / ".tpm.toml").read_text() + '\n[types.risk]\nschema = "extra.json"\n',
            "extra.json": '{"required": ["reviewed_by"]}',
        },
    )


def test_head_is_part_of_the_key(tmp_path):
    """The same bytes, committed: the history rules now date the edit by its commit."""
    name = "project/milestones/M-1-a.md"
    text = "---\nid: M-1\ntitle: A\nstatus: in-progress\ndue: 2026-12-20\n---\n# A\n"
    repo = make_repo(tmp_path / "repo", {name: text}, date="2026-10-01T12:00:00+00:00")
    write_files(repo, {name: text + "\nMore.\n"})
    uncommitted = check(repo)
    git(repo, "commit", "-q", "-am", "more", date="2026-10-02T12:00:00+00:00")
    committed = check(repo)
    assert committed == check(repo, "--no-cache")
    assert committed != uncommitted
    assert "stale" in committed[1] and "stale" not in uncommitted[1]


@pytest.mark.parametrize("change", [_change_file, _change_config, _change_schema], ids=lambda f: f.__name__)
def test_any_change_of_an_input_makes_the_run_afresh(repo, change):
    check(repo)
    change(repo)
    assert check(repo) == check(repo, "--no-cache")


def test_the_template_is_part_of_the_key(repo):
    """The template's placeholder text counts as empty: a cached run must see a new one."""
    name = "project/risks/R-5-acquirer-sdk.md"
    write_files(
        repo,
        {
            name: "---\nid: R-9\ntitle: x\nstatus: open\nlikelihood: 1\nimpact: 1\nreviewed: 2026-11-26\n---\n"
            "# x\n\n## Mitigation\n\nTo be written.\n"
        },
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "R-9", date="2026-11-26T13:00:00+00:00")
    before = check(repo)
    assert not any(d["path"] == name and d["rule"] == "missing-section" for d in json.loads(before[1])["diagnostics"])
    write_files(repo, {".tpm/templates/risk.md": "---\nid: R-0\n---\n# T\n\n## Mitigation\n\nTo be written.\n"})
    after = check(repo)
    assert after == check(repo, "--no-cache")
    assert any(d["path"] == name and d["rule"] == "missing-section" for d in json.loads(after[1])["diagnostics"])


@pytest.mark.parametrize(
    "args",
    [("--select", "overdue"), ("--ignore", "TPM2"), ("--no-history",), ("--select", "duplicate-id,overdue")],
)
def test_the_rule_selection_is_part_of_the_key(repo, args):
    check(repo)
    assert check(repo, *args) == check(repo, *args, "--no-cache")
    assert check(repo) == check(repo, "--no-cache")


def test_today_is_part_of_the_key(repo):
    first = check(repo)
    later = check(repo, today="2026-12-24")
    assert later == check(repo, "--no-cache", today="2026-12-24")
    assert later != first  # the overdue milestone is later still
    assert check(repo) == first


def test_an_edit_back_to_the_cached_bytes_is_answered_from_the_cache(repo, monkeypatch):
    first = check(repo)
    name = "project/milestones/M-6-pci-dss-assessment.md"
    original = (repo / name).read_text()
    write_files(repo, {name: original + "\n"})
    assert check(repo) == check(repo, "--no-cache")
    write_files(repo, {name: original})
    check(repo)  # cached again under the original bytes
    assert answered_from_cache(repo, monkeypatch) == first


def _signed(repo, payload):
    git_dir = repo / ".git"
    cachefile.save(results_file(repo), git_dir, FORMAT, payload)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data: {**data, "diagnostics": [[*row[:1], str(row[1]), *row[2:]] for row in data["diagnostics"]]},
        lambda data: {**data, "diagnostics": [[*row[:6], "fatal", *row[7:]] for row in data["diagnostics"]]},
        lambda data: {**data, "diagnostics": [row[:8] for row in data["diagnostics"]]},
        lambda data: {**data, "diagnostics": data["diagnostics"] * 2},
        lambda data: {**data, "not_documents": ["project/nowhere.md"]},
        lambda data: {**data, "not_documents": "project"},
        lambda data: {**data, "history_skipped": 0},
        lambda data: {**data, "skipped_rules": [1]},
        lambda data: {k: v for k, v in data.items() if k != "diagnostics"},
    ],
    ids=["line-text", "severity", "short-row", "twice", "not-a-candidate", "not-a-list", "flag", "slug", "missing"],
)
def test_a_malformed_cache_is_rejected_and_rebuilt(repo, tamper):
    """Signed with this clone's key, so only the shape check stands between it and a lie."""
    expected = check(repo, "--no-cache")
    check(repo)
    data = cachefile.load(results_file(repo), repo / ".git", FORMAT)
    assert data is not None and data["diagnostics"]
    payload = tamper({k: v for k, v in data.items() if k != "format"})
    _signed(repo, payload)
    assert check(repo) == expected
    assert cachefile.load(results_file(repo), repo / ".git", FORMAT) == data  # rebuilt


def test_a_well_formed_entry_under_another_key_is_not_used(repo):
    expected = check(repo, "--no-cache")
    check(repo)
    data = cachefile.load(results_file(repo), repo / ".git", FORMAT)
    assert data is not None
    _signed(repo, {**{k: v for k, v in data.items() if k != "format"}, "key": "0" * 40, "diagnostics": []})
    assert check(repo) == expected


def test_an_unsigned_or_foreign_cache_is_never_trusted(repo):
    expected = check(repo, "--no-cache")
    check(repo)
    data = json.loads(results_file(repo).read_text())
    data["diagnostics"] = []
    results_file(repo).write_text(json.dumps(data))  # the signature no longer matches
    assert check(repo) == expected


def test_a_run_with_a_vanished_file_is_not_keyed(tmp_path):
    candidates = [Candidate("project/a.md", None), Candidate("project/b.md", None)]
    from tpm.config import Config

    args = (tmp_path, Config(), "x", [], __import__("datetime").date(2026, 11, 27), None, False, False, candidates)
    assert run_key(*args, [b"a", None]) is None
    assert run_key(*args, [b"a", b"b"]) != run_key(*args, [b"a", b"c"])


def test_a_result_whose_documents_are_not_the_candidates_in_order_is_not_saved(tmp_path):
    from datetime import date

    from tpm.engine import Result

    git_dir = make_repo(tmp_path / "repo") / ".git"
    cache = ResultCache(git_dir)
    candidates = [Candidate("project/a.md", None), Candidate("project/b.md", None)]
    cache.save("k", Result(date(2026, 11, 27), 2, (), paths=("project/b.md", "project/a.md")), candidates)
    assert not cache.path.exists()
    cache.save("k", Result(date(2026, 11, 27), 1, (), paths=("project/b.md",)), candidates)
    loaded = cache.load("k", date(2026, 11, 27), candidates)
    assert loaded is not None and loaded.paths == ("project/b.md",) and loaded.files == 1


def test_the_commit_gate_builds_the_project_from_a_cached_run(repo):
    args = ("check", "--today", TODAY, "--gate", "commit")
    first = run_tpm(repo, *args)
    again = run_tpm(repo, *args)
    assert (again.code, again.out) == (first.code, first.out)

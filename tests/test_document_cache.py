"""The cache of parsed documents: the same answers as parsing afresh, and never trusted
when it is corrupt, foreign or out of date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import make_repo, realistic_tree_repo, run_tpm, write_files

TODAY = "2026-11-27"


@pytest.fixture
def repo(tmp_path):
    return realistic_tree_repo(tmp_path / "repo")


def cache_file(repo: Path) -> Path:
    return repo / ".git" / "tpm-cache" / "documents.json"


def check(repo, *args):
    return run_tpm(repo, "check", "--today", TODAY, "--format", "json", *args).out


def test_cached_runs_answer_exactly_as_fresh_ones(repo):
    fresh = check(repo, "--no-cache")
    assert not cache_file(repo).exists()
    first = check(repo)
    assert cache_file(repo).is_file()
    stamp = cache_file(repo).stat().st_mtime_ns
    assert check(repo) == first == fresh
    assert cache_file(repo).stat().st_mtime_ns == stamp  # nothing changed, nothing written


def test_an_edited_file_is_parsed_again(repo):
    check(repo)
    name = "project/milestones/M-6-pci-dss-assessment.md"
    original = (repo / name).read_text()
    write_files(repo, {name: original.replace("status: planned", "status: doing", 1)})
    messages = [d["message"] for d in json.loads(check(repo))["diagnostics"] if d["path"] == name]
    assert any("got 'doing'" in m for m in messages)


def test_a_schema_change_invalidates_every_entry(repo):
    check(repo)
    write_files(
        repo,
        {
            ".tpm.toml": (repo / ".tpm.toml").read_text() + '\n[types.risk]\nschema = "extra.json"\n',
            "extra.json": '{"required": ["reviewed_by"]}',
        },
    )
    after = json.loads(check(repo))["diagnostics"]
    assert any(d["message"] == "missing required field `reviewed_by`" for d in after)
    assert check(repo) == check(repo, "--no-cache")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda data: "not json at all",
        lambda data: json.dumps({**data, "format": "someone-else/1"}),
        lambda data: json.dumps({**data, "entries": {k: {"data": []} for k in data["entries"]}}),
        lambda data: json.dumps(
            {
                **data,
                "entries": {
                    k: {**v, "marks": [["x", "a"]]} if isinstance(v, dict) else v for k, v in data["entries"].items()
                },
            }
        ),
        lambda data: json.dumps(
            {
                **data,
                "entries": {
                    k: {**v, "problems": [[1, 2]]} if isinstance(v, dict) else v for k, v in data["entries"].items()
                },
            }
        ),
    ],
    ids=["garbage", "foreign", "wrong-shape", "bad-marks", "bad-problems"],
)
def test_a_corrupt_or_foreign_cache_is_never_trusted(repo, tamper):
    expected = check(repo, "--no-cache")
    check(repo)
    data = json.loads(cache_file(repo).read_text())
    cache_file(repo).write_text(tamper(data))
    (repo / ".git" / "tpm-cache" / "results.json").unlink()  # else the unchanged run never reads documents.json
    assert check(repo) == expected
    assert json.loads(cache_file(repo).read_text())["format"] == "tpm-documents/6"


def test_an_unwritable_cache_folder_just_means_no_cache(repo):
    (repo / ".git" / "tpm-cache").write_text("a file where the folder should be")  # blocks even root
    expected = check(repo, "--no-cache")
    assert check(repo) == expected


def test_a_file_whose_front_matter_fails_answers_the_same_from_the_cache(tmp_path):
    """Found by the fuzzer: a milestone whose YAML does not load keeps no checkpoints
    heading (its parse stops early), but the cache restored one from the type, so the
    cached run reported an invalid checkpoint that the fresh run did not."""
    broken = "---\n0\nid: M-1\ntitle: x\n---\n## Checkpoints\n- [ ] 2026-02-30 impossible date\n"
    repo = make_repo(tmp_path / "repo", {"project/milestones/M-1-a.md": broken})
    args = ("check", "--today", "2026-11-27", "--format", "json", "--no-history")
    fresh = run_tpm(repo, *args)
    cached = run_tpm(repo, *args)
    assert (cached.code, cached.out) == (fresh.code, fresh.out)
    assert [d["rule"] for d in json.loads(cached.out)["diagnostics"]] == ["parse-error"]


def test_after_one_edit_only_the_edited_document_is_encoded_again(repo, monkeypatch):
    from tpm import doccache

    check(repo)
    name = "project/milestones/M-6-pci-dss-assessment.md"
    write_files(repo, {name: (repo / name).read_text() + "\nOne more line.\n"})
    encoded: list[str] = []
    real_encode = doccache._encode

    def counting(document):
        encoded.append(document.path)
        return real_encode(document)

    monkeypatch.setattr(doccache, "_encode", counting)
    edited = check(repo)
    assert encoded == [name]  # the others are written back as they were loaded
    monkeypatch.undo()
    assert edited == check(repo) == check(repo, "--no-cache")


def test_one_edit_among_many_documents_is_parsed_again_without_rewriting_the_cache(tmp_path):
    from tpm.doccache import REWRITE_SHARE

    milestone = "---\nid: M-{n}\ntitle: M {n}\nstatus: planned\ndue: 2027-01-15\n---\n"
    files = {  # 60 documents: one edit is under one in fifty
        f"project/milestones/M-{n}-m.md": milestone.format(n=n) for n in range(1, REWRITE_SHARE + 11)
    }
    repo = make_repo(tmp_path / "repo", files)
    check(repo)
    written = cache_file(repo).read_bytes()
    first = "project/milestones/M-1-m.md"
    write_files(repo, {first: files[first].replace("status: planned", "status: doing")})
    edited = check(repo)
    assert cache_file(repo).read_bytes() == written  # not rewritten for one file in sixty
    assert edited == check(repo, "--no-cache") and "got 'doing'" in edited  # and still right, run after run
    assert check(repo) == edited
    second = "project/milestones/M-2-m.md"
    write_files(repo, {second: files[second].replace("title: M 2", "title: M two")})
    check(repo)
    assert cache_file(repo).read_bytes() != written  # two in sixty: one in fifty or more changed
    assert check(repo) == check(repo, "--no-cache")

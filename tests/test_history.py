"""The git history index: faults, the cache, and repositories in unusual states."""

from __future__ import annotations

import datetime
import pickle
import io
import json
import os
import subprocess

import pytest

from helpers import git, make_repo, run_tpm, shallow_clone, write_files
from tpm import history
from tpm.config import Config, builtin_types
from tpm.discover import discover
from tpm.errors import UsageError
from tpm.model import load_project

TODAY = "2026-11-27"
MILESTONE = "---\nid: M-1\ntitle: Launch\nstatus: in-progress\ndue: {due}\n---\n# Launch\n"


def commit(repo, date, files):
    write_files(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"on {date}", date=f"{date}T12:00:00+00:00")


@pytest.fixture
def repo(tmp_path):
    repo = make_repo(tmp_path / "repo")
    for date, due in (("2026-10-01", "2026-12-01"), ("2026-10-10", "2026-12-09"), ("2026-10-20", "2026-12-20")):
        commit(repo, date, {"project/milestones/M-1-launch.md": MILESTONE.format(due=due)})
    return repo


def findings(repo, *args):
    outcome = run_tpm(repo, "check", "--today", TODAY, "--format", "json", *args)
    assert outcome.code in (0, 1), outcome.err
    return [(d["path"], d["line"], d["rule"]) for d in json.loads(outcome.out)["diagnostics"]]


EXPECTED = [
    ("project/milestones/M-1-launch.md", 4, "stale"),
    ("project/milestones/M-1-launch.md", 5, "slipped"),
]


def test_history_rules_fire_from_real_commits(repo):
    assert findings(repo) == EXPECTED


def test_the_cache_lives_in_the_git_directory_and_gives_the_same_answer(repo):
    cold = run_tpm(repo, "check", "--today", TODAY).out
    cache = repo / ".git" / "tpm-cache" / "history.json"
    assert cache.is_file()
    assert json.loads(cache.read_text())["format"] == "tpm-history/9"
    assert run_tpm(repo, "check", "--today", TODAY).out == cold
    assert git(repo, "status", "--porcelain") == ""  # nothing written to the work tree


def test_no_cache_neither_reads_nor_writes_it(repo):
    assert findings(repo, "--no-cache") == EXPECTED
    assert not (repo / ".git" / "tpm-cache").exists()


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"format": "tpm-history/6", "key": "x", "head": "y", "files": {}}',
        "[1, 2, 3]",
    ],
)
def test_a_corrupt_or_foreign_cache_is_ignored_and_rebuilt(repo, content):
    findings(repo)
    cache = repo / ".git" / "tpm-cache" / "history.json"
    cache.write_text(content)
    (repo / ".git" / "tpm-cache" / "results.json").unlink()  # else the unchanged run never reads history.json
    assert findings(repo) == EXPECTED
    assert json.loads(cache.read_text())["format"] == "tpm-history/9"


def test_a_tampered_cache_with_the_right_key_is_not_trusted(repo):
    findings(repo)
    cache = repo / ".git" / "tpm-cache" / "history.json"
    data = json.loads(cache.read_text())
    for state in data["files"].values():
        state["moves"] = "oops"
    cache.write_text(json.dumps(data))
    assert findings(repo) == EXPECTED


def test_a_new_commit_is_folded_onto_the_cache(repo):
    findings(repo)
    commit(repo, "2026-11-26", {"project/milestones/M-1-launch.md": MILESTONE.format(due="2026-12-20") + "Notes.\n"})
    assert findings(repo) == [("project/milestones/M-1-launch.md", 5, "slipped")]
    cached_head = json.loads((repo / ".git" / "tpm-cache" / "history.json").read_text())["head"]
    assert cached_head == git(repo, "rev-parse", "HEAD").strip()
    assert findings(repo, "--no-cache") == [("project/milestones/M-1-launch.md", 5, "slipped")]


def test_rewritten_history_rebuilds_the_cache(repo):
    findings(repo)
    git(repo, "reset", "-q", "--hard", "HEAD~2")
    commit(repo, "2026-11-25", {"project/milestones/M-1-launch.md": MILESTONE.format(due="2026-12-02")})
    assert findings(repo) == []  # one slip of one day, committed two days ago


def test_an_uncommitted_edit_counts_as_made_today(repo):
    write_files(repo, {"project/milestones/M-1-launch.md": MILESTONE.format(due="2026-12-20") + "Today.\n"})
    assert findings(repo) == [("project/milestones/M-1-launch.md", 5, "slipped")]


def test_a_detached_head_works(repo):
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    assert findings(repo) == [("project/milestones/M-1-launch.md", 4, "stale")]


def test_a_shallow_clone_exits_2_with_advice_and_no_history_works(repo, tmp_path):
    clone = shallow_clone(repo, tmp_path / "clone")
    outcome = run_tpm(clone, "check", "--today", TODAY)
    assert outcome.code == 2 and outcome.out == ""
    assert outcome.err.startswith("tpm: error: this is a shallow clone") and "fetch-depth: 0" in outcome.err
    assert "GIT_DEPTH: 0" in outcome.err and "--no-history" in outcome.err and outcome.err.count("\n") == 1
    quiet = run_tpm(clone, "check", "--today", TODAY, "--no-history")
    assert quiet.code == 0
    assert quiet.out == (
        "Checked 1 file: no problems; git history rules skipped (--no-history): "
        "stale-checkpoint, stale, unreviewed, slipped.\n"
    )


def test_a_shallow_clone_without_git_rules_selected_works(repo, tmp_path):
    clone = shallow_clone(repo, tmp_path / "clone")
    assert run_tpm(clone, "check", "--today", TODAY, "--select", "TPM0").code == 0


def test_a_repository_without_commits_treats_everything_as_new(tmp_path):
    repo = make_repo(
        tmp_path / "repo", {"project/milestones/M-1-launch.md": MILESTONE.format(due="2026-12-20")}, commit=False
    )
    assert findings(repo) == []


def test_json_summary_lists_skipped_git_rules(repo):
    report = json.loads(run_tpm(repo, "check", "--today", TODAY, "--format", "json", "--no-history").out)
    assert report["summary"]["skipped_rules"] == [
        "stale-checkpoint",
        "stale",
        "unreviewed",
        "slipped",
    ]
    assert report["diagnostics"] == []


def test_submodules_and_other_files_do_not_disturb_history(repo, tmp_path):
    other = make_repo(tmp_path / "other", {"README.md": "other\n"})
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", other.as_uri(), "project/vendored")
    commit(repo, "2026-11-26", {"src/code.py": "print()\n"})
    assert findings(repo) == EXPECTED


def test_a_sparse_checkout_does_not_crash(repo):
    commit(
        repo,
        "2026-11-26",
        {
            "project/risks/R-1-a.md": (
                "---\nid: R-1\ntitle: A\nstatus: open\nlikelihood: 1\nimpact: 1\nmitigation: m\n---\n"
            )
        },
    )
    git(repo, "sparse-checkout", "set", "--no-cone", "project/milestones/")
    assert findings(repo) == EXPECTED


def test_dubious_ownership_passes_gits_advice_through(repo):
    import os
    import shutil

    if os.geteuid() != 0 or shutil.which("chown") is None:
        pytest.skip("needs root to hand the repository to another user")
    subprocess.run(["chown", "-R", "nobody", str(repo)], check=True)
    outcome = run_tpm(repo, "check", "--today", TODAY)
    assert outcome.code == 2
    assert outcome.err.startswith("tpm: error: git refuses this repository (dubious ownership);")
    assert "git config --global --add safe.directory" in outcome.err and outcome.err.count("\n") == 1


# types of the user's own --------------------------------------------------------------------

PROPOSALS_CONFIG = """\
type_key = ""

[types.proposal]
paths = ["proposals/*.md"]
id_field = "number"

[types.proposal.lifecycle]
planned = ["Draft"]
active = ["Review"]
done = ["Final"]

[types.proposal.dates]
due = "due_date"

[types.concern]
paths = ["concerns/*.md"]
status_field = "state"

[types.concern.lifecycle]
active = ["Open"]
done = ["Closed"]

[types.concern.dates]
reviewed = "updated"
"""


def proposal(number: int, status: str, due: str, notes: str = "") -> str:
    return f"---\nnumber: {number}\ntitle: P{number}\nstatus: {status}\ndue_date: {due}\n---\n# P{number}\n{notes}"


def concern(state: str, updated: str, owner: str, likelihood: int = 2) -> str:
    return (
        f"---\nid: C-1\ntitle: Fees\nstate: {state}\nowner: {owner}\nlikelihood: {likelihood}\nimpact: 3\n"
        f"updated: {updated}\n---\n# Fees\n"
    )


@pytest.fixture
def custom(tmp_path):
    """Proposals (active in Review, due in `due_date`) and concerns (reviewed in `updated`,
    status in `state`) in a repository that is not laid out as tpm's own."""
    repo = make_repo(tmp_path / "repo")
    commit(
        repo,
        "2026-10-01",
        {
            ".tpm.toml": PROPOSALS_CONFIG,
            "proposals/0001-idle.md": proposal(1, "Review", "2026-12-01"),
            "proposals/0002-final.md": proposal(2, "Final", "2026-10-15"),
            "proposals/0003-slipping.md": proposal(3, "Draft", "2026-11-01"),
            "concerns/C-1-fees.md": concern("Open", "2026-10-01", "ann"),
        },
    )
    commit(repo, "2026-10-10", {"proposals/0003-slipping.md": proposal(3, "Draft", "2026-11-20")})
    commit(repo, "2026-11-01", {"concerns/C-1-fees.md": concern("Open", "2026-11-01", "ann")})  # a review
    commit(repo, "2026-11-20", {"concerns/C-1-fees.md": concern("Open", "2026-11-01", "bob")})  # owner only
    commit(repo, "2026-11-21", {"proposals/0001-idle.md": proposal(1, "Review", "2026-12-01", "\n\n  ")})  # blanks
    return repo


def messages(repo, *args):
    outcome = run_tpm(repo, "check", "--today", TODAY, "--format", "json", "--select", "TPM4", *args)
    assert outcome.code in (0, 1), outcome.err
    return [
        (d["path"], d["line"], d["column"], d["rule"], d["message"]) for d in json.loads(outcome.out)["diagnostics"]
    ]


def test_the_git_rules_judge_types_by_their_declarations(custom):
    expected = [
        (
            "concerns/C-1-fees.md",
            8,
            10,
            "unreviewed",
            "last reviewed 26 days ago (2026-11-01); low concerns are reviewed every 14 days",
        ),
        (
            "proposals/0001-idle.md",
            4,
            9,
            "stale",
            "1 is Review but its file has had no commit for 57 days (last 2026-10-01)",
        ),
        (
            "proposals/0003-slipping.md",
            5,
            11,
            "slipped",
            "due_date moved later once, 19 days in total: 2026-10-10: 2026-11-01 → 2026-11-20 (+19d)",
        ),
    ]
    write_files(custom, {".tpm.toml": PROPOSALS_CONFIG + "\n[rules.unreviewed]\nlow_days = 14\n"})
    assert messages(custom) == expected
    assert messages(custom) == expected  # from the cache
    assert messages(custom, "--no-cache") == expected


def test_an_assessment_change_after_the_review_makes_a_custom_type_unreviewed(custom):
    commit(custom, "2026-11-25", {"concerns/C-1-fees.md": concern("Open", "2026-11-01", "bob", likelihood=4)})
    assert [m for m in messages(custom) if m[3] == "unreviewed"] == [
        (
            "concerns/C-1-fees.md",
            8,
            10,
            "unreviewed",
            "likelihood changed on 2026-11-25, after the last review (2026-11-01); re-assess it and update `updated`",
        )
    ]
    commit(custom, "2026-11-26", {"concerns/C-1-fees.md": concern("Open", "2026-11-26", "bob", likelihood=4)})
    assert [m for m in messages(custom) if m[3] == "unreviewed"] == []


def test_a_changed_declaration_refolds_the_cached_history(custom):
    """The cache key holds the tracked field names: a cached fold that followed `due_date`
    knows nothing of `target`, so renaming the due field must read history again."""
    commit(custom, "2026-11-22", {"proposals/0004-t.md": "---\nnumber: 4\nstatus: Draft\ntarget: 2026-12-01\n---\n"})
    commit(custom, "2026-11-23", {"proposals/0004-t.md": "---\nnumber: 4\nstatus: Draft\ntarget: 2026-12-30\n---\n"})
    assert [m[0] for m in messages(custom) if m[3] == "slipped"] == ["proposals/0003-slipping.md"]
    write_files(custom, {".tpm.toml": PROPOSALS_CONFIG.replace('due = "due_date"', 'due = "target"')})
    assert [m[0] for m in messages(custom) if m[3] == "slipped"] == ["proposals/0004-t.md"]


def test_the_report_shows_the_last_review_the_rule_judges(tmp_path):
    """SPEC §2: an owner change is no review, so the report's "last review" stays on the
    commit that set `reviewed`, the date the rule's message names."""
    repo = make_repo(tmp_path / "repo")
    risk = "---\nid: R-1\ntitle: A\nstatus: open\nlikelihood: 3\nimpact: 3\nowner: {owner}\nreviewed: 2026-10-20\n---\n"
    commit(repo, "2026-10-01", {"project/risks/R-1-a.md": risk.replace("reviewed: 2026-10-20\n", "").format(owner="a")})
    commit(repo, "2026-10-20", {"project/risks/R-1-a.md": risk.format(owner="a")})
    commit(repo, "2026-11-25", {"project/risks/R-1-a.md": risk.format(owner="b")})
    assert messages(repo) == [
        (
            "project/risks/R-1-a.md",
            8,
            11,
            "unreviewed",
            "last reviewed 38 days ago (2026-10-20); medium risks are reviewed every 14 days",
        )
    ]
    report = json.loads(run_tpm(repo, "report", "--format", "json", "--today", TODAY).out)
    [row] = report["risks"]["top"]
    assert (row["last_review"], row["review_age_days"]) == ("2026-10-20", 38)


def _reader(repo, parallel=True):
    from tpm import git as git_module

    config = Config(types=builtin_types("project"))
    state = git_module.repository_state(repo)
    return history.HistoryReader(repo, state, config, ["project/milestones/M-1-a.md"], False, parallel=parallel)


def test_the_forked_fold_gives_what_the_thread_gives(tmp_path):
    repo = make_repo(tmp_path / "repo", {"project/milestones/M-1-a.md": "---\nid: M-1\ndue: 2026-12-01\n---\n"})
    write_files(repo, {"project/milestones/M-1-a.md": "---\nid: M-1\ndue: 2026-12-09\n---\n"})
    git(repo, "commit", "-qam", "slip", date="2026-11-20T12:00:00+00:00")
    project = load_project(
        repo, discover(repo, Config(types=builtin_types("project"))), Config(types=builtin_types("project"))
    )
    forked = _reader(repo).finish(project, datetime.date(2026, 11, 27)).files
    threaded = _reader(repo, parallel=False).finish(project, datetime.date(2026, 11, 27)).files
    assert forked == threaded and forked["project/milestones/M-1-a.md"].moves == {
        "due": [["2026-11-20", "2026-12-01", "2026-12-09"]]
    }


def test_a_failure_in_the_forked_fold_is_raised_in_the_parent(tmp_path, monkeypatch):
    repo = make_repo(tmp_path / "repo", {"project/milestones/M-1-a.md": "---\nid: M-1\n---\n"})

    def broken(*args):
        raise UsageError("git log failed: boom")

    monkeypatch.setattr(history, "_collect_versions", broken)  # the fork inherits it
    reader = _reader(repo)
    with pytest.raises(UsageError, match="boom"):
        reader.finish(load_project(repo, [], Config()), datetime.date(2026, 11, 27))


def test_a_forked_fold_that_dies_without_an_answer_is_one_clear_error(tmp_path, monkeypatch):
    repo = make_repo(tmp_path / "repo", {"project/milestones/M-1-a.md": "---\nid: M-1\n---\n"})
    monkeypatch.setattr(history, "_fold_in_child", lambda sending, *args: os._exit(3))
    reader = _reader(repo)
    with pytest.raises(UsageError, match="its process ended without an answer"):
        reader.finish(load_project(repo, [], Config()), datetime.date(2026, 11, 27))


def test_a_failure_in_the_reading_process_is_raised_in_the_parent(tmp_path, monkeypatch, capfd):
    repo = make_repo(tmp_path / "repo", {"project/milestones/M-1-a.md": "---\nid: M-1\n---\n"})

    def broken(*args):
        raise UsageError("cat-file failed: boom")

    monkeypatch.setattr(history, "_version_reader", broken)  # the reading process inherits it
    reader = _reader(repo)
    with pytest.raises(UsageError, match="cat-file failed: boom"):
        reader.finish(load_project(repo, [], Config()), datetime.date(2026, 11, 27))
    assert "Traceback" not in capfd.readouterr().err  # the log process ended quietly too


def test_a_log_process_that_dies_without_an_answer_is_one_clear_error(tmp_path, monkeypatch, capfd):
    repo = make_repo(tmp_path / "repo", {"project/milestones/M-1-a.md": "---\nid: M-1\n---\n"})

    def dies(*args):
        os._exit(3)

    monkeypatch.setattr(history, "_collect_versions", dies)  # in the log process, after the fork of the reader
    reader = _reader(repo)
    with pytest.raises(UsageError, match="its log process ended without an answer"):
        reader.finish(load_project(repo, [], Config()), datetime.date(2026, 11, 27))
    assert "Traceback" not in capfd.readouterr().err


def test_a_log_failure_that_cannot_be_pickled_still_reaches_the_parent_as_one_error():
    import pickle
    import threading

    class Unpicklable(Exception):
        def __init__(self) -> None:
            super().__init__("boom")
            self.lock = threading.Lock()  # pickle refuses locks

    outcome, error = pickle.loads(history._pickled(("error", Unpicklable())))
    assert outcome == "error" and isinstance(error, UsageError)
    assert str(error) == "reading git history failed: boom"
    assert pickle.loads(history._pickled(("ok", 3))) == ("ok", 3)


def _slipped_repo(tmp_path):
    repo = make_repo(tmp_path / "repo", {"project/milestones/M-1-a.md": "---\nid: M-1\ndue: 2026-12-01\n---\n"})
    write_files(repo, {"project/milestones/M-1-a.md": "---\nid: M-1\ndue: 2026-12-09\n---\n"})
    git(repo, "commit", "-qam", "slip", date="2026-11-20T12:00:00+00:00")
    return repo


def _log_pass(repo):
    head = git(repo, "rev-parse", "HEAD").strip()
    tracking = history.Tracking.of(Config(types=builtin_types("project")))
    return history._LogPass(repo, ["project/"], head, {"project/milestones/M-1-a.md"}, tracking)


def _messages(*messages: tuple[bytes, bytes]) -> bytes:
    """What the log's process writes to a reading process (see history._send)."""
    out = io.BytesIO()
    for kind, payload in messages:
        history._send(out, kind, payload)
    return out.getvalue()


def test_the_reading_process_reads_the_ids_it_is_sent_then_folds_and_answers(tmp_path):
    # Played here, in this process, with the log process's part done by hand: what
    # `_read_and_fold` does once forked. No file is complete before the end: all of it
    # is folded from what the log found.
    repo = _slipped_repo(tmp_path)
    log_pass = _log_pass(repo)
    ids_read, ids_write = os.pipe()
    found_read, found_write = os.pipe()
    sent: list[str] = []
    found = history._collect_versions(
        repo, log_pass.specs, log_pass.revisions, log_pass.wanted, lambda blob, path: sent.append(blob)
    )
    os.write(ids_write, _messages(*((history._ASK, blob.encode()) for blob in sent)))
    os.close(ids_write)
    os.write(found_write, history._pickled(("ok", found)))
    os.close(found_write)
    outcome, files = history._read_and_fold(ids_read, found_read, log_pass, {})
    assert outcome == "ok" and files["project/milestones/M-1-a.md"].moves == {
        "due": [["2026-11-20", "2026-12-01", "2026-12-09"]]
    }


def test_a_file_complete_during_the_log_is_folded_then_and_the_rest_at_the_end(tmp_path):
    repo = _slipped_repo(tmp_path)
    write_files(repo, {"project/milestones/M-2-b.md": "---\nid: M-2\ndue: 2026-12-02\n---\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "more", date="2026-11-21T12:00:00+00:00")
    head = git(repo, "rev-parse", "HEAD").strip()
    paths = {"project/milestones/M-1-a.md", "project/milestones/M-2-b.md"}
    log_pass = history._LogPass(repo, ["project/"], head, paths, _log_pass(repo).tracking)
    messages: list[tuple[bytes, bytes]] = []
    completed: dict[str, list] = {}

    def complete(path, entries):
        completed[path] = list(entries)
        messages.append((history._COMPLETE, pickle.dumps((path, list(entries)))))

    found = history._collect_versions(
        repo, log_pass.specs, head, paths, lambda blob, path: messages.append((history._ASK, blob.encode())), complete
    )
    # Each file is complete at its creation, with every version it had, newest first.
    assert completed == {path: found.versions[path] for path in paths}
    assert [kind for kind, _ in messages] == [b"B", b"F", b"B", b"B", b"F"]
    ids_read, ids_write = os.pipe()
    found_read, found_write = os.pipe()
    os.write(ids_write, _messages(*messages))
    os.close(ids_write)
    rest = history._Partition(1)
    rest.of("project/milestones/M-2-b.md")
    rest.of("project/milestones/M-1-a.md")
    (part,) = rest.split(found, {"project/milestones/M-2-b.md"})  # M-1 left for the end
    assert sorted(part.versions) == ["project/milestones/M-1-a.md"]
    os.write(found_write, history._pickled(("ok", part)))
    os.close(found_write)
    outcome, files = history._read_and_fold(ids_read, found_read, log_pass, {})
    assert outcome == "ok" and sorted(files) == sorted(paths)
    assert files["project/milestones/M-2-b.md"].created == "2026-11-21"
    assert files["project/milestones/M-1-a.md"].moves == {"due": [["2026-11-20", "2026-12-01", "2026-12-09"]]}


def test_a_message_broken_off_ends_the_messages():
    whole = _messages((history._ASK, b"a" * 40), (history._COMPLETE, b"payload"))
    source = io.BytesIO(whole)
    assert history._message(source) == (history._ASK, b"a" * 40)
    assert history._message(source) == (history._COMPLETE, b"payload")
    assert history._message(source) is None
    for cut in (1, 20, 41, 42, 44, len(whole) - 1):
        source = io.BytesIO(whole[:cut])
        while history._message(source) is not None:
            pass
        assert source.tell() <= cut  # never read past the end, never an exception
    assert history._message(io.BytesIO(b"Zjunk")) is None


def test_the_reading_process_passes_on_the_log_processs_error(tmp_path):
    repo = _slipped_repo(tmp_path)
    ids_read, ids_write = os.pipe()
    found_read, found_write = os.pipe()
    os.close(ids_write)
    os.write(found_write, history._pickled(("error", UsageError("git log failed: boom"))))
    os.close(found_write)
    outcome, error = history._read_and_fold(ids_read, found_read, _log_pass(repo), {})
    assert outcome == "error" and str(error) == "git log failed: boom"


def test_the_log_process_runs_the_log_and_two_readers_each_answer_for_their_files(tmp_path):
    # `_fold_in_child` run here (it forks the reading processes itself): given two pipes,
    # two readers each fold every other file and answer through their own pipe.
    import multiprocessing

    repo = _slipped_repo(tmp_path)
    write_files(repo, {f"project/milestones/M-{n}-b.md": f"---\nid: M-{n}\ndue: 2026-12-0{n}\n---\n" for n in (2, 3)})
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "more", date="2026-11-21T12:00:00+00:00")
    head = git(repo, "rev-parse", "HEAD").strip()
    paths = {"project/milestones/M-1-a.md", "project/milestones/M-2-b.md", "project/milestones/M-3-b.md"}
    log_pass = history._LogPass(repo, ["project/"], head, paths, _log_pass(repo).tracking)
    pipes = [multiprocessing.Pipe(duplex=False) for _ in range(2)]
    history._fold_in_child([sending for _, sending in pipes], log_pass, {})
    (first, files), (second, more) = (receiving.recv() for receiving, _ in pipes)
    assert first == second == "ok" and not files.keys() & more.keys() and sorted({**files, **more}) == sorted(paths)
    assert len(files) == 2 and len(more) == 1  # dealt in turn, in the order the log met them
    states = {**files, **more}
    assert (
        states["project/milestones/M-1-a.md"].seq == 2 and states["project/milestones/M-2-b.md"].created == "2026-11-21"
    )


def test_on_top_of_cached_states_one_reader_folds_into_them(tmp_path):
    import multiprocessing

    repo = _slipped_repo(tmp_path)
    kept = history.FileHistory(seq=5, created="2026-01-01")
    log_pass = _log_pass(repo)
    receiving, sending = multiprocessing.Pipe(duplex=False)
    history._fold_in_child([sending], log_pass, {"project/milestones/gone-elsewhere.md": kept})
    outcome, files = receiving.recv()
    assert outcome == "ok" and files["project/milestones/gone-elsewhere.md"] == kept
    assert files["project/milestones/M-1-a.md"].seq == 2


def test_files_are_dealt_to_the_readers_in_turn_and_each_gets_its_own_versions():
    partition = history._Partition(2)
    assert [partition.of(path) for path in ("a", "b", "a", "c", "b")] == [0, 1, 0, 0, 1]
    found = history._Collected(
        versions={"a": [("2026-11-01", "1")], "b": [("2026-11-02", "2")], "c": [(None, "3")]},
        alias={"old-a": "a"},
        created={"a", "b", "c"},
    )
    first, second = partition.split(found, set())
    assert sorted(first.versions) == ["a", "c"] and sorted(second.versions) == ["b"]
    assert first.alias == second.alias == {"old-a": "a"} and first.created == second.created == found.created
    assert history._Partition(1).split(found, set()) == [found]
    # The files sent whole during the log are not sent again.
    first, second = partition.split(found, {"c", "b"})
    assert sorted(first.versions) == ["a"] and second.versions == {}


def test_two_readers_outcomes_merge_and_either_ones_error_wins():
    boom = UsageError("boom")
    assert history._merged(("ok", {"a": 1}), ("ok", {"b": 2})) == ("ok", {"a": 1, "b": 2})
    assert history._merged(("error", boom), ("ok", {"b": 2})) == ("error", boom)
    assert history._merged(("ok", {"a": 1}), ("error", boom)) == ("error", boom)


def test_a_reader_that_ends_without_an_answer_is_named():
    read, write = os.pipe()
    os.close(write)
    outcome, error = history._received(read, "its log process")
    assert outcome == "error" and str(error) == "reading git history failed: its log process ended without an answer"


def _whitespace_repo(tmp_path):
    """M-1: real changes on 11-01 and 11-10, then three changes of whitespace alone; M-2:
    a real change on every commit (so its newest version decides)."""
    repo = make_repo(
        tmp_path / "repo",
        {
            "project/milestones/M-1-a.md": "---\nid: M-1\n---\nBody zero.\n",
            "project/milestones/M-2-b.md": "---\nid: M-2\n---\nv0\n",
        },
        date="2026-10-25T12:00:00+00:00",
    )
    steps = [
        ("2026-11-01", "Body one.\n", "v1"),
        ("2026-11-10", "Body two.\n", "v2"),
        ("2026-11-12", "Body  two.\n", "v3"),
        ("2026-11-14", "\nBody  two.\n", "v4"),
        ("2026-11-16", "\nBody  two. \n", "v5"),
    ]
    for day, body, other in steps:
        write_files(
            repo,
            {
                "project/milestones/M-1-a.md": "---\nid: M-1\n---\n" + body,
                "project/milestones/M-2-b.md": f"---\nid: M-2\n---\n{other}\n",
            },
        )
        git(repo, "commit", "-qam", f"on {day}", date=f"{day}T12:00:00+00:00")
    return repo


def test_a_full_read_works_out_older_folded_digests_only_when_the_newest_changed_only_whitespace(tmp_path, monkeypatch):
    import multiprocessing

    repo = _whitespace_repo(tmp_path)
    head = git(repo, "rev-parse", "HEAD").strip()
    paths = {"project/milestones/M-1-a.md", "project/milestones/M-2-b.md"}
    log_pass = history._LogPass(repo, ["project/"], head, paths, _log_pass(repo).tracking)
    pipes = [multiprocessing.Pipe(duplex=False) for _ in range(2)]
    history._fold_in_child([sending for _, sending in pipes], log_pass, {})
    states = {}
    for receiving, _ in pipes:
        outcome, files = receiving.recv()
        assert outcome == "ok"
        states.update(files)
    # Whitespace alone on 11-12, 11-14 and 11-16: M-1 last changed on 11-10, which only the
    # versions past the newest two (read again) can tell.
    assert states["project/milestones/M-1-a.md"].last_change == "2026-11-10"
    assert states["project/milestones/M-2-b.md"].last_change == "2026-11-16"
    # The same states as the threaded read, which works out every digest.
    threaded = log_pass.collect()
    oracle: dict[str, history.FileHistory] = {}
    history._fold(threaded, oracle, log_pass.tracking)
    assert states == oracle


def test_folded_digests_are_read_again_back_to_the_first_real_change_and_no_further(tmp_path, monkeypatch):
    repo = _whitespace_repo(tmp_path)
    log_pass = _log_pass(repo)
    found = history._collect_versions(
        repo, log_pass.specs, git(repo, "rev-parse", "HEAD").strip(), None, lambda blob, path: None
    )
    entries = found.versions["project/milestones/M-1-a.md"]  # six versions, newest first
    raw = {blob: git(repo, "cat-file", "blob", blob).encode() for _, blob in entries}
    contents = {
        blob: history.Version.of(raw[blob], log_pass.tracking, blob, folded=index < 2)
        for index, (_, blob) in enumerate(entries)
    }
    read_again: list[str] = []
    real = history._folded_digest_of
    monkeypatch.setattr(history, "_folded_digest_of", lambda root, blob: read_again.append(blob) or real(root, blob))
    history._with_folded_digests(entries, contents, repo)
    # The newest two had digests; 11-12, 11-10 and 11-01 are read again (11-01 -> 11-10 is
    # the first real change from the newest back); the creation, older still, is not.
    assert read_again == [entries[2][1], entries[3][1], entries[4][1]]
    assert contents[entries[5][1]].folded_digest is None
    assert all(contents[blob].folded_digest == history.folded_digest(raw[blob]) for _, blob in entries[:5])

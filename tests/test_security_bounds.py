"""Issue 11, bounded work: what a hostile repository's config, schemas and front-matter can
make tpm do. Cases 1 and 4 (schema side), 6, 7 and 15 (schema and TOML).

Every test here failed on tpm 0.1.0. Those that hung or ate memory there run tpm in a
subprocess with a 60-second timeout and a 2 GiB address-space cap, so that the old code
fails them instead of hanging the suite or the machine; what they assert is the result,
never the time taken.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import Outcome, make_repo, run_tpm

SECRET = "PRIVATE-KEY-0123456789abcdef"
TASK = "---\nid: T-1\ntitle: Ship it\n---\n# Ship it\n"
CONFIG = '[types.task]\npaths = ["tasks/*.md"]\nschema = "schemas/task.json"\n'


def _repo(tmp_path: Path, schema: dict | str, files: dict | None = None) -> Path:
    text = schema if isinstance(schema, str) else json.dumps(schema)
    base = {".tpm.toml": CONFIG, "schemas/task.json": text, "tasks/T-1.md": TASK}
    return make_repo(tmp_path / "repo", {**base, **(files or {})})


def _run_bounded(cwd: Path, *args: str) -> Outcome:
    """`tpm ARGS` in a subprocess that cannot hang the suite nor take the machine's memory."""

    def cap_memory():
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, resource.RLIM_INFINITY))

    done = subprocess.run(
        [sys.executable, "-m", "tpm", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap_memory,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def _error(outcome: Outcome) -> str:
    """The one stderr line of an exit-2 run."""
    assert outcome.code == 2 and outcome.out == "" and outcome.err.count("\n") == 1, outcome
    return outcome.err


# Case 1: a $ref outside the repository -------------------------------------------------


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """A cloud service-account key outside the repository: `"type"` is no JSON type, so the
    old code's validator died on it and printed the whole file."""
    path = tmp_path / "outside" / "key.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"type": "service_account", "private_key": SECRET}), encoding="utf-8")
    return path


@pytest.mark.parametrize("how", ["file-uri", "absolute", "relative", "committed-link"])
def test_a_ref_outside_the_repository_is_refused_without_its_content(tmp_path, secret_file, how):
    refs = {
        "file-uri": secret_file.as_uri(),
        "absolute": str(secret_file),
        "relative": "../../outside/key.json",
        "committed-link": "key.json",
    }
    repo = tmp_path / "repo"
    repo.mkdir()
    if how == "committed-link":
        os.symlink(secret_file, repo / "key.json.tmp")
        (repo / "schemas").mkdir()
        os.replace(repo / "key.json.tmp", repo / "schemas" / "key.json")
    _repo(tmp_path, {"$ref": refs[how]})
    shown = "schemas/key.json" if how == "committed-link" else secret_file
    outcome = run_tpm(repo, "check")
    assert _error(outcome) == (
        f"tpm: error: schema of type 'task': $ref target {shown}: not read, it resolves outside the repository\n"
    )
    assert SECRET not in outcome.out + outcome.err and "service_account" not in outcome.err


# Case 4: a schema or $ref target that is a device or a FIFO -----------------------------


def test_a_schema_linked_to_dev_zero_is_refused(tmp_path):
    repo = _repo(tmp_path, {})
    (repo / "schemas" / "task.json").unlink()
    os.symlink("/dev/zero", repo / "schemas" / "task.json")
    assert _error(_run_bounded(repo, "check")) == (
        "tpm: error: schema of type 'task': schemas/task.json: not read, it resolves outside the repository\n"
    )


def test_a_ref_target_linked_to_dev_zero_is_refused(tmp_path):
    repo = _repo(tmp_path, {"$ref": "zero.json"})
    os.symlink("/dev/zero", repo / "schemas" / "zero.json")
    assert _error(_run_bounded(repo, "check")) == (
        "tpm: error: schema of type 'task': $ref target schemas/zero.json: "
        "not read, it resolves outside the repository\n"
    )


def test_a_ref_target_that_is_a_fifo_is_refused(tmp_path):
    repo = _repo(tmp_path, {"$ref": "pipe.json"})
    os.mkfifo(repo / "schemas" / "pipe.json")
    assert _error(_run_bounded(repo, "check")) == (
        "tpm: error: schema of type 'task': $ref target schemas/pipe.json: not read, it is not a regular file\n"
    )


# Case 6: regular-expression denial of service -------------------------------------------

DEEP = "d/" * 40 + "x.txt"  # one deep path that no glob below matches


@pytest.mark.parametrize(
    "glob, document",
    [
        ("**/" * 12 + "notes/*.md", "notes/n-1.md"),  # the twelve `**/`
        ("**/d/" * 12 + "*.md", "d/" * 12 + "n-1.md"),  # blocks between `**`s, each backtracking
        ("*a*a*a*a*a*a*a*a*a*b.md", "aaaaaaaaab.md"),  # many `*` in one segment
    ],
)
def test_globs_with_many_wildcards_do_not_backtrack(tmp_path, glob, document):
    repo = make_repo(
        tmp_path / "repo",
        {
            ".tpm.toml": f'[types.note]\npaths = ["{glob}"]\n',
            document: "---\nid: n-1\n---\n# n\n",
            DEEP: "x\n",
            "a" * 150 + ".md": "no front-matter\n",  # long enough to backtrack on `*a*a*...*b.md`
        },
    )
    outcome = _run_bounded(repo, "check")
    assert (outcome.code, outcome.out, outcome.err) == (0, "Checked 1 file: no problems.\n", "")


SLOW_TITLE = "a" * 60 + "b"  # `^(a|aa)+$` fails on it only after trying every split: 2^60


@pytest.mark.parametrize(
    "schema, expected",
    [
        (
            {"properties": {"title": {"pattern": "^(a|aa)+$"}}},
            f"tasks/T-1.md:3:8: error schema-violation `title` must match the pattern ^(a|aa)+$ (got '{SLOW_TITLE}')",
        ),
        (
            {"patternProperties": {"^(a|aa)+$": {}}, "additionalProperties": False},
            f"tasks/T-1.md:4:1: error schema-violation front-matter has unknown fields `{SLOW_TITLE}`, `id`, `title`",
        ),
        (
            {"patternProperties": {"^(a|aa)+$": True}, "unevaluatedProperties": False},
            "tasks/T-1.md:1:1: error schema-violation front-matter: Unevaluated properties are not allowed "
            f"('{SLOW_TITLE}', 'id', 'title' were unexpected)",
        ),
    ],
    ids=["pattern", "patternProperties", "unevaluatedProperties"],
)
def test_schema_patterns_run_in_linear_time(tmp_path, schema, expected):
    repo = _repo(tmp_path, schema, {"tasks/T-1.md": f"---\nid: T-1\ntitle: {SLOW_TITLE}\n{SLOW_TITLE}: 1\n---\n# T\n"})
    outcome = _run_bounded(repo, "check")
    assert (outcome.code, outcome.err) == (1, "")
    assert outcome.out.splitlines() == [expected, "Checked 1 file: 1 error, 0 warnings, 0 infos."]


def test_a_pattern_re2_cannot_run_is_a_usage_error_naming_it(tmp_path):
    repo = _repo(tmp_path, {"properties": {"title": {"pattern": "^(?!draft)"}}})
    assert _error(run_tpm(repo, "check")) == (
        "tpm: error: schema of type 'task': schemas/task.json has the pattern '^(?!draft)' "
        "that tpm cannot run (invalid perl operator: (?!): tpm matches schema patterns with RE2, "
        "which has no lookaround and no backreferences\n"
    )


def test_a_quoted_value_is_cut(tmp_path):
    repo = _repo(
        tmp_path,
        {"properties": {"title": {"maxLength": 5}}},
        {"tasks/T-1.md": "---\nid: T-1\ntitle: " + "x" * 5000 + "\n---\n# T\n"},
    )
    outcome = run_tpm(repo, "check")
    assert outcome.out.splitlines()[0] == f"tasks/T-1.md:3:8: error schema-violation `title`: '{'x' * 80}…' is too long"


# Case 7: YAML alias amplification ---------------------------------------------------------


def test_aliases_that_repeat_a_long_string_are_refused(tmp_path):
    long = "x" * 30_000
    front = f"id: T-1\ntitle: T\nnote: &a {long}\nmore: [{', '.join(['*a'] * 6000)}]\n"
    repo = _repo(tmp_path, {}, {"tasks/T-1.md": f"---\n{front}---\n# T\n"})
    assert len(front) < 55_000
    outcome = _run_bounded(repo, "check", "--format", "json")
    assert outcome.code == 1 and len(outcome.out) < 10_000
    # The ninth alias is one too many: 9 x 30,000 characters > 256 KiB.
    assert [(d["line"], d["column"], d["rule"], d["message"]) for d in json.loads(outcome.out)["diagnostics"]] == [
        (
            5,
            len("more: [") + len("*a, ") * 8 + 1,
            "parse-error",
            "front-matter aliases repeat more than 262,144 characters; refusing to load it",
        ),
    ]


# Case 15: the user's mistakes in schemas and config are usage errors ------------------------


def test_a_schema_that_refers_to_itself_without_end(tmp_path):
    repo = _repo(tmp_path, {"$ref": "#"})
    assert _error(run_tpm(repo, "check")) == (
        'tpm: error: schema of type \'task\': its `$ref`s refer to each other without end (as `{"$ref": "#"}` does)\n'
    )


@pytest.mark.parametrize(
    "sibling, reason",
    [({"minLength": "x"}, "'x' is not of type 'integer'"), ({"enum": 5}, "5 is not of type 'array'")],
)
def test_an_invalid_schema_behind_a_ref(tmp_path, sibling, reason):
    repo = _repo(tmp_path, {"$ref": "other.json"}, {"schemas/other.json": json.dumps(sibling)})
    assert _error(run_tpm(repo, "check")) == (
        f"tpm: error: schema of type 'task': $ref target schemas/other.json is not a valid JSON Schema: {reason}\n"
    )


def test_deeply_nested_toml(tmp_path):
    repo = make_repo(tmp_path / "repo", {".tpm.toml": "a = " + "[" * 100_000 + "]" * 100_000 + "\n", "x.md": "x\n"})
    assert _error(run_tpm(repo, "check")) == "tpm: error: .tpm.toml: invalid TOML: it nests too deeply\n"

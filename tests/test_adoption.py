"""Adopting tpm on an existing repository, tried as a new user would (issue 3):
a MADR decision log with a one-line config, and a folder of task files with the user's
own schema and dependencies."""

from __future__ import annotations

import json

import pytest

from helpers import make_repo, run_tpm, write_files

MADR_LOG = {
    ".tpm.toml": '[types.decision]\npaths = ["docs/decisions/*.md"]\n',
    "docs/decisions/index.md": "# Architecture decisions\n\n- [0001](0001-record-architecture-decisions.md)\n",
    # MADR 3 front-matter, deciders as a string
    "docs/decisions/0001-record-architecture-decisions.md": (
        "---\nstatus: superseded by ADR-0003\ndate: 2025-03-01\ndeciders: Alice, Bob\n---\n"
        "# Record architecture decisions\n\n## Context and Problem Statement\n\nWe forget why.\n"
    ),
    # MADR 4 front-matter with lists
    "docs/decisions/0002-use-postgresql.md": (
        "---\nstatus: accepted\ndate: 2025-04-10\ndecision-makers: [Alice, Carol]\n"
        "consulted: [DBA team]\ninformed: [everyone]\n---\n"
        "# Use PostgreSQL\n\n## Decision Outcome\n\nChosen option: PostgreSQL.\n"
    ),
    "docs/decisions/0003-use-madr-4.md": (
        "---\nstatus: accepted\ndate: 2025-05-02\ndecision-makers: Alice\nsupersedes: ADR-0001\n---\n# Use MADR 4\n"
    ),
    "docs/decisions/0004-event-sourcing.md": (
        "---\nstatus: proposed\ndate: 2026-11-20\n---\n# Event sourcing for the ledger\n"
    ),
}


def test_a_madr_log_lints_cleanly_with_a_one_line_config(tmp_path):
    repo = make_repo(tmp_path / "repo", MADR_LOG)
    outcome = run_tpm(repo, "check", "--today", "2026-11-27")
    assert (outcome.code, outcome.out) == (0, "Checked 4 files: no problems.\n")


def test_madr_ids_come_from_file_numbers_and_titles_from_headings(tmp_path):
    files = dict(MADR_LOG)
    files["docs/decisions/0005-drop-x.md"] = "---\nstatus: superseded by ADR-0009\nsupersedes: ADR-0002\n---\n"
    repo = make_repo(tmp_path / "repo", files)
    report = json.loads(run_tpm(repo, "check", "--today", "2026-11-27", "--format", "json").out)
    assert [(d["path"], d["line"], d["rule"], d["message"]) for d in report["diagnostics"]] == [
        ("docs/decisions/0005-drop-x.md", 1, "schema-violation", "missing required field `title`"),
        ("docs/decisions/0005-drop-x.md", 2, "superseded-link", "superseded by ADR-0009, which no document is"),
    ]


def test_a_stale_madr_proposal_is_reported(tmp_path):
    repo = make_repo(tmp_path / "repo", MADR_LOG)
    outcome = run_tpm(repo, "check", "--today", "2027-01-15")
    assert outcome.out.splitlines() == [
        "docs/decisions/0004-event-sourcing.md:2:9: warning stale-decision still proposed 56 days after 2026-11-20 "
        "(limit 30)",
        "Checked 4 files: 0 errors, 1 warning, 0 infos.",
    ]
    assert outcome.code == 0


TASK_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "title", "state"],
    "properties": {
        "id": {"$ref": "common.schema.json#/$defs/task_id"},
        "title": {"type": "string"},
        "state": {"enum": ["todo", "doing", "done"]},
        "estimate": {"$ref": "common.schema.json#/$defs/days"},
        "dependencies": {"type": "array", "items": {"$ref": "common.schema.json#/$defs/task_id"}},
    },
    "additionalProperties": False,
}
COMMON_SCHEMA = {
    "$defs": {
        "task_id": {"type": "string", "pattern": "^T-[0-9]+$"},
        "days": {"type": "integer", "minimum": 1},
    }
}


@pytest.fixture
def task_repo(tmp_path):
    files = {
        ".tpm.toml": (
            "[types.task]\n"
            'paths = ["backlog/tasks/*.md"]\n'
            'schema = "backlog/schemas/task.schema.json"\n'
            'id_prefix = "T"\n'
            'references = ["dependencies"]\n'
        ),
        "backlog/schemas/task.schema.json": json.dumps(TASK_SCHEMA),
        "backlog/schemas/common.schema.json": json.dumps(COMMON_SCHEMA),
        "backlog/tasks/T-1 set up CI.md": "---\nid: T-1\ntitle: Set up CI\nstate: done\nestimate: 2\n---\n",
        "backlog/tasks/T-2 migrate the ledger.md": (
            "---\nid: T-2\ntitle: Migrate the ledger\nstate: doing\nestimate: 0\n"
            "dependencies:\n  - T-1\n  - T-17\n  - T-18\n---\n"
        ),
        "backlog/tasks/T-3 broken file.md": "---\nid: T-3\ntitle: [unclosed\n---\n",
        "backlog/tasks/T-4 write docs.md": (
            "---\nid: T-4\ntitle: Write docs\nstate: todo\ntype: task\ndependencies: [T-17]\n---\n"
        ),
        "backlog/tasks/T-5 typo.md": "---\nid: T-5\ntitle: Typo\nstate: todo\nowner: bob\n---\n",
    }
    return make_repo(tmp_path / "repo", files)


def test_custom_type_with_the_users_schema_refs_and_dangling_dependencies(task_repo):
    outcome = run_tpm(task_repo, "check", "--today", "2026-11-27")
    assert outcome.out.splitlines() == [
        "backlog/tasks/T-2 migrate the ledger.md:5:11: error schema-violation `estimate` must be at least 1 (got 0)",
        "backlog/tasks/T-2 migrate the ledger.md:8:5: error dangling-reference `dependencies` names T-17, which no "
        "document has",
        "backlog/tasks/T-2 migrate the ledger.md:9:5: error dangling-reference `dependencies` names T-18, which no "
        "document has",
        "backlog/tasks/T-3 broken file.md:3:8: error parse-error invalid YAML: while parsing a flow sequence; did not "
        "find expected ',' or ']'",
        "backlog/tasks/T-4 write docs.md:6:16: error dangling-reference `dependencies` names T-17, which no document "
        "has",
        "backlog/tasks/T-5 typo.md:5:1: error schema-violation front-matter has unknown field `owner`",
        "Checked 5 files: 6 errors, 0 warnings, 0 infos.",
    ]
    assert outcome.code == 1


def test_schema_prints_the_users_schema_for_a_custom_type(task_repo):
    schema = json.loads(run_tpm(task_repo, "schema", "task").out)
    assert schema["properties"]["state"] == {"enum": ["todo", "doing", "done"]}
    assert schema["$id"].startswith("file://") and schema["$id"].endswith("/backlog/schemas/task.schema.json")


@pytest.mark.parametrize(
    "schema_text, message",
    [
        ("{not json", "is not valid JSON"),
        ('{"type": 7}', "is not a valid JSON Schema"),
        ('{"$ref": "missing.schema.json"}', "cannot resolve $ref 'missing.schema.json'"),
        ('{"$ref": "https://example.com/remote.json"}', "cannot resolve $ref 'https://example.com/remote.json'"),
    ],
)
def test_a_broken_user_schema_is_a_one_line_usage_error(task_repo, schema_text, message):
    write_files(task_repo, {"backlog/schemas/task.schema.json": schema_text})
    outcome = run_tpm(task_repo, "check")
    assert outcome.code == 2
    assert outcome.err.startswith("tpm: error: schema of type 'task': ") and message in outcome.err
    assert outcome.err.count("\n") == 1


def test_extending_a_built_in_type_with_an_extra_schema(tmp_path):
    repo = make_repo(
        tmp_path / "repo",
        {
            ".tpm.toml": '[types.risk]\nschema = "risk-extra.json"\n',
            "risk-extra.json": '{"required": ["owner"]}',
            "project/risks/R-1-a.md": (
                "---\nid: R-1\ntitle: A\nstatus: open\nlikelihood: 1\nimpact: 1\nmitigation: m\n---\n"
            ),
        },
    )
    outcome = run_tpm(repo, "check", "--today", "2026-11-27")
    assert (
        outcome.out.splitlines()[0]
        == "project/risks/R-1-a.md:1:1: error schema-violation missing required field `owner`"
    )

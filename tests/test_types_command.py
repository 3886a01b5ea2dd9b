"""`tpm types`: every type's effective declaration as TOML that reads back into .tpm.toml;
exact output for the four presets and for a user's type, escaping, and errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

from fakes import config_of
from helpers import make_repo, run_tpm
from tpm.show_types import HEADER, render_types, toml_string

PRESETS = textwrap.dedent(
    """\
    # The effective declaration of each type, as .tpm.toml would write it (paths from the
    # repository root). In .tpm.toml, a table for a built-in type extends it: `paths` and
    # `references` are added to, each lifecycle and date role is replaced, and every other
    # key replaces the preset's value.
    type_key = "type"

    [types.milestone]  # built-in
    paths = ["project/milestones/**/*.md"]
    id_field = "id"
    id_prefix = "M"
    references = ["depends_on", "risks"]
    # reference_separator: not set
    status_field = "status"
    # review_every: not set
    checkpoints = "Checkpoints"
    required_sections = []
    # schema: tpm's own
    # template: not set

    [types.milestone.lifecycle]
    planned = ["planned"]
    active = ["in-progress"]
    done = ["done"]
    dropped = ["cancelled"]

    [types.milestone.dates]
    due = "due"
    start = "start"
    completed = "completed"

    [types.risk]  # built-in
    paths = ["project/risks/**/*.md"]
    id_field = "id"
    id_prefix = "R"
    references = ["milestones"]
    # reference_separator: not set
    status_field = "status"
    # review_every: not set
    # checkpoints: not set
    required_sections = ["Mitigation"]
    # schema: tpm's own
    # template: not set

    [types.risk.lifecycle]
    active = ["open", "mitigating"]
    done = ["closed"]
    dropped = ["accepted"]

    [types.risk.dates]
    reviewed = "reviewed"

    [types.decision]  # built-in
    paths = ["project/decisions/**/*.md"]
    id_field = "id"
    id_prefix = "ADR"
    references = ["supersedes", "superseded_by"]
    # reference_separator: not set
    status_field = "status"
    # review_every: not set
    # checkpoints: not set
    required_sections = []
    # schema: tpm's own
    # template: not set

    [types.decision.lifecycle]
    planned = ["proposed"]
    done = ["accepted"]
    dropped = ["rejected", "deprecated", "superseded"]

    [types.decision.dates]
    start = "date"
    review_by = "review_by"

    [types.postmortem]  # built-in
    paths = ["project/postmortems/**/*.md"]
    id_field = "id"
    id_prefix = "PM"
    references = ["milestone"]
    # reference_separator: not set
    status_field = "status"
    # review_every: not set
    checkpoints = "Action items"
    required_sections = ["Lessons learned", "Action items"]
    # schema: tpm's own
    # template: not set

    [types.postmortem.lifecycle]
    active = ["draft"]
    done = ["final"]

    [types.postmortem.dates]
    """
)


def test_types_prints_the_four_presets_in_order(tmp_path):
    outcome = run_tpm(tmp_path, "types")  # outside a repository: the defaults
    assert (outcome.code, outcome.err) == (0, "")
    assert outcome.out == PRESETS


USER_CONFIG = """\
root = "pm"

[types.task]
paths = ["backlog/tasks/*.md"]
schema = "schemas/task.schema.json"
template = "templates/task.md"
id_field = "key"
id_prefix = "T"
references = ["dependencies", "parent"]
reference_separator = ","
status_field = "state"
review_every = 14
checkpoints = "Steps"
required_sections = ["Why", "Done when"]
[types.task.lifecycle]
done = ["Done"]
planned = ["To Do", "Later"]
active = ["In Progress"]
[types.task.dates]
review_by = "revisit"
due = "due_date"

[types.risk]
paths = ["../shared/risks/*.md"]
schema = "schemas/risk-extra.json"
review_every = 10
[types.risk.lifecycle]
active = ["open"]
"""

SCHEMAS = {"schemas/task.schema.json": "{}", "schemas/risk-extra.json": '{"required": ["owner"]}'}

TASK = """\
# The effective declaration of each type, as .tpm.toml would write it (paths from the
# repository root). In .tpm.toml, a table for a built-in type extends it: `paths` and
# `references` are added to, each lifecycle and date role is replaced, and every other
# key replaces the preset's value.

[types.task]
paths = ["backlog/tasks/*.md"]
id_field = "key"
id_prefix = "T"
references = ["dependencies", "parent"]
reference_separator = ","
status_field = "state"
review_every = 14
checkpoints = "Steps"
required_sections = ["Why", "Done when"]
schema = "schemas/task.schema.json"
template = "templates/task.md"

[types.task.lifecycle]
planned = ["To Do", "Later"]
active = ["In Progress"]
done = ["Done"]

[types.task.dates]
due = "due_date"
review_by = "revisit"
"""

RISK = """\
# The effective declaration of each type, as .tpm.toml would write it (paths from the
# repository root). In .tpm.toml, a table for a built-in type extends it: `paths` and
# `references` are added to, each lifecycle and date role is replaced, and every other
# key replaces the preset's value.

[types.risk]  # built-in
paths = ["pm/risks/**/*.md", "shared/risks/*.md"]
id_field = "id"
id_prefix = "R"
references = ["milestones"]
# reference_separator: not set
status_field = "status"
review_every = 10
# checkpoints: not set
required_sections = ["Mitigation"]
schema = "sub/schemas/risk-extra.json"  # applies beside tpm's own
# template: not set

[types.risk.lifecycle]
active = ["open"]
done = ["closed"]
dropped = ["accepted"]

[types.risk.dates]
reviewed = "reviewed"
"""


def test_types_name_prints_a_user_type_and_an_extended_preset(tmp_path):
    repo = make_repo(tmp_path / "repo", {".tpm.toml": USER_CONFIG})
    assert run_tpm(repo, "types", "task").out == TASK
    everything = run_tpm(repo, "types").out
    assert everything.startswith(HEADER + 'type_key = "type"\n\n[types.milestone]  # built-in\npaths = ["pm/milestones')
    assert everything.endswith("\n" + TASK.removeprefix(HEADER))
    # a config in a sub-folder: its paths are relative to it, the output's to the repository
    sub = make_repo(tmp_path / "sub", {"sub/.tpm.toml": USER_CONFIG.replace("root", "# root")})
    assert run_tpm(sub / "sub", "types", "risk").out == RISK.replace("pm/risks", "sub/project/risks")


def test_a_printed_user_type_reads_back_to_the_same_declaration(tmp_path):
    repo = make_repo(tmp_path / "repo", {".tpm.toml": USER_CONFIG})
    printed = run_tpm(repo, "types", "task").out
    again = make_repo(tmp_path / "again", {".tpm.toml": printed, **SCHEMAS})
    assert run_tpm(again, "types", "task").out == printed
    assert run_tpm(again, "check", "--no-history").code == 0  # the config is valid


def test_strings_and_names_are_escaped_for_toml_and_the_terminal():
    assert toml_string('a "b" \\ c') == '"a \\"b\\" \\\\ c"'
    assert (
        toml_string("tab\there\nnew\x1b[31m\x7f\u202e\u2028é") == '"tab\\there\\nnew\\u001b[31m\\u007f\\u202e\\u2028é"'
    )
    config = config_of(
        {
            "types": {
                "my type": {
                    "paths": ["a b/*.md"],
                    "lifecycle": {"active": ['In "Progress"', "\x1b]52;c;AAAA\x07"]},
                    "checkpoints": "Steps\u202e",
                }
            }
        }
    )
    text = render_types(config, Path("/nonexistent"), ["my type"])
    assert '[types."my type"]\npaths = ["a b/*.md"]\n' in text
    assert 'checkpoints = "Steps\\u202e"\n' in text
    assert '[types."my type".lifecycle]\nactive = ["In \\"Progress\\"", "\\u001b]52;c;AAAA\\u0007"]\n' in text
    assert not any(ord(c) < 0x20 and c != "\n" for c in text)


def test_types_of_an_unknown_name_is_a_usage_error(tmp_path):
    outcome = run_tpm(tmp_path, "types", "widget")
    assert (outcome.code, outcome.out) == (2, "")
    assert outcome.err == "tpm: error: unknown type 'widget' (known: milestone, risk, decision, postmortem)\n"


def test_schema_still_prints_the_effective_json_schema_of_an_extended_preset(tmp_path):
    repo = make_repo(tmp_path / "repo", {".tpm.toml": USER_CONFIG, **SCHEMAS})
    outcome = run_tpm(repo, "schema", "risk")
    assert outcome.code == 0, outcome.err
    assert '"allOf": [' in outcome.out and '"required": [\n        "owner"\n      ]' in outcome.out

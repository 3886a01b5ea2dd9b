"""How tpm reads one file, end to end: bytes -> text -> front-matter -> YAML -> schema.

Every test builds a real git repository in tmp_path, writes a few files under `project/`,
runs `tpm check --format json` in-process and compares the *whole* list of diagnostics
(path, line, column, rule) with what is expected, so that a false positive fails a test as
surely as a missed finding. Documents that are meant to be clean are clean under every
rule of SPEC §3 for `--today 2026-11-27` (future due dates, low-band risks with a
mitigation, ...).

"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tpm.cli import main
from tpm.document import load_front_matter, parse_body, split_source

TODAY = "2026-11-27"

# Documents that give no diagnostic at all on TODAY.
MILESTONE = "---\nid: M-1\ntitle: Launch\nstatus: planned\ndue: 2026-12-15\n---\n# Launch\n"
RISK = (
    "---\nid: R-1\ntitle: Vendor lock-in\nstatus: open\nlikelihood: 1\nimpact: 2\nowner: ann\n---\n"
    "# Vendor lock-in\n\n## Mitigation\n\nKeep a second supplier warm.\n"
)
DECISION = "---\ntitle: Use Postgres\nstatus: accepted\ndate: 2026-11-01\n---\n# Use Postgres\n"


# --------------------------------------------------------------------------------------
# The helper: a git repository in tmp_path and `tpm check` run in-process
# --------------------------------------------------------------------------------------


@dataclass
class Outcome:
    code: int
    stdout: str
    report: dict

    @property
    def diagnostics(self) -> list:
        return self.report["diagnostics"]

    def locations(self) -> list:
        """[(path, line, column, rule)], in the order tpm printed them."""
        return [(d["path"], d["line"], d["column"], d["rule"]) for d in self.diagnostics]

    def lines(self) -> list:
        """[(path, line, rule)], for checks that pin the line but not the column."""
        return [(d["path"], d["line"], d["rule"]) for d in self.diagnostics]

    def messages(self) -> list:
        return [d["message"] for d in self.diagnostics]


class Repo:
    def __init__(self, root: Path, monkeypatch, capsys):
        self.root = root
        self._monkeypatch = monkeypatch
        self._capsys = capsys

    def write(self, name: str, content: str | bytes) -> Path:
        """Write a file byte for byte (text is UTF-8, line ends untouched)."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    def check(self) -> Outcome:
        self._monkeypatch.chdir(self.root)
        self._capsys.readouterr()  # drop anything printed before
        code = main(["check", "--format", "json", "--today", TODAY])
        captured = self._capsys.readouterr()
        assert "Traceback" not in captured.err and "internal error" not in captured.err, captured.err
        report = json.loads(captured.out)
        assert report["version"] == 1 and report["today"] == TODAY
        assert report["diagnostics"] == sorted(
            report["diagnostics"], key=lambda d: (d["path"], d["line"], d["column"], d["rule"], d["message"])
        ), "diagnostics are not sorted"
        errors = sum(1 for d in report["diagnostics"] if d["severity"] == "error")
        assert report["summary"]["errors"] == errors
        assert code == (1 if errors else 0), f"exit code {code} with {errors} error(s)"
        return Outcome(code, captured.out, report)


def _clean_git_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    return env


@pytest.fixture
def repo(tmp_path, monkeypatch, capsys) -> Repo:
    """An empty git repository at tmp_path/repo; tpm's own git calls see no GIT_* either."""
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("TPM_TODAY", raising=False)
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, env=_clean_git_env(), check=True, capture_output=True)
    return Repo(root, monkeypatch, capsys)


def check_one(repo: Repo, name: str, content: str | bytes) -> Outcome:
    repo.write(name, content)
    return repo.check()


M = "project/milestones/M-1-launch.md"
R = "project/risks/R-1-vendor.md"


# --------------------------------------------------------------------------------------
# Bytes to text: BOM, line endings, encodings, binary
# --------------------------------------------------------------------------------------


def test_clean_documents_give_no_diagnostics(repo):
    """Baseline: the reference documents used below are clean, exit 0."""
    repo.write(M, MILESTONE)
    repo.write(R, RISK)
    repo.write("project/decisions/0003-use-postgres.md", DECISION)
    outcome = repo.check()
    assert outcome.locations() == []
    assert outcome.code == 0
    assert outcome.report["summary"]["files"] == 3


def test_utf8_bom_before_front_matter(repo):
    """A UTF-8 BOM does not hide the front-matter."""
    outcome = check_one(repo, M, b"\xef\xbb\xbf" + MILESTONE.encode())
    assert outcome.locations() == []


def test_utf8_bom_with_error_keeps_columns(repo):
    """With a BOM, a later schema error keeps its line and column (the BOM is not text)."""
    outcome = check_one(repo, M, b"\xef\xbb\xbf" + MILESTONE.replace("status: planned", "status: doing").encode())
    assert outcome.locations() == [(M, 4, 9, "schema-violation")]


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "lone-cr"])
def test_other_line_endings_valid(repo, newline):
    """CRLF and old-Mac CR files read like LF files."""
    outcome = check_one(repo, M, MILESTONE.replace("\n", newline))
    assert outcome.locations() == []


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "lone-cr"])
def test_other_line_endings_error_line(repo, newline):
    """An invalid value is reported at its own line whatever the line ending."""
    text = MILESTONE.replace("status: planned", "status: doing").replace("\n", newline)
    outcome = check_one(repo, M, text)
    assert outcome.locations() == [(M, 4, 9, "schema-violation")]


def test_mixed_line_endings(repo):
    """LF, CRLF and lone CR in one file each end one line."""
    text = "---\nid: M-1\r\ntitle: Launch\rstatus: doing\r\ndue: 2026-12-15\n---\r# Launch\n"
    outcome = check_one(repo, M, text)
    assert outcome.locations() == [(M, 4, 9, "schema-violation")]


LATIN1_CASES = {
    "body": (b"---\nid: M-1\ntitle: Launch\nstatus: planned\ndue: 2026-12-15\n---\n# Caf\xe9\n", 7, 6),
    "front-matter": (b"---\nid: M-1\ntitle: Caf\xe9\nstatus: planned\ndue: 2026-12-15\n---\n", 3, 11),
    "front-matter-crlf": (b"---\r\nid: M-1\r\ntitle: Caf\xe9\r\nstatus: planned\r\n---\r\n", 3, 11),
    "lone-cr": (b"---\rid: M-1\rtitle: Caf\xe9\rstatus: planned\r---\r", 3, 11),
    "after-bom": (b"\xef\xbb\xbf# Caf\xe9\n", 1, 6),
}


@pytest.mark.parametrize(
    "data, line, column",
    [pytest.param(*case, id=name) for name, case in LATIN1_CASES.items()],
)
def test_latin1_byte_is_parse_error_at_its_position(repo, data, line, column):
    """A byte that is not UTF-8 (Latin-1 é) is a parse-error at its line and column."""
    outcome = check_one(repo, M, data)
    assert outcome.locations() == [(M, line, column, "parse-error")]
    assert "UTF-8" in outcome.messages()[0] and "0xe9" in outcome.messages()[0]


def test_nul_byte_is_parse_error(repo):
    """A NUL byte marks a binary file: parse-error where the NUL is."""
    data = b"---\nid: M-1\ntitle: a\x00b\nstatus: planned\ndue: 2026-12-15\n---\n"
    outcome = check_one(repo, M, data)
    assert outcome.locations() == [(M, 3, 9, "parse-error")]
    assert "NUL" in outcome.messages()[0]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_with_bom_is_parse_error(repo, codec):
    """UTF-16 (either byte order, with BOM) is refused with advice to save as UTF-8."""
    data = ("\ufeff" if codec.endswith("-be") else "") + MILESTONE
    outcome = check_one(repo, M, data.encode(codec))
    assert outcome.locations() == [(M, 1, 1, "parse-error")]
    assert "UTF-16" in outcome.messages()[0]


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"], ids=["LS", "PS", "NEL"])
def test_unicode_line_separator_in_value_does_not_shift_lines(repo, separator):
    """A U+2028-like character inside a quoted value is not a line break of the file.

    (Quoted, so that the YAML is valid under YAML 1.1 and 1.2 alike and only the line
    numbering is at stake. Unquoted, libyaml's YAML 1.1 reading also makes it a parse-error.)
    """
    text = f'---\nid: M-1\ntitle: "a{separator}b"\nstatus: doing\ndue: 2026-12-15\n---\n'
    outcome = check_one(repo, M, text)
    assert outcome.locations() == [(M, 4, 9, "schema-violation")]


# --------------------------------------------------------------------------------------
# Finding the front-matter
# --------------------------------------------------------------------------------------


def test_unclosed_front_matter(repo):
    """A --- block that is never closed is a parse-error at line 1, nothing else."""
    outcome = check_one(repo, M, "---\nid: M-1\ntitle: Launch\nstatus: planned\n\n# Launch\n")
    assert outcome.locations() == [(M, 1, 1, "parse-error")]
    assert "never closed" in outcome.messages()[0]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_dots_close_front_matter(repo, newline):
    """`...` (YAML's document end) closes the front-matter like `---`."""
    text = MILESTONE.replace("---\n# Launch", "...\n# Launch").replace("\n", newline)
    assert text.count("...") == 1
    outcome = check_one(repo, M, text)
    assert outcome.locations() == []


def test_toml_front_matter_is_unsupported(repo):
    """`+++` TOML front-matter is a parse-error that says it is unsupported."""
    outcome = check_one(repo, M, "+++\nid = 'M-1'\ntitle = 'Launch'\n+++\n# Launch\n")
    assert outcome.locations() == [(M, 1, 1, "parse-error")]
    assert "not supported" in outcome.messages()[0]


def test_empty_file_in_type_folder(repo):
    """An empty file under project/risks/ has no front-matter."""
    outcome = check_one(repo, "project/risks/R-3.md", b"")
    assert outcome.locations() == [("project/risks/R-3.md", 1, 1, "missing-front-matter")]


def test_front_matter_that_is_a_list(repo):
    """Front-matter must be a mapping; a list is a parse-error at line 1."""
    outcome = check_one(repo, M, "---\n- id\n- M-1\n---\n# Launch\n")
    assert outcome.locations() == [(M, 1, 1, "parse-error")]
    assert "a list" in outcome.messages()[0]


def test_null_front_matter_is_not_a_mapping(repo):
    """A block holding only `null` is a value, not an empty block: parse-error at line 1."""
    outcome = check_one(repo, M, "---\nnull\n---\n# Launch\n")
    assert outcome.locations() == [(M, 1, 1, "parse-error")]
    assert outcome.messages() == ["front-matter must be a mapping of keys to values, got a single value (null)"]


def test_empty_front_matter_block(repo):
    """`---\\n---` is an empty mapping: each missing required field is reported at line 1."""
    path = "project/milestones/plan.md"  # no id in the name, no heading: nothing derived
    outcome = check_one(repo, path, "---\n---\nSome notes.\n")
    assert outcome.locations() == [(path, 1, 1, "schema-violation")] * 4
    assert outcome.messages() == [
        "missing required field `due`",
        "missing required field `id`",
        "missing required field `status`",
        "missing required field `title`",
    ]


# --------------------------------------------------------------------------------------
# YAML: duplicates, limits, tags, keys, tabs
# --------------------------------------------------------------------------------------


def test_duplicate_key(repo):
    """A repeated key is reported at its second occurrence; the message names both lines."""
    text = MILESTONE.replace("due: 2026-12-15\n", "due: 2026-12-15\nowner: ann\nowner: bob\n")
    outcome = check_one(repo, M, text)
    assert outcome.locations() == [(M, 7, 1, "duplicate-key")]
    message = outcome.messages()[0]
    assert "owner" in message and "6" in message and "7" in message


def _billion_laughs() -> str:
    lines = ["a: &a [" + ", ".join(['"lol"'] * 9) + "]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=False):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "---\nid: M-1\n" + "\n".join(lines) + "\n---\n"


def test_billion_laughs(repo):
    """Alias expansion is bounded: a parse-error where the limit is crossed (the `e:` line),
    and the run completes (an unbounded loader would never return)."""
    outcome = check_one(repo, M, _billion_laughs())
    assert outcome.lines() == [(M, 7, "parse-error")]
    assert "10000" in outcome.messages()[0] or "10,000" in outcome.messages()[0]


@pytest.mark.parametrize("closed", [True, False], ids=["balanced", "unbalanced"])
def test_deep_nesting(repo, closed):
    """1000 nested `[` are refused as too deep, at the line where the nesting is."""
    value = "[" * 1000 + ("]" * 1000 if closed else "")
    outcome = check_one(repo, M, f"---\nid: M-1\ndepends_on: {value}\n---\n")
    assert outcome.lines() == [(M, 3, "parse-error")]
    # tpm's own limit, or libyaml's where a newer build stops first (PyYAML 6.0.4 wheels)
    assert re.search("deeper than 32|nesting depth", outcome.messages()[0])


def test_huge_integer(repo):
    """A 5,000-digit number is a parse-error at the value, not a slow int()."""
    text = RISK.replace("likelihood: 1", "likelihood: " + "7" * 5000)
    outcome = check_one(repo, R, text)
    assert outcome.locations() == [(R, 5, 13, "parse-error")]


@pytest.mark.parametrize(
    "value",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        '!!python/object/apply:os.system "touch {marker}"',
        "!!python/name:os.system",
        '!!python/object/new:os.system ["touch {marker}"]',
    ],
)
def test_python_tags_are_refused_and_never_run(repo, tmp_path, value):
    """A `!!python/...` tag is a parse-error at the tag, and nothing is executed."""
    marker = tmp_path / "pwned"
    text = MILESTONE.replace("title: Launch", "title: " + value.format(marker=marker))
    outcome = check_one(repo, M, text)
    assert outcome.locations() == [(M, 3, 8, "parse-error")]
    assert "tag" in outcome.messages()[0]
    assert not marker.exists()


def test_non_string_key(repo):
    """`1: x` is a parse-error at the key; the rest of the document is still checked."""
    text = MILESTONE.replace("due: 2026-12-15\n", "due: 2026-12-15\n1: x\n")
    outcome = check_one(repo, M, text)
    assert outcome.locations() == [(M, 6, 1, "parse-error")]


def test_content_and_handler_keys_are_ordinary_fields(repo):
    """Keys that break python-frontmatter (`content`, `handler`) are plain extra fields."""
    text = MILESTONE.replace("due: 2026-12-15\n", "due: 2026-12-15\ncontent: body text\nhandler: ops\n")
    outcome = check_one(repo, M, text)
    assert outcome.locations() == []


@pytest.mark.parametrize(
    "text, line",
    [
        ("---\nid: M-1\ntags:\n\t- a\n---\n", 4),
        ("---\nid: M-1\ntags:\n  - a\n\t- b\n---\n", 5),
        ("---\nid: M-1\n\ttitle: x\n---\n", 3),
    ],
    ids=["tab-list", "tab-after-spaces", "tab-key"],
)
def test_tab_indentation(repo, text, line):
    """Tabs used to indent are a parse-error at the tab's line, with a hint."""
    outcome = check_one(repo, M, text)
    assert outcome.lines() == [(M, line, "parse-error")]
    assert "tab" in outcome.messages()[0]


# --------------------------------------------------------------------------------------
# Values: YAML 1.2 scalars, dates
# --------------------------------------------------------------------------------------


def test_norway_problem(repo):
    """`status: no` is the string 'no' (YAML 1.2), so the enum rejects it by name."""
    outcome = check_one(repo, M, MILESTONE.replace("status: planned", "status: no"))
    assert outcome.locations() == [(M, 4, 9, "schema-violation")]
    assert "got 'no'" in outcome.messages()[0]


def test_impossible_date(repo):
    """`due: 2026-02-30` is a schema-violation at the value."""
    outcome = check_one(repo, M, MILESTONE.replace("due: 2026-12-15", "due: 2026-02-30"))
    assert outcome.locations() == [(M, 5, 6, "schema-violation")]
    assert "2026-02-30" in outcome.messages()[0]


@pytest.mark.parametrize("due", ["2026-12-01", '"2026-12-01"', "'2026-12-01'"])
def test_quoted_and_unquoted_dates(repo, due):
    """Dates are accepted quoted or not."""
    outcome = check_one(repo, M, MILESTONE.replace("due: 2026-12-15", f"due: {due}"))
    assert outcome.locations() == []


def test_missing_required_field_points_at_line_1(repo):
    """A missing required field is a whole-file problem: line 1."""
    text = RISK.replace("impact: 2\n", "")
    outcome = check_one(repo, R, text)
    assert outcome.locations() == [(R, 1, 1, "schema-violation")]
    assert outcome.messages() == ["missing required field `impact`"]


def test_completed_required_when_done(repo):
    """`completed` is required on a done milestone, and the message says why."""
    text = MILESTONE.replace("status: planned", "status: done").replace("2026-12-15", "2026-11-20")
    outcome = check_one(repo, M, text)
    assert outcome.locations() == [(M, 1, 1, "schema-violation")]
    assert "required when `status` is done" in outcome.messages()[0]
    assert "completed" in outcome.messages()[0]


# --------------------------------------------------------------------------------------
# Types, ids and titles
# --------------------------------------------------------------------------------------


def test_unknown_type(repo):
    """`type: widget` is an unknown-type at the value, and nothing else is reported."""
    outcome = check_one(repo, M, "---\nid: M-1\ntype: widget\n---\n")
    assert outcome.locations() == [(M, 3, 7, "unknown-type")]
    assert "widget" in outcome.messages()[0]


def test_project_root_file_without_type(repo):
    """Under project/ but in no type folder: front-matter without `type` is unknown-type."""
    outcome = check_one(repo, "project/notes.md", "---\ntitle: Notes\n---\n# Notes\n")
    assert outcome.locations() == [("project/notes.md", 1, 1, "unknown-type")]


def test_project_root_file_without_front_matter_is_ignored(repo):
    """Free-form notes under project/ with no front-matter are not documents."""
    outcome = check_one(repo, "project/notes.md", "# Notes\n\nJust text.\n")
    assert outcome.locations() == []
    assert outcome.report["summary"]["files"] == 0


def test_project_root_file_typed_by_front_matter(repo):
    """Under project/ with `type: milestone`, the file is a milestone (and valid)."""
    text = MILESTONE.replace("---\nid: M-1\n", "---\ntype: milestone\nid: M-1\n")
    outcome = check_one(repo, "project/launch.md", text)
    assert outcome.locations() == []
    assert outcome.report["summary"]["files"] == 1


@pytest.mark.parametrize("name", ["README.md", "index.md"])
def test_readme_and_index_are_skipped(repo, name):
    """README.md and index.md in a type folder are not documents, whatever they hold."""
    repo.write(f"project/risks/{name}", b"# Risks\n\nCaf\xe9 \x00 not a document\n")
    repo.write("project/risks/R-1-vendor.md", RISK)
    outcome = repo.check()
    assert outcome.locations() == []
    assert outcome.report["summary"]["files"] == 1


def test_id_and_title_derived(repo):
    """`R-7-vendor.md` without id/title: id R-7 from the name, title from `# heading`."""
    text = RISK.replace("id: R-1\ntitle: Vendor lock-in\n", "")
    outcome = check_one(repo, "project/risks/R-7-vendor.md", text)
    assert outcome.locations() == []


def test_title_not_derivable_without_heading(repo):
    """Control for the above: with no `#` heading the missing title is reported."""
    text = RISK.replace("id: R-1\ntitle: Vendor lock-in\n", "").replace("# Vendor lock-in\n", "")
    outcome = check_one(repo, "project/risks/R-7-vendor.md", text)
    assert outcome.locations() == [("project/risks/R-7-vendor.md", 1, 1, "schema-violation")]
    assert outcome.messages() == ["missing required field `title`"]


def test_derived_decision_id_collides_with_declared(repo):
    """`0003-use-postgres.md` derives ADR-0003; a declared `id: ADR-0003` elsewhere makes a
    duplicate-id on both paths (line 1 for the derived id, the `id` line for the other)."""
    derived = "project/decisions/0003-use-postgres.md"
    declared = "project/decisions/0007-postgres-again.md"
    repo.write(derived, DECISION)
    repo.write(declared, DECISION.replace("---\n", "---\nid: ADR-0003\n", 1))
    outcome = repo.check()
    assert outcome.locations() == [(derived, 1, 1, "duplicate-id"), (declared, 2, 1, "duplicate-id")]
    assert declared in outcome.messages()[0] and derived in outcome.messages()[1]
    assert all("ADR-0003" in m for m in outcome.messages())


def test_two_derived_ids_collide(repo):
    """Two files named R-7-... both derive R-7."""
    body = RISK.replace("id: R-1\n", "")
    repo.write("project/risks/R-7-a.md", body)
    repo.write("project/risks/R-7-b.md", body)
    outcome = repo.check()
    assert outcome.locations() == [
        ("project/risks/R-7-a.md", 1, 1, "duplicate-id"),
        ("project/risks/R-7-b.md", 1, 1, "duplicate-id"),
    ]


# --------------------------------------------------------------------------------------
# Checkpoints and action items
# --------------------------------------------------------------------------------------

CHECKPOINTS = """\
---
id: M-1
title: Launch
status: planned
due: 2026-12-15
---
# Launch

## Checkpoints

- [ ] 2026-12-01 Load test at 2x traffic @bob
- [ ] Load test without a date @bob
- [x] 2026-02-30 Impossible date
  - [ ] 2026-12-02 Nested and fine
  - [ ] Nested without a date
1. [ ] 2026/12/04 Slashes are not ISO

## Notes

- [ ] Not a checkpoint, no date needed
"""


def test_invalid_checkpoints(repo):
    """Undated and impossible checkpoints are reported at the `[` of their box."""
    outcome = check_one(repo, M, CHECKPOINTS)
    assert outcome.locations() == [
        (M, 12, 3, "invalid-checkpoint"),
        (M, 13, 3, "invalid-checkpoint"),
        (M, 15, 5, "invalid-checkpoint"),
        (M, 16, 4, "invalid-checkpoint"),
    ]
    messages = outcome.messages()
    assert "no ISO date" in messages[0]
    assert "impossible date 2026-02-30" in messages[1]


def test_valid_checkpoints(repo):
    """Well-dated checkpoints, open or done, give nothing."""
    text = MILESTONE + "\n## Checkpoints\n\n- [ ] 2026-12-01 Load test @bob\n- [x] 2026-11-20 Schema frozen\n"
    outcome = check_one(repo, M, text)
    assert outcome.locations() == []


POSTMORTEM = """\
---
id: PM-1
title: Queue outage
date: 2026-11-01
status: final
---
# Queue outage

## Lessons learned

Alert on queue depth, not on CPU.

## Action items

- [ ] 2026-12-10 Add a queue-depth alert @bob
- [ ] Write the runbook @ann
- [x] 2026-11-05 Raise the consumer limit
"""


def test_action_item_without_date(repo):
    """A post-mortem action item without a date is an invalid-checkpoint."""
    path = "project/postmortems/PM-1-queue.md"
    outcome = check_one(repo, path, POSTMORTEM)
    assert outcome.locations() == [(path, 16, 3, "invalid-checkpoint")]
    assert outcome.messages()[0].startswith("action item")


# --------------------------------------------------------------------------------------
# Whole runs: determinism, symlinks
# --------------------------------------------------------------------------------------


def test_output_is_deterministic(repo):
    """Two runs over the same files print byte-identical JSON."""
    repo.write(M, CHECKPOINTS)
    repo.write(R, RISK.replace("status: open", "status: no"))
    repo.write("project/risks/R-2.md", b"")
    repo.write("project/decisions/0003-a.md", DECISION)
    repo.write("project/decisions/0004-b.md", DECISION.replace("---\n", "---\nid: ADR-0003\n", 1))
    repo.write("project/milestones/M-9.md", _billion_laughs())
    first = repo.check()
    second = repo.check()
    assert first.stdout == second.stdout
    assert len(first.diagnostics) >= 8


def test_symlink_out_of_repository_is_not_followed(repo, tmp_path):
    """A symlink in project/risks/ to a file outside the repository is not read."""
    outside = tmp_path / "outside" / "secret.md"
    outside.parent.mkdir()
    outside.write_bytes(b"no front-matter, and Caf\xe9\n")
    link = repo.root / "project" / "risks" / "R-9-leak.md"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    outcome = repo.check()
    assert outcome.locations() == []
    assert outcome.report["summary"]["files"] == 0


def test_symlink_inside_repository_is_read(repo):
    """Control for the above: a symlink to a file inside the repository is a document."""
    repo.write("notes/r9.md", "no front-matter\n")
    link = repo.root / "project" / "risks" / "R-9.md"
    link.parent.mkdir(parents=True)
    link.symlink_to(Path("..", "..", "notes", "r9.md"))
    outcome = repo.check()
    assert outcome.locations() == [("project/risks/R-9.md", 1, 1, "missing-front-matter")]


# --------------------------------------------------------------------------------------
# Property: reading never raises and every position lies inside the file
# --------------------------------------------------------------------------------------

_FRONT_MATTERISH = "-:\n \t[]{}&*!#'\"abc123\r\x85\u2028é"


def _line_count(data: bytes) -> int:
    """How many lines an editor shows for `data`: one more than the number of line breaks
    (`\\r\\n`, lone `\\r` or `\\n`, the ends tpm itself recognises), which also counts the
    empty last line after a final line break. The "+1" is not slack: it is that empty last
    line, where a YAML "unexpected end of stream" error may legitimately point. Line breaks
    are ASCII, so this count is the same whether or not the bytes decode as UTF-8.

    For decodable input it equals `text.count("\\n") + 1` of tpm's decoded, normalised text
    (asserted below), which is deliberately *not* `len(text.splitlines()) + 1`: splitlines
    also breaks at U+2028, form feed, etc., which are not lines in an editor or in git.
    """
    return len(re.split(rb"\r\n|\r|\n", data))


def _positions(data: bytes) -> list:
    """Every (line, column) tpm reports while reading `data` (none may raise)."""
    source = split_source(data)
    positions = [(p.line, p.column) for p in source.problems]
    if source.readable:
        assert source.text.count("\n") + 1 == _line_count(data.removeprefix(b"\xef\xbb\xbf"))
        loaded = load_front_matter(source)
        positions += [(p.mark.line, p.mark.column) for p in loaded.problems]
        positions += [(m.line, m.column) for m in loaded.key_marks.values()]
        positions += [(m.line, m.column) for m in loaded.value_marks.values()]
        body = parse_body(source.body, source.body_line, "checkpoints")
        positions += [(s.line, 1) for s in body.sections]
        positions += [(t.line, t.column) for t in body.tasks]
    return positions


def _front_matterish_text():
    chunk = st.text(alphabet=_FRONT_MATTERISH, max_size=200)
    fenced = st.builds(lambda fm, body: "---\n" + fm + "\n---\n" + body, chunk, chunk)
    return st.one_of(chunk, fenced).map(lambda t: t.encode("utf-8"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=400), _front_matterish_text()))
def test_reading_never_raises_and_positions_are_in_the_file(data):
    """For any bytes: no exception, lines within 1.._line_count(data), columns >= 1."""
    lines = _line_count(data)
    for line, column in _positions(data):
        assert 1 <= line <= lines, (line, lines)
        assert column >= 1

"""Neutral output (issue 11, cases 3, 8, 11 and 12): a file name, a title, a field value
or commit data written by the author of a pull request cannot start a GitHub workflow
command, reach a terminal as an escape sequence, break an XML or JSON report, or fail to
encode, in any format of `tpm check`, `tpm report` and `tpm changes`.

The repositories are real git repositories with fixed dates (see helpers.py); names that
are not valid UTF-8, or that hold a newline, are created as bytes with os.open.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from xml.etree import ElementTree
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from helpers import git, make_repo, run_tpm
from tpm.report.escape import cell, mermaid_label

TODAY = "2026-11-27"
NO_FRONT_MATTER = "error missing-front-matter no front-matter; start the file with a --- block of YAML fields"
# What must never reach a terminal: C0 controls but tab and newline, DEL and C1 controls,
# line and paragraph separators, bidi overrides, and lone surrogates (which cannot even be
# encoded).
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def add_files(repo: Path, files: dict[bytes, bytes], date: str = "2026-11-01T12:00:00+00:00") -> Path:
    """Write files whose names are raw bytes (no decoding on the way), then commit them."""
    for name, content in files.items():
        path = os.fsencode(repo) + b"/" + name
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(handle, content)
        finally:
            os.close(handle)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "files", date=date)
    return repo


def workflow_commands(log: str) -> list[str]:
    """The lines the GitHub runner would obey as workflow commands: those that begin with
    `::` after leading blanks, except between `::stop-commands::TOKEN` and `::TOKEN::`.
    Lines are split at every separator Python knows, more than the runner does."""
    commands, stopped_until = [], None
    for raw_line in log.splitlines():
        line = raw_line.lstrip()
        if stopped_until is not None:
            if line == stopped_until:
                stopped_until = None
        elif line.startswith("::stop-commands::"):
            stopped_until = f"::{line[len('::stop-commands::') :]}::"
        elif line.startswith("::"):
            commands.append(line)
    return commands


# Case 3 ---------------------------------------------------------------------------------


def test_github_plain_lines_cannot_issue_workflow_commands(tmp_path):
    repo = make_repo(tmp_path / "repo", {".tpm.toml": '[types.task]\npaths = ["*.md", "notes/*.md"]\n'}, commit=False)
    add_files(
        repo,
        {
            b"::error::boom.md": b"no front-matter\n",
            b"notes/x\n::error file=a::b\n.md": b"no front-matter\n",
            b"notes/y\r::add-mask::cr.md": b"no front-matter\n",
        },
    )
    outcome = run_tpm(repo, "check", "--today", TODAY, "--format", "github")
    annotations = [
        "::error file=%3A%3Aerror%3A%3Aboom.md,line=1,endLine=1,col=1,title=missing-front-matter (TPM003)::"
        "no front-matter; start the file with a --- block of YAML fields",
        "::error file=notes/x%0A%3A%3Aerror file=a%3A%3Ab%0A.md,line=1,endLine=1,col=1,title=missing-front-matter "
        "(TPM003)::"
        "no front-matter; start the file with a --- block of YAML fields",
        "::error file=notes/y%0D%3A%3Aadd-mask%3A%3Acr.md,line=1,endLine=1,col=1,title=missing-front-matter (TPM003)::"
        "no front-matter; start the file with a --- block of YAML fields",
    ]
    plain = (
        f"::error::boom.md:1:1: {NO_FRONT_MATTER}\n"
        f"notes/x\\x0a::error file=a::b\\x0a.md:1:1: {NO_FRONT_MATTER}\n"
        f"notes/y\\x0d::add-mask::cr.md:1:1: {NO_FRONT_MATTER}"
    )
    token = hashlib.sha256(plain.encode("utf-8")).hexdigest()
    assert outcome.code == 1
    assert outcome.out == "\n".join(
        [
            *annotations,
            f"::stop-commands::{token}",
            plain,
            f"::{token}::",
            "Checked 3 files: 3 errors, 0 warnings, 0 infos.",
            "",
        ]
    )
    assert workflow_commands(outcome.out) == annotations
    assert run_tpm(repo, "check", "--today", TODAY, "--format", "github").out == outcome.out  # same bytes every run


# Case 8 ---------------------------------------------------------------------------------

MILESTONE = b"---\nid: M-1\ntitle: Caf\xc3\xa9 launch\nstatus: planned\ndue: 2026-11-20\n---\n"
SHOWN = "project/milestones/M-1-caf\\xe9.md"  # the byte 0xE9 as the four characters \xe9
COPY = "project/milestones/M-1-copy.md"
FINDINGS = [  # (path, line, rule, message); the last names the Latin-1 file in its message
    (SHOWN, 2, "duplicate-id", f"id M-1 is also used by {COPY}"),
    (SHOWN, 5, "overdue", "M-1 is 7 days overdue (due 2026-11-20, still planned)"),
    (COPY, 2, "duplicate-id", f"id M-1 is also used by {SHOWN}"),
]
TEXT_LINES = [
    f"{path}:{line}:{1 if line == 2 else 6}: error {rule} {message}" for path, line, rule, message in FINDINGS
]


@pytest.fixture(scope="module")
def latin1_name(tmp_path_factory):
    """A milestone named with the Latin-1 byte 0xE9 (not UTF-8), and a second file that
    takes its id, so that a message quotes the Latin-1 name too."""
    repo = make_repo(tmp_path_factory.mktemp("latin1") / "repo")
    copy = MILESTONE.replace(b"2026-11-20", b"2026-12-20")
    return add_files(repo, {b"project/milestones/M-1-caf\xe9.md": MILESTONE, COPY.encode(): copy})


def _junit_findings(text: str) -> list:
    cases = ElementTree.fromstring(text.encode("utf-8")).findall("testsuite/testcase")
    return [(case.get("file"), case.find("failure").text.splitlines()) for case in cases]


def _sarif_findings(text: str) -> list:
    found = []
    for result in json.loads(text)["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]
        found.append(
            (
                location["artifactLocation"]["uri"],
                location["region"]["startLine"],
                result["ruleId"],
                result["message"]["text"],
            )
        )
    return found


def _codequality_findings(text: str) -> list:
    return [
        (i["location"]["path"], i["location"]["lines"]["begin"], i["check_name"], i["description"])
        for i in json.loads(text)
    ]


# Each format's view of the findings, and what it must be.
CHECK_FORMATS = {
    "text": (lambda text: text.splitlines()[:-1], TEXT_LINES),
    "github": (lambda text: text.splitlines()[4:7], TEXT_LINES),
    "json": (
        lambda text: [(d["path"], d["line"], d["rule"], d["message"]) for d in json.loads(text)["diagnostics"]],
        FINDINGS,
    ),
    "codequality": (_codequality_findings, FINDINGS),
    "sarif": (_sarif_findings, [("project/milestones/M-1-caf%E9.md", *f[1:]) for f in FINDINGS[:2]] + FINDINGS[2:]),
    "junit": (_junit_findings, [(SHOWN, TEXT_LINES[:2]), (COPY, TEXT_LINES[2:])]),
}


@pytest.mark.parametrize("output_format", sorted(CHECK_FORMATS))
def test_a_file_name_that_is_not_utf8_goes_to_every_output_format(latin1_name, tmp_path, output_format):
    target = tmp_path / f"out.{output_format}"
    outcome = run_tpm(latin1_name, "check", "--today", TODAY, "--format", output_format, "--output", str(target))
    assert (outcome.code, outcome.out, outcome.err) == (1, "Checked 2 files: 3 errors, 0 warnings, 0 infos.\n", "")
    assert sorted(os.listdir(tmp_path)) == [target.name]  # and no .tmp file left behind
    written = target.read_bytes().decode("utf-8")  # strict: valid UTF-8
    view, expected = CHECK_FORMATS[output_format]
    assert view(written) == expected


def test_a_file_name_that_is_not_utf8_goes_to_the_report_and_the_step_summary(latin1_name, tmp_path, monkeypatch):
    markdown, data = tmp_path / "STATUS.md", tmp_path / "status.json"
    for target, extra in ((markdown, ()), (data, ("--format", "json"))):
        outcome = run_tpm(latin1_name, "report", "--today", TODAY, "--no-history", *extra, "--output", str(target))
        assert (outcome.code, outcome.err) == (0, ""), outcome.err
    assert sorted(os.listdir(tmp_path)) == ["STATUS.md", "status.json"]
    link = os.path.relpath(latin1_name, tmp_path) + "/project/milestones/M-1-caf%E9.md"
    assert (
        f"| 🟥 | [M-1]({link}) Café launch | · | 2026-11-20 | · | **7 days late** "
        "| 7 days past its due date 2026-11-20 |\n" in markdown.read_bytes().decode("utf-8")
    )
    milestone = json.loads(data.read_bytes().decode("utf-8"))["milestones"][0]
    assert (milestone["path"], milestone["link"]) == (SHOWN, link)

    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    outcome = run_tpm(latin1_name, "check", "--today", TODAY, "--format", "github")
    assert (outcome.code, outcome.err) == (1, "")
    in_markdown = SHOWN.replace("\\", "\\\\")  # a backslash is escaped in Markdown
    assert summary.read_bytes().decode("utf-8").splitlines()[-3:] == [
        f"| {in_markdown} | 2 | error | duplicate-id | id M-1 is also used by {COPY} |",
        f"| {in_markdown} | 5 | error | overdue | M-1 is 7 days overdue (due 2026-11-20, still planned) |",
        f"| {COPY} | 2 | error | duplicate-id | id M-1 is also used by {in_markdown} |",
    ]


# Case 11 --------------------------------------------------------------------------------


def test_junit_stays_well_formed_with_controls_in_names_and_uffff_in_fields(tmp_path):
    repo = make_repo(tmp_path / "repo")
    add_files(
        repo,
        {
            b"project/risks/R-2-\x01\x1b.md": b"no front-matter\n",
            b"project/milestones/M-1-a.md": (
                b'---\nid: M-1\ntitle: A\nstatus: planned\ndue: 2026-12-01\nrisks: ["R-7\\uFFFF"]\n---\n'
            ),
        },
    )
    outcome = run_tpm(repo, "check", "--today", TODAY, "--format", "junit")
    assert outcome.code == 1
    cases = ElementTree.fromstring(outcome.out.encode("utf-8")).findall("testsuite/testcase")
    assert [(c.get("classname"), c.get("name"), c.get("file")) for c in cases] == [
        ("project.milestones", "M-1-a.md", "project/milestones/M-1-a.md"),
        ("project.risks", "R-2-\\x01\\x1b.md", "project/risks/R-2-\\x01\\x1b.md"),
    ]
    assert cases[0].find("failure").text == (
        "project/milestones/M-1-a.md:6:9: error dangling-reference `risks` names R-7\\uffff, which no document has\n"
        "project/milestones/M-1-a.md:6:9: error schema-violation `risks[0]` must match the pattern "
        "^[A-Za-z0-9][A-Za-z0-9._-]*$ (got 'R-7\\uffff')"
    )
    assert cases[1].find("failure").text == f"project/risks/R-2-\\x01\\x1b.md:1:1: {NO_FRONT_MATTER}"


# Case 12 --------------------------------------------------------------------------------

# ESC [ colour, OSC 52 (write the clipboard), OSC 0 (window title), CSI as the C1 byte.
HOSTILE = "\x1b[31mred\x1b]52;c;aGk=\x07\x1b]0;pwned\x07\x9b2J"
HOSTILE_SHOWN = "\\x1b[31mred\\x1b]52;c;aGk=\\x07\\x1b]0;pwned\\x07\\x9b2J"
HOSTILE_YAML = "\\e[31mred\\e]52;c;aGk=\\a\\e]0;pwned\\a\\x9b2J"  # the same, as YAML escapes
HOSTILE_MARKDOWN = HOSTILE_SHOWN.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")  # Markdown-inert


def test_terminal_escapes_in_file_names_do_not_reach_the_terminal(tmp_path):
    repo = make_repo(tmp_path / "repo")
    add_files(repo, {f"project/risks/R-1-{HOSTILE}.md".encode(): b"no front-matter\n"})
    outcome = run_tpm(repo, "check", "--today", TODAY)
    assert outcome.out.splitlines() == [
        f"project/risks/R-1-{HOSTILE_SHOWN}.md:1:1: {NO_FRONT_MATTER}",
        "Checked 1 file: 1 error, 0 warnings, 0 infos.",
    ]


@pytest.fixture(scope="module")
def hostile_titles(tmp_path_factory):
    """A risk and a milestone whose titles hold terminal escapes, added on 2026-11-20."""
    repo = make_repo(tmp_path_factory.mktemp("titles") / "repo", {"README.md": "x\n"})
    risk = f'---\nid: R-1\ntitle: "Vendor {HOSTILE_YAML}"\nstatus: open\nlikelihood: 3\nimpact: 3\nmitigation: m\n---\n'
    milestone = f'---\nid: M-1\ntitle: "Beta {HOSTILE_YAML}"\nstatus: planned\ndue: 2026-12-01\n---\n'
    files = {b"project/risks/R-1-a.md": risk.encode(), b"project/milestones/M-1-a.md": milestone.encode()}
    return add_files(repo, files, date="2026-11-20T12:00:00+00:00")


def test_terminal_escapes_in_titles_do_not_reach_the_terminal_from_changes(hostile_titles):
    text = run_tpm(hostile_titles, "changes", "--today", TODAY, "--since", "2026-11-10")
    assert text.out == (
        "Changes in project state since 2026-11-10:\n\n"
        f"Milestones\n  M-1  new: Beta {HOSTILE_SHOWN} (due 2026-12-01, planned)\n\n"
        f"Risks\n  R-1  new: Vendor {HOSTILE_SHOWN} (score 9, open)\n"
    )
    markdown = run_tpm(hostile_titles, "changes", "--today", TODAY, "--since", "2026-11-10", "--format", "markdown")
    assert f"- [R-1](project/risks/R-1-a.md) new: Vendor {HOSTILE_MARKDOWN} (score 9, open)\n" in markdown.out
    assert not UNSAFE.search(markdown.out)


def test_terminal_escapes_in_titles_do_not_reach_the_terminal_from_report(hostile_titles):
    markdown = run_tpm(hostile_titles, "report", "--today", TODAY)
    assert markdown.code == 0 and not UNSAFE.search(markdown.out)
    assert f"| 🟩 | [M-1](project/milestones/M-1-a.md) Beta {HOSTILE_MARKDOWN} | · | " in markdown.out
    assert f"| [R-1](project/risks/R-1-a.md) Vendor {HOSTILE_MARKDOWN} | 🟧 9 (3×3) |" in markdown.out
    assert "    M-1 Beta 31mred 52 c aGk 0 pwned 2J :t1, 2026-11-20, 2026-12-01\n" in markdown.out  # the Mermaid label
    data = run_tpm(hostile_titles, "report", "--today", TODAY, "--format", "json")
    assert data.code == 0 and not UNSAFE.search(data.out)
    assert json.loads(data.out)["risks"]["top"][0]["title"] == f"Vendor {HOSTILE}"  # inert escapes, same value


@pytest.mark.parametrize("text", ["\x1b]0;t\x07", "a\x9bb", "x\udce9y", "\u202eevil", "\x00\x7f"])
def test_markdown_cells_and_mermaid_labels_hold_no_control(text):
    assert not UNSAFE.search(cell(text)) and not UNSAFE.search(mermaid_label(text))


# Every context, for any text (lone surrogates, controls and noncharacters included) ------

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)


@given(ANY_TEXT)
def test_every_escaping_context_is_inert_for_any_text(text):
    from tpm.escaping import json_dumps, terminal, workflow_data, workflow_log, workflow_property, xml_text

    for shown in (terminal(text), workflow_data(text), workflow_property(text), cell(text), mermaid_label(text)):
        assert not UNSAFE.search(shown) and "\n" not in shown
    assert not workflow_property(text).count(":") and not workflow_property(text).count(",")
    json.loads(json_dumps({"k": text}).encode("utf-8"))["k"].encode("utf-8")  # valid UTF-8 both ways
    element = ElementTree.Element("e", a=xml_text(text))
    element.text = xml_text(text)
    ElementTree.fromstring(ElementTree.tostring(element, encoding="unicode"))  # well-formed
    log = workflow_log(f"{text}\n::error::{text}")
    assert workflow_commands(log) == []

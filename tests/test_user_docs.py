"""The user documentation checked against tpm itself.

docs/adopting.md as a user follows it: each example corpus on that page is built from the
files it shows, committed on the date it names, and every `tpm` command it shows is run,
with exactly the output printed there. docs/reference.md names every rule (with its code,
kind and default severity), every rule option with its default, every old slug, every
configuration key, and every command and option that tpm has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import make_repo, run_tpm
from tpm.cli import cli
from tpm.config import _TOP_KEYS, _TYPE_KEYS, DATE_ROLES, LIFECYCLE_ROLES
from tpm.rules import all_rules
from tpm.rules.registry import ALIASES, REGISTRY

DOC = (Path(__file__).resolve().parents[1] / "docs" / "adopting.md").read_text(encoding="utf-8")
COMMITTED = "2026-05-04T12:00:00+00:00"  # "committed on 2026-05-04", as the page says


def sections(text: str) -> dict[str, str]:
    """`## ` heading -> its text; headings inside fenced blocks (a file's own) are text."""
    found: dict[str, str] = {}
    current, fenced = None, False
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        if line.startswith("## ") and not fenced:
            current = line[3:].strip()
            found[current] = ""
        elif current is not None:
            found[current] += line
    return found


def files_of(section: str) -> dict[str, str]:
    """The files a section shows: a `path`: line, a blank line, then a fenced block."""
    return dict(re.findall(r"^`([^`\n]+)`:\n\n```(?:markdown|toml|json)\n(.*?)^```", section, re.M | re.S))


def sessions_of(section: str) -> list[tuple[list[str], str]]:
    """Each `console` block: the arguments of its `$ tpm ...` command and what it prints."""
    blocks = re.findall(r"^```console\n\$ tpm (.*?)\n(.*?)^```", section, re.M | re.S)
    return [(command.split(), output) for command, output in blocks]


EXAMPLES = ["An ADR log (MADR)", "A task board with spaces in file names"]


def test_the_page_has_its_examples():
    found = sections(DOC)
    assert [title for title in found if sessions_of(found[title])] == EXAMPLES
    for title in EXAMPLES:
        assert ".tpm.toml" in files_of(found[title])
        assert len(sessions_of(found[title])) == 1


@pytest.mark.parametrize("title", EXAMPLES)
def test_each_example_prints_what_the_page_shows(tmp_path, title):
    section = sections(DOC)[title]
    repo = make_repo(tmp_path / "repo", files_of(section), date=COMMITTED)
    for arguments, shown in sessions_of(section):
        outcome = run_tpm(repo, *arguments)
        assert outcome.err == ""
        assert outcome.out == shown
        assert outcome.code == (1 if " error " in shown else 0)


# docs/reference.md: the whole contract, kept level with the code -----------------------

REFERENCE = (Path(__file__).resolve().parents[1] / "docs" / "reference.md").read_text(encoding="utf-8")
WORDS = " ".join(REFERENCE.split())  # the text with its line breaks as spaces


def rule_rows() -> dict[str, list[str]]:
    """The rules table of docs/reference.md: code -> its cells (code, slug, kind, default, ...)."""
    rows = re.findall(r"^\| (TPM\d{3}) \| (.*) \|$", REFERENCE, re.M)
    return {code: [code, *(cell.strip() for cell in rest.split(" | "))] for code, rest in rows}


def test_the_reference_lists_every_rule_with_its_code_kind_and_default():
    kinds = {"document": {"document", "schedule"}, "project": {"project", "schedule"}, "history": {"history"}}
    rows = rule_rows()
    assert sorted(rows) == sorted(rule.code for rule in all_rules())
    for rule in all_rules():
        _, slug, kind, default, *_ = rows[rule.code]
        assert slug == f"`{rule.slug}`"
        assert kind in kinds[rule.scope], rule.slug
        assert default.split()[0] == rule.severity.value, rule.slug


def test_the_reference_gives_every_option_with_its_default():
    for rule in all_rules():
        for name, default in rule.options.items():
            shown = f'(`"{default}"`)' if isinstance(default, str) else f"({default})"
            assert f"`{name}` {shown}" in WORDS, f"{rule.slug}.{name}"


def test_the_reference_names_every_old_slug():
    for old, new in ALIASES.items():
        assert f"| `{old}` | `{new}` | {REGISTRY[new].code} |" in REFERENCE


def test_the_reference_names_every_configuration_key():
    for key in sorted(_TOP_KEYS | _TYPE_KEYS | set(LIFECYCLE_ROLES) | set(DATE_ROLES)):
        assert re.search(rf"`{key}`|\[{key}[.\]]|\.{key}\]", REFERENCE), key


def test_the_reference_names_every_command_and_option():
    for name, command in cli.commands.items():
        assert f"`tpm {name}" in REFERENCE, name
        for parameter in command.params:
            for option in parameter.opts:
                if option.startswith("--") and option != "--help":
                    assert re.search(rf"`[^`]*{option}\b", REFERENCE), f"tpm {name} {option}"

"""Integer ids, integer and separated references, and `type_key`, end to end through the
real parser and rules on projects built in memory (tests/fakes.py): a numbered-proposal
corpus (`eip: 1559`, `requires: 1474, 1559`) must give zero false dangling references,
find duplicate ids, and locate a dangling part at its own column."""

from __future__ import annotations

import datetime

from fakes import config_of, project_of
from tpm import engine
from tpm.rules import REGISTRY

TODAY = datetime.date(2026, 11, 27)

PROPOSALS = {
    "types": {
        "eip": {
            "paths": ["EIPS/*.md"],
            "id_field": "eip",
            "references": ["requires"],
            "reference_separator": ",",
        }
    }
}


def diagnostics(files: dict[str, str], table: dict, *slugs: str) -> list[str]:
    project = project_of(files, config_of(table))
    result = engine.run(project, [REGISTRY[slug] for slug in slugs], TODAY)
    return [f"{d.path}:{d.line}:{d.column} {d.rule} {d.message}" for d in result.diagnostics]


def proposal(number: int | str, requires: str | None = None) -> str:
    return f"---\neip: {number}\ntitle: Proposal {number}\n" + (f"requires: {requires}\n" if requires else "") + "---\n"


def test_an_integer_id_is_its_decimal_text():
    project = project_of({"EIPS/eip-1559.md": proposal(1559)}, config_of(PROPOSALS))
    [document] = project.documents
    assert (document.type, document.id, document.id_derived) == ("eip", "1559", False)
    assert project.get("1559") is document


def test_two_files_with_the_same_integer_id_are_duplicates():
    files = {"EIPS/eip-1559.md": proposal(1559), "EIPS/eip-1559-copy.md": proposal(1559)}
    assert diagnostics(files, PROPOSALS, "duplicate-id") == [
        "EIPS/eip-1559-copy.md:2:1 duplicate-id id 1559 is also used by EIPS/eip-1559.md",
        "EIPS/eip-1559.md:2:1 duplicate-id id 1559 is also used by EIPS/eip-1559-copy.md",
    ]


def test_an_integer_id_and_the_same_number_as_text_are_one_id():
    files = {"EIPS/a.md": proposal(7), "EIPS/b.md": proposal('"7"')}
    assert [line.split(" ", 1)[0] for line in diagnostics(files, PROPOSALS, "duplicate-id")] == [
        "EIPS/a.md:2:1",
        "EIPS/b.md:2:1",
    ]


def test_integer_list_and_separated_references_name_the_right_documents():
    files = {
        "EIPS/eip-1474.md": proposal(1474),
        "EIPS/eip-1559.md": proposal(1559, "1474"),  # an integer
        "EIPS/eip-2000.md": proposal(2000, "[1474, 1559]"),  # a list of integers
        "EIPS/eip-2001.md": proposal(2001, "1474, 1559"),  # a separated string
        "EIPS/eip-2002.md": proposal(2002, '"1474,1559 , 2000"'),  # quoted, uneven spaces
        "EIPS/eip-2003.md": proposal(2003, '["1474, 1559", 2000]'),  # a separated list item
        "EIPS/eip-2004.md": proposal(2004, '" 1474 "'),  # one part, trimmed
    }
    project = project_of(files, config_of(PROPOSALS))
    named = {}
    for reference in project.references:
        named.setdefault(reference.source.path, []).append(reference.target)
    assert named == {
        "EIPS/eip-1559.md": ["1474"],
        "EIPS/eip-2000.md": ["1474", "1559"],
        "EIPS/eip-2001.md": ["1474", "1559"],
        "EIPS/eip-2002.md": ["1474", "1559", "2000"],
        "EIPS/eip-2003.md": ["1474", "1559", "2000"],
        "EIPS/eip-2004.md": ["1474"],
    }
    assert diagnostics(files, PROPOSALS, "dangling-reference") == []


def test_a_dangling_part_is_located_at_its_own_column():
    files = {
        "EIPS/eip-1474.md": proposal(1474),
        "EIPS/eip-1.md": proposal(1, "1474, 9999"),
        "EIPS/eip-2.md": proposal(2, '"1474,  77"'),
        "EIPS/eip-3.md": "---\neip: 3\ntitle: C\nrequires:\n  - 1474, 88\n  - 99\n---\n",
        "EIPS/eip-4.md": proposal(4, "'1474' , 5"),  # not one plain scalar: YAML reads it as text
    }
    assert diagnostics(files, PROPOSALS, "dangling-reference") == [
        "EIPS/eip-1.md:4:17 dangling-reference `requires` names 9999, which no document has",
        "EIPS/eip-2.md:4:19 dangling-reference `requires` names 77, which no document has",
        "EIPS/eip-3.md:5:11 dangling-reference `requires` names 88, which no document has",
        "EIPS/eip-3.md:6:5 dangling-reference `requires` names 99, which no document has",
    ]


def test_a_part_written_over_two_lines_falls_back_to_the_value():
    files = {"EIPS/eip-1474.md": proposal(1474), "EIPS/eip-5.md": proposal(5, "1474,\n  4242")}
    assert diagnostics(files, PROPOSALS, "dangling-reference") == [
        "EIPS/eip-5.md:4:11 dangling-reference `requires` names 4242, which no document has"
    ]


def test_without_a_separator_a_separated_string_is_one_id():
    table = {"types": {"eip": {**PROPOSALS["types"]["eip"]}}}
    del table["types"]["eip"]["reference_separator"]
    files = {"EIPS/eip-1474.md": proposal(1474), "EIPS/eip-1559.md": proposal(1559, "1474, 1474")}
    assert diagnostics(files, table, "dangling-reference") == [
        "EIPS/eip-1559.md:4:11 dangling-reference `requires` names 1474, 1474, which no document has"
    ]


def test_booleans_and_floats_are_no_ids():
    files = {"EIPS/eip-1.md": proposal(1, "[true, 1.5]"), "EIPS/eip-2.md": "---\neip: true\ntitle: B\n---\n"}
    project = project_of(files, config_of(PROPOSALS))
    assert project.references == []
    assert [d.id for d in project.documents] == ["1", None]


# type_key ---------------------------------------------------------------------------------

STANDARDS = "---\neip: 1559\ntitle: Fee market\ntype: Standards Track\nstatus: Final\n---\n"
CATEGORY_SCHEMA = {"properties": {"type": {"enum": ["Standards Track", "Meta", "Informational"]}}}


def test_with_type_key_off_type_is_an_ordinary_field_and_paths_decide():
    table = {"type_key": "", **PROPOSALS}
    files = {"EIPS/eip-1559.md": STANDARDS}
    project = project_of(files, config_of(table))
    [document] = project.documents
    assert (document.type, document.id, document.data["type"]) == ("eip", "1559", "Standards Track")
    assert diagnostics(files, table, "unknown-type", "schema-violation", "unknown-field") == []


def test_with_the_default_type_key_a_corpus_type_field_is_an_unknown_type():
    assert diagnostics({"EIPS/eip-1559.md": STANDARDS}, PROPOSALS, "unknown-type") == [
        "EIPS/eip-1559.md:4:7 unknown-type unknown type 'Standards Track' (known: milestone, risk, decision, "
        "postmortem, eip)"
    ]


def test_a_renamed_type_key_names_the_type_and_leaves_type_to_the_corpus():
    table = {"type_key": "kind", **PROPOSALS}
    files = {"EIPS/eip-1559.md": STANDARDS, "project/notes/x.md": "---\nkind: eip\neip: 1\ntitle: X\n---\n"}
    project = project_of(files, config_of(table))
    assert [(d.path, d.type) for d in project.documents] == [("EIPS/eip-1559.md", "eip"), ("project/notes/x.md", "eip")]
    assert diagnostics(files, table, "unknown-type", "schema-violation", "unknown-field") == []

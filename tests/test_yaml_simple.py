"""The line reader for front-matters of the common shape (`yamlload._load_simple`) gives
exactly what the YAML parser's events give, or declines; and it is the one taken for the
shapes real front-matters have."""

from __future__ import annotations

import json
import math
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tpm import yamlload
from tpm.yamlload import Mark


def outcome(loaded: yamlload.LoadedYaml) -> tuple[object, ...]:
    """What a load gives, NaN included (NaN is unequal to itself; its JSON text is not)."""
    return (json.dumps(loaded.data), loaded.key_marks, loaded.value_marks, loaded.problems)


def test_the_common_shape_is_read_line_by_line_with_the_parsers_marks():
    text = (
        "# a comment\n"
        "\n"
        "id: ADR-0001\n"
        "title: Upgrade billing: staging\n"  # `: ` in a value: not the common shape
    )
    assert yamlload._load_simple(text, 2) is None
    text = (
        "# a comment\n"
        "\n"
        "id: ADR-0001\n"
        "status:   accepted   \n"
        "decision-makers:\n"
        "  - trent\n"
        "\n"
        "  - erin\n"
        "consulted: [erin,  dave]\n"
        "links: [https://wiki.example.invalid/adr-0001]\n"
        "empty: []\n"
        "budget: 153500\n"
        "ratio: 0.5\n"
        "done: false\n"
        "due: 2026-12-01\n"
        "owner:\n"
        "risks:\n"
        "- R-1\n"
        "name: Zoë (@zoe), Ünal\n"
    )
    simple = yamlload._load_simple(text, 2)
    assert simple is not None
    assert outcome(simple) == outcome(yamlload._load_events(text, 2))
    assert simple.data == {
        "id": "ADR-0001",
        "status": "accepted",
        "decision-makers": ["trent", "erin"],
        "consulted": ["erin", "dave"],
        "links": ["https://wiki.example.invalid/adr-0001"],
        "empty": [],
        "budget": 153500,
        "ratio": 0.5,
        "done": False,
        "due": "2026-12-01",
        "owner": None,
        "risks": ["R-1"],
        "name": "Zoë (@zoe), Ünal",
    }
    marks = simple.value_marks
    assert simple.key_marks[("status",)] == Mark(5, 1)
    assert marks[()] == Mark(4, 1)  # the mapping starts at its first key
    assert marks[("status",)] == Mark(5, 11)
    assert marks[("decision-makers",)] == Mark(7, 3)  # a block list starts at its first `-`
    assert marks[("decision-makers", 1)] == Mark(9, 5)
    assert marks[("consulted",)] == Mark(10, 12)  # a flow list at its `[`
    assert marks[("consulted", 1)] == Mark(10, 20)
    assert marks[("owner",)] == Mark(17, 7)  # nothing after the colon: right after it
    assert marks[("risks", 0)] == Mark(19, 3)


def test_what_is_not_the_common_shape_goes_to_the_parser():
    declined = [
        "id: M-1\nid: M-2\n",  # a duplicate key: the parser's load words the problem
        "true: x\n",  # a key YAML reads as a boolean
        "title: a\n  continued\n",  # a plain scalar over two lines
        "title: a # comment\n",
        "title: 'quoted'\n",
        "tags: [a, [b]]\n",
        "tags: [a,\n  b]\n",
        "tags: [a, ]\n",
        "list:\n  - a\n - b\n",  # items at two indents
        "- a\n",  # a list at the root
        "key:\tvalue\n",
        "key: a\x85b\n",
        "n: " + "1" * 101 + "\n",  # a number over the length limit: the parser's load refuses it
        "# only a comment\n",
        "",
    ]
    for text in declined:
        assert yamlload._load_simple(text, 2) is None, text


KEYS = st.sampled_from(["id", "due", "status", "tags", "a_b", "x-y", "true", "null", "N", "k1"])
VALUES = st.sampled_from(
    [
        "",
        " ",
        "open",
        "open  ",
        "2026-12-01",
        "12",
        "-3",
        "+4",
        "0x1F",
        "0o17",
        "1e3",
        ".5",
        ".inf",
        "-.Inf",
        ".nan",
        "~",
        "null",
        "Null",
        "true",
        "False",
        "no",
        "a: b",
        "a:b",
        "a:",
        "a #b",
        "a#b",
        "#b",
        "-x",
        "- x",
        "?x",
        ":x",
        "!tag x",
        "&anchor x",
        "*alias",
        "|",
        ">",
        "'q'",
        '"q"',
        "%x",
        "@x",
        "`x`",
        "x, y",
        "x]",
        "{a: 1}",
        "[a, b]",
        "[a,b]",
        "[ a , b ]",
        "[]",
        "[ ]",
        "[a, [b]]",
        "[a, 'b']",
        "[a, b",
        "[a]b]",
        "[a{b}]",
        "[a[b]",
        "[a}b]",
        "[a,, b]",
        "[a, b,]",
        "[x:y, http://a]",
        "[a: b]",
        "[a #b]",
        "[-1, true, ~]",
        "Zoë",
        "\u00a0x",
        "x\u00a0",
        "a\\b",
        "1" * 101,
        "x" * 101,
    ]
)
LINES = st.one_of(
    st.builds(lambda key, value: f"{key}:{' ' if value else ''}{value}", KEYS, VALUES),
    st.builds(lambda indent, value: f"{' ' * indent}- {value}", st.integers(0, 3), VALUES),
    st.sampled_from(["", "  ", "# comment", "  # indented comment", "  continued", "key:value", "key :v", "---"]),
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(LINES, max_size=10))
def test_the_line_reader_gives_what_the_parser_gives_or_declines(lines):
    text = "\n".join(lines)
    simple = yamlload._load_simple(text, 3)
    if simple is not None:
        assert outcome(simple) == outcome(yamlload._load_events(text, 3))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789+-._eEoOxXabcfFinNlLtTuUrsS~ ", max_size=8))
def test_a_plain_scalar_resolves_as_the_yaml_core_schema_says(text):
    value = yamlload._plain_scalar(text)
    forms = [
        (r"~|null|Null|NULL|", lambda t: None),
        (r"true|True|TRUE", lambda t: True),
        (r"false|False|FALSE", lambda t: False),
        (r"[-+]?[0-9]+", int),
        (r"0o[0-7]+", lambda t: int(t[2:], 8)),
        (r"0x[0-9a-fA-F]+", lambda t: int(t[2:], 16)),
        (r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?", float),
        (r"[-+]?\.(inf|Inf|INF)", lambda t: -math.inf if t.startswith("-") else math.inf),
        (r"\.(nan|NaN|NAN)", lambda t: math.nan),
    ]
    expected: object = text
    for pattern, convert in forms:
        if re.fullmatch(pattern, text):
            expected = convert(text)
            break
    assert json.dumps(value) == json.dumps(expected) and type(value) is type(expected)


def test_keys_yaml_reads_as_no_text_are_left_to_the_parser_and_no_others():
    for key in ("null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"):
        assert not isinstance(yamlload._plain_scalar(key), str)
        assert yamlload._load_simple(f"{key}: x\n", 2) is None
    for key in ("nan", "NaN", "inf", "yes", "on", "No", "nulls", "true_", "_false"):
        simple = yamlload._load_simple(f"{key}: x\n", 2)
        assert simple is not None and simple.data == {key: "x"} == yamlload._load_events(f"{key}: x\n", 2).data


def test_the_line_reader_takes_just_the_characters_yaml_reads_as_printable():
    # YAML 1.2's printable set, less tab, carriage return, NEL and the two Unicode line
    # breaks (which YAML reads as line breaks and editors do not), and the BOM.
    def printable(point: int) -> bool:
        return (
            point == 0x0A
            or 0x20 <= point <= 0x7E
            or 0xA0 <= point <= 0xD7FF
            or 0xE000 <= point <= 0xFFFD
            or 0x10000 <= point <= 0x10FFFF
        ) and point not in (0x2028, 0x2029, 0xFEFF)

    for point in [*range(0x300), *range(0x2000, 0x2100), *range(0xD700, 0xE100), *range(0xFE00, 0x10100)]:
        assert bool(yamlload._SIMPLE_CHARS.fullmatch(chr(point))) == printable(point), hex(point)

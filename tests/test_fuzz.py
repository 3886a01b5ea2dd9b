"""Fuzzing whole projects (issue "Robustness", part 2).

Hypothesis builds documents of every built-in type -- front-matter dumped with
yaml.safe_dump from generated Python values, sometimes mixed with raw hostile YAML
(anchors, tags, odd scalars, deep nesting, control characters, huge values, odd keys) --
and Markdown bodies (Checkpoints / Action items / Mitigation sections, task items with
good and bad dates and owners, fences, tables, HTML, hostile titles), commits them to a
small real git repository and runs `tpm check` and `tpm report` in-process. Properties:

1. nothing raises: `check` exits 0 or 1 (1 exactly when there are errors), `report`
   exits 0, and nothing is written to stderr;
2. every location lies inside its file;
3. two runs (the second one served from tpm's caches) give byte-identical output;
4. JSON keeps its documented keys, SARIF validates against the official schema, the
   Markdown report keeps its tables, HTML and Mermaid charts intact;
5. `lint: {ignore: [SLUG]}` removes exactly that document's SLUG diagnostics.

Profiles (tests/conftest.py): "ci" (default: bounded, derandomized) and "long"
(`HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz.py`).

Location checks go one step further than line numbers: the column is at most one past
the end of its line. Output is also checked for `--no-cache` runs, `junit` (well-formed
XML) and `codequality` (one issue per diagnostic).

Bugs found by fuzzing are pinned at the end of the file as plain regression tests
(`test_found_...`); all are fixed, and the strategies generate their triggers.
"""

from __future__ import annotations

import collections
import datetime
import json
import re
import tempfile
from xml.etree import ElementTree
from functools import lru_cache
from pathlib import Path

import yaml
from hypothesis import assume, event, given, note, settings
from hypothesis import strategies as st

from helpers import git, make_repo, run_tpm, write_files
from tpm.document import load_front_matter, split_source
from tpm.rules import REGISTRY

TODAY = "2026-11-27"
SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "data" / "sarif-schema-2.1.0.json"

TYPES = ("milestone", "risk", "decision", "postmortem")
FOLDER = {"milestone": "milestones", "risk": "risks", "decision": "decisions", "postmortem": "postmortems"}
PREFIX = {"milestone": "M", "risk": "R", "decision": "ADR", "postmortem": "PM"}
SLUGS = sorted(REGISTRY)


# The budget of the tests that build several commits or repositories per example, as a
# share of the profile's max_examples.
_BASE = settings().max_examples


def _fewer(share: float) -> settings:
    return settings(max_examples=max(5, int(_BASE * share)))


# --------------------------------------------------------------------------------------
# Strategies: text, ids, dates, values
# --------------------------------------------------------------------------------------

HOSTILE = [
    "Pipes | and <script>alert(1)</script>",
    "Colons: and # hashes; semicolons",
    "Quotes \"double\" and 'single' [brackets] {braces}",
    "section Fake section",
    "click t1 call alert(1)",
    "excludes weekends",
    "todayMarker off",
    "title: gantt",
    "%% a mermaid comment",
    "```mermaid",
    "<img src=x onerror=alert(1)>",
    "a || b | c \\| d \\",
    "&lt;script&gt; &amp; &#60;",
    "[x](javascript:alert(1))",
    "Back`ticks` *stars* _under_ ~tilde~ \\backslash",
    "Line one\nLine two",
    "tab\there",
    "nel\x85ls\u2028ps\u2029",
    "bell\x07esc\x1b[31m",
    "🚀 emoji \u202e rtl \u200b zwsp",
    "- [ ] 2026-01-01 a fake task @mallory",
    "# a heading",
    "---",
    "...",
    "",
    " ",
    "null",
    "~",
    "@",
    "x" * 300,
]
SECTION_NAMES = [
    "Checkpoints",
    "checkpoints",
    "CHECKPOINTS:",
    "Action items",
    "action Items",
    "Mitigation",
    "mitigation:",
    "Lessons learned",
    "Context",
    "Checkpoints and more",
]
ID_POOL = [
    "M-1",
    "M-2",
    "M-3",
    "R-1",
    "R-2",
    "ADR-0001",
    "ADR-0002",
    "PM-1",
    "0001",
    "1",
    "section",
    "Title",
    "click",
    "gantt",
    "dateFormat",
    "excludes",
    "todayMarker",
    "a.b_c-d",
    "m-1",
]

_any_char = st.characters(codec="utf-8", exclude_categories=("Cs",))
_syntax_chars = "|<>:#;\"'[]{}%`\\&*_~!@-=+.,()/ \t\nab12"

text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(_any_char, max_size=30),
    st.text(st.sampled_from(_syntax_chars), max_size=25),
    st.sampled_from(["Launch", "Vendor lock-in", "Use Postgres", "Outage"]),
)
line_text = text.map(lambda s: " ".join(s.replace("\x00", "").splitlines()))
GANTT_KEYWORDS = {  # Mermaid's gantt lexer is case-insensitive
    "gantt",
    "dateformat",
    "axisformat",
    "tickinterval",
    "title",
    "section",
    "excludes",
    "includes",
    "todaymarker",
    "click",
    "inclusiveenddates",
    "topaxis",
    "weekday",
    "weekend",
    "acctitle",
    "accdescr",
}


ids = st.one_of(st.sampled_from(ID_POOL), st.sampled_from(ID_POOL), text)


def _iso(value: datetime.date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


_near = st.dates(datetime.date(2025, 6, 1), datetime.date(2027, 6, 1))
_all_dates = st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31))
_edge_dates = st.sampled_from([datetime.date(1, 1, 1), datetime.date(9999, 12, 31), datetime.date(9999, 12, 20)])
date_text = st.one_of(
    _near.map(_iso),
    _near.map(_iso),
    _all_dates.map(_iso),
    _edge_dates.map(_iso),
    st.sampled_from(
        [
            "2026-02-30",
            "2026-13-01",
            "2026-00-10",
            "2026-1-5",
            "26-01-05",
            "2026-12-01T10:00:00",
            "2026-12-01 ",
            "２０２６-１２-０１",
            "tomorrow",
            "",
            "0000-01-01",
        ]
    ),
)
# Values for a date field: strings, real dates (dumped unquoted), datetimes, junk.
date_value = st.one_of(
    date_text,
    date_text,
    _near,
    _edge_dates,
    st.datetimes(datetime.datetime(2025, 1, 1), datetime.datetime(2027, 12, 31)),
    st.integers(-5, 30000000),
    st.none(),
)

_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(10**120), 10**120),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
    date_text,
    _near,
)
_key = st.one_of(text, st.integers(-3, 3), st.booleans(), st.none(), st.floats(allow_nan=False, width=16))
_nested_key = _key
junk = st.recursive(
    _scalar,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_nested_key, children, max_size=3),
    max_leaves=8,
)

STATUS = {
    "milestone": ["planned", "in-progress", "done", "cancelled"],
    "risk": ["open", "mitigating", "accepted", "closed"],
    "decision": [
        "proposed",
        "accepted",
        "rejected",
        "deprecated",
        "superseded",
        "superseded by ADR-0002",
        "superseded by [ADR-0001](0001-x.md)",
        "Superseded by ADR-9",
    ],
    "postmortem": ["draft", "final"],
}
_rating = st.one_of(
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(-2, 30),
    st.booleans(),
    st.floats(0, 6),
    st.sampled_from(["3", "high"]),
)
_id_refs = st.one_of(ids, st.lists(ids, max_size=4), junk)
_names = st.one_of(line_text, st.lists(line_text, max_size=3))


def _fields(doc_type: str) -> dict:
    """Field -> strategy of its value, per type (the common ones first)."""
    common = {"id": ids, "title": text, "owner": text, "tags": st.one_of(st.lists(text, max_size=3), junk)}
    status = st.one_of(st.sampled_from(STATUS[doc_type]), st.sampled_from(STATUS[doc_type]), text, junk)
    specific = {
        "milestone": {
            "status": status,
            "due": date_value,
            "start": date_value,
            "completed": date_value,
            "depends_on": _id_refs,
            "risks": _id_refs,
            "phase": st.one_of(st.sampled_from(["kickoff", "design", "development", "testing", "closure"]), text),
        },
        "risk": {
            "status": status,
            "likelihood": _rating,
            "impact": _rating,
            "mitigation": text,
            "review_every": st.one_of(st.integers(-1, 400), junk),
            "reviewed": date_value,
            "reviewed_by": text,
            "milestones": _id_refs,
        },
        "decision": {
            "status": status,
            "date": date_value,
            "decision-makers": _names,
            "deciders": _names,
            "consulted": _names,
            "informed": _names,
            "supersedes": _id_refs,
            "superseded_by": _id_refs,
        },
        "postmortem": {"date": date_value, "status": status, "milestone": _id_refs},
    }[doc_type]
    return {**common, **specific}


REQUIRED = {
    "milestone": ("id", "title", "status", "due"),
    "risk": ("id", "title", "status", "likelihood", "impact"),
    "decision": ("title", "status"),
    "postmortem": ("id", "title", "date"),
}


def _clean_fields(doc_type: str) -> dict:
    """Field -> strategy of a valid value: documents that pass the schema reach the rules."""
    pool = st.sampled_from(["M-1", "M-2", "M-3", "R-1", "R-2", "ADR-0001", "ADR-0002", "PM-1"])
    refs = st.lists(pool, max_size=3)
    date = _near.map(_iso)
    common = {
        "id": st.sampled_from([f"{PREFIX[doc_type]}-1", f"{PREFIX[doc_type]}-2", f"{PREFIX[doc_type]}-3"]),
        "title": line_text.filter(str.strip),
        "owner": st.sampled_from(["ann", "bob", "Pipes | <b>"]),
    }
    status = st.sampled_from(STATUS[doc_type])
    specific = {
        "milestone": {
            "status": status,
            "due": date,
            "start": date,
            "completed": date,
            "depends_on": refs,
            "risks": refs,
            "phase": st.sampled_from(["design", "development", "testing"]),
        },
        "risk": {
            "status": status,
            "likelihood": st.integers(1, 5),
            "impact": st.integers(1, 5),
            "mitigation": st.sampled_from(["Keep a second supplier", ""]),
            "review_every": st.integers(1, 30),
            "reviewed": date,
            "milestones": refs,
        },
        "decision": {"status": status, "date": date, "supersedes": refs, "superseded_by": refs},
        "postmortem": {"date": date, "status": status, "milestone": pool},
    }[doc_type]
    return {**common, **specific}


@st.composite
def front_matter_dict(draw, doc_type: str) -> dict:
    """A mapping of the type's fields (each usually present), some odd extra keys, and
    sometimes a `type:` field; about half of the documents have only valid values."""
    if draw(st.booleans()):
        data = {}
        for name, strategy in _clean_fields(doc_type).items():
            if draw(st.floats(0, 1)) < (0.95 if name in REQUIRED[doc_type] else 0.4):
                data[name] = draw(strategy)
        return data
    fields = _fields(doc_type)
    data = {}
    for name, strategy in fields.items():
        present = 0.85 if name in REQUIRED[doc_type] else 0.35
        if draw(st.floats(0, 1)) < present:
            data[name] = draw(st.one_of(strategy, strategy, strategy, junk) if name != "id" else strategy)
    if draw(st.integers(0, 5)) == 0:
        data["type"] = draw(st.one_of(st.sampled_from([*TYPES, "task", "Milestone", ""]), junk))
    for key in draw(st.lists(_key, max_size=2)):
        if key != "lint":
            data[key] = draw(junk)
    keys = list(data)
    order = draw(st.permutations(keys))
    return {key: data[key] for key in order}


DUMP_OPTIONS = st.fixed_dictionaries(
    {
        "default_flow_style": st.sampled_from([False, False, None, True]),
        "allow_unicode": st.booleans(),
        "width": st.sampled_from([80, 80, 20, 10000]),
        "indent": st.sampled_from([2, 4]),
        "default_style": st.sampled_from([None, None, None, '"', "'", "|"]),
    }
)


def dump(data: dict, options: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, **options).rstrip("\n")


def _deep_flow(depth: int) -> str:
    return "deep: " + "[" * depth + "]" * depth


def _deep_block(depth: int) -> str:
    return "\n".join("  " * level + f"k{level}:" for level in range(depth)) + " x"


HOSTILE_YAML = [
    "a: &x [1, 2, 3]\nb: *x\nc: *x",
    "base: &b {id: M-9, status: planned}\nmerged:\n  <<: *b\n  title: t",
    "<<: {status: done}",
    "lol0: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "\n".join(f"lol{i}: &{'abcdefghij'[i]} [{', '.join(['*' + 'abcdefghij'[i - 1]] * 10)}]" for i in range(1, 6)),
    "x: *nope",
    "tagged: !!python/object/apply:os.system ['echo hi']",
    "tagged: !!binary aGVsbG8=",
    "tagged: !!set {a, b}",
    "tagged: !!timestamp 2026-12-01",
    "tagged: !!int 12x",
    "tagged: !!float .inf",
    "tagged: !!bool yes",
    "tagged: !custom thing",
    "tagged: !<tag:example.com,2026:x> y",
    "due: !!str 2026-12-01",
    "title: !!null ''",
    "odd: [yes, no, on, off, y, n, ~, .NaN, -.inf, 0o17, 0x1F, 0b101, 1_000, 1e400, +12, 012]",
    "big: " + "9" * 101,
    "big: 1" + "0" * 99,
    "big: " + "1." + "5" * 120,
    _deep_flow(31),
    _deep_flow(33),
    _deep_flow(200),
    _deep_block(31),
    _deep_block(40),
    "? [a, b]\n: complex key",
    "? {a: 1}\n: mapping key",
    "1: int key\ntrue: bool key\nnull: null key\n'': empty key\n3.5: float key",
    "id: A\nid: B",
    'ünïcødé: 🚀\n"\\u202e": rtl\n"\\0": nul',
    'ctrl: "\\x07\\x1b\\x7f\\x85\\u2028"',
    "bell: a\x07b",
    "nel: a\x85b",
    "ls: a\u2028b\nafter: c",
    "tab:\tvalue",
    "\tindented: with a tab",
    "%YAML 1.2\n---\na: b",
    "a: b\n--- \nc: d",
    "a: b\n...\n",
    "list:\n- a\n - b",
    "unclosed: [a, b",
    'unclosed: "abc',
    "str: 'it''s'",
    "multi: |\n  line one\n  ---\n  line three",
    "folded: >-\n  a\n  b",
    "- a list\n- not a mapping",
    "just a scalar",
    "",
    "# only a comment",
    "huge: " + "x" * 70_000,
    "many:\n" + "\n".join(f"  - item{i}" for i in range(2000)),
    "keys:\n" + "\n".join(f"  k{i}: {i}" for i in range(600)),
    "&anchor",
    "*alias",
    "{",
    "]",
    ": no key",
    "lint: {ignore: [overdue-milestone], until: 2020-01-01}",
    "lint: {ignore: [no-such-rule, TPM201, 7]}",
    "lint: [oops]",
]
hostile_yaml = st.one_of(
    st.sampled_from(HOSTILE_YAML),
    st.text(_any_char, max_size=60),
    st.text(st.sampled_from("-:?&*!|>[]{},#%@`'\" \n\tabc123"), max_size=40),
)


@st.composite
def front_matter_text(draw, doc_type: str):
    """(text, data, options): YAML between the fences. `data` and `options` are None when
    the text is not just a dump of a dict (hostile YAML went in)."""
    data = draw(front_matter_dict(doc_type))
    options = draw(DUMP_OPTIONS)
    dumped = dump(data, options) if data else ""
    mode = draw(st.sampled_from(["dict", "dict", "dict", "before", "after", "only"]))
    if mode == "dict":
        return dumped, data, options
    snippet = draw(hostile_yaml)
    if mode == "only":
        return snippet, None, None
    block = "\n".join(part for part in ((snippet, dumped) if mode == "before" else (dumped, snippet)))
    return block, None, None


# --------------------------------------------------------------------------------------
# Markdown bodies
# --------------------------------------------------------------------------------------

_owner = st.sampled_from(["", " @bob", " @ann.lee-2", " @", " @ü", " @bob @carol", " (@dave)", "@eve"])


@st.composite
def task_item(draw) -> str:
    indent = draw(st.sampled_from(["", "", "  ", "    ", "\t"]))
    bullet = draw(st.sampled_from(["-", "-", "*", "+", "1.", "2)"]))
    box = draw(st.sampled_from(["[ ]", "[ ]", "[x]", "[X]", "[]", "[  ]", "[-]", "[ ]\t"]))
    date = draw(st.one_of(date_text, date_text, st.just("")))
    words = draw(line_text)
    more = draw(st.sampled_from(["", "", "\n  continued line", "\n\n  second paragraph"]))
    return f"{indent}{bullet} {box} {date} {words}{draw(_owner)}{more}"


@st.composite
def heading(draw) -> str:
    title = draw(st.one_of(st.sampled_from(SECTION_NAMES), st.sampled_from(SECTION_NAMES), line_text))
    if draw(st.integers(0, 6)) == 0:
        return f"{title or 'x'}\n{draw(st.sampled_from(['===', '---']))}"
    return f"{'#' * draw(st.integers(1, 7))} {title}"


def _table(cells: list) -> str:
    header = "| " + " | ".join(f"h{i}" for i in range(len(cells))) + " |"
    return "\n".join([header, "|" + " --- |" * len(cells), "| " + " | ".join(cells) + " |"])


block = st.one_of(
    heading(),
    heading(),
    task_item(),
    task_item(),
    task_item(),
    st.lists(task_item(), min_size=1, max_size=4).map("\n".join),
    line_text,
    st.builds(
        lambda inner, fence: f"{fence}\n{inner}\n{fence}",
        st.lists(task_item(), max_size=2).map("\n".join),
        st.sampled_from(["```", "~~~", "````"]),
    ),
    st.just("```\n- [ ] 2026-01-01 inside an unclosed fence"),
    st.lists(line_text.map(lambda s: s.replace("|", "\\|")), min_size=1, max_size=3).map(_table),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "<div>\n- [ ] 2026-01-01 inside html @x\n</div>",
            "<!-- - [ ] 2026-01-01 in a comment -->",
            "> - [ ] 2026-12-01 quoted task @bob",
            "    - [ ] 2026-12-01 indented code",
            "---\nid: M-99\n---",
            "***",
            "[ref]: http://example.com",
            "- [ ]",
            "- [x] 2026-12-01",
            "1. [ ] 2026-12-01 ordered",
            "- [ ] 2026-12-01 a\n  - [ ] 2026-12-02 nested",
        ]
    ),
)


_clean_task = st.builds(
    lambda box, date, words, owner: f"- [{box}] {date} {words}{owner}",
    st.sampled_from([" ", " ", "x"]),
    st.one_of(_near.map(_iso), _near.map(_iso), date_text),
    line_text,
    _owner,
)
SECTIONS = {
    "milestone": ["Checkpoints"],
    "risk": ["Mitigation"],
    "postmortem": ["Lessons learned", "Action items"],
    "decision": ["Context"],
}


@st.composite
def body_text(draw, doc_type: str = "milestone") -> str:
    blocks = draw(st.lists(block, max_size=10))
    if draw(st.booleans()):  # the type's own sections, with dated items
        blocks = [f"# {draw(line_text)}", *blocks]
        for name in SECTIONS[doc_type]:
            position = draw(st.integers(0, len(blocks)))
            blocks[position:position] = [f"## {name}", *draw(st.lists(_clean_task, max_size=4))]
    return "".join(b + draw(st.sampled_from(["\n", "\n\n", "\n\n"])) for b in blocks)


# --------------------------------------------------------------------------------------
# Documents and projects
# --------------------------------------------------------------------------------------

FILE_STEMS = ["x", "launch-plan", "a b", "(paren)", "ünïcødé", "#hash", "semi;colon", "pipe|bar", "<b>", "q'uote"]


class Doc(dict):
    """A generated document; its repr (in falsifying examples) shortens huge strings."""

    def __repr__(self) -> str:
        def short(value):
            if isinstance(value, str) and len(value) > 3000:
                return value[:1500] + f"...<{len(value) - 3000} characters>..." + value[-1500:]
            return value

        return "Doc(" + repr({k: short(v) for k, v in self.items()}) + ")"


@st.composite
def document(draw, doc_type: str | None = None) -> dict:
    doc_type = doc_type or draw(st.sampled_from(TYPES))
    fm, data, options = draw(front_matter_text(doc_type))
    body = draw(body_text(doc_type))
    shape = draw(st.sampled_from(["normal"] * 12 + ["no-fm", "unclosed", "toml", "dots", "empty"]))
    if shape == "normal":
        content = f"---\n{fm}\n---\n{body}"
    elif shape == "dots":
        content = f"---\n{fm}\n...\n{body}"
    elif shape == "no-fm":
        content, data = body, None
    elif shape == "unclosed":
        content, data = f"---\n{fm}\n{body.replace('---', '- - -')}", None
    elif shape == "toml":
        content, data = f"+++\ntitle = 'x'\n+++\n{body}", None
    else:
        content, data = "", None
    if not draw(st.integers(0, 4)):
        content = content.rstrip("\n")  # no final newline
    ending = draw(st.sampled_from(["\n"] * 10 + ["\r\n", "\r"]))
    bom = draw(st.integers(0, 15)) == 0
    number = draw(st.integers(1, 4))
    folder = doc_type if draw(st.integers(0, 9)) else draw(st.sampled_from(TYPES))
    if doc_type == "decision":
        name = draw(st.sampled_from([f"{number:04d}-{{}}.md", f"ADR-{number}-{{}}.md", "{}.md"]))
    else:
        name = draw(st.sampled_from([f"{PREFIX[doc_type]}-{number}-{{}}.md", f"{number}-{{}}.md", "{}.md"]))
    name = name.format(draw(st.sampled_from(FILE_STEMS)))
    return Doc(
        {
            "path": f"project/{FOLDER[folder]}/{name}",
            "type": doc_type,
            "data": data,  # the front-matter dict when the file holds exactly its dump
            "options": options,
            "fm": fm,
            "body": body,
            "ending": ending,
            "bom": bom,
            "content": content,
        }
    )


def encode(doc: dict, content: str | None = None) -> bytes:
    content = doc["content"] if content is None else content
    raw = content.replace("\n", doc["ending"]).encode("utf-8")
    return b"\xef\xbb\xbf" + raw if doc["bom"] else raw


def huge_body_document() -> dict:
    body = "- [ ] 2026-12-01 " + "y" * (1024 * 1024) + "\n"
    content = f"---\nid: M-7\ntitle: Huge\nstatus: planned\ndue: 2026-12-01\n---\n## Checkpoints\n\n{body}"
    return Doc(
        path="project/milestones/M-7-huge.md",
        type="milestone",
        data=None,
        options=None,
        fm="",
        body=body,
        ending="\n",
        bom=False,
        content=content,
    )


@st.composite
def project_files(draw, min_size: int = 1, max_size: int = 4) -> list:
    docs = draw(st.lists(document(), min_size=min_size, max_size=max_size))
    if draw(st.integers(0, 60)) == 60:  # not 0: the shrinker would pull it in
        docs.append(huge_body_document())
    unique = {}
    for doc in docs:
        unique.setdefault(doc["path"], doc)
    return list(unique.values())


def files_of(docs: list) -> dict:
    files = {doc["path"]: encode(doc) for doc in docs}
    files["README.md"] = "# a project\n"
    return files


todays = st.one_of(st.just(TODAY), st.just(TODAY), st.just(TODAY), _near.map(_iso), _edge_dates.map(_iso))


# --------------------------------------------------------------------------------------
# Checks on the outputs
# --------------------------------------------------------------------------------------

JSON_KEYS = {"version", "today", "diagnostics", "summary"}
DIAGNOSTIC_KEYS = {"path", "line", "column", "end_line", "code", "rule", "severity", "message"}
SUMMARY_KEYS = {"files", "errors", "warnings", "infos", "skipped_rules"}


def file_lines(repo: Path, path: str) -> list:
    """The file's lines as tpm counts them: BOM dropped, CRLF/CR/LF line ends."""
    raw = (repo / path).read_bytes()
    text = raw.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()  # after the last line end: not a line
    return lines


def check_json(repo: Path, out: str, code: int, paths: set) -> dict:
    report = json.loads(out)
    assert set(report) == JSON_KEYS and report["version"] == 1
    assert set(report["summary"]) == SUMMARY_KEYS
    counts = collections.Counter(d["severity"] for d in report["diagnostics"])
    summary = report["summary"]
    assert (summary["errors"], summary["warnings"], summary["infos"]) == (
        counts["error"],
        counts["warning"],
        counts["info"],
    )
    assert code == (1 if counts["error"] else 0), (code, counts)
    for d in report["diagnostics"]:
        assert set(d) == DIAGNOSTIC_KEYS, d
        assert d["rule"] in REGISTRY and d["code"] == REGISTRY[d["rule"]].code, d
        assert d["severity"] in ("error", "warning", "info")
        assert d["path"] in paths, d
        lines = file_lines(repo, d["path"])
        assert all(type(d[k]) is int for k in ("line", "column", "end_line")), d
        assert 1 <= d["line"] <= d["end_line"] <= max(len(lines), 1), (d, len(lines))
        assert d["column"] >= 1, d
        line = lines[d["line"] - 1] if lines else ""
        assert d["column"] <= len(line) + 1, (d, line)
    return report


def check_text(out: str, report: dict) -> None:
    lines = out.split("\n")
    assert lines[-1] == "" and len(lines) == len(report["diagnostics"]) + 2, out[-2000:]
    for line, d in zip(lines, report["diagnostics"], strict=False):
        assert line.startswith(f"{d['path']}:{d['line']}:{d['column']}: {d['severity']} {d['rule']} "), line
    keys = [(d["path"], d["line"], d["column"], d["rule"]) for d in report["diagnostics"]]
    assert keys == sorted(keys)
    assert lines[-2].startswith("Checked ")


@lru_cache(maxsize=1)
def sarif_validator():
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def check_sarif(out: str, report: dict) -> None:
    sarif = json.loads(out)
    if SARIF_SCHEMA.is_file():
        sarif_validator().validate(sarif)
    results = sarif["runs"][0]["results"]
    assert len(results) == len(report["diagnostics"])
    for result, d in zip(results, report["diagnostics"], strict=False):
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"], region["endLine"]) == (
            d["line"],
            d["column"],
            d["end_line"],
        )


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


MERMAID = re.compile(r"```mermaid\n(.*?)\n```", re.S)
_HEADER_LINE = re.compile(
    r"    (dateFormat YYYY-MM-DD|axisFormat (%d %b|%b %Y|%Y)|tickInterval \d+(week|month)|todayMarker off"
    r"|title Milestones(: [\w .,()/&+…-]+)? \(as of \d{4}-\d{2}-\d{2}\)|section [\w .,()/&+…-]+)"
)  # … ends a long name; a title names its part of a split chart after "Milestones: "
_TASK_LINE = re.compile(
    r"    (?P<label>[^:\n]*) :(?P<tags>(?:(?:done|active|crit|milestone), )*)(?P<id>t\d+|asof), "
    r"(?P<start>\d{4}-\d{2}-\d{2}), (?P<end>\d{4}-\d{2}-\d{2}|0d)"
)


_XYCHART_LINE = re.compile(
    r'    (title "[\w ,]+"|x-axis \[("\d\d-\d\d"(, )?)+\]|y-axis "[\w ]+" 0 --> \d+|(bar|line) \[(\d+(, )?)+\])'
)


def check_gantt_strict(markdown: str) -> None:
    """Every line of every Mermaid block is a fixed header line or a task line with exactly
    one `:`, a non-empty label that is no Mermaid keyword and holds no Mermaid syntax, a
    unique generated id and ISO dates in order."""
    for chart in MERMAID.findall(markdown):
        lines = chart.split("\n")
        if lines[0] == "---":  # the trends: a fixed colour header, then our words, dates and numbers only
            assert lines[:4] == ["---", "config:", "  themeVariables:", "    xyChart:"], chart
            assert re.fullmatch(r'      plotColorPalette: "#[0-9a-f]{6}(, #[0-9a-f]{6})*"', lines[4]), chart
            assert lines[5:7] == ["---", "xychart-beta"], chart
            for line in lines[7:]:
                assert _XYCHART_LINE.fullmatch(line), line
            continue
        assert lines[0] == "gantt", chart
        ids = []
        for line in lines[1:]:
            task = _TASK_LINE.fullmatch(line)
            if task is None:
                assert _HEADER_LINE.fullmatch(line), line
                assert ":" not in line.removeprefix("    title Milestones:"), line
                continue
            assert line.count(":") == 1, line
            label = task["label"].strip()
            assert label, f"empty label: {line!r}"
            assert label.split(" ", 1)[0].lower() not in GANTT_KEYWORDS, f"label is a Mermaid statement: {line!r}"
            assert not re.search(r"[#;\"'<>\[\]{}%`:]", label), line
            ids.append(task["id"])
            start = datetime.date.fromisoformat(task["start"])
            if task["end"] == "0d":
                assert "milestone" in task["tags"], line
            else:
                assert start <= datetime.date.fromisoformat(task["end"]), line
        assert len(ids) == len(set(ids)), chart


_OUR_HTML = re.compile(r"</?details>|<summary>\d+ (findings? the sections above do not show|more items?)</summary>")


def check_report_markdown(markdown: str) -> None:
    """No HTML but the appendix's folding, whole lines of our own."""
    text = "\n".join(line for line in markdown.split("\n") if not _OUR_HTML.fullmatch(line))
    assert "<" not in text.replace("&lt;", ""), [line for line in text.splitlines() if "<" in line.replace("&lt;", "")]
    lines = markdown.split("\n")
    header = None
    for line in lines:
        if line.startswith("|"):
            if header is None:
                header = line
            assert _unescaped_pipes(line) == _unescaped_pipes(header), (header, line)
        else:
            header = None
    assert markdown.count("```") % 2 == 0
    check_gantt_strict(markdown)


def run_all(repo: Path, today: str, history: bool, paths: set) -> dict:
    """Every output twice: exit codes, stderr, determinism, formats. Returns the JSON."""
    flags = ["--today", today] + ([] if history else ["--no-history"])
    outputs = {}
    for fmt in ("json", "text", "sarif"):
        first = run_tpm(repo, "check", "--format", fmt, *flags)
        second = run_tpm(repo, "check", "--format", fmt, *flags)
        for outcome in (first, second):
            assert outcome.code in (0, 1), (fmt, outcome.code, outcome.err)
            assert outcome.err == "", outcome.err
        assert (first.code, first.out) == (second.code, second.out), f"{fmt} output differs between runs"
        outputs[fmt] = first
    fresh = run_tpm(repo, "check", "--format", "json", "--no-cache", *flags)
    assert (fresh.code, fresh.out, fresh.err) == (outputs["json"].code, outputs["json"].out, ""), "--no-cache differs"
    report = check_json(repo, outputs["json"].out, outputs["json"].code, paths)
    for rule in sorted({d["rule"] for d in report["diagnostics"]}):
        event(f"rule {rule}")
    check_text(outputs["text"].out, report)
    check_sarif(outputs["sarif"].out, report)
    junit = run_tpm(repo, "check", "--format", "junit", *flags)
    assert junit.code == outputs["json"].code and junit.err == ""
    ElementTree.fromstring(junit.out)
    quality = run_tpm(repo, "check", "--format", "codequality", *flags)
    assert quality.code == outputs["json"].code and quality.err == ""
    assert len(json.loads(quality.out)) == len(report["diagnostics"])

    for fmt in ("markdown", "json"):
        first = run_tpm(repo, "report", "--format", fmt, *flags)
        second = run_tpm(repo, "report", "--format", fmt, *flags)
        assert (first.code, first.err) == (0, ""), (fmt, first.code, first.err)
        assert (second.code, second.out, second.err) == (0, first.out, ""), f"report {fmt} differs between runs"
        if fmt == "markdown":
            check_report_markdown(first.out)
            event(f"report: {len(MERMAID.findall(first.out))} chart(s), {first.out.count(chr(10) + '| ')} table rows")
        else:
            data = json.loads(first.out)
            assert data["version"] == 1 and data["today"] == today
    return report


# --------------------------------------------------------------------------------------
# Properties 1-4: one commit, no history
# --------------------------------------------------------------------------------------


@given(docs=project_files(), today=todays)
def test_fuzzed_projects_lint_and_report_cleanly(docs, today):
    with tempfile.TemporaryDirectory() as tmp:
        files = files_of(docs)
        repo = make_repo(Path(tmp) / "repo", files)
        run_all(repo, today, history=False, paths=set(files))


# --------------------------------------------------------------------------------------
# Properties 1-4 with git history: a few commits on different dates
# --------------------------------------------------------------------------------------


@st.composite
def history_steps(draw):
    """2-3 versions of a small project, committed on increasing dates."""
    first = draw(project_files(max_size=3))
    versions = [first]
    for _ in range(draw(st.integers(1, 2))):
        previous = versions[-1]
        changed = []
        for doc in previous:
            if draw(st.booleans()):
                replacement = draw(document(doc["type"]))
                replacement = Doc(replacement, path=doc["path"])
                changed.append(replacement)
            elif doc["data"] is not None and draw(st.booleans()):
                data = dict(doc["data"])  # a slip, a review, a status change: keys stay in place
                for key in ("due", "reviewed", "likelihood", "status"):
                    if key in data and draw(st.booleans()):
                        data[key] = draw(_fields(doc["type"])[key])
                fm = dump(data, doc["options"])
                changed.append(Doc(doc, data=data, fm=fm, content=f"---\n{fm}\n---\n{doc['body']}"))
            else:
                changed.append(doc)
        versions.append(changed + draw(project_files(min_size=0, max_size=1)))
    start = draw(st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 11, 20)))
    gaps = draw(st.lists(st.integers(0, 40), min_size=len(versions), max_size=len(versions)))
    dates, when = [], start
    for gap in gaps:
        when = when + datetime.timedelta(days=gap)
        dates.append(when)
    uncommitted = draw(st.booleans())
    return versions, dates, uncommitted


@_fewer(0.6)
@given(steps=history_steps(), today=st.one_of(st.just(TODAY), st.just("2027-03-01"), _edge_dates.map(_iso)))
def test_fuzzed_history_lints_and_reports_cleanly(steps, today):
    versions, dates, uncommitted = steps
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "repo")
        paths = set()
        for index, (docs, when) in enumerate(zip(versions, dates, strict=False)):
            files = files_of(docs)
            for stale in paths - set(files):
                (repo / stale).unlink()
            write_files(repo, files)
            paths = set(files)
            if uncommitted and index == len(versions) - 1:
                break
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "--allow-empty", "-m", f"v{index}", date=f"{when.isoformat()}T12:00:00+00:00")
        run_all(repo, today, history=True, paths=paths)


# --------------------------------------------------------------------------------------
# Property 5: `lint: {ignore: [SLUG]}` removes exactly that document's SLUG diagnostics
# --------------------------------------------------------------------------------------


def _loads_as_mapping(doc: dict) -> bool:
    """Whether tpm reads the front-matter as a mapping (a `!!timestamp` tag, which
    yaml.safe_dump writes for dates in quoted styles, is refused, for one)."""
    source = split_source(encode(doc))
    return source.front_matter is not None and isinstance(load_front_matter(source).data, dict)


def _diagnostics(repo: Path) -> list:
    outcome = run_tpm(repo, "check", "--format", "json", "--no-history", "--today", TODAY)
    assert outcome.code in (0, 1) and outcome.err == "", outcome.err
    return json.loads(outcome.out)["diagnostics"]


@_fewer(1.0)
@given(data=st.data())
def test_suppressing_a_rule_removes_exactly_its_diagnostics(data):
    docs = data.draw(project_files(max_size=3))
    suppressible = [doc for doc in docs if doc["data"] is not None and _loads_as_mapping(doc)]
    assume(suppressible)
    target = data.draw(st.sampled_from(suppressible))
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "repo", files_of(docs))
        before = _diagnostics(repo)
        own = sorted({d["rule"] for d in before if d["path"] == target["path"]})
        slug = data.draw(st.sampled_from(own) if own and data.draw(st.integers(0, 4)) else st.sampled_from(SLUGS))
        by_code = data.draw(st.integers(0, 5)) == 0
        name = REGISTRY[slug].code if by_code else slug
        fm = dump({**target["data"], "lint": {"ignore": [name]}}, target["options"])  # `lint` last
        note(f"suppressing {name} in {target['path']}:\n{fm}")
        write_files(repo, {target["path"]: encode(target, f"---\n{fm}\n---\n{target['body']}")})
        after = _diagnostics(repo)

    def keyed(diagnostics, path_is_target):
        return collections.Counter(
            (d["path"], d["rule"], d["message"]) for d in diagnostics if (d["path"] == target["path"]) == path_is_target
        )

    expected_own = collections.Counter({k: v for k, v in keyed(before, True).items() if k[1] != slug})
    assert keyed(after, True) == expected_own
    # Other documents keep their diagnostics, positions included.
    others = [d for d in before if d["path"] != target["path"]]
    assert [d for d in after if d["path"] != target["path"]] == others


# --------------------------------------------------------------------------------------
# Bugs found by fuzzing, pinned with their minimal inputs
# --------------------------------------------------------------------------------------


def _one_file_repo(tmp_path: Path, path: str, content: str) -> Path:
    return make_repo(tmp_path / "repo", {path: content})


def _no_internal_error(outcome) -> None:
    assert "internal error" not in outcome.err and "Traceback" not in outcome.err, outcome.err
    assert outcome.code in (0, 1), (outcome.code, outcome.err)


def test_found_non_string_key_with_a_collection_value_crashes_the_cache(tmp_path):
    repo = _one_file_repo(
        tmp_path,
        "project/milestones/M-1-a.md",
        "---\nid: M-1\ntitle: A\nstatus: planned\ndue: 2027-01-01\n0:\n- x\n---\n",
    )
    for _ in range(2):  # the first run writes the cache, the second reads it
        _no_internal_error(run_tpm(repo, "check", "--no-history", "--today", TODAY))


def test_found_decision_dated_at_the_end_of_the_calendar(tmp_path):
    repo = _one_file_repo(
        tmp_path, "project/decisions/0001-a.md", "---\ntitle: A\nstatus: proposed\ndate: 9999-12-31\n---\n"
    )
    _no_internal_error(run_tpm(repo, "check", "--no-history", "--today", TODAY))


def test_found_milestone_completed_at_the_end_of_the_calendar(tmp_path):
    repo = _one_file_repo(
        tmp_path,
        "project/milestones/M-1-a.md",
        "---\nid: M-1\ntitle: A\nstatus: done\ndue: 9999-12-31\ncompleted: 9999-12-31\n---\n",
    )
    _no_internal_error(run_tpm(repo, "check", "--no-history", "--today", TODAY))


def test_found_checkpoint_at_the_end_of_the_calendar(tmp_path):
    repo = _one_file_repo(
        tmp_path,
        "project/milestones/M-1-a.md",
        "---\nid: M-1\ntitle: A\nstatus: planned\ndue: 2027-01-01\n---\n## Checkpoints\n\n- [ ] 9999-12-31 x\n",
    )
    _no_internal_error(run_tpm(repo, "check", "--today", TODAY))


def test_found_report_on_the_first_days_of_the_calendar(tmp_path):
    repo = _one_file_repo(
        tmp_path,
        "project/milestones/M-1-a.md",
        "---\nid: M-1\ntitle: A\nstatus: done\ndue: 0001-01-01\ncompleted: 0001-01-01\n---\n",
    )
    outcome = run_tpm(repo, "report", "--no-history", "--today", "0001-01-01")
    assert (outcome.code, outcome.err) == (0, "")


def test_found_milestone_id_that_is_a_mermaid_keyword(tmp_path):
    repo = _one_file_repo(
        tmp_path,
        "project/milestones/section.md",
        "---\nid: section\ntitle: Launch\nstatus: planned\ndue: 2027-01-01\n---\n",
    )
    outcome = run_tpm(repo, "report", "--no-history", "--today", TODAY)
    assert outcome.code == 0
    check_report_markdown(outcome.out)


def test_found_milestone_whose_label_sanitises_to_nothing(tmp_path):
    repo = _one_file_repo(
        tmp_path, "project/milestones/a.md", '---\nid: "###"\ntitle: "%%"\nstatus: planned\ndue: 2027-01-01\n---\n'
    )
    outcome = run_tpm(repo, "report", "--no-history", "--today", TODAY)
    assert outcome.code == 0
    check_report_markdown(outcome.out)


def test_found_junit_with_a_control_character_in_a_message(tmp_path):
    repo = _one_file_repo(
        tmp_path,
        "project/milestones/M-1-a.md",
        '---\nid: M-1\ntitle: A\nstatus: planned\ndue: 2027-01-01\ndepends_on: ["a\\x07b"]\n---\n',
    )
    outcome = run_tpm(repo, "check", "--format", "junit", "--no-history", "--today", TODAY)
    assert outcome.code == 1
    ElementTree.fromstring(outcome.out)


def test_found_milestone_without_an_id_that_depends_on_another(tmp_path):
    repo = make_repo(
        tmp_path / "repo",
        {
            "project/milestones/M-1-a.md": "---\nid: M-1\ntitle: A\nstatus: planned\ndue: 2027-01-01\n---\n",
            "project/milestones/b.md": "---\ntitle: B\nstatus: planned\ndue: 2027-01-01\ndepends_on: [M-1]\n---\n",
        },
    )
    _no_internal_error(run_tpm(repo, "check", "--no-history", "--today", TODAY))

"""Safe, bounded YAML loading that keeps the position of every key and value.

Why not `yaml.safe_load`:
- it turns `2026-12-01` into a `datetime.date`; we keep dates as strings so that the JSON
  Schema (`format: date`) checks them and impossible dates like `2026-02-30` are reported
  as schema violations instead of crashing the loader;
- it follows YAML 1.1, where `no`, `on` and `off` are booleans (the "Norway problem"); we
  resolve plain scalars by the YAML 1.2 core schema, where only `true`/`false` are;
- it keeps the last of two duplicate keys without a word;
- it expands aliases and nests without bound (billion laughs, deep nesting), and a few
  thousand aliases of one long string make hundreds of megabytes of values from 50 KB.

So we read the event stream (libyaml's C parser when available) and build plain Python
values ourselves, recording marks, counting the expanded size (in values, and in the
characters that aliases repeat) and refusing unknown tags.
"""

from __future__ import annotations

import bisect
import enum
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, NamedTuple, Protocol, TypeAlias

import yaml

# libyaml is several times faster; the pure-Python parser gives the same events. Whether
# PyYAML was built with it decides.
_EventLoader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader

MAX_DEPTH = 32
MAX_NODES = 10_000  # values after alias expansion
# Characters that aliases may repeat (the keys and scalars under an anchor, per alias). The
# text itself is capped by the read boundary; this caps what aliases multiply it into,
# without refusing a long front-matter that has no aliases.
MAX_ALIAS_CHARS = 256 * 1024
MAX_NUMBER_CHARS = 100

Path: TypeAlias = tuple[str | int, ...]  # a path into the data: keys (str) and list indexes (int)
Scalar: TypeAlias = str | int | float | bool | None
# What `load` builds: mappings always have string keys (others are reported and dropped).
YamlValue: TypeAlias = "Scalar | list[YamlValue] | dict[str, YamlValue]"

_CORE = "tag:yaml.org,2002:"
_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = re.compile(r"[-+]?[0-9]+")
_INT8 = re.compile(r"0o[0-7]+")
_INT16 = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")
_EXTRA_BREAKS = re.compile("[\x85\u2028\u2029]")
# Any of the forms above in one pattern, and the characters they can start with: most
# values are text, told apart by a look at their first character or one match.
_NOT_TEXT = re.compile(
    "|".join(f"(?:{p.pattern})" for p in (_NULL, _INT10, _INT8, _INT16, _FLOAT, _INF, _NAN)) + "|" + "|".join(_BOOL)
)
_NOT_TEXT_FIRST = frozenset("~nNtTfF0123456789+-.")


class _ParserMark(Protocol):
    """A position as PyYAML's parsers (pure Python or libyaml) report it, 0-based."""

    @property
    def index(self) -> int: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


class Mark(NamedTuple):
    """A 1-based position in the file (a tuple: cheap to make by the hundred thousand)."""

    line: int
    column: int


@dataclass
class YamlProblem:
    slug: str  # "parse-error" or "duplicate-key"
    mark: Mark
    message: str


@dataclass
class LoadedYaml:
    """The outcome of loading one front-matter block.

    `data` is None when the block could not be loaded at all; `problems` then holds the
    reason. Duplicate keys and non-string keys are problems that still leave `data` usable.
    """

    data: YamlValue = None
    key_marks: dict[Path, Mark] = field(default_factory=dict)  # Mark of the mapping key
    value_marks: dict[Path, Mark] = field(default_factory=dict)  # Mark of the value
    problems: list[YamlProblem] = field(default_factory=list)


class _LimitExceeded(Exception):
    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


class _Key(enum.Enum):
    """What a mapping being built has instead of a pending key."""

    NONE = enum.auto()  # the next value is a key
    BAD = enum.auto()  # a key we reported and dropped (non-string, or a collection)


_NO_KEY: Final = _Key.NONE
_BAD_KEY: Final = _Key.BAD


class _Frame:
    """A collection being built: the mapping or list, and where it sits."""

    __slots__ = ("anchor", "chars", "key", "key_lines", "path", "size", "start_mark", "value")

    def __init__(
        self, value: dict[str, YamlValue] | list[YamlValue], path: Path, anchor: str | None, start_mark: Mark
    ) -> None:
        self.value = value
        self.path = path
        self.anchor = anchor
        self.size = 1
        self.chars = 0  # characters of its keys and scalars, aliases expanded
        self.key: str | _Key = _NO_KEY
        self.start_mark = start_mark
        self.key_lines: dict[str, int] = {}  # key -> line where it first appeared


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def _plain_scalar(text: str) -> Scalar:
    """Resolve an untagged plain scalar by the YAML 1.2 core schema."""
    if text and (text[0] not in _NOT_TEXT_FIRST or not _NOT_TEXT.fullmatch(text)):
        return text
    if _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT10.fullmatch(text):
        return int(text)
    if _INT8.fullmatch(text):
        return int(text[2:], 8)
    if _INT16.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _INF.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.fullmatch(text):
        return math.nan
    return text


def _tagged_scalar(tag: str, text: str, mark: Mark) -> Scalar:
    """Resolve a scalar with an explicit core tag; anything else is refused."""
    if tag == _CORE + "str":
        return text
    if tag == _CORE + "null":
        return None
    if tag == _CORE + "bool" and text in _BOOL:
        return _BOOL[text]
    if tag in (_CORE + "int", _CORE + "float"):
        value = _plain_scalar(text)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value) if tag.endswith("float") else value
    raise _LimitExceeded(mark, f"cannot read {text!r} as {_short_tag(tag)}")


def _check_number_length(text: str, mark: Mark) -> None:
    if len(text) > MAX_NUMBER_CHARS and any(r.fullmatch(text) for r in (_INT10, _INT8, _INT16, _FLOAT)):
        raise _LimitExceeded(
            mark,
            f"a number of {len(text)} characters is over the limit of {MAX_NUMBER_CHARS}; "
            "quote it if it is meant as text",
        )


def load(text: str, first_line: int) -> LoadedYaml:
    """Load one YAML document whose first line is line `first_line` of the file.

    Never raises for any input text: every failure becomes a problem with a mark.
    """
    simple = _load_simple(text, first_line)
    return simple if simple is not None else _load_events(text, first_line)


def _load_events(text: str, first_line: int) -> LoadedYaml:
    """`load` by the YAML parser's events: any shape."""
    result = LoadedYaml()
    offset = first_line - 1
    if _EXTRA_BREAKS.search(text) is None:

        def mark_of(event_mark: _ParserMark) -> Mark:
            return Mark(event_mark.line + 1 + offset, event_mark.column + 1)

    else:  # the parser counts NEL, LS and PS as line breaks; editors and we do not
        newlines = [i for i, char in enumerate(text) if char == "\n"]

        def mark_of(event_mark: _ParserMark) -> Mark:
            index = min(event_mark.index, len(text))
            line = bisect.bisect_left(newlines, index)
            line_start = newlines[line - 1] + 1 if line else 0
            return Mark(line + 1 + offset, index - line_start + 1)

    try:
        result.data = _build(text, mark_of, result)
    except _LimitExceeded as exc:
        result.data = None
        result.problems.append(YamlProblem("parse-error", exc.mark, exc.message))
    except yaml.MarkedYAMLError as exc:
        result.data = None
        where = exc.problem_mark or exc.context_mark
        if (
            exc.context_mark is not None
            and exc.problem_mark is not None
            and (exc.problem_mark.index >= len(text.rstrip()) or exc.context == "while scanning a simple key")
        ):
            # Where the unclosed thing opens, or the key that lacks its `:`, helps more
            # than the end of the block or the line after it, where the parser noticed.
            where = exc.context_mark
        mark = mark_of(where) if where is not None else Mark(first_line, 1)
        result.problems.append(YamlProblem("parse-error", mark, _yaml_message(exc, text, where)))
    except yaml.reader.ReaderError as exc:  # a character YAML refuses; it has a position, no mark
        result.data = None
        position = min(max(exc.position, 0), len(text))
        line_start = text.rfind("\n", 0, position) + 1
        mark = Mark(text.count("\n", 0, position) + first_line, position - line_start + 1)
        shown = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        result.problems.append(
            YamlProblem("parse-error", mark, f"invalid YAML: the character {shown} is not allowed ({exc.reason})")
        )
    except yaml.YAMLError as exc:  # anything else the parser may raise carries no position
        result.data = None
        result.problems.append(YamlProblem("parse-error", Mark(first_line, 1), f"invalid YAML: {exc}"))
    return result


def _yaml_message(exc: yaml.MarkedYAMLError, text: str, where: _ParserMark | None) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    message = "; ".join(parts) if parts else "invalid YAML"
    if where is not None:
        lines = text.split("\n")
        line = lines[where.line] if where.line < len(lines) else ""
        if "\t" in line[: where.column + 1]:
            message += " (a tab: YAML indents with spaces only)"
    if exc.problem is not None and exc.problem.startswith("mapping values are not allowed"):
        message += "; quote the value if it contains `: `"  # `title: Core development: ledger`
    return "invalid YAML: " + message


class _Tree:
    """The values built so far: the collections still open, the anchors, and the running
    count of values (aliases expanded) that `MAX_NODES` caps."""

    __slots__ = ("anchors", "have_root", "result", "root", "stack", "total")

    def __init__(self, result: LoadedYaml) -> None:
        self.result = result
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[YamlValue, int, int]] = {}  # anchor -> (value, expanded size, characters)
        self.total = 0
        self.root: YamlValue = None
        self.have_root = False

    def attach(self, value: YamlValue, size: int, chars: int, path_mark: Mark, anchor: str | None) -> None:
        """Put a finished value where it belongs: the root, a list item, a key or a key's value."""
        self.total += size
        if self.total > MAX_NODES:
            raise _LimitExceeded(
                path_mark,
                f"front-matter expands to more than {MAX_NODES} values (aliases or size); refusing to load it",
            )
        if anchor:
            self.anchors[anchor] = (value, size, chars)
        if not self.stack:
            self.root, self.have_root = value, True
            self.result.value_marks[()] = path_mark
            return
        parent = self.stack[-1]
        parent.size += size
        parent.chars += chars
        if isinstance(parent.value, list):
            path: Path = (*parent.path, len(parent.value))
            parent.value.append(value)
            self.result.value_marks[path] = path_mark
        elif parent.key is _NO_KEY:
            _set_key(parent, value, path_mark, self.result)
        else:
            if parent.key is not _BAD_KEY:
                path = (*parent.path, parent.key)
                parent.value[parent.key] = value
                self.result.value_marks[path] = path_mark
            parent.key = _NO_KEY

    def child_path(self) -> Path:
        """The path of the next value to be attached."""
        if not self.stack:
            return ()
        parent = self.stack[-1]
        if isinstance(parent.value, list):
            return (*parent.path, len(parent.value))
        if parent.key is _NO_KEY or parent.key is _BAD_KEY:  # under a key that was reported
            return (*parent.path, "?")
        return (*parent.path, parent.key)

    def close(self) -> None:
        """Attach the innermost open collection, now complete."""
        frame = self.stack.pop()
        # The frame's own size was counted value by value; attach adds it once more,
        # so take it back out of the running total first.
        self.total -= frame.size - 1
        self.attach(frame.value, frame.size, frame.chars, frame.start_mark, frame.anchor)


def _build(text: str, mark_of: Callable[[_ParserMark], Mark], result: LoadedYaml) -> YamlValue:
    """Turn the event stream into plain values, enforcing every limit as it goes."""
    tree = _Tree(result)
    alias_chars = 0
    documents = 0
    for event in yaml.parse(text, Loader=_EventLoader):
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                assert event.start_mark is not None  # the parser marks every event
                raise _LimitExceeded(
                    mark_of(event.start_mark),
                    "front-matter holds more than one YAML document; keep one mapping between the --- lines",
                )
            continue
        if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
            continue
        assert event.start_mark is not None  # the parser marks every event
        mark = mark_of(event.start_mark)
        if isinstance(event, yaml.ScalarEvent):
            value = _scalar(event, mark)
            tree.attach(value, 1, len(event.value), mark, event.anchor)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in tree.anchors:
                raise _LimitExceeded(mark, f"alias *{event.anchor} refers to no anchor defined before it")
            aliased, size, chars = tree.anchors[event.anchor]
            alias_chars += chars
            if alias_chars > MAX_ALIAS_CHARS:
                raise _LimitExceeded(
                    mark,
                    f"front-matter aliases repeat more than {MAX_ALIAS_CHARS:,} characters; refusing to load it",
                )
            tree.attach(aliased, size, chars, mark, None)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            tag = event.tag
            is_mapping = isinstance(event, yaml.MappingStartEvent)
            expected = _CORE + ("map" if is_mapping else "seq")
            if tag is not None and tag not in ("!", expected):
                raise _LimitExceeded(mark, f"unsupported YAML tag {_short_tag(tag)}")
            if len(tree.stack) >= MAX_DEPTH:
                raise _LimitExceeded(mark, f"front-matter nests deeper than {MAX_DEPTH} levels")
            empty: dict[str, YamlValue] | list[YamlValue] = {} if is_mapping else []
            tree.stack.append(_Frame(empty, tree.child_path(), event.anchor, mark))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            tree.close()
    return tree.root if tree.have_root else None


def _scalar(event: yaml.ScalarEvent, mark: Mark) -> Scalar:
    tag = event.tag
    text = event.value
    plain = event.implicit[0]
    if tag is None or tag == "!":
        if plain and tag is None:
            _check_number_length(text, mark)
            return _plain_scalar(text)
        return text
    if not tag.startswith(_CORE) or tag[len(_CORE) :] not in ("str", "int", "float", "bool", "null"):
        raise _LimitExceeded(mark, f"unsupported YAML tag {_short_tag(tag)}")
    _check_number_length(text, mark)
    return _tagged_scalar(tag, text, mark)


def _set_key(frame: _Frame, key: YamlValue, mark: Mark, result: LoadedYaml) -> None:
    """Take the next key of a mapping, reporting duplicates and keys that are not strings."""
    if not isinstance(key, str):
        shown = "a mapping" if isinstance(key, dict) else "a list" if isinstance(key, list) else repr(key)
        result.problems.append(
            YamlProblem("parse-error", mark, f"front-matter keys must be strings, got {shown}; quote the key")
        )
        frame.key = _BAD_KEY
        return
    if key in frame.key_lines:
        first = frame.key_lines[key]
        result.problems.append(
            YamlProblem(
                "duplicate-key",
                mark,
                f"key `{key}` appears twice (lines {first} and {mark.line}); the later value wins",
            )
        )
    else:
        frame.key_lines[key] = mark.line
    frame.key = key
    path: Path = (*frame.path, key)  # named: mypy reads `d[(*a, b)]` as 3.11's `d[*a, b]`
    result.key_marks[path] = mark


# The shape most front-matters have, read line by line without the YAML parser
# (`_load_simple`): `key: value` lines with a plain key at column 0, whose value is a
# plain scalar, a one-line flow list of plain scalars, or nothing, then maybe block list
# items of plain scalars; comment lines at column 0 and blank lines between them. Only
# characters YAML reads as printable, no tab, no YAML-only line break.
# (Written as the characters it excludes: the same set, compiled ten times faster.)
_SIMPLE_CHARS = re.compile("[^\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]*")
_SIMPLE_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?|( *)- +(.*)|#.*| *")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@` ")  # a plain scalar starts with none of them
_FLOW_BREAKERS = re.compile(r"""[\[\]{}#"']""")  # inside a flow list: nesting, quotes, comments
_SIMPLE_LINES = 3000  # at most two values a line: far below MAX_NODES
# The keys of `_SIMPLE_LINE`'s shape that YAML reads as no text: no number starts with a
# letter or `_`, so only null and the booleans (see `_plain_scalar`).
_NOT_TEXT_KEYS = frozenset(("null", "Null", "NULL", *_BOOL))


def _is_plain(text: str) -> bool:
    """Whether YAML reads `text` (no trailing blanks), written after `key: ` or `- `, as a
    plain scalar that is exactly this text: no indicator first, nothing that ends it early."""
    return bool(text) and text[0] not in _INDICATORS and ": " not in text and " #" not in text and text[-1] != ":"


def _load_simple(text: str, first_line: int) -> LoadedYaml | None:
    """`load`'s answer for a front-matter of the common shape (see `_SIMPLE_LINE`), read
    line by line: the YAML parser's events cost several times more. None for any other
    shape, a duplicate key or a number over the length limit: `load` reads those."""
    if not _SIMPLE_CHARS.fullmatch(text):
        return None
    lines = text.split("\n")
    if len(lines) > _SIMPLE_LINES:
        return None
    reader = _SimpleReader()
    try:
        for number, line in enumerate(lines, first_line):
            found = _SIMPLE_LINE.fullmatch(line)
            if found is None:
                return None
            if found[4] is not None:
                reader.item(found, number)
            elif found[1] is not None:
                reader.key(found, number)
        return reader.finish()
    except _NotSimple:
        return None


class _NotSimple(Exception):
    """A value `_load_simple` does not read: `load` reads the whole front-matter instead."""


class _SimpleReader:
    """The mapping `_load_simple` builds, line by line."""

    def __init__(self) -> None:
        self.result = LoadedYaml()
        self.data: dict[str, YamlValue] = {}
        self.first_key = Mark(0, 0)
        self.pending: tuple[str, Mark] | None = None  # a key with nothing after its colon yet; where that is
        self.items: list[YamlValue] | None = None  # the block list under `pending`, as it is read
        self.list_mark = Mark(0, 0)  # where that list starts: its first `-`

    def key(self, found: re.Match[str], number: int) -> None:
        """A `key: value` line."""
        if self.pending is not None:
            self._end_pending()
        name = found[1]
        if name in self.data or name in _NOT_TEXT_KEYS:
            raise _NotSimple  # a duplicate, or a key YAML reads as no text (`true:`): `load` words the problem
        key_mark = Mark(number, 1)
        if not self.data:
            self.first_key = key_mark
        self.result.key_marks[(name,)] = key_mark
        value = (found[2] or "").rstrip(" ")
        if not value:
            self.pending = (name, Mark(number, len(name) + 2))  # an empty value starts after the colon
            self.data[name] = None
            return
        mark = Mark(number, found.start(2) + 1)
        self.data[name] = _simple_value(name, value, mark, self.result)
        self.result.value_marks[(name,)] = mark

    def item(self, found: re.Match[str], number: int) -> None:
        """A `- item` line: only under a key without a value, all at one indent."""
        item, column = found[4].rstrip(" "), len(found[3]) + 1
        if self.pending is None or not _is_plain(item) or (self.items and column != self.list_mark.column):
            raise _NotSimple
        if self.items is None:
            self.items, self.list_mark = [], Mark(number, column)
        mark = Mark(number, found.start(4) + 1)
        self.result.value_marks[(self.pending[0], len(self.items))] = mark
        self.items.append(_simple_scalar(item, mark))

    def _end_pending(self) -> None:
        """Give the key without a value its block list, or None where the colon ends."""
        if self.pending is not None:
            name, empty_mark = self.pending
            self.data[name] = self.items
            self.result.value_marks[(name,)] = self.list_mark if self.items is not None else empty_mark
            self.pending, self.items = None, None

    def finish(self) -> LoadedYaml | None:
        if not self.data:
            return None
        self._end_pending()
        self.result.data = self.data
        self.result.value_marks[()] = self.first_key
        return self.result


def _simple_value(name: str, value: str, mark: Mark, result: LoadedYaml) -> YamlValue:
    """A plain scalar, or a one-line flow list of them (`[a, b]`), with its items' marks."""
    if value[0] != "[":
        if not _is_plain(value):
            raise _NotSimple
        return _simple_scalar(value, mark)
    if value[-1] != "]" or _FLOW_BREAKERS.search(value, 1, len(value) - 1):
        raise _NotSimple
    inner = value[1:-1]
    if not inner.strip(" "):
        return []
    found: list[YamlValue] = []
    column = mark.column + 1  # where the text after `[` starts
    for raw in inner.split(","):
        item = raw.strip(" ")
        if not _is_plain(item):
            raise _NotSimple
        item_mark = Mark(mark.line, column + len(raw) - len(raw.lstrip(" ")))
        result.value_marks[(name, len(found))] = item_mark
        found.append(_simple_scalar(item, item_mark))
        column += len(raw) + 1
    return found


def _simple_scalar(text: str, mark: Mark) -> Scalar:
    if len(text) > MAX_NUMBER_CHARS:
        try:
            _check_number_length(text, mark)
        except _LimitExceeded:
            raise _NotSimple from None
    return _plain_scalar(text)

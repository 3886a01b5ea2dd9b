"""The editor features of `tpm lsp`: completion, hover, definition, references, code
actions and document symbols, as pure functions of a `WorkspaceView` and a buffer.

Nothing here knows a type by name: reference fields, the status field and its lifecycle,
the date roles and the checkpoints heading come from the type's declaration, and enum
values, date formats and field names from its effective JSON Schema.

Context is read from the buffer's lines, lightly, so that half-typed YAML (which does
not load) still completes: the front-matter is what lies between the leading `---` and
the next `---` (or `...`) line, or to the end while it is not closed yet; the key a value
belongs to is the nearest unindented `key:` at or above the cursor's line. Odd input (no
front-matter, a position past the end, text that is not Markdown at all) gives empty
results, never an exception.

Positions: LSP's are 0-based with columns in UTF-16 code units (the protocol's default
encoding); tpm's are 1-based lines and columns counted in characters. `_Text` converts.
"""

from __future__ import annotations

import ast
import builtins
import datetime
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from tpm.config import DUE, LIFECYCLE_ROLES, REVIEWED, Config, TypeConfig
from tpm.document import Body, parse_body, split_source
from tpm.errors import UsageError
from tpm.lsp.view import WorkspaceView
from tpm.model import Document, role_field, status_of
from tpm.rules import registry
from tpm.rules.content import risk_score
from tpm.schema import Schemas
from tpm.templates import read_template, template_path
from tpm.vocabulary import heading_key, natural_key

MAX_DETAIL = 120  # characters of a front-matter value shown as a symbol's detail

_FENCE = re.compile(r"---[ \t]*")
_CLOSE = re.compile(r"(---|\.\.\.)[ \t]*")
_KEY = re.compile(r"""(?:"([^"]*)"|'([^']*)'|([^\s#'"{}\[\]\-:?!&*|>%@`,][^:]*?|-[^\s:][^:]*?))[ \t]*:(?=[ \t]|$)""")
_KEY_TYPING = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*|")
_VALUE_TOKEN = re.compile(r"""[^\s\[\]{},'"]*$""")
_WORD = re.compile(r"[\w.-]+")
_TASK_LINE = re.compile(r"([ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+)\[( |x|X)\]")
_HEADING = re.compile(r"[ ]{0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_CODE_FENCE = re.compile(r"[ ]{0,3}(```|~~~)")
_DATE_PREFIX = re.compile(r"[0-9-]*")
_GOT = re.compile(r"""\(got ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\)""")
_SUGGESTED = re.compile(r"; did you mean `([^`]+)`\?$")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`; did you mean `([^`]+)`\?$")
_DANGLING = re.compile(r"names (.+?), which no document has; did you mean (.+)\?$")
_MISSING_SECTION = re.compile(r"required section `(.+)` is missing$")


# --------------------------------------------------------------------------- the buffer


class _Text:
    """A buffer as lines, with its front-matter found by the same fences tpm splits on."""

    def __init__(self, text: str) -> None:
        if text.startswith("\ufeff"):
            text = text[1:]
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.lines = self.text.split("\n")
        self.front: tuple[int, int] | None = None  # first and last line index of the YAML
        self.closed = False
        self.body_start = 0  # index of the body's first line
        if self.lines and _FENCE.fullmatch(self.lines[0]):
            close = next((i for i in range(1, len(self.lines)) if _CLOSE.fullmatch(self.lines[i])), None)
            self.closed = close is not None
            end = close if close is not None else len(self.lines)
            self.front = (1, end - 1)
            self.body_start = end + 1 if close is not None else len(self.lines)

    def in_front(self, line: int) -> bool:
        return self.front is not None and self.front[0] <= line <= self.front[1]

    def line(self, index: int) -> str:
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def column(self, line: int, character: int) -> int:
        """The 0-based character index of a UTF-16 offset in `line`, clamped to the line."""
        units = 0
        for index, char in enumerate(self.line(line)):
            if units >= character:
                return index
            units += 2 if ord(char) > 0xFFFF else 1
        return len(self.line(line))

    def units(self, line: int, column: int) -> int:
        """The UTF-16 offset of the 0-based character index `column` in `line`."""
        return sum(2 if ord(char) > 0xFFFF else 1 for char in self.line(line)[:column])

    def position(self, line: int, column: int) -> lsp.Position:
        return lsp.Position(line=line, character=self.units(line, column))

    def span(self, line: int, start: int, end: int) -> lsp.Range:
        return lsp.Range(start=self.position(line, start), end=self.position(line, end))

    def end(self) -> lsp.Position:
        last = len(self.lines) - 1
        return self.position(last, len(self.lines[last]))

    def top_keys(self) -> list[tuple[int, str]]:
        """The front-matter's top-level keys as written: (line index, name)."""
        if self.front is None:
            return []
        found = []
        for index in range(self.front[0], self.front[1] + 1):
            name = _key_of(self.lines[index])
            if name is not None:
                found.append((index, name))
        return found

    def key_above(self, line: int) -> tuple[int, str] | None:
        """The nearest top-level key at or above `line` in the front-matter."""
        if not self.in_front(line):
            return None
        assert self.front is not None
        for index in range(line, self.front[0] - 1, -1):
            name = _key_of(self.lines[index])
            if name is not None:
                return index, name
        return None

    def task_lines(self, checkpoints: str | None) -> dict[int, re.Match[str]]:
        """Line index -> task-box match, for each task line under the `checkpoints` heading
        (a `heading_key`), subsections included, outside fenced code."""
        found: dict[int, re.Match[str]] = {}
        if checkpoints is None:
            return found
        level: int | None = None  # the checkpoints heading's level while inside it
        fence: str | None = None
        for index in range(self.body_start, len(self.lines)):
            line = self.lines[index]
            opened = _CODE_FENCE.match(line)
            if fence is not None:
                if opened and opened.group(1) == fence:
                    fence = None
                continue
            if opened:
                fence = opened.group(1)
                continue
            heading = _HEADING.match(line)
            if heading:
                depth = len(heading.group(1))
                if heading_key(heading.group(2) or "") == checkpoints:
                    level = depth
                elif level is not None and depth <= level:
                    level = None
                continue
            task = _TASK_LINE.match(line)
            if level is not None and task:
                found[index] = task
        return found


def _key_of(line: str) -> str | None:
    found = _KEY.match(line)
    if found is None:
        return None
    return next(group for group in found.groups() if group is not None).strip() or None


def _word_at(text: _Text, position: lsp.Position) -> tuple[str, int, int] | None:
    """The word (letters, digits, `.`, `-`, `_`) under the cursor: text, start, end."""
    column = text.column(position.line, position.character)
    for found in _WORD.finditer(text.line(position.line)):
        if found.start() <= column <= found.end():
            return found.group(), found.start(), found.end()
    return None


def _id_at(ws: WorkspaceView, text: _Text, position: lsp.Position) -> tuple[str, lsp.Range] | None:
    """The id of an existing document under the cursor, and its range: the word, or the
    word less trailing punctuation (`M-1.` at the end of a sentence)."""
    word = _word_at(text, position)
    if word is None:
        return None
    name, start, _ = word
    while name:
        if ws.project.get(name) is not None:
            return name, text.span(position.line, start, start + len(name))
        name = name[:-1] if name[-1] in ".-_" else ""
    return None


# --------------------------------------------------------------------------- the type


@dataclass(frozen=True)
class _Doc:
    """The document at `path` as the features need it: its parsed self (when the project
    has it) and its type's declaration."""

    document: Document | None
    type_name: str | None
    declaration: TypeConfig | None


def _doc(ws: WorkspaceView, path: str) -> _Doc:
    document = ws.project.by_path.get(path)
    type_name = document.type if document is not None else None
    declaration = ws.config.types.get(type_name) if type_name is not None else None
    return _Doc(document, type_name if declaration is not None else None, declaration)


_schemas_cache: list[tuple[Config, Path, Schemas]] = []


def _schemas(ws: WorkspaceView) -> Schemas:
    """One `Schemas` per configuration (the last one used): it reads and checks the user's
    schema files once."""
    if _schemas_cache and _schemas_cache[0][0] is ws.config and _schemas_cache[0][1] == ws.root:
        return _schemas_cache[0][2]
    schemas = Schemas(ws.config, ws.root)
    _schemas_cache[:] = [(ws.config, ws.root, schemas)]
    return schemas


def _effective(ws: WorkspaceView, type_name: str) -> dict[str, Any]:
    try:
        return _schemas(ws).effective(type_name)
    except (UsageError, OSError, ValueError):  # a user schema that does not load: no hints from it
        return {}


def _resolve(pointer: str, root: Mapping[str, Any]) -> object:
    """A local `$ref` (`#/$defs/id`) in `root`, or None."""
    if not pointer.startswith("#"):
        return None
    node: object = root
    for raw in [p for p in pointer[1:].split("/") if p]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


_Schema = Mapping[str, Any]  # a JSON Schema object: any JSON inside


def _expand(schema: object, root: _Schema, seen: set[int]) -> Iterator[tuple[_Schema, _Schema]]:
    """`schema` and every schema it combines with (allOf, anyOf, oneOf, if/then/else,
    dependentSchemas, local `$ref`s), each once, with the resource its local `$ref`s are
    resolved in (the nearest schema with an `$id`)."""
    if not isinstance(schema, dict) or id(schema) in seen:
        return
    seen.add(id(schema))
    if "$id" in schema:
        root = schema
    yield schema, root
    children: list[object] = [schema.get(key) for key in ("if", "then", "else")]
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            children += schema[key]
    if isinstance(schema.get("dependentSchemas"), dict):
        children += schema["dependentSchemas"].values()
    if isinstance(schema.get("$ref"), str):
        children.append(_resolve(schema["$ref"], root))
    for child in children:
        yield from _expand(child, root, seen)


def _property(schema: _Schema, name: str) -> list[_Schema]:
    """Every subschema the effective schema gives the top-level property `name`, expanded,
    with the `items` of a list property."""
    found: list[_Schema] = []
    seen: set[int] = set()
    for node, root in _expand(schema, schema, set()):
        properties = node.get("properties")
        if isinstance(properties, dict) and name in properties:
            for sub, where in _expand(properties[name], root, seen):
                found.append(sub)
                found += [item for item, _ in _expand(sub.get("items"), where, seen)]
    return found


def _enum_values(subschemas: list[_Schema]) -> list[str]:
    values: list[object] = []
    for sub in subschemas:
        if isinstance(sub.get("enum"), list):
            values += sub["enum"]
        if "const" in sub:
            values.append(sub["const"])
    return list(dict.fromkeys(str(v) for v in values if isinstance(v, (str, int)) and not isinstance(v, bool)))


# --------------------------------------------------------------------------- completion


def completions(ws: WorkspaceView, path: str, text: str, position: lsp.Position) -> list[lsp.CompletionItem]:
    """What may be typed at `position`: ids in a reference field, the allowed values of an
    enum field (the status from the lifecycle), field names at the start of a top-level
    key, and dates in a date field or at the start of a checkpoint line."""
    buffer = _Text(text)
    doc = _doc(ws, path)
    if doc.declaration is None or doc.type_name is None or position.line >= len(buffer.lines):
        return []
    line = buffer.line(position.line)
    column = buffer.column(position.line, position.character)
    prefix = line[:column]
    if buffer.in_front(position.line):
        return _front_matter_completions(ws, doc, buffer, position.line, prefix, line[column:])
    tasks = buffer.task_lines(doc.declaration.checkpoint_key)
    task = tasks.get(position.line)
    if task is not None and column >= task.end():
        typed = prefix[task.end() :]
        token = typed.lstrip(" \t")
        if typed[: len(typed) - len(token)] and _DATE_PREFIX.fullmatch(token):
            return _date_items(ws, doc, buffer, position.line, column - len(token), column, token)
    return []


def _front_matter_completions(
    ws: WorkspaceView, doc: _Doc, buffer: _Text, line: int, prefix: str, after: str
) -> list[lsp.CompletionItem]:
    assert doc.declaration is not None and doc.type_name is not None
    if _KEY_TYPING.fullmatch(prefix) and (prefix or not after.strip() or _key_of(prefix + after)):
        return _field_items(ws, doc, buffer, line, prefix, after)
    above = buffer.key_above(line)
    if above is None:
        return []
    key_line, key = above
    value = prefix
    if key_line == line:
        colon = _KEY.match(prefix)
        if colon is None:  # the cursor is inside the key itself
            return []
        value = prefix[colon.end() :]
    if re.search(r"(^|\s)#", value):
        return []  # in a comment
    token = _VALUE_TOKEN.search(value)
    typed = token.group() if token else ""
    separator = doc.declaration.reference_separator
    if separator and separator in typed:
        typed = typed.rsplit(separator, 1)[1].lstrip()
    column = len(prefix)
    start = column - len(typed)
    if key in doc.declaration.references:
        return _id_items(ws, doc, key, buffer, line, start, column, typed)
    values = _allowed_values(ws, doc, key)
    if values:
        return _value_items(values, buffer, line, start, column, typed)
    if _is_date_field(ws, doc, key):
        return _date_items(ws, doc, buffer, line, start, column, typed, exclude=key)
    return []


def _field_items(
    ws: WorkspaceView, doc: _Doc, buffer: _Text, line: int, prefix: str, after: str
) -> list[lsp.CompletionItem]:
    assert doc.type_name is not None
    try:
        names, _ = _schemas(ws).defined_fields(doc.type_name)
    except (UsageError, OSError, ValueError):
        names = frozenset()
    schema = _effective(ws, doc.type_name)
    required = {
        name for node, _ in _expand(schema, schema, set()) for name in node.get("required", []) if isinstance(name, str)
    }
    present = {name for index, name in buffer.top_keys() if index != line}
    rest = re.match(r"[A-Za-z0-9_.-]*", after)
    end = len(prefix) + (len(rest.group()) if rest else 0)
    has_colon = buffer.line(line)[end:].lstrip(" \t").startswith(":")
    items = []
    for name in sorted(names - present):
        if not name.lower().startswith(prefix.lower()):
            continue
        subschemas = _property(schema, name)
        description = next((s["description"] for s in subschemas if isinstance(s.get("description"), str)), None)
        items.append(
            lsp.CompletionItem(
                label=name,
                kind=lsp.CompletionItemKind.Field,
                detail="required" if name in required else None,
                documentation=description,
                sort_text=("0" if name in required else "1") + name,
                filter_text=name,
                text_edit=lsp.TextEdit(range=buffer.span(line, 0, end), new_text=name if has_colon else f"{name}: "),
            )
        )
    return items


def _id_items(
    ws: WorkspaceView, doc: _Doc, key: str, buffer: _Text, line: int, start: int, end: int, typed: str
) -> list[lsp.CompletionItem]:
    assert doc.declaration is not None
    own = doc.document.id if doc.document is not None else None
    named = set(doc.document.ids(key, doc.declaration.reference_separator)) if doc.document is not None else set()
    items: list[lsp.CompletionItem] = []
    for name in sorted(ws.project.by_id, key=natural_key):
        if name == own or (name in named and name != typed) or not name.lower().startswith(typed.lower()):
            continue
        target = ws.project.by_id[name][0]
        items.append(
            lsp.CompletionItem(
                label=name,
                kind=lsp.CompletionItemKind.Reference,
                detail=_describe(ws.config, target),
                sort_text=f"{len(items):06d}",
                filter_text=name,
                text_edit=lsp.TextEdit(range=buffer.span(line, start, end), new_text=name),
            )
        )
    return items


def _describe(config: Config, document: Document) -> str:
    """`title · type · status`, the parts it has."""
    parts = [document.title, document.type, status_of(document, config)]
    return " · ".join(part for part in parts if part)


def _allowed_values(ws: WorkspaceView, doc: _Doc, key: str) -> list[tuple[str, str | None]]:
    """The values `key` may take, with a detail: the lifecycle's statuses (with their
    role) for the status field, then the schema's enum and const values."""
    assert doc.declaration is not None and doc.type_name is not None
    values: dict[str, str | None] = {}
    if key == doc.declaration.status_field:
        for role in LIFECYCLE_ROLES:
            for status in doc.declaration.lifecycle.get(role, ()):
                values.setdefault(status, f"{role} role")
    for value in _enum_values(_property(_effective(ws, doc.type_name), key)):
        values.setdefault(value, None)
    return list(values.items())


def _value_items(
    values: list[tuple[str, str | None]],
    buffer: _Text,
    line: int,
    start: int,
    end: int,
    typed: str,
    kind: lsp.CompletionItemKind = lsp.CompletionItemKind.EnumMember,
) -> list[lsp.CompletionItem]:
    """Values that start as `typed` does (in any case), each replacing what was typed."""
    return [
        lsp.CompletionItem(
            label=value,
            kind=kind,
            detail=detail,
            sort_text=f"{index:06d}",
            filter_text=value,
            text_edit=lsp.TextEdit(range=buffer.span(line, start, end), new_text=value),
        )
        for index, (value, detail) in enumerate(values)
        if value.lower().startswith(typed.lower())
    ]


def _is_date_field(ws: WorkspaceView, doc: _Doc, key: str) -> bool:
    assert doc.declaration is not None and doc.type_name is not None
    if key in doc.declaration.dates.values():
        return True
    return any(sub.get("format") == "date" for sub in _property(_effective(ws, doc.type_name), key))


def _date_items(
    ws: WorkspaceView,
    doc: _Doc,
    buffer: _Text,
    line: int,
    start: int,
    end: int,
    typed: str,
    exclude: str | None = None,
) -> list[lsp.CompletionItem]:
    """Today, and the document's own due date (unless it is the field being written)."""
    assert doc.declaration is not None
    dates: dict[str, str] = {ws.today.isoformat(): "today"}
    due_field = doc.declaration.date_field(DUE)
    if due_field and due_field != exclude:
        due = _date_value(buffer, doc, due_field)
        if due is not None:
            dates.setdefault(due, f"{due_field} of this {doc.type_name}")
    dated: list[tuple[str, str | None]] = list(dates.items())
    return _value_items(dated, buffer, line, start, end, typed, lsp.CompletionItemKind.Constant)


def _date_value(buffer: _Text, doc: _Doc, name: str) -> str | None:
    """The ISO date in field `name`: from the parsed document, else as written."""
    if doc.document is not None:
        parsed = doc.document.date(name)
        if parsed is not None:
            return parsed.isoformat()
    for index, key in buffer.top_keys():
        if key == name:
            written = re.search(r":[ \t]*['\"]?(\d{4}-\d{2}-\d{2})\b", buffer.lines[index])
            if written:
                try:
                    return datetime.date.fromisoformat(written.group(1)).isoformat()
                except ValueError:
                    return None
    return None


# --------------------------------------------------------------------------- hover


def hover(
    ws: WorkspaceView, path: str, text: str, position: lsp.Position, diagnostics: list[lsp.Diagnostic]
) -> lsp.Hover | None:
    """A rule's explanation over a tpm diagnostic, and an id's document (title, type,
    status, owner, due or score, file) over an id."""
    buffer = _Text(text)
    parts: list[str] = []
    covering: lsp.Range | None = None
    explained: set[str] = set()
    for diagnostic in diagnostics:
        found = _rule_of(diagnostic)
        if found is None or not _covers(diagnostic.range, position) or found.slug in explained:
            continue
        explained.add(found.slug)
        parts.append(explain_markdown(found))
        covering = covering or diagnostic.range
    named = _id_at(ws, buffer, position) if position.line < len(buffer.lines) else None
    if named is not None:
        parts.append(_id_markdown(ws, named[0]))
        covering = named[1]
    if not parts:
        return None
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)), range=covering
    )


def _covers(span: lsp.Range, position: lsp.Position) -> bool:
    after_start = (position.line, position.character) >= (span.start.line, span.start.character)
    before_end = (position.line, position.character) <= (span.end.line, span.end.character)
    return after_start and before_end


def _rule_of(diagnostic: lsp.Diagnostic) -> registry.Rule | None:
    """The tpm rule a diagnostic reports: its `data` (the slug, or a mapping with `rule`
    or `slug`), else its code; None for another tool's diagnostic."""
    if diagnostic.source not in (None, "tpm"):
        return None
    data = diagnostic.data
    names: list[object] = [data]
    if isinstance(data, dict):
        names = [data.get("rule"), data.get("slug"), data.get("code")]
    names.append(diagnostic.code)
    for name in names:
        if isinstance(name, str) and name:
            found = registry.find(name)
            if found is not None:
                return found
    return None


def explain_markdown(found: registry.Rule) -> str:
    """What `tpm explain SLUG` prints, as Markdown: a paragraph per line of its header,
    then the rule's documentation."""
    parts = [
        f"**{found.slug}** ({found.code})",
        f"Default severity: {found.severity.value}. Looks at: {found.looks_at}.",
    ]
    if found.options_text:
        parts.append(f"Options (`[rules.{found.slug}]` in .tpm.toml): {found.options_text}")
    return "\n\n".join([*parts, found.doc])


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def _escaped(value: str) -> str:
    """Text from a document, made plain in Markdown: one line, its emphasis and link
    characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def _id_markdown(ws: WorkspaceView, name: str) -> str:
    claimed = ws.project.by_id[name]
    document = claimed[0]
    config = ws.config
    title = document.title
    lines = [f"**{_escaped(name)}**" + (f" — {_escaped(title)}" if title else ""), ""]
    facts: list[tuple[str, str]] = [("type", _escaped(document.type or "unknown"))]
    status = status_of(document, config)
    if status:
        assert document.type is not None  # a status is read through its type's status_field
        role = config.types[document.type].role_of(status)
        facts.append(("status", _escaped(status) + (f" ({role})" if role else "")))
    owner = document.text("owner")
    if owner:
        facts.append(("owner", _escaped(owner)))
    score = risk_score(document)
    if score is not None:
        facts.append(
            ("score", f"{score} = {document.data['likelihood']} × {document.data['impact']} ({config.band(score)})")
        )
    due_field = role_field(document, config, DUE)
    due = document.data.get(due_field) if due_field else None
    if due_field and isinstance(due, str) and due.strip():
        facts.append((_escaped(due_field), _escaped(due)))
    lines += [f"- {label}: {value}" for label, value in facts]
    lines.append(f"- file: `{document.path.replace('`', '')}`")
    if len(claimed) > 1:
        lines += ["", f"{len(claimed)} documents claim this id (duplicate-id)."]
    return "\n".join(lines)


# --------------------------------------------------------------------------- definition, references


def definition(ws: WorkspaceView, path: str, text: str, position: lsp.Position) -> list[lsp.Location]:
    """The document (line 0) of the id under the cursor; several when the id is claimed twice."""
    named = _id_at(ws, _Text(text), position)
    if named is None:
        return []
    start = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0))
    return [lsp.Location(uri=ws.uri_of(d.path), range=start) for d in ws.project.by_id[named[0]]]


def references(ws: WorkspaceView, path: str, text: str, position: lsp.Position) -> list[lsp.Location]:
    """Every place a reference field names the id under the cursor, at the id itself."""
    named = _id_at(ws, _Text(text), position)
    if named is None:
        return []
    name = named[0]
    found = []
    texts: dict[str, _Text] = {}
    for reference in ws.project.references:
        if reference.target != name:
            continue
        source = reference.source
        lines = texts.setdefault(source.path, _Text(source.source.text))
        line, column = reference.line - 1, reference.column - 1
        written = lines.line(line)
        at = written.find(name, column)
        if at >= 0 and not written[column:at].strip("'\" \t"):
            span = lines.span(line, at, at + len(name))
        else:
            span = lines.span(line, column, column)
        found.append(lsp.Location(uri=ws.uri_of(source.path), range=span))
    return found


# --------------------------------------------------------------------------- code actions


def code_actions(
    ws: WorkspaceView, path: str, text: str, range: lsp.Range, diagnostics: list[lsp.Diagnostic], uri: str
) -> list[lsp.CodeAction]:
    """Quick fixes, each only where it is unambiguous: take a suggested name or value,
    mark a document reviewed today, tick a checkpoint, add a missing section."""
    buffer = _Text(text)
    doc = _doc(ws, path)
    actions: list[lsp.CodeAction] = []
    for diagnostic in diagnostics:
        found = _rule_of(diagnostic)
        if found is None:
            continue
        action: lsp.CodeAction | None = None
        if found.slug == "unreviewed":
            action = _mark_reviewed(ws, doc, buffer, diagnostic, uri)
        elif found.slug == "missing-section":
            action = _add_section(ws, doc, buffer, diagnostic, uri)
        else:
            action = _take_suggestion(buffer, diagnostic, uri)
        if action is not None:
            actions.append(action)
    if doc.declaration is not None:
        tasks = buffer.task_lines(doc.declaration.checkpoint_key)
        for line in _lines_of(range, len(buffer.lines)):
            task = tasks.get(line)
            if task is not None and task.group(2) == " ":
                box = buffer.span(line, task.end() - 3, task.end())
                actions.append(_fix("Tick checkpoint", uri, [lsp.TextEdit(range=box, new_text="[x]")], [], False))
    return actions


def _lines_of(span: lsp.Range, count: int) -> list[int]:
    """The line indexes a range touches, within the buffer's `count` lines."""
    return list(builtins.range(max(span.start.line, 0), min(span.end.line, count - 1) + 1))


def _fix(
    title: str, uri: str, edits: list[lsp.TextEdit], diagnostics: list[lsp.Diagnostic], preferred: bool
) -> lsp.CodeAction:
    return lsp.CodeAction(
        title=title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=diagnostics or None,
        is_preferred=preferred or None,
        edit=lsp.WorkspaceEdit(changes={uri: edits}),
    )


def _take_suggestion(buffer: _Text, diagnostic: lsp.Diagnostic, uri: str) -> lsp.CodeAction | None:
    """A "did you mean `X`?": replace what was written, where the diagnostic points, with X."""
    message = diagnostic.message
    written: str | None = None
    suggestion: str | None = None
    if (unknown := _UNKNOWN_FIELD.search(message)) is not None:
        written, suggestion = unknown.groups()
    elif (dangling := _DANGLING.search(message)) is not None:
        written, suggestion = dangling.groups()
    elif (suggested := _SUGGESTED.search(message)) is not None and (got := _GOT.search(message)) is not None:
        try:
            value = ast.literal_eval(got.group(1))
        except (ValueError, SyntaxError):
            return None
        written, suggestion = (value if isinstance(value, str) else None), suggested.group(1)
    if not written or not suggestion or written.endswith("…") or suggestion.endswith("…"):
        return None
    line = diagnostic.range.start.line
    column = buffer.column(line, diagnostic.range.start.character)
    text = buffer.line(line)
    if text[column : column + 1] in ("'", '"'):
        column += 1
    if text[column : column + len(written)] != written:
        return None
    edit = lsp.TextEdit(range=buffer.span(line, column, column + len(written)), new_text=suggestion)
    return _fix(f"Replace `{written}` with `{suggestion}`", uri, [edit], [diagnostic], True)


def _mark_reviewed(
    ws: WorkspaceView, doc: _Doc, buffer: _Text, diagnostic: lsp.Diagnostic, uri: str
) -> lsp.CodeAction | None:
    """Set the type's `reviewed` date field to today: its value replaced, or the field
    added at the end of the front-matter."""
    name = doc.declaration.date_field(REVIEWED) if doc.declaration is not None else None
    if name is None or buffer.front is None or not buffer.closed:
        return None
    today = ws.today.isoformat()
    line = next((index for index, key in buffer.top_keys() if key == name), None)
    if line is None:
        close = buffer.front[1] + 1
        edit = lsp.TextEdit(range=buffer.span(close, 0, 0), new_text=f"{name}: {today}\n")
    else:
        written = buffer.lines[line]
        key = _KEY.match(written)
        assert key is not None  # `top_keys()` found it by this pattern
        value = written[key.end() :]
        start = key.end() + len(value) - len(value.lstrip(" \t"))
        if written.startswith("#", start):  # `reviewed: # when` holds no value, only a comment
            edit = lsp.TextEdit(range=buffer.span(line, start, start), new_text=f"{today} ")
        else:
            comment = re.search(r"[ \t]+#", written[start:])
            end = start + comment.start() if comment else len(written.rstrip(" \t"))
            new_text = today if start < len(written) else f" {today}"
            edit = lsp.TextEdit(range=buffer.span(line, start, max(start, end)), new_text=new_text)
    return _fix(f"Mark reviewed today ({name}: {today})", uri, [edit], [diagnostic], True)


def _add_section(
    ws: WorkspaceView, doc: _Doc, buffer: _Text, diagnostic: lsp.Diagnostic, uri: str
) -> lsp.CodeAction | None:
    """Add a missing required section at the end of the document: the template's text for
    it (placeholders filled in from the document), else an empty heading."""
    missing = _MISSING_SECTION.search(diagnostic.message)
    if missing is None:
        return None
    title = missing.group(1)
    section = _template_section(ws, doc, title) or f"## {title}\n\n"
    tail = buffer.text
    lead = "" if not tail or tail.endswith("\n\n") else ("\n" if tail.endswith("\n") else "\n\n")
    edit = lsp.TextEdit(range=lsp.Range(start=buffer.end(), end=buffer.end()), new_text=lead + section)
    return _fix(f"Add section `{title}`", uri, [edit], [diagnostic], True)


def _template_section(ws: WorkspaceView, doc: _Doc, title: str) -> str | None:
    """The section `title` of the type's template, from its heading to the next heading of
    the same or a higher level, its `${...}` filled in from the document."""
    if doc.type_name is None:
        return None
    try:
        where, from_repository = template_path(ws.root, ws.config, doc.type_name)
        template = read_template(ws.root, where, from_repository)
    except (UsageError, OSError):
        return None
    source = split_source(template.encode("utf-8"))
    body = parse_body(source.body, source.body_line)
    lines = source.text.split("\n")
    wanted = heading_key(title)
    for index, section in enumerate(body.sections):
        if heading_key(section.title) != wanted:
            continue
        end = next(
            (s.line for s in body.sections[index + 1 :] if s.level <= section.level),
            len(lines) + 1,
        )
        text = "\n".join(lines[section.line - 1 : end - 1]).rstrip() + "\n"
        return string.Template(text).safe_substitute(_template_values(ws, doc))
    return None


def _template_values(ws: WorkspaceView, doc: _Doc) -> dict[str, str]:
    document = doc.document
    values = {"today": ws.today.isoformat(), "date": ws.today.isoformat(), "type": doc.type_name or ""}
    if document is not None:
        values.update(title=document.title or "", id=document.id or "", owner=document.text("owner") or "")
        due_field = role_field(document, ws.config, DUE)
        due = document.date(due_field) if due_field else None
        values["due"] = (due or ws.today).isoformat()
        for name in ("likelihood", "impact", "milestone"):
            value = document.data.get(name)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                values[name] = str(value)
    return values


# --------------------------------------------------------------------------- symbols


def symbols(ws: WorkspaceView, path: str, text: str) -> list[lsp.DocumentSymbol]:
    """The front-matter's fields under a `front-matter` symbol, then the body's headings
    nested by level, the checkpoints under the heading they sit in."""
    buffer = _Text(text)
    doc = _doc(ws, path)
    found: list[lsp.DocumentSymbol] = []
    if buffer.front is not None:
        found.append(_front_matter_symbol(buffer, doc))
    source = split_source(buffer.text.encode("utf-8", errors="replace"))
    if not source.readable:
        return found
    checkpoints = doc.declaration.checkpoint_key if doc.declaration is not None else None
    body = parse_body(source.body, source.body_line, checkpoints)
    found += _section_symbols(buffer, body)
    return found


def _front_matter_symbol(buffer: _Text, doc: _Doc) -> lsp.DocumentSymbol:
    assert buffer.front is not None
    last = buffer.front[1]
    closing = last + 1 if buffer.closed else last
    keys = buffer.top_keys()
    data = doc.document.data if doc.document is not None and doc.document.source.text == buffer.text else {}
    fields = []
    for position, (line, name) in enumerate(keys):
        end = keys[position + 1][0] - 1 if position + 1 < len(keys) else last
        while end > line and not buffer.lines[end].strip():
            end -= 1
        key = buffer.lines[line].find(name)
        if name in data:
            detail = _shown(data[name])
        else:
            match = _KEY.match(buffer.lines[line])
            detail = buffer.lines[line][match.end() :].strip() if match else ""
        fields.append(
            lsp.DocumentSymbol(
                name=name,
                kind=lsp.SymbolKind.Property,
                detail=detail[:MAX_DETAIL] or None,
                range=lsp.Range(start=buffer.position(line, 0), end=buffer.position(end, len(buffer.lines[end]))),
                selection_range=buffer.span(line, max(key, 0), max(key, 0) + len(name)),
            )
        )
    whole = lsp.Range(start=buffer.position(0, 0), end=buffer.position(closing, len(buffer.line(closing))))
    return lsp.DocumentSymbol(
        name="front-matter",
        kind=lsp.SymbolKind.Namespace,
        range=whole,
        selection_range=buffer.span(0, 0, len(buffer.lines[0])),
        children=fields,
    )


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value)
    if isinstance(value, dict):
        return "{" + ", ".join(str(k) for k in value) + "}"
    return " ".join(str(value).split())


def _section_symbols(buffer: _Text, body: Body) -> list[lsp.DocumentSymbol]:
    """Headings nested by level (a heading holds those below it of a deeper level), each
    task item under the innermost heading whose lines hold it."""
    last = len(buffer.lines) - 1
    roots: list[_Node] = []
    stack: list[_Node] = []  # the open headings, outermost first
    sections = body.sections
    for index, section in enumerate(sections):
        line = section.line - 1
        end = next((s.line - 2 for s in sections[index + 1 :] if s.level <= section.level), last)
        while end > line and not buffer.line(end).strip():
            end -= 1
        node = _Node(section.level, line, end, " ".join(section.title.split()) or "(untitled)", "#" * section.level)
        while stack and stack[-1].level >= section.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    for task in body.tasks:
        line = task.line - 1
        owner = f" · @{task.owner}" if task.owner else ""
        state = "done" if task.done else "open"
        detail = f"{task.date.isoformat() if task.date else 'no date'} · {state}{owner}"
        name = " ".join(task.text.split()) or buffer.line(line).strip() or "checkpoint"
        node = _Node(0, line, line, name, detail)
        parent = _innermost(roots, line)
        (parent.children if parent is not None else roots).append(node)
    return [node.symbol(buffer) for node in sorted(roots, key=_line)]


@dataclass
class _Node:
    """A heading (level 1-6) or a task item (level 0) on its way to a DocumentSymbol."""

    level: int
    line: int
    end: int
    name: str
    detail: str
    children: list[_Node] = field(default_factory=list)

    def symbol(self, buffer: _Text) -> lsp.DocumentSymbol:
        text = buffer.line(self.line)
        return lsp.DocumentSymbol(
            name=self.name,
            kind=lsp.SymbolKind.Namespace if self.level else lsp.SymbolKind.Event,
            detail=self.detail,
            range=lsp.Range(
                start=buffer.position(self.line, 0), end=buffer.position(self.end, len(buffer.line(self.end)))
            ),
            selection_range=buffer.span(self.line, 0, len(text)),
            children=[child.symbol(buffer) for child in sorted(self.children, key=_line)] if self.level else None,
        )


def _line(node: _Node) -> int:
    return node.line


def _innermost(nodes: list[_Node], line: int) -> _Node | None:
    for node in nodes:
        if node.level and node.line <= line <= node.end:
            return _innermost(node.children, line) or node
    return None

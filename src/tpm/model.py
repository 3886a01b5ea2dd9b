"""The project model: every document read, typed, validated once, and indexed by id.

Building it is the only place where files are read. Rules receive the finished model and
never touch the disk.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, TypeAlias

from tpm import git, yamlload
from tpm.config import Config, TypeConfig
from tpm.discover import Candidate
from tpm.document import (
    Body,
    Problem,
    SourceFile,
    load_front_matter,
    oversized,
    parse_body,
    read_bytes,
    read_source,
    split_source,
)
from tpm.schema import Schemas
from tpm.templates import template_placeholders
from tpm.vocabulary import parse_iso_date
from tpm.yamlload import Mark

FrontMatter: TypeAlias = dict[str, Any]  # a document's YAML fields: any values, untrusted until checked
Marks: TypeAlias = dict[yamlload.Path, Mark]  # a path into the front-matter -> a position
MarkRow: TypeAlias = list[Any]  # [path, key line, key column, value line, value column], as JSON keeps it

_ID_FROM_NAME = re.compile(r"([A-Za-z][A-Za-z0-9]*-\d+)|(\d+)(?=[-_. ]|$)")


@dataclass
class Document:
    """One project file as tpm understands it."""

    path: str  # repository-relative
    type: str | None  # None when it could not be determined
    source: SourceFile
    data: FrontMatter = field(default_factory=dict)  # the front-matter; {} when absent or unreadable
    has_front_matter: bool = False
    problems: list[Problem] = field(default_factory=list)  # parse and schema problems, by slug
    id: str | None = None  # from the id field, else derived from the file name
    id_derived: bool = False
    id_guess: str | None = None  # derived from the name even when the file could not be read
    mark_rows: list[MarkRow] | None = None  # positions as the document cache keeps them, decoded on use
    checkpoints: str | None = None  # the heading_key of its type's `checkpoints` heading, if any
    placeholders: Mapping[str, re.Pattern[str]] = field(default_factory=dict)  # its template's, by section

    def is_placeholder(self, section: str, text: str) -> bool:
        """Whether `text` (whitespace-folded) is only its type's template placeholder for
        the section `section` (a heading_key): placeholder text counts as empty."""
        pattern = self.placeholders.get(section)
        return pattern is not None and pattern.fullmatch(text) is not None

    @cached_property
    def key_marks(self) -> Marks:
        """Path into the front-matter -> Mark of its key (set directly when parsed)."""
        return self._cached_marks[0]

    @cached_property
    def value_marks(self) -> Marks:
        """Path into the front-matter -> Mark of its value (set directly when parsed)."""
        return self._cached_marks[1]

    @cached_property
    def _cached_marks(self) -> tuple[Marks, Marks]:
        """Positions of a document taken from the cache, decoded only when a finding needs
        them; rows that do not decode are not trusted: the front-matter is read again."""
        if self.mark_rows is None:
            return {}, {}
        try:
            return marks_from_rows(self.mark_rows)
        except (TypeError, ValueError):
            loaded = load_front_matter(self.source)
            return loaded.key_marks, loaded.value_marks

    @cached_property
    def body(self) -> Body:
        """The Markdown body, parsed on first use (most rules never need it); task items are
        read under its type's `checkpoints` heading."""
        return parse_body(self.source.body, self.source.body_line, self.checkpoints)

    @property
    def title(self) -> str | None:
        title = self.data.get("title")
        if isinstance(title, str) and title.strip():
            return title
        return self.body.title

    @property
    def status(self) -> str | None:
        status = self.data.get("status")
        return status if isinstance(status, str) else None

    def key_line(self, key: str) -> tuple[int, int]:
        """Line and column of a top-level key, or of the file's first line."""
        mark = self.key_marks.get((key,))
        return (mark.line, mark.column) if mark else (1, 1)

    def value_position(self, *path: str | int) -> tuple[int, int]:
        """Line and column of the value at `path` (else its key, else line 1)."""
        mark = self.value_marks.get(path) or self.key_marks.get(path)
        return (mark.line, mark.column) if mark else (1, 1)

    def date(self, key: str) -> datetime.date | None:
        """A top-level ISO date field; None when absent or invalid (the schema says why)."""
        return parse_iso_date(self.data.get(key))

    def text(self, key: str) -> str | None:
        """A top-level string field with something in it, else None."""
        value = self.data.get(key)
        return value if isinstance(value, str) and value.strip() else None

    def id_list(self, key: str, separator: str | None = None) -> list[tuple[str, tuple[int, int]]]:
        """The ids a field names, each with its position: a string, an integer (its decimal
        text: `requires: 1559`), or a list of either; with a `separator`, a string names
        one id per part (`requires: 1474, 1559`), each part trimmed (a lone one too) and
        located at its own column where the value is written on one line."""
        return self._named_ids(key, separator, located=True)

    def ids(self, key: str, separator: str | None = None) -> list[str]:
        """The ids a field names, as `id_list` finds them, without their positions: those
        cost decoding a cached document's marks, which only a finding needs."""
        return [name for name, _ in self._named_ids(key, separator, located=False)]

    def _named_ids(self, key: str, separator: str | None, located: bool) -> list[tuple[str, tuple[int, int]]]:
        value = self.data.get(key)
        if isinstance(value, list):
            found: list[tuple[str, tuple[int, int]]] = []
            for index, item in enumerate(value):
                found += self._ids_in(item, separator, self.value_position(key, index) if located else None)
            return found
        return self._ids_in(value, separator, self.value_position(key) if located else None)

    def _ids_in(
        self, value: object, separator: str | None, where: tuple[int, int] | None
    ) -> list[tuple[str, tuple[int, int]]]:
        """The ids in one value, at `where` (None: unlocated, (0, 0))."""
        text = id_text(value)
        if text is None:
            return []
        if separator is None:
            return [(text, where or (0, 0))] if text.strip() else []
        names = [name for part in text.split(separator) if (name := part.strip())]
        if where is None:
            return [(name, (0, 0)) for name in names]
        line, column = where
        written = self.source.text.split("\n")[line - 1][column - 1 :] if line >= self.source.front_matter_line else ""
        if written[:1] in ("'", '"'):
            written, column = written[1:], column + 1
        found, start = [], 0
        for name in names:
            at = written.find(name, start)
            found.append((name, (line, column + at) if at >= 0 else where))
            start = at + len(name) if at >= 0 else start
        return found

    def problems_of(self, slug: str) -> list[Problem]:
        return [p for p in self.problems if p.slug == slug]


@dataclass(frozen=True)
class Suppression:
    """A document's `lint: {ignore: [...], until: YYYY-MM-DD, reason: ...}` block, read in
    one place for the engine (which silences) and the rules that judge the block itself."""

    names: tuple[tuple[int, str], ...]  # (index in `ignore`, name) of every text item
    until: datetime.date | None  # in force up to and including this date; None: for ever

    def expired(self, today: datetime.date) -> bool:
        return self.until is not None and self.until < today


def suppression_of(document: Document) -> Suppression | None:
    """The document's `lint:` block, or None when it has none (or it is not a mapping)."""
    lint = document.data.get("lint")
    if not isinstance(lint, dict):
        return None
    ignore = lint.get("ignore")
    names = (
        tuple((i, name) for i, name in enumerate(ignore) if isinstance(name, str)) if isinstance(ignore, list) else ()
    )
    return Suppression(names, parse_iso_date(lint.get("until")))


def id_text(value: object) -> str | None:
    """An id as written in a field: a string as it is, an integer as its decimal text
    (`eip: 1559` is id `1559`); anything else (a boolean, a list) is no id."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def status_of(document: Document, config: Config) -> str | None:
    """The document's status, from its type's `status_field`."""
    if document.type is None:
        return None
    value = document.data.get(config.types[document.type].status_field)
    return value if isinstance(value, str) else None


def role_of(document: Document, config: Config) -> str | None:
    """The lifecycle role of the document's status: planned, active, done, dropped, or None
    (no type, no status, or a status its type gives no role: the date and git rules pass
    it by)."""
    if document.type is None:
        return None
    return config.types[document.type].role_of(document.data.get(config.types[document.type].status_field))


def role_field(document: Document, config: Config, role: str) -> str | None:
    """The field holding the document's `role` date (due, start, ...), if its type has one."""
    return config.types[document.type].date_field(role) if document.type is not None else None


def role_date(document: Document, config: Config, role: str) -> datetime.date | None:
    """The document's date for `role` (due, start, completed, reviewed, review_by)."""
    name = role_field(document, config, role)
    return document.date(name) if name else None


def mark_rows(document: Document) -> list[MarkRow]:
    """Key and value marks, one flat row per path: [path, key line, key column, value line,
    value column], a top-level key's path as a bare string; 0 where there is no mark."""
    rows: list[MarkRow] = []
    for path in dict.fromkeys([*document.value_marks, *document.key_marks]):
        key, value = document.key_marks.get(path), document.value_marks.get(path)
        shown = path[0] if len(path) == 1 and isinstance(path[0], str) else list(path)
        rows.append([shown, *(key or (0, 0)), *(value or (0, 0))])
    return rows


def marks_from_rows(rows: list[MarkRow]) -> tuple[Marks, Marks]:
    key_marks: Marks = {}
    value_marks: Marks = {}
    make = tuple.__new__  # Mark's own __new__ is Python code; this is the C fast path
    for shown, key_line, key_column, value_line, value_column in rows:
        if not (type(key_line) is type(key_column) is type(value_line) is type(value_column) is int):
            raise TypeError("a cached mark is not a number")
        path = (shown,) if isinstance(shown, str) else tuple(shown)
        if key_line:
            key_marks[path] = make(Mark, (key_line, key_column))
        if value_line:
            value_marks[path] = make(Mark, (value_line, value_column))
    return key_marks, value_marks


@dataclass(frozen=True)
class Reference:
    """One edge of the reference graph: `source` names `target` in `field`, as the
    `index`-th id the field names. Its position is worked out only when asked (for a
    finding or an editor): decoding the marks of every cached document that references
    another cost seconds at 100,000 documents, for findings that are rare."""

    source: Document
    field: str
    target: str
    index: int
    separator: str | None = None

    @cached_property
    def position(self) -> tuple[int, int]:
        return self.source.id_list(self.field, self.separator)[self.index][1]

    @property
    def line(self) -> int:
        return self.position[0]

    @property
    def column(self) -> int:
        return self.position[1]


@dataclass
class Project:
    """All documents, sorted by path, with an index of ids."""

    root: Path
    config: Config
    documents: list[Document]

    @cached_property
    def by_id(self) -> dict[str, list[Document]]:
        """Id -> every document that claims it (more than one is a duplicate-id)."""
        index: dict[str, list[Document]] = {}
        for document in self.documents:
            if document.id is not None:
                index.setdefault(document.id, []).append(document)
        return index

    @cached_property
    def unreadable_ids(self) -> set[str]:
        """Ids guessed from the names of files that could not be read: a reference to one of
        them is not reported as dangling on top of the file's own parse error."""
        return {d.id_guess for d in self.documents if d.id is None and d.id_guess}

    def get(self, document_id: str) -> Document | None:
        found = self.by_id.get(document_id)
        return found[0] if found else None

    @cached_property
    def by_path(self) -> dict[str, Document]:
        return {document.path: document for document in self.documents}

    def of_type(self, type_name: str) -> list[Document]:
        return list(self._by_type.get(type_name, ()))

    @cached_property
    def _by_type(self) -> dict[str | None, list[Document]]:
        """Type -> its documents, in path order: one pass, however often `of_type` is asked."""
        index: dict[str | None, list[Document]] = {}
        for document in self.documents:
            index.setdefault(document.type, []).append(document)
        return index

    @cached_property
    def references(self) -> list[Reference]:
        """Every reference in the project, from each type's reference fields, built once."""
        edges = []
        for document in self.documents:
            if document.type is None:
                continue
            for field_name in self.config.types[document.type].references:
                separator = self.config.types[document.type].reference_separator
                for index, target in enumerate(document.ids(field_name, separator)):
                    edges.append(Reference(document, field_name, target, index, separator))
        return edges


def derive_id(path: str, type_config: TypeConfig | None) -> str | None:
    """`R-7-vendor.md` -> R-7; `0003-use-postgres.md` -> ADR-0003 (with the type's prefix)."""
    name = path.rsplit("/", 1)[-1]
    found = _ID_FROM_NAME.match(name)
    if found is None:
        return None
    if found.group(1):
        return found.group(1)
    prefix = type_config.id_prefix if type_config else None
    return f"{prefix}-{found.group(2)}" if prefix else found.group(2)


class DocumentStore(Protocol):
    """What the model needs of a document cache (`tpm.doccache.DocumentCache`)."""

    def use_fingerprint(self, config: Config, schemas: Schemas, /) -> None: ...

    def lookup(self, candidate: Candidate, source: SourceFile, /) -> tuple[bool, Document | None]: ...

    def remember(self, candidate: Candidate, source: SourceFile, document: Document | None, /) -> None: ...


def load_document(
    root: Path,
    candidate: Candidate,
    config: Config,
    schemas: Schemas,
    cache: DocumentStore | None = None,
    source_bytes: bytes | None = None,
) -> Document | None:
    """Read, split, load, type and validate one file. None when it vanished or is no document.

    With a document cache, an unchanged file is taken from it instead of parsed again.
    With `source_bytes`, those bytes are checked as if they were the file's (a new
    document before it is written, a staged or a past version)."""
    source: SourceFile | None
    if isinstance(source_bytes, git.OversizedBlob):  # a staged or sparse version over the cap, never read
        source = oversized(source_bytes.size)
    elif source_bytes is not None:
        source = split_source(source_bytes)
        source.raw = source_bytes
    else:
        source = read_source(git.fs_path(root, candidate.path))
    if source is None:
        return None
    if cache is not None:
        found, document = cache.lookup(candidate, source)
        if found:
            return document
    document = _parse_document(candidate, source, config, schemas)
    if cache is not None:
        cache.remember(candidate, source, document)
    return document


def _parse_document(candidate: Candidate, source: SourceFile, config: Config, schemas: Schemas) -> Document | None:
    document = Document(candidate.path, candidate.path_type, source, problems=list(source.problems))
    if candidate.path_type is not None:
        document.id_guess = derive_id(candidate.path, config.types[candidate.path_type])
    if not source.readable:
        return document
    if source.front_matter is None:
        if source.problems:  # unclosed, TOML or oversized front-matter: already reported
            return document
        if candidate.path_type is None:
            return None  # free-form notes under the project root are not documents
        document.problems.append(
            Problem("missing-front-matter", 1, 1, "no front-matter; start the file with a --- block of YAML fields")
        )
        return document

    document.has_front_matter = True
    loaded = load_front_matter(source)
    document.key_marks, document.value_marks = loaded.key_marks, loaded.value_marks
    document.problems.extend(Problem(p.slug, p.mark.line, p.mark.column, p.message) for p in loaded.problems)
    if not isinstance(loaded.data, dict):  # None: not loaded (load_front_matter allows nothing else)
        return document
    document.data = loaded.data

    declared = loaded.data.get(config.type_key) if config.type_key else None
    if declared is not None:
        if isinstance(declared, str) and declared in config.types:
            document.type = declared
        else:
            line, column = document.value_position(config.type_key)
            known = ", ".join(config.types)
            document.problems.append(
                Problem("unknown-type", line, column, f"unknown type {declared!r} (known: {known})")
            )
            document.type = None
            return document
    elif document.type is None:
        document.problems.append(
            Problem(
                "unknown-type",
                1,
                1,
                "cannot tell this document's type: "
                + (f"add a `{config.type_key}:` field or " if config.type_key else "")
                + "move it under a type's folder",
            )
        )
        return document

    type_config = config.types[document.type]
    document.checkpoints = type_config.checkpoint_key
    _assign_id(document, type_config)
    document.problems.extend(
        schemas.validate(
            document.type,
            _with_derived(document, type_config, config.type_key),
            document.key_marks,
            document.value_marks,
        )
    )
    return document


def _assign_id(document: Document, type_config: TypeConfig) -> None:
    value = document.data.get(type_config.id_field)
    text = id_text(value)
    if text:
        document.id = text
    elif value is None:
        document.id = derive_id(document.path, type_config)
        document.id_derived = document.id is not None


def _with_derived(document: Document, type_config: TypeConfig, type_key: str) -> FrontMatter:
    """What the schema sees: for built-in types, the front-matter plus the id and title that
    SPEC §2 derives when they are absent; for custom types, the front-matter less tpm's own
    `type` and `lint` keys, which the user's schema need not know about."""
    data = document.data
    if not type_config.builtin:
        return {k: v for k, v in data.items() if k not in (type_key, "lint")}
    additions: FrontMatter = {}
    if document.id_derived:
        additions[type_config.id_field] = document.id
    if "title" not in data and document.body.title:
        additions["title"] = document.body.title
    return {**data, **additions} if additions else data


def load_project(
    root: Path,
    candidates: list[Candidate],
    config: Config,
    cache: DocumentStore | None = None,
    contents: Mapping[str, bytes] | None = None,
    read: Sequence[Read] | None = None,
    schemas: Schemas | None = None,
) -> Project:
    """Every candidate read and checked; `contents` gives some files' bytes in place of the
    work tree's (the index's version, for --staged); `read`, what `read_candidates` already
    read of each candidate (a file that was not read as bytes is read again)."""
    schemas = schemas if schemas is not None else Schemas(config, root)
    if cache is not None:
        cache.use_fingerprint(config, schemas)
    documents: list[Document] = []
    missing: list[Candidate] = []
    contents = contents or {}
    for index, candidate in enumerate(candidates):
        given = contents.get(candidate.path)
        if given is None and read is not None and isinstance(read[index], bytes):
            given = read[index]  # type: ignore[assignment]  # just checked: bytes
        document = load_document(root, candidate, config, schemas, cache, source_bytes=given)
        if document is not None:
            documents.append(document)
        elif candidate.path not in contents:
            missing.append(candidate)
    if missing:  # gone from the work tree: deleted since listed, or left out by a sparse checkout
        sparse = git.skip_worktree_contents(root, [c.path for c in missing])
        for candidate in missing:
            if candidate.path in sparse:
                document = load_document(root, candidate, config, schemas, None, source_bytes=sparse[candidate.path])
                if document is not None:
                    documents.append(document)
        documents.sort(key=lambda d: d.path)
    _give_placeholders(root, config, documents)
    return Project(root, config, documents)


Read: TypeAlias = bytes | SourceFile | None  # a candidate's bytes, an unreadable file's SourceFile, or None: gone


def read_candidates(root: Path, candidates: Sequence[Candidate], contents: Mapping[str, bytes] | None) -> list[Read]:
    """What each candidate holds, read once and not yet split: its bytes (from `contents`
    when given there, else the work tree), the `SourceFile` of a file that cannot be read,
    or None when it is gone from the work tree."""
    contents = contents or {}
    found: list[Read] = []
    for candidate in candidates:
        given = contents.get(candidate.path)
        found.append(given if given is not None else read_bytes(git.fs_path(root, candidate.path)))
    return found


def _give_placeholders(root: Path, config: Config, documents: list[Document]) -> None:
    """Each document its type's template placeholders, each template read once, here, so
    that the rules can tell placeholder text from content without reading a file."""

    by_type: dict[str, Mapping[str, re.Pattern[str]]] = {}
    for document in documents:
        if document.type is not None:
            if document.type not in by_type:
                by_type[document.type] = template_placeholders(root, config, document.type)
            document.placeholders = by_type[document.type]

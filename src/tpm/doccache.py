"""A cache of parsed documents under the git directory, so that an unchanged file is not
parsed again: YAML with positions, schema validation and the Markdown body are most of
a run's time, and most files do not change between two runs.

An entry is keyed by the file's path, its path type and its exact bytes, inside a cache
keyed by tpm's version, the type configuration and every effective schema; change any of
them and nothing stale can be found. The file is signed JSON (cachefile.py): one this
clone did not write, such as a planted or restored file claiming a broken file is clean,
is ignored whole. Entries are still checked one by one as they are read: a corrupt one is
parsed afresh. `--no-cache` bypasses it. It is rewritten, holding just this run's files,
only when at least one entry in `REWRITE_SHARE` changed: a rewrite encodes and writes the
whole cache (1.8 s at 100,000 documents), while an entry left missing costs one file's
parse on the next run, so a single edit does not pay for a rewrite.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tpm import __version__, cachefile
from tpm.document import Body, Problem, Section, SourceFile, TaskItem
from tpm.model import Document, mark_rows

if TYPE_CHECKING:
    from tpm.config import Config
    from tpm.discover import Candidate
    from tpm.schema import Schemas

StoredEntry = Any  # an entry as read back from the cache's JSON: untrusted, checked as it is decoded

FORMAT = "tpm-documents/6"
REWRITE_SHARE = 50  # rewrite once at least one entry in this many is new or gone
_NOT_A_DOCUMENT = "-"


def fingerprint(config: Config, schemas: Schemas) -> str:
    """What a parse depends on besides the file: tpm's version, the types and every
    effective schema (reading every user schema file)."""
    effective = [schemas.effective(t) for t in sorted(config.types)]
    text = json.dumps(
        [
            __version__,
            config.type_key,
            repr(sorted(config.types.items())),
            effective,
            sorted(schemas.sources.items()),
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha1(text.encode()).hexdigest()


class DocumentCache:
    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self.path = git_dir / "tpm-cache" / "documents.json"
        self._stored: dict[str, StoredEntry] = {}
        self._used: dict[str, Document | None] = {}  # digest -> Document (or None), from this run
        self._hits: set[str] = set()  # digests whose documents this run took from the cache
        self._key: str | None = None

    def fingerprint(self, config: Config, schemas: Schemas) -> str:
        """What its entries are keyed by (`fingerprint`), worked out once per run: the result
        cache asks for it first, and the parse needs it again."""
        if self._key is None:
            self._key = fingerprint(config, schemas)
        return self._key

    def use_fingerprint(self, config: Config, schemas: Schemas) -> None:
        """Load the entries written under the same tpm version, types and schemas."""
        self.fingerprint(config, schemas)
        data = cachefile.load(self.path, self.git_dir, FORMAT)
        if data is not None and data.get("key") == self._key and isinstance(data.get("entries"), dict):
            self._stored = data["entries"]

    @staticmethod
    def _digest(candidate: Candidate, source: SourceFile) -> str:
        head = f"{candidate.path}\0{candidate.path_type or ''}\0".encode("utf-8", "surrogateescape")
        return hashlib.sha1(head + source.raw).hexdigest()

    def lookup(self, candidate: Candidate, source: SourceFile) -> tuple[bool, Document | None]:
        """(True, document or None) when cached, else (False, None)."""
        if not source.readable or not source.raw:
            return False, None
        digest = self._digest(candidate, source)
        entry = self._stored.get(digest)
        if entry is None:
            return False, None
        try:
            document = None if entry == _NOT_A_DOCUMENT else _decode(entry, candidate, source)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return False, None
        self._used[digest] = document
        self._hits.add(digest)
        return True, document

    def remember(self, candidate: Candidate, source: SourceFile, document: Document | None) -> None:
        if source.readable and source.raw:
            self._used[self._digest(candidate, source)] = document

    def save(self) -> None:
        """Write this run's entries when enough changed (`REWRITE_SHARE`); a read-only git
        directory just means no cache."""
        if self._key is None:
            return
        # An edited file is one new entry and one gone: count the larger side.
        changed = max(len(self._used.keys() - self._hits), len(self._stored.keys() - self._used.keys()))
        if not changed or changed * REWRITE_SHARE < len(self._used):
            return
        entries = {digest: self._entry(digest, self._used[digest]) for digest in sorted(self._used)}
        cachefile.save(self.path, self.git_dir, FORMAT, {"key": self._key, "entries": entries})

    def _entry(self, digest: str, document: Document | None) -> object:
        """What to write for a document: a cached one's entry as it was loaded (it decoded,
        and nothing of it changed), unless this run parsed a body the entry lacks; a new
        one encoded. After one edit among 100,000 documents, encoding them all again took
        seconds."""
        if document is None:
            return _NOT_A_DOCUMENT
        stored = self._stored.get(digest) if digest in self._hits else None
        if stored is not None and ("body" in stored or "body" not in document.__dict__):
            return stored
        return _encode(document)


def _encode(document: Document) -> dict[str, object]:
    entry: dict[str, object] = {
        "type": document.type,
        "checkpoints": document.checkpoints,
        "data": document.data,
        "has_front_matter": document.has_front_matter,
        "marks": mark_rows(document),
        "problems": [[p.slug, p.line, p.column, p.message] for p in document.problems],
        "id": document.id,
        "id_derived": document.id_derived,
        "id_guess": document.id_guess,
    }
    body = document.__dict__.get("body")  # only when some rule parsed it
    if body is not None:
        entry["body"] = [
            body.title,
            [[s.title, s.level, s.line, s.has_content] for s in body.sections],
            [
                [
                    t.section,
                    t.line,
                    t.column,
                    t.done,
                    t.date.isoformat() if t.date else None,
                    t.text,
                    t.owner,
                    t.date_problem,
                ]
                for t in body.tasks
            ],
        ]
    return entry


def _text(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _required_text(value: object) -> str:
    """Text where the encoder always writes text (a slug, a message, a heading)."""
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _decode(entry: StoredEntry, candidate: Candidate, source: SourceFile) -> Document:

    if not isinstance(entry["data"], dict) or not isinstance(entry["marks"], list):
        raise TypeError("front-matter is not a mapping")
    document_type = _text(entry["type"])
    document = Document(
        path=candidate.path,
        type=document_type,
        checkpoints=_text(entry["checkpoints"]),  # as the parse left it: unset when it stopped early
        source=source,
        data=entry["data"],
        has_front_matter=bool(entry["has_front_matter"]),
        mark_rows=entry["marks"],
        problems=[
            Problem(_required_text(s), int(line), int(column), _required_text(m))
            for s, line, column, m in entry["problems"]
        ],
        id=_text(entry["id"]),
        id_derived=bool(entry["id_derived"]),
        id_guess=_text(entry["id_guess"]),
    )
    if "body" in entry:
        title, sections, tasks = entry["body"]
        document.body = Body(
            _text(title),
            tuple(
                Section(_required_text(t), int(level), int(line), bool(content)) for t, level, line, content in sections
            ),
            tuple(
                TaskItem(
                    _required_text(section),
                    int(line),
                    int(column),
                    bool(done),
                    datetime.date.fromisoformat(date) if date else None,
                    _required_text(text),
                    _text(owner),
                    _text(problem),
                )
                for section, line, column, done, date, text, owner, problem in tasks
            ),
        )
    return document

"""What git history says about each document that a git rule judges, read in one pass and cached.

The git rules need, per file: when it was created and last changed (a whitespace-only
change is not a change), how its due date moved, when its `reviewed` date was last set,
when its assessment (likelihood, impact, status, mitigation) last changed, and since when
each task line has stood unchanged. All of it is a fold over the file's versions, oldest
first:

    state = FileHistory()            # nothing known
    for each version: state.advance(date, text, tracking)

Which fields the fold follows comes from the type declarations, not from fixed names
(`Tracking`): every type's `due` and `reviewed` date fields, and, when some type has a
`reviewed` role, the assessment that a review covers: `likelihood`, `impact`, the status
field of each such type, the `mitigation` field and the Mitigation section. The fold follows
the union of them in every file, whatever the file's type: a file's type is only known
from its current version (a renamed or deleted file, or one whose `type:` changed, has
none that holds for its whole past), so the rules pick, when they read a state, the
fields that the document's type declares. The cache key holds the tracked names, so a
changed declaration refolds.

The versions come from one streaming `git log --raw` over the folders of the types that
a git rule can judge (following renames, stopping once every file's creation has been
seen), run while the documents are parsed. Each version's content is read as soon as the
log names it (`git.BlobStream`) and boiled down to what the fold compares (`Version`)
while git walks on; once the log ends, the fold itself only compares those, each file's
versions oldest first. A version over the 1 MiB cap that documents have is never read
(its size is asked first): it is skipped, as if that commit had not touched the file, so
the fold compares the versions on either side of it. Only the folded states are cached, under the
git directory, signed (cachefile.py), keyed by HEAD: after a new commit only the new
commits are read and folded on top. Uncommitted changes are folded in last, dated today,
and never cached.

Dates are committer dates, as the committer's own calendar day: the day a change landed
on this line of history. Author dates survive rebases and cherry-picks, so a review
cherry-picked today would look weeks old; committer dates do not have that problem. A
commit whose date git cannot give or that lies outside years 1-9999 has an unknown date
(None): its changes are folded in order, dated None, and the rules read an unknown date
as today (nothing looks stale or late because of it).

The same fold keeps, for the status report's trends, a timeline per file (`points`, read
through `FileHistory.timeline`): the done and total task items under a checkpoints heading
(the union of every type's `checkpoints` heading, as for the assessment's sections), and
the values of the status field of every type with a lifecycle and of the score fields. A
point is added only when one of them changes; versions of the same day leave one point,
the day's last state. A version of unknown date has no day of its own: its state is kept
under the previous point's date (the change is known to come after it), and before any
dated point it waits for the next dated version. A date earlier than the previous point's
(committer dates can go backwards) is likewise read as the previous point's date, so the
timeline stays in the order of history, one point per day, oldest first.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import dataclasses
import datetime
import functools
import hashlib
import json
import multiprocessing
import os
import pickle
import re
import threading
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, TypedDict

from tpm import __version__, cachefile, git, yamlload
from tpm.config import ACTIVE, DUE, REVIEWED, Config, TypeConfig, builtin_types
from tpm.document import decode, split_source
from tpm.errors import UsageError
from tpm.discover import document_folders
from tpm.vocabulary import ISO_DATE, heading_key

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from tpm.model import Project

Fields = dict[str, str]  # tracked top-level key -> raw text of its value
DueMove = list[str | None]  # [date (None: unknown), old due, new due], a list as JSON keeps it
Stamp = list[int | str | None]  # [version number, date (None: unknown)], a list as JSON keeps it
CachedState = dict[str, Any]  # a FileHistory as the cache's JSON holds it, untrusted until checked
# A point of a file's trend timeline, as the cache's JSON keeps it: [date, done, total], or
# [date, done, total, {field: value}] when the trended values differ from the previous point's.
Point = list[Any]
# A move of `due` to a later date ("from" is a keyword, hence the functional form).
Slip = TypedDict("Slip", {"date": str | None, "from": str, "to": str, "days": int})

CACHE_FORMAT = "tpm-history/9"

# The assessment that a review covers, besides the type's status field (SPEC §2): the
# score's two fields, and the mitigation, a field or a body section.
SCORE_FIELDS = ("likelihood", "impact")
MITIGATION = "mitigation"
SECTION = "#"  # a tracked section's key: "#" and its heading key (no plain YAML key starts with "#")

# A top-level `key: value` line whose key YAML reads exactly as written: plain, or quoted
# without escapes ('' is a single-quoted key's only escape).
_TOP_KEY = re.compile(
    r"""(?:([^\s#&*!|>'"%@`{}\[\],?:-](?:[^:#]*[^\s:#])?)|"([^"\\]*)"|'((?:[^']|'')*)')[ \t]*:(?:[ \t]+(.*))?"""
)
# What in a tracked value makes YAML read it otherwise than as its text: an alias (`*a`),
# an escape in a double-quoted scalar, a comment (a date in it would be taken for the value).
_NOT_LITERAL = re.compile(r"[*\\#]")
# A value that starts a quoted scalar closes it on its own line (else YAML reads the lines
# after it, `due:` lines included, as part of it).
_CLOSED_QUOTE = re.compile(r"""(?:"[^"\\]*"|'(?:[^']|'')*')(?:[ \t]+#.*)?""")
_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")  # line breaks to YAML, not to a line scan
# A front-matter of the common shape (with a newline added at its end), checked in one
# match: after blank and comment lines, a `key: value` line with a plain ASCII key, then
# only such lines, lines indented by spaces, blank lines and comments; no value opens a
# quote or a flow collection that could go on over the next lines (a one-line `[a, b]`
# without quotes is fine), and no YAML line break but `\n`.
_KEY_LINE = r"""[A-Za-z_][A-Za-z0-9_-]*:(?: +(?:[^\s"'\[{&!][^\n]*|\[[^\n"'\[\]{}]*\][^\n"'\[\]{}]*))?"""
_COMMON_FRONT_MATTER = re.compile(rf"(?:#[^\n]*\n|\n)*{_KEY_LINE}\n(?:(?:{_KEY_LINE}| +[^\n]*|#[^\n]*|)\n)*")
# A heading line (level, title with its closing `#`s still on) or a task-item line (box),
# each found after the newline that starts it: the C regex engine skips from newline to
# newline and tries the two shapes only where a line starts with a character they can
# start with, so Python sees only the lines that matter. `.` stops at a newline.
_MARKED_LINE = re.compile(
    r"\n(?=[ \t#\d*+-])(?: {0,3}(#{1,6})[ \t]+(.*)|[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[([ xX])\][ \t].*)"
)
# Whitespace to git's `diff -w`: a version that differs from the last only in these bytes
# (spaces, tabs, line breaks) is no activity.
_WHITESPACE = b" \t\n\r\x0b\x0c"
_LONG = 64  # a tracked value longer than this is kept as its digest: it is only ever compared

_FETCH_FULL = (
    "fetch the full history (actions/checkout: `fetch-depth: 0`; GitLab CI: `GIT_DEPTH: 0`; or `git fetch --unshallow`)"
)
SHALLOW_CLONE = f"this is a shallow clone; {_FETCH_FULL}"
SHALLOW_ADVICE = (
    f"this is a shallow clone, so git history would give wrong ages; {_FETCH_FULL}, or run with --no-history"
)


def needs_history(type_config: TypeConfig) -> bool:
    """Whether a git rule can judge documents of this type: it declares an active status,
    a `due` or `reviewed` date, or a checkpoints heading."""
    return bool(
        type_config.lifecycle.get(ACTIVE)
        or type_config.date_field(DUE)
        or type_config.date_field(REVIEWED)
        or type_config.checkpoints
    )


def assessment(type_config: TypeConfig) -> tuple[str, ...]:
    """The tracked items a review of this type covers: the score's fields, its status field,
    the `mitigation` field and the Mitigation section."""
    return (*SCORE_FIELDS, type_config.status_field, MITIGATION, SECTION + MITIGATION)


def shown(item: str) -> str:
    """A tracked item as a message names it: a section by its heading key."""
    return item[len(SECTION) :] if item.startswith(SECTION) else item


@dataclass(frozen=True)
class Tracking:
    """What the fold follows, by name, from the type declarations (see the module's doc)."""

    moves: frozenset[str] = frozenset()  # fields holding a due date: their moves are kept
    reviews: frozenset[str] = frozenset()  # fields holding a reviewed date: when each was last set
    assessed: frozenset[str] = frozenset()  # fields of an assessment: when each last changed
    sections: frozenset[str] = frozenset()  # heading keys of sections of an assessment, likewise
    checkpoints: frozenset[str] = frozenset()  # heading keys of checkpoints sections: task items counted
    trended: frozenset[str] = frozenset()  # fields whose values the trends follow: statuses, score

    @property
    def fields(self) -> frozenset[str]:
        """Every front-matter field the scan reads."""
        return self.moves | self.reviews | self.assessed | self.trended

    @property
    def dates(self) -> frozenset[str]:
        """The fields read as a date: a value's ISO date is what is compared."""
        return self.moves | self.reviews

    @classmethod
    def of(cls, config: Config) -> Tracking:
        types = list(config.types.values())
        reviewed_types = [t for t in types if t.date_field(REVIEWED)]
        assessed = {item for t in reviewed_types for item in assessment(t)}
        # A status is worth following where a lifecycle says what it means; the score only
        # then too, as the exposure it serves counts open risks.
        statuses = {t.status_field for t in types if t.lifecycle}
        return cls(
            moves=frozenset(name for t in types if (name := t.date_field(DUE))),
            reviews=frozenset(name for t in reviewed_types if (name := t.date_field(REVIEWED))),
            assessed=frozenset(i for i in assessed if not i.startswith(SECTION)),
            sections=frozenset(shown(i) for i in assessed if i.startswith(SECTION)),
            checkpoints=frozenset(key for t in types if (key := t.checkpoint_key)),
            trended=frozenset(statuses | set(SCORE_FIELDS)) if statuses else frozenset(),
        )

    def key(self) -> list[list[str]]:
        """The tracked names, in a fixed order: part of the cache key."""
        return [
            sorted(self.moves),
            sorted(self.reviews),
            sorted(self.assessed),
            sorted(self.sections),
            sorted(self.checkpoints),
            sorted(self.trended),
        ]


@lru_cache(maxsize=1)
def builtin_tracking() -> Tracking:
    """What the fold follows for the shipped presets alone (the default of `advance`)."""
    return Tracking.of(Config(types=builtin_types("project")))


@dataclass
class Snapshot:
    """The few things the git rules compare between two versions of a file."""

    front_matter: str | None
    fields: Fields  # tracked field -> the raw text of its value
    sections: dict[str, str]  # tracked section's heading key -> its text, whitespace-folded
    task_lines: list[str]  # the stripped text of every task-item line
    text_digest: str  # of the whole text as it is: its git blob id (see `blob_digest`)
    folded_digest: str | None  # of the whole text without its whitespace (None: not worked out)
    checkpoints: tuple[int, int]  # (done, total) task items under a tracked checkpoints heading


def blob_digest(raw: bytes) -> str:
    """The digest that tells two versions' texts apart: git's blob id, cut short. A
    committed version's is the blob id the log names, so its text is never hashed."""
    digest = hashlib.sha1(b"blob %d\0" % len(raw))
    digest.update(raw)
    return digest.hexdigest()[:16]


def snapshot(
    text: str | bytes, tracking: Tracking | None = None, blob: str | None = None, folded: bool = True
) -> Snapshot:
    """A light line scan, not a full parse: enough to tell what changed, and cheap enough
    to run on every historical version of every file. Where the scan could read a tracked
    key otherwise than YAML does, the version's front-matter is loaded as YAML instead.
    `blob`: the version's git blob id, when it is committed. Without `folded`, the
    whitespace-folded digest is left out (None; see `_with_folded_digests`)."""
    tracking = tracking or builtin_tracking()
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    source = split_source(raw)
    fields: Fields = {}
    if source.front_matter is not None and tracking.fields:
        fields = dict(_tracked_fields(source.front_matter, tracking.fields))
    sections, tasks, checkpoints = _scan_body(source.body, tracking)
    text_digest = blob[:16] if blob else blob_digest(raw)
    return Snapshot(
        source.front_matter,
        fields,
        sections,
        tasks,
        text_digest,
        (folded_digest(raw) if source.readable else text_digest) if folded else None,
        checkpoints,
    )


def folded_digest(raw: bytes) -> str:
    """The digest of a text without its whitespace: two versions with the same one differ
    in whitespace alone."""
    return hashlib.sha1(raw.translate(None, _WHITESPACE)).hexdigest()[:16]


def _scan_body(body: str, tracking: Tracking) -> tuple[dict[str, str], list[str], tuple[int, int]]:
    """The body's tracked sections (heading key -> its text, whitespace-folded), its task
    lines (stripped) and (done, total) of the task items under a checkpoints heading.

    Only headings and task items matter, and most lines are neither: one regex search
    (`_MARKED_LINE`) finds just those lines, so Python touches a handful of lines, not
    every line of every past version. A section is everything between its heading and
    the next heading of the same or a higher level (deeper headings are part of it), cut
    out by position."""
    found: dict[str, list[str]] = {}
    within: tuple[str, int] | None = None  # the tracked section we are in: (heading key, level)
    start = 0  # where the text of `within` began
    under: int | None = None  # the level of the checkpoints heading we are under
    tasks: list[str] = []
    done = total = 0
    text = "\n" + body  # the first line, too, now starts after a newline
    for line in _MARKED_LINE.finditer(text):
        box = line[3]
        if box is not None:  # a task item; stripping it drops the newline before it too
            tasks.append(line[0].strip())
            if under is not None:
                total += 1
                done += box != " "
            continue
        depth, key = len(line[1]), _title_key(line[2])
        if key in tracking.checkpoints:
            under = depth
        elif under is not None and depth <= under:
            under = None
        if key in tracking.sections:
            if within is not None:
                found[within[0]].append(text[start : line.start()])
            within, start = (key, depth), line.end()
            found.setdefault(key, [])
        elif within is not None and depth <= within[1]:
            found[within[0]].append(text[start : line.start()])
            within = None
    if within is not None:
        found[within[0]].append(text[start:])
    return {key: " ".join(" ".join(parts).split()) for key, parts in found.items()}, tasks, (done, total)


@lru_cache(maxsize=1 << 12)
def _title_key(title: str) -> str:
    """A heading's key from its title with its closing `#`s and trailing blanks still on
    (as `(.*?)[ \t#]*$` reads it), remembered: the same headings come back version after
    version."""
    return heading_key(title.rstrip(" \t#"))


@lru_cache(maxsize=1 << 12)
def _tracked_fields(front_matter: str, tracked: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """The tracked fields of a front-matter, remembered: most commits change a document's
    body or one field, so the same front-matter comes back version after version."""
    scanned = _matched_fields(front_matter, tracked)
    if scanned is None:
        scanned = _scanned_fields(front_matter, tracked)
    return tuple((scanned if scanned is not None else _loaded_fields(front_matter, tracked)).items())


def _matched_fields(front_matter: str, tracked: frozenset[str]) -> Fields | None:
    """What `_scanned_fields` finds, for a front-matter of the common shape, by a few
    regular expressions over the whole text rather than a Python loop over its lines;
    None (ask `_scanned_fields`) for any other shape, or when a tracked key has lines
    indented under it."""
    if _LINE_BREAKS.search(front_matter) or not _COMMON_FRONT_MATTER.fullmatch(front_matter + "\n"):
        return None
    tracked_line, continued = _tracked_patterns(tracked)
    if continued.search(front_matter + "\n"):
        return None
    fields = {match.group(1): (match.group(2) or "").strip() for match in tracked_line.finditer(front_matter)}
    if any(_NOT_LITERAL.search(value) for value in fields.values()):
        return None
    return fields


@lru_cache(maxsize=8)
def _tracked_patterns(tracked: frozenset[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A tracked key's line (key, value), and a tracked key followed by an indented line
    (after blank lines or comments, if any), in a front-matter of the common shape."""
    keys = "|".join(re.escape(key) for key in sorted(tracked)) or "(?!)"
    return (
        re.compile(rf"^({keys}):(?: +([^\n]*))?$", re.M),
        re.compile(rf"^(?:{keys}):[^\n]*\n(?:#[^\n]*\n|\n)* ", re.M),
    )


def _scanned_fields(front_matter: str, tracked: frozenset[str]) -> Fields | None:
    """Tracked top-level key -> the raw text of its value, by lines; None when a top-level
    line is one the scan cannot read as YAML would (a flow mapping, a `?` key, an anchor,
    tag or escape on a key, a list, an indented mapping, a quoted value or flow collection
    that goes on over the next lines) or a tracked value is not plain text."""
    if _LINE_BREAKS.search(front_matter):
        return None
    fields: Fields = {}
    current: str | None = None
    started = False
    for line in front_matter.split("\n"):
        if not line or line[0] in " \t":
            if current and line:
                fields[current] += "\n" + line.strip()  # a block or multi-line scalar's continuation
            elif not started and line.strip():
                return None  # the whole mapping is indented: its keys are not at column 0
            continue
        if line[0] == "#":
            continue
        started = True
        match = _TOP_KEY.fullmatch(line)
        if match is None:
            return None
        plain, double, single = match.group(1, 2, 3)
        key = plain if plain is not None else double if double is not None else single.replace("''", "'")
        value = (match.group(4) or "").strip()
        if not _ends_on_its_line(value):
            return None
        current = key if key in tracked else None
        if current:
            fields[current] = value
    if any(_NOT_LITERAL.search(value) for value in fields.values()):
        return None
    return fields


def _ends_on_its_line(value: str) -> bool:
    """Whether YAML's reading of a top-level value stops at the end of its line: not a
    quoted scalar or flow collection left open (nor one behind an anchor or a tag)."""
    if not value or value[0] not in "\"'[{&!":
        return True
    if value[0] in "\"'":
        return _CLOSED_QUOTE.fullmatch(value) is not None
    if value[0] in "[{":
        return (
            not ('"' in value or "'" in value)
            and value.count("[") == value.count("]")
            and value.count("{") == value.count("}")
        )
    return False


def _loaded_fields(front_matter: str, tracked: frozenset[str]) -> Fields:
    """The tracked fields as the YAML loader reads them, as text (the slow, exact way)."""
    data = yamlload.load(front_matter, 2).data
    if not isinstance(data, dict):
        return {}
    return {name: _as_text(value) for name, value in data.items() if isinstance(name, str) and name in tracked}


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


@lru_cache(maxsize=1 << 16)
def _line_digest(line: str) -> str:
    """A task line's digest. Most lines of a version stand unchanged in the next one, so
    each distinct line is hashed once per run, not once per version."""
    return _digest(line)


def _digest(text: str) -> str:
    """A short stand-in for text that is only ever compared, to keep the cache small."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _values(snap: Snapshot, tracking: Tracking) -> dict[str, str]:
    """Each tracked item present in a version -> what is compared between versions: a date
    field's ISO date (else its text), any other field's text without quotes, a section's
    folded text; long ones as their digest. An empty value is no value."""
    values: dict[str, str] = {}
    for name, raw in snap.fields.items():
        found = ISO_DATE.search(raw) if name in tracking.dates else None
        value = found.group(0) if found else raw.strip("'\" ")
        if value:
            values[name] = value if len(value) <= _LONG else _digest(value)
    for key, text in snap.sections.items():
        if text:
            values[SECTION + key] = text if len(text) <= _LONG else _digest(text)
    return values


class Version(NamedTuple):
    """What the fold compares of one version of a file, read once per blob: a version
    read while the log pass goes on is folded later, in history's order."""

    text_digest: str
    folded_digest: str | None  # None: not worked out (an older version of a full read; see `_with_folded_digests`)
    values: dict[str, str]  # tracked item -> its value (see _values)
    lines: list[str]  # the digest of each task line
    checkpoints: tuple[int, int]  # (done, total) under a tracked checkpoints heading

    @classmethod
    def of(cls, text: str | bytes, tracking: Tracking, blob: str | None = None, folded: bool = True) -> Version:
        snap = snapshot(text, tracking, blob, folded)
        lines = list(map(_line_digest, snap.task_lines))
        return cls(snap.text_digest, snap.folded_digest, _values(snap, tracking), lines, snap.checkpoints)


class Review(NamedTuple):
    """The last review of a document (SPEC §2): the latest version that set its `reviewed`
    field, else its creation (`reviewed` False). `seq` 0: no version known."""

    date: str | None
    seq: int
    reviewed: bool


def review_of(state: FileHistory, type_config: TypeConfig) -> Review:
    """The last review of a document of this type (SPEC §2), from its `reviewed` date role:
    what `unreviewed` judges and the report shows, one answer for both."""
    return state.last_review(type_config.date_field(REVIEWED))


class TrendPoint(NamedTuple):
    """A file's state for the trends from `date` on (until the next point)."""

    date: str  # YYYY-MM-DD
    done: int  # task items ticked under a checkpoints heading
    total: int  # task items under a checkpoints heading
    values: dict[str, str]  # trended field -> its value (see _values); an absent field has none


class Change(NamedTuple):
    """The latest version that changed some of a set of tracked items, and which."""

    date: str | None
    seq: int
    items: tuple[str, ...]


@dataclass
class FileHistory:
    """The folded history of one file. `seq` numbers versions, oldest first, so that
    "after" means a later commit even when two commits share a date."""

    seq: int = 0
    created: str | None = None  # date of the first version
    last_change: str | None = None  # date of the latest version that was not a whitespace-only change
    text_digest: str | None = None  # of the latest version
    folded_digest: str | None = None  # of the latest version, whitespace-folded
    values: dict[str, str] = field(default_factory=dict)  # tracked item -> its value now (see _values)
    changed: dict[str, Stamp] = field(default_factory=dict)  # assessment item -> its latest change
    set_on: dict[str, Stamp] = field(default_factory=dict)  # reviewed field -> its latest change to a value
    moves: dict[str, list[DueMove]] = field(default_factory=dict)  # due field -> its moves, oldest first
    line_since: dict[str, str | None] = field(default_factory=dict)  # digest of a task line -> date it has stood since
    points: list[Point] = field(default_factory=list)  # the trend timeline, oldest first (see the module's doc)

    def advance(self, date: str | None, text: str | bytes, tracking: Tracking | None = None) -> None:
        """Fold in the next version of the file, dated `date` (YYYY-MM-DD; None: unknown),
        following what `tracking` names (default: what the shipped presets declare)."""
        tracking = tracking or builtin_tracking()
        self.apply(date, Version.of(text, tracking), tracking)

    def apply(self, date: str | None, version: Version, tracking: Tracking) -> None:
        """Fold in the next version, already read as `Version.of(text, tracking)`."""
        self.seq += 1
        if self.seq == 1:
            self.created = date  # stays None when the first commit's date is unknown
        # Any commit that touches the file is activity (a rename, a mode change, an edit),
        # but one that changes only its whitespace.
        if version.text_digest == self.text_digest or version.folded_digest != self.folded_digest:
            self.last_change = date
        self.text_digest, self.folded_digest = version.text_digest, version.folded_digest
        values = version.values
        stamp: Stamp = [self.seq, date]
        for name in sorted(values.keys() | self.values.keys()):
            old, new = self.values.get(name), values.get(name)
            if old == new:
                continue
            if name in tracking.assessed or name.startswith(SECTION):
                self.changed[name] = stamp
            if name in tracking.reviews and new is not None:
                self.set_on[name] = stamp
            if name in tracking.moves and old is not None and new is not None and _is_date(old) and _is_date(new):
                self.moves.setdefault(name, []).append([date, old, new])
        self.values = dict(values)
        self.line_since = {line: self.line_since.get(line, date) for line in version.lines}
        if tracking.checkpoints or tracking.trended:
            trend = {name: values[name] for name in sorted(tracking.trended) if name in values}
            self._record(date, *version.checkpoints, trend)

    def _record(self, date: str | None, done: int, total: int, trend: dict[str, str]) -> None:
        """Add this version's state to the timeline: one point per day, only on a change."""
        points = self.points
        if date is None or (points and date < points[-1][0]):
            if not points:
                return  # nothing dated yet: the next dated version records this state
            date = points[-1][0]
        if points and points[-1][0] == date:
            points.pop()  # the day's last state replaces its earlier one
        before = self._trend_at(len(points) - 1)
        if points and points[-1][1] == done and points[-1][2] == total and before == trend:
            return
        points.append([date, done, total, trend] if trend != before else [date, done, total])

    def _trend_at(self, index: int) -> dict[str, str]:
        """The trended values at point `index` (-1: before the first, none)."""
        for point in reversed(self.points[: index + 1]):
            if len(point) == 4:
                found: dict[str, str] = point[3]
                return found
        return {}

    def timeline(self) -> list[TrendPoint]:
        """The trend timeline, oldest first, one point per day on which something changed."""
        found: list[TrendPoint] = []
        values: dict[str, str] = {}
        for point in self.points:
            if len(point) == 4:
                values = point[3]
            found.append(TrendPoint(point[0], point[1], point[2], dict(values)))
        return found

    def slips(self, due_field: str | None) -> list[Slip]:
        """Each move of `due_field` to a later date: {"date" (None: unknown), "from", "to", "days"}."""
        found: list[Slip] = []
        for when, old, new in self.moves.get(due_field, []) if due_field else []:
            if old is None or new is None:  # neither the fold nor a checked cache keeps such a move
                continue
            try:
                days = (datetime.date.fromisoformat(new) - datetime.date.fromisoformat(old)).days
            except ValueError:
                continue
            if days > 0:
                found.append({"date": when, "from": old, "to": new, "days": days})
        return found

    def last_review(self, reviewed_field: str | None) -> Review:
        """SPEC §2: a review is a version that changes `reviewed_field` (to a value; an
        uncommitted one is dated today); the last review is the latest, else the file's
        creation. What else changed in that version does not matter."""
        stamp = self.set_on.get(reviewed_field) if reviewed_field else None
        if stamp is not None:
            seq, date = _unpack(stamp)
            return Review(date, seq, True)
        return Review(self.created, 1 if self.seq else 0, False)

    def last_change_of(self, items: Iterable[str]) -> Change | None:
        """The latest version after the first that changed any of `items` (a value that
        appears or goes counts), and which of them changed then; None if none did."""
        latest: tuple[int, str | None] = (1, None)  # the first version changes nothing
        which: list[str] = []
        for item in dict.fromkeys(items):
            stamp = self.changed.get(item)
            seq, date = _unpack(stamp) if stamp is not None else (0, None)
            if seq > latest[0]:
                latest, which = (seq, date), [item]
            elif seq == latest[0] and which:
                which.append(item)
        return Change(latest[1], latest[0], tuple(which)) if which else None

    def unchanged_since(self, line: str) -> str | None:
        """The date since which this task line (stripped) has stood as it is, if known."""
        return self.line_since.get(_line_digest(line))

    def copy(self) -> FileHistory:
        return copy.deepcopy(self)

    @classmethod
    def from_json(cls, data: CachedState) -> FileHistory:
        """Rebuild a cached state, refusing anything whose shape is not ours."""
        state = cls(**data)
        for name, default in _DEFAULTS.items():
            value = getattr(state, name)
            if value is not None and default is not None and type(value) is not type(default):
                raise TypeError(f"cached {name} has the wrong type")
            if value is not None and default is None and not isinstance(value, str):
                raise TypeError(f"cached {name} is not text")
        texts: list[object] = [*state.line_since, *state.values, *state.values.values()]
        dates: list[object] = [*state.line_since.values()]  # a date may be unknown (None)
        for stamps in (state.changed, state.set_on):
            for item, stamp in stamps.items():
                if not (isinstance(stamp, list) and len(stamp) == 2 and type(stamp[0]) is int and stamp[0] >= 1):
                    raise TypeError("cached change has the wrong shape")
                texts.append(item)
                dates.append(stamp[1])
        for due_field, moves in state.moves.items():
            if not isinstance(moves, list):
                raise TypeError("cached due moves have the wrong shape")
            texts.append(due_field)
            for move in moves:
                if not (isinstance(move, list) and len(move) == 3):
                    raise TypeError("cached due move has the wrong shape")
                dates.append(move[0])
                texts += move[1:]
        texts += _point_texts(state.points)
        if not all(isinstance(text, str) for text in texts) or not all(d is None or isinstance(d, str) for d in dates):
            raise TypeError("cached history holds values that are not text")
        return state


def _point_texts(points: list[Point]) -> list[object]:
    """The field names and values of cached trend points, once their shape is checked:
    [date, done, total] or [date, done, total, {field: value}], one point per day, oldest first."""
    texts: list[object] = []
    previous = ""
    for point in points:
        if not (
            isinstance(point, list)
            and len(point) in (3, 4)
            and isinstance(point[0], str)
            and ISO_DATE.fullmatch(point[0])
            and point[0] > previous
            and type(point[1]) is int
            and type(point[2]) is int
            and 0 <= point[1] <= point[2]
            and (len(point) == 3 or isinstance(point[3], dict))
        ):
            raise TypeError("cached trend point has the wrong shape")
        previous = point[0]
        if len(point) == 4:
            texts += [*point[3], *point[3].values()]
    return texts


def _unpack(stamp: Stamp) -> tuple[int, str | None]:
    """(version number, date) of a stamp, whose shape the fold or `from_json` made sure of."""
    seq, date = stamp
    assert isinstance(seq, int) and not isinstance(date, int)
    return seq, date


def _is_date(value: str) -> bool:
    return ISO_DATE.fullmatch(value) is not None


_DEFAULTS = asdict(FileHistory())  # each field's type, to check cached states against


@dataclass
class History:
    """The index the git rules read. `for_path` includes uncommitted changes."""

    today: datetime.date
    files: dict[str, FileHistory]  # repository-relative path -> committed history
    uncommitted: dict[str, str]  # path -> current text, for files that differ from HEAD
    tracking: Tracking = field(default_factory=builtin_tracking)  # what the states follow

    def for_path(self, path: str) -> FileHistory:
        state = self.files.get(path)
        if path not in self.uncommitted:
            return state or FileHistory()
        state = state.copy() if state else FileHistory()
        state.advance(self.today.isoformat(), self.uncommitted[path], self.tracking)
        return state


def pathspecs(config: Config) -> list[str]:
    """The folders the git rules look at: those of every type a git rule can judge
    (`needs_history`), and the root."""
    return document_folders(config, [t for t in config.types.values() if needs_history(t)])


class HistoryReader:
    """Reads history for the document files `paths`, from the cache where it can.

    Created before the documents are parsed: the git log pass then runs in a thread (git
    itself on the other core) while tpm parses, and `finish` folds what it read. With
    `parallel` (the command line's runs), the log pass and the fold run together in a
    forked process instead, so that folding, which is Python work, uses the second core
    while this one parses and judges the documents; only the folded states come back. A
    cache hit starts nothing; new commits on top of a cached HEAD are the only ones read.
    """

    def __init__(
        self,
        root: Path,
        state: git.RepositoryState,
        config: Config,
        paths: Iterable[str],
        use_cache: bool = True,
        staged: bool = False,
        parallel: bool = False,
    ) -> None:
        if state.shallow:
            raise UsageError(SHALLOW_ADVICE)
        self.root, self.head, self.use_cache, self.staged = root, state.head, use_cache, staged
        self.specs, self.tracking = pathspecs(config), Tracking.of(config)
        # What the cached states mean: tpm's version, the folders read, the fields followed.
        self.key = hashlib.sha1(json.dumps([__version__, self.specs, self.tracking.key()]).encode()).hexdigest()
        self.git_dir, self.cache_path = state.git_dir, state.git_dir / "tpm-cache" / "history.json"
        self.files: dict[str, FileHistory] = {}
        self._collected: _Collected | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._child: _FoldingProcess | None = None
        if self.head is None:
            return  # no commits yet: everything is uncommitted, so everything is new
        cached = _load_cache(self.cache_path, self.git_dir, self.key) if use_cache else None
        if cached is not None and cached[0] == self.head:
            self.files = cached[1]
            return
        wanted: set[str] | None
        if cached is not None and git.is_ancestor(root, cached[0], self.head):
            self.files, revisions, wanted = cached[1], f"{cached[0]}..{self.head}", None
        else:
            revisions, wanted = self.head, set(paths)
        if parallel and "fork" in multiprocessing.get_all_start_methods():
            self._child = _FoldingProcess(_LogPass(root, self.specs, revisions, wanted, self.tracking), self.files)
            return
        self._thread = threading.Thread(
            target=self._collect, args=(_LogPass(root, self.specs, revisions, wanted, self.tracking),), daemon=True
        )
        self._thread.start()

    def _collect(self, log_pass: _LogPass) -> None:
        try:
            self._collected = log_pass.collect()
        except BaseException as exc:  # re-raised in the main thread by finish()
            self._error = exc

    def finish(self, project: Project, today: datetime.date) -> History:
        """The history index, with the uncommitted changes of `project`'s files on top."""
        # Asked first: git's status is read while the history process may still be busy.
        changed = git.uncommitted_paths(self.root, self.specs, self.staged, self.head)
        if self._child is not None:
            self.files, self._child = self._child.result(), None
            if self.use_cache and self.head is not None:
                _save_cache(self.cache_path, self.git_dir, self.key, self.head, self.files)
        if self._thread is not None:
            self._thread.join()
            if self._error is not None:
                raise self._error
            # The thread runs only when there is a HEAD, and sets _collected unless it raised.
            assert self._collected is not None and self.head is not None
            _fold(self._collected, self.files, self.tracking)
            if self.use_cache:
                _save_cache(self.cache_path, self.git_dir, self.key, self.head, self.files)
        by_path = project.by_path
        uncommitted = {
            path: by_path[path].source.text for path in changed & by_path.keys() if by_path[path].source.readable
        }
        return History(today, self.files, uncommitted, self.tracking)


@dataclass(frozen=True)
class _LogPass:
    """One read of history: the log over `revisions` in the folders `specs`, following the
    `wanted` files (None: every change, on top of a cached state), each version read as
    `tracking` says."""

    root: Path
    specs: list[str]
    revisions: str
    wanted: set[str] | None
    tracking: Tracking

    def collect(self) -> _Collected:
        """The log and the contents in this process (the reading on threads)."""
        contents: dict[str, Version] = {}
        stream = _version_reader(self.root, self.tracking, contents)
        try:
            found = _collect_versions(
                self.root, self.specs, self.revisions, self.wanted, lambda blob, _path: stream.ask(blob)
            )
        except BaseException:
            stream.abandon()
            raise
        stream.close()
        found.contents = contents
        return found


class _FoldingProcess:
    """The log pass, the reading of versions and the fold in forked processes (see
    `_fold_in_child`); the folded states come back through a pipe (or the exception that
    stopped them, raised here by `result`)."""

    def __init__(self, log_pass: _LogPass, files: dict[str, FileHistory]) -> None:
        context = multiprocessing.get_context("fork")
        # A full read has two reading processes, reading on top of cached states one (see `_fold_in_child`).
        pipes = [context.Pipe(duplex=False) for _ in range(2 if log_pass.wanted is not None and not files else 1)]
        self._receiving = [receiving for receiving, _ in pipes]
        sending = [end for _, end in pipes]
        self._process = context.Process(target=_fold_in_child, args=(sending, log_pass, files), daemon=True)
        self._process.start()
        for end in sending:
            end.close()  # the children hold their own; ours close so a dead child reads as EOF

    def result(self) -> dict[str, FileHistory]:
        """The reading processes' states together. The log's process is not waited for
        here: it ends once its readers have, and is reaped at exit."""
        outcomes: list[tuple[str, Any]] = []
        try:
            for receiving in self._receiving:
                try:
                    outcomes.append(receiving.recv())
                except EOFError:
                    raise UsageError("reading git history failed: its process ended without an answer") from None
        finally:
            for receiving in self._receiving:
                receiving.close()
        outcome, value = functools.reduce(_merged, outcomes)
        if outcome == "error":
            raise value
        return value  # type: ignore[no-any-return]


def _fold_in_child(sending: list[Any], log_pass: _LogPass, files: dict[str, FileHistory]) -> None:
    """What the forked child runs: the log pass here, while processes of their own (forked
    from this one) read and boil down each version the log names, then fold them, each
    sending its states (or the exception) to the parent through its own end of `sending`.
    Processes, not threads: the reading is Python work that would otherwise contend with
    the log's for one lock.

    With two ends there are two reading processes, each given the files of every other
    path met (`_Partition`): reading versions is most of a full read's work, and git's
    log leaves the second core to them once the parent is done, so the two keep up with
    the log and fold their halves side by side. Reading on top of cached states (a few
    new commits) has one, which folds into those states."""
    count = len(sending)
    pipes = [(os.pipe(), os.pipe()) for _ in range(count)]  # per reader: (ids, found), each (read, write)
    readers = []
    for index in range(count):
        pid = os.fork()
        if pid == 0:  # a reading process
            (ids_read, _), (found_read, _) = pipes[index]
            _close_all_but({ids_read, found_read}, pipes)
            for other, end in enumerate(sending):
                if other != index:
                    end.close()
            try:
                sending[index].send(_read_and_fold(ids_read, found_read, log_pass, files))
            finally:
                os._exit(0)
        readers.append(pid)
    _close_all_but({end for (_, ids_write), (_, found_write) in pipes for end in (ids_write, found_write)}, pipes)
    for end in sending:
        end.close()  # the reading processes answer the parent
    ids = [open(ids_write, "wb") for (_, ids_write), _ in pipes]  # noqa: SIM115 - closed below
    partition = _Partition(count)
    completed: set[str] = set()

    def complete(path: str, entries: list[tuple[str | None, str]]) -> None:
        completed.add(path)
        _send(ids[partition.of(path)], _COMPLETE, pickle.dumps((path, entries)))

    asked: dict[str, int] = {}  # path -> versions asked for so far

    def ask(blob: str, path: str) -> None:
        """Ask the path's reader for the blob; in a full read, for the whitespace-folded
        digest of the file's newest versions only (`_FOLDED_NEWEST`)."""
        newer = asked.get(path, 0)
        asked[path] = newer + 1
        kind = _ASK if log_pass.wanted is None or newer < _FOLDED_NEWEST else _ASK_UNFOLDED
        _send(ids[partition.of(path)], kind, blob.encode("ascii"))

    parts: list[tuple[str, object]]
    try:
        found = _collect_versions(
            log_pass.root,
            log_pass.specs,
            log_pass.revisions,
            log_pass.wanted,
            ask,
            complete,
        )
        parts = [("ok", part) for part in partition.split(found, completed)]
    except BaseException as exc:  # passed on to the reading processes, which tell the parent
        parts = [("error", exc)] * count
    for (_, (_, found_write)), stream, part in zip(pipes, ids, parts, strict=True):
        with contextlib.suppress(OSError):
            stream.close()
        with contextlib.suppress(OSError), open(found_write, "wb") as out:  # the reader may have stopped
            out.write(_pickled(part))
    for pid in readers:
        os.waitpid(pid, 0)


def _close_all_but(keep: set[int], pipes: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    """Close this process's copies of the pipes' ends it does not use: a reader sees the
    end of its ids only once every copy of their writing end is closed."""
    for fd in (fd for pair in pipes for ends in pair for fd in ends):
        if fd not in keep:
            os.close(fd)


class _Partition:
    """Which reading process takes a file: the files in the order the log first meets
    them, dealt out in turn (a file keeps its newest path across renames, so one reader
    has all its versions)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.reader: dict[str, int] = {}

    def of(self, path: str) -> int:
        return self.reader.setdefault(path, len(self.reader) % self.count)

    def split(self, found: _Collected, sent: set[str]) -> list[_Collected]:
        """`found` for each reader: every rename, creation and deletion, and the versions
        of its own files but those `sent` already (see `_read_and_fold`)."""
        if self.count == 1 and not sent:
            return [found]
        return [
            dataclasses.replace(
                found,
                versions={
                    path: found.versions[path]
                    for path, index in self.reader.items()
                    if index == reader and path not in sent
                },
            )
            for reader in range(self.count)
        ]


def _merged(first: tuple[str, Any], second: tuple[str, Any]) -> tuple[str, Any]:
    """Two readers' outcomes as one: their states together, or the first error."""
    if first[0] != "ok":
        return first
    if second[0] != "ok":
        return second
    return ("ok", {**first[1], **second[1]})


def _received(fd: int, sender: str) -> tuple[str, Any]:
    """An outcome pickled into a pipe by another process (`sender`, as an error names it)."""
    with open(fd, "rb") as source:
        try:
            outcome: tuple[str, Any] = pickle.load(source)
        except EOFError:
            return ("error", UsageError(f"reading git history failed: {sender} ended without an answer"))
    return outcome


def _pickled(outcome: tuple[str, object]) -> bytes:
    """An outcome for another process; an exception that cannot be pickled goes as a
    usage error that names it."""
    try:
        return pickle.dumps(outcome)
    except Exception:  # an exception object that pickle cannot take
        return pickle.dumps(("error", UsageError(f"reading git history failed: {outcome[1]}")))


# What the log's process tells a reading process, one message after another: a blob to
# read (its 40-character id), with or without its whitespace-folded digest, or a file whose
# versions are all known (its newest path and versions, pickled, after their length).
_ASK, _ASK_UNFOLDED, _COMPLETE = b"B", b"b", b"F"
_SHA_LENGTH = 40


def _message(source: IO[bytes]) -> tuple[bytes, bytes] | None:
    """The next message from the log's process; None at the end, or where a message
    breaks off (the log's process stopped: the answer it did not send says why)."""
    kind = source.read(1)
    if kind in (_ASK, _ASK_UNFOLDED):
        payload = source.read(_SHA_LENGTH)
        return (kind, payload) if len(payload) == _SHA_LENGTH else None
    if kind == _COMPLETE:
        length = source.read(4)
        payload = source.read(int.from_bytes(length, "big")) if len(length) == 4 else b""
        return (kind, payload) if length and len(payload) == int.from_bytes(length, "big") else None
    return None


def _send(out: IO[bytes], kind: bytes, payload: bytes) -> None:
    with contextlib.suppress(OSError):  # the reading process has stopped: it says why
        out.write(kind + (len(payload).to_bytes(4, "big") + payload if kind == _COMPLETE else payload))


def _read_and_fold(
    ids_read: int, found_read: int, log_pass: _LogPass, files: dict[str, FileHistory]
) -> tuple[str, Any]:
    """A reading process: read each version the log names as its id arrives, fold each
    file whose versions are all known and read meanwhile, then fold the rest of what the
    log found: ("ok", states), or ("error", the exception). Files fold during the log
    pass, not after it, so that little is left to do once git's log ends."""
    try:
        contents: dict[str, Version] = {}
        folded_for: set[str] = set()  # the blobs whose whitespace-folded digest is wanted
        stream = _version_reader(log_pass.root, log_pass.tracking, contents, folded_for)
        complete: collections.deque[tuple[str, list[tuple[str | None, str]]]] = collections.deque()
        folded: dict[str, FileHistory] = {}
        try:
            with open(ids_read, "rb") as messages:
                asked = 0
                while message := _message(messages):
                    kind, payload = message
                    if kind != _COMPLETE:
                        sha = payload.decode("ascii")
                        if kind == _ASK:
                            folded_for.add(sha)  # before it is asked: it is read after
                        stream.ask(sha)
                        asked += 1
                        if asked % 64:  # look for files ready to fold now and then, not at every id
                            continue
                    else:
                        complete.append(pickle.loads(payload))
                    _fold_read(complete, stream.settled, contents, folded, log_pass)
        except BaseException:
            stream.abandon()
            raise
        stream.close()
        _fold_read(complete, stream.settled, contents, folded, log_pass)
        outcome, found = _received(found_read, "its log process")
        if outcome == "error":
            raise found
        found.contents = contents
        _fold(found, files, log_pass.tracking, log_pass.root)
        files.update(folded)
        _UNTIL_EXIT.append(found)  # this process ends without freeing what it read, object by object
        return ("ok", files)
    except BaseException as exc:  # every failure goes back to the parent, raised there
        return ("error", exc)


_UNTIL_EXIT: list[object] = []  # held by a reading process until it ends (os._exit: no teardown)


def _fold_read(
    complete: collections.deque[tuple[str, list[tuple[str | None, str]]]],
    settled: set[str],
    contents: dict[str, Version],
    folded: dict[str, FileHistory],
    log_pass: _LogPass,
) -> None:
    """Fold the files whose versions are all known, in the order the log completed them,
    while each of their versions has been read (or passed over)."""
    while complete and all(blob in settled for _, blob in complete[0][1]):
        path, entries = complete.popleft()
        folded[path] = _folded(FileHistory(), entries, contents, log_pass.tracking, log_pass.root)


@dataclass
class _Collected:
    """What one log pass found, and each version's content as read."""

    # newest path -> [(date or None, blob)], newest first
    versions: dict[str, list[tuple[str | None, str]]] = field(default_factory=dict)
    alias: dict[str, str] = field(default_factory=dict)  # an older name -> its newest path
    created: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    # blob -> what the fold compares of it; a blob over the size cap (or missing) has none
    contents: dict[str, Version] = field(default_factory=dict)


def _collect_versions(
    root: Path,
    specs: list[str],
    revisions: str,
    wanted: set[str] | None,
    ask: Callable[[str, str], None],
    complete: Callable[[str, list[tuple[str | None, str]]], None] | None = None,
) -> _Collected:
    """One streaming log pass over `revisions`, newest first, passing each version it
    keeps to `ask` (its blob, and its file's newest path) as it is met, so that its
    content is read while git walks on.

    A rename is met before the older versions under the old name, so `alias` maps each
    older name to the file's newest path. With `wanted` (a full read) only those files
    are followed, and the log stops as soon as every one's creation has been seen; a
    file's versions are then all known, and are passed to `complete` (its newest path,
    its versions, newest first) at once.
    Without it (new commits on top of a cached state) every change is kept.
    """
    found = _Collected()
    pending = set(wanted) if wanted is not None else None
    for commit in git.log(root, specs, revisions):
        for change in commit.changes:
            current = found.alias.get(change.path, change.path)
            if pending is not None and current not in pending and change.path not in found.alias:
                continue
            if change.status == "D":
                if current not in found.versions:
                    found.deleted.add(current)  # gone at the newest commit
                continue
            found.versions.setdefault(current, []).append((commit.date, change.blob))
            ask(change.blob, current)
            if change.status in ("R", "C"):
                found.alias.pop(change.path, None)
                if change.status == "R":
                    assert change.old_path is not None  # git names a rename's old path
                    found.alias[change.old_path] = current
                else:
                    found.created.add(current)
            elif change.status == "A":
                found.alias.pop(change.path, None)
                found.created.add(current)
                if pending is not None:
                    pending.discard(current)
                    if complete is not None:
                        complete(current, found.versions[current])
        if pending is not None and not pending:
            break
    return found


def _version_reader(
    root: Path, tracking: Tracking, contents: dict[str, Version], folded_for: set[str] | None = None
) -> git.BlobStream:
    """A stream that reads each blob asked for and keeps what the fold compares of it
    (without the whitespace-folded digest, for a blob not in `folded_for` when given)."""

    def read(blob: str, content: bytes) -> None:  # on the stream's reader thread
        contents[blob] = Version.of(content, tracking, blob, folded_for is None or blob in folded_for)

    return git.BlobStream(root, read)


def _fold(found: _Collected, files: dict[str, FileHistory], tracking: Tracking, root: Path | None = None) -> None:
    """Fold the collected versions into `files`, each file's oldest first (cached states
    follow their renames, a file created anew starts afresh). A version over the size cap
    was never read: it is skipped, as if that commit had not touched the file."""
    for old, current in found.alias.items():
        if old in files and current not in found.created:
            files[current] = files.pop(old)
    for path in found.deleted - set(found.versions):
        files.pop(path, None)
    for path, entries in found.versions.items():
        state = FileHistory() if path in found.created else files.get(path, FileHistory())
        files[path] = _folded(state, entries, found.contents, tracking, root)


def _folded(
    state: FileHistory,
    entries: list[tuple[str | None, str]],
    contents: dict[str, Version],
    tracking: Tracking,
    root: Path | None = None,
) -> FileHistory:
    """`state` with a file's versions (newest first, as the log lists them) folded in,
    oldest first; a version that was not read is skipped. `root`: where to read a version
    again whose whitespace-folded digest turns out to be needed (`_with_folded_digests`)."""
    if root is not None:
        _with_folded_digests(entries, contents, root)
    for date, blob in reversed(entries):
        version = contents.get(blob)
        if version is not None:
            state.apply(date, version, tracking)
    return state


# In a full read, the whitespace-folded digest is worked out for a file's newest versions
# only: the fold compares each version's with the one before it to tell a change of
# whitespace alone (which is no activity), and only the newest such comparisons decide
# when the file last changed; an older version's digest can change nothing that is kept.
# Hashing a text without its whitespace is a quarter of the reading of a version.
_FOLDED_NEWEST = 2


def _with_folded_digests(entries: list[tuple[str | None, str]], contents: dict[str, Version], root: Path) -> None:
    """Make sure the fold can tell a file's last change: from the newest version back, each
    version's whitespace-folded digest, up to and including the first version that the
    one after it really changed (not in whitespace alone). A digest left out (an older
    version, see `_FOLDED_NEWEST`) is worked out here, from the blob read again; that
    happens only when the newest versions changed nothing but whitespace."""
    newer: Version | None = None
    for _, blob in entries:  # newest first
        version = contents.get(blob)
        if version is None:
            continue  # never read (over the size cap): the fold skips it as well
        if version.folded_digest is None:
            version = contents[blob] = version._replace(folded_digest=_folded_digest_of(root, blob))
        if newer is not None and (
            newer.text_digest == version.text_digest or newer.folded_digest != version.folded_digest
        ):
            return  # `newer` is a change: what is older cannot move the last change
        newer = version


def _folded_digest_of(root: Path, blob: str) -> str:
    """A committed version's whitespace-folded digest, read again (as `snapshot` works it
    out: the text digest for a version that is not readable text)."""
    raw = git.read_blobs(root, [blob]).get(blob)
    if not isinstance(raw, bytes) or isinstance(raw, git.OversizedBlob) or decode(raw)[0] is None:
        return blob[:16]
    return folded_digest(raw)


def _load_cache(path: Path, git_dir: Path, key: str) -> tuple[str, dict[str, FileHistory]] | None:
    """(head, files) from the cache, or None when it is missing, unsigned, foreign or corrupt."""
    data = cachefile.load(path, git_dir, CACHE_FORMAT)
    try:
        if data is None or data.get("key") != key or not isinstance(data.get("head"), str):
            return None
        return data["head"], {p: FileHistory.from_json(s) for p, s in data["files"].items()}
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _save_cache(path: Path, git_dir: Path, key: str, head: str, files: dict[str, FileHistory]) -> None:
    """Write the cache, signed and atomically; a read-only git directory just means no cache."""
    cachefile.save(
        path,
        git_dir,
        CACHE_FORMAT,
        {"key": key, "head": head, "files": {p: asdict(s) for p, s in sorted(files.items())}},
    )

"""What git history says about each milestone and risk, read in one pass and cached.

The git rules need, per file: when it was last committed, when its front-matter last
changed, how `due` moved, when `reviewed` was last set and whether the risk's score,
status or mitigation changed after that, and since when each checkpoint line has stood
unchanged. All of it is a fold over the file's versions, oldest first:

    state = FileHistory()            # nothing known
    for each version: state.advance(date, text)

The versions come from one streaming `git log --raw` over the type folders (following
renames, stopping once every file's creation has been seen), run while the documents are
parsed, and one `git cat-file --batch` streaming their contents. A version over the
1 MiB cap that documents have is never read (its size is asked first): it is skipped, as
if that commit had not touched the file, so the fold compares the versions on either side
of it. Only the folded states are cached, under the git directory, signed (cachefile.py),
keyed by HEAD: after a new commit only the new commits are read and folded on top.
Uncommitted changes are folded in last, dated today, and never cached.

Dates are committer dates, as the committer's own calendar day: the day a change landed
on this line of history. Author dates survive rebases and cherry-picks, so a review
cherry-picked today would look weeks old; committer dates do not have that problem. A
commit whose date git cannot give or that lies outside years 1-9999 has an unknown date
(None): its changes are folded in order, dated None, and the rules read an unknown date
as today (nothing looks stale or late because of it).
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from tpm import __version__, cachefile, git, yamlload
from tpm.boundary import MAX_FILE_BYTES
from tpm.document import split_source
from tpm.errors import UsageError
from tpm.globs import literal_folder
from tpm.vocabulary import ISO_DATE, heading_key

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tpm.config import Config
    from tpm.model import Project

Fields = dict[str, str]  # tracked top-level key -> raw text of its value
DueMove = list[str | None]  # [date (None: unknown), old due, new due], a list as JSON keeps it
CachedState = dict[str, Any]  # a FileHistory as the cache's JSON holds it, untrusted until checked
# A move of `due` to a later date ("from" is a keyword, hence the functional form).
Slip = TypedDict("Slip", {"date": str | None, "from": str, "to": str, "days": int})

CACHE_FORMAT = "tpm-history/5"
SCORING_FIELDS = ("likelihood", "impact", "status", "mitigation")
_TRACKED_FIELDS = ("due", "reviewed", *SCORING_FIELDS)
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
_TASK_LINE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[[ xX]\][ \t]")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")

SHALLOW_ADVICE = (
    "this is a shallow clone, so git history would give wrong ages; fetch the full history "
    "(actions/checkout: `fetch-depth: 0`; GitLab CI: `GIT_DEPTH: 0`; or `git fetch --unshallow`), "
    "or run with --no-history"
)


@dataclass
class Snapshot:
    """The few things the git rules compare between two versions of a file."""

    front_matter: str | None
    fields: Fields
    mitigation_section: str  # the body's Mitigation section, whitespace-folded
    task_lines: list[str]  # the stripped text of every task-item line


def snapshot(text: str | bytes) -> Snapshot:
    """A light line scan, not a full parse: enough to tell what changed, and cheap enough
    to run on every historical version of every file. Where the scan could read a tracked
    key otherwise than YAML does, the version's front-matter is loaded as YAML instead."""
    source = split_source(text.encode("utf-8")) if isinstance(text, str) else split_source(text)
    fields: Fields = {}
    if source.front_matter is not None:
        scanned = _scanned_fields(source.front_matter)
        fields = scanned if scanned is not None else _loaded_fields(source.front_matter)
    mitigation: list[str] = []
    in_mitigation, level = False, 0
    tasks: list[str] = []
    for line in source.body.split("\n"):
        heading = _HEADING.match(line)
        if heading:
            depth = len(heading.group(1))
            if heading_key(heading.group(2)) == "mitigation":
                in_mitigation, level = True, depth
                continue
            if in_mitigation and depth <= level:
                in_mitigation = False
        if in_mitigation:
            mitigation.append(line.strip())
        if _TASK_LINE.match(line):
            tasks.append(line.strip())
    return Snapshot(source.front_matter, fields, " ".join(" ".join(mitigation).split()), tasks)


def _scanned_fields(front_matter: str) -> Fields | None:
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
        current = key if key in _TRACKED_FIELDS else None
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


def _loaded_fields(front_matter: str) -> Fields:
    """The tracked fields as the YAML loader reads them, as text (the slow, exact way)."""
    data = yamlload.load(front_matter, 2).data
    if not isinstance(data, dict):
        return {}
    return {name: _as_text(data[name]) for name in _TRACKED_FIELDS if name in data}


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _due(fields: Fields) -> str | None:
    found = ISO_DATE.search(fields.get("due", ""))
    return found.group(0) if found else None


def _reviewed(fields: Fields) -> str | None:
    found = ISO_DATE.search(fields.get("reviewed", ""))
    return found.group(0) if found else fields.get("reviewed")


def _digest(text: str) -> str:
    """A short stand-in for text that is only ever compared, to keep the cache small."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _scoring(snap: Snapshot) -> dict[str, str]:
    values = {name: snap.fields.get(name, "").strip("'\" ") for name in SCORING_FIELDS}
    if snap.mitigation_section:
        values["mitigation"] += "\n" + snap.mitigation_section
    values["mitigation"] = _digest(values["mitigation"])
    return values


@dataclass
class FileHistory:
    """The folded history of one file. `seq` numbers versions, oldest first, so that
    "after" means a later commit even when two commits share a date."""

    seq: int = 0
    created: str | None = None  # date of the first version
    last_change: str | None = None  # date of the latest version
    front_matter_hash: str | None = None
    front_matter_changed: str | None = None  # date of the latest front-matter change
    due: str | None = None
    due_moves: list[DueMove] = field(default_factory=list)  # one per change
    reviewed: str | None = None
    reviewed_set: str | None = None  # date of the latest version that changed `reviewed`
    reviewed_seq: int = 0
    scoring: dict[str, str] = field(default_factory=dict)  # scoring field -> its text (mitigation: digest)
    scoring_changed: str | None = None
    scoring_seq: int = 0
    scoring_fields: list[str] = field(default_factory=list)  # what changed then
    line_since: dict[str, str | None] = field(default_factory=dict)  # digest of a task line -> date it has stood since

    def advance(self, date: str | None, text: str | bytes) -> None:
        """Fold in the next version of the file, dated `date` (YYYY-MM-DD; None: unknown)."""
        snap = snapshot(text)
        first = self.seq == 0
        self.seq += 1
        if first:
            self.created = date  # stays None when the first commit's date is unknown
        self.last_change = date
        digest = hashlib.sha1((snap.front_matter or "").encode("utf-8", "surrogatepass")).hexdigest()
        if digest != self.front_matter_hash:
            self.front_matter_hash, self.front_matter_changed = digest, date
        due = _due(snap.fields)
        if due != self.due:
            if self.due is not None and due is not None:
                self.due_moves.append([date, self.due, due])
            self.due = due
        reviewed = _reviewed(snap.fields)
        if reviewed != self.reviewed:
            self.reviewed = reviewed
            if reviewed is not None:
                self.reviewed_set, self.reviewed_seq = date, self.seq
        scoring = _scoring(snap)
        changed = [name for name in SCORING_FIELDS if scoring[name] != self.scoring.get(name)]
        if changed and not first:
            self.scoring_changed, self.scoring_seq, self.scoring_fields = date, self.seq, changed
        self.scoring = scoring
        lines = [_digest(line) for line in snap.task_lines]
        self.line_since = {line: self.line_since.get(line, date) for line in lines}

    def slips(self) -> list[Slip]:
        """Each move of `due` to a later date: {"date" (None: unknown), "from", "to", "days"}."""
        found: list[Slip] = []
        for when, old, new in self.due_moves:
            if old is None or new is None:  # neither the fold nor a checked cache keeps such a move
                continue
            try:
                days = (datetime.date.fromisoformat(new) - datetime.date.fromisoformat(old)).days
            except ValueError:
                continue
            if days > 0:
                found.append({"date": when, "from": old, "to": new, "days": days})
        return found

    def unchanged_since(self, line: str) -> str | None:
        """The date since which this task line (stripped) has stood as it is, if known."""
        return self.line_since.get(_digest(line))

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
        texts: list[object] = [*state.line_since, *state.scoring.values(), *state.scoring_fields]
        dates: list[object] = [*state.line_since.values()]  # a date may be unknown (None)
        for move in state.due_moves:
            if not (isinstance(move, list) and len(move) == 3):
                raise TypeError("cached due move has the wrong shape")
            dates.append(move[0])
            texts += move[1:]
        if not all(isinstance(text, str) for text in texts) or not all(d is None or isinstance(d, str) for d in dates):
            raise TypeError("cached history holds values that are not text")
        return state


_DEFAULTS = asdict(FileHistory())  # each field's type, to check cached states against


@dataclass
class History:
    """The index the git rules read. `for_path` includes uncommitted changes."""

    today: datetime.date
    files: dict[str, FileHistory]  # repository-relative path -> committed history
    uncommitted: dict[str, str]  # path -> current text, for files that differ from HEAD

    def for_path(self, path: str) -> FileHistory:
        state = self.files.get(path)
        if path not in self.uncommitted:
            return state or FileHistory()
        state = state.copy() if state else FileHistory()
        state.advance(self.today.isoformat(), self.uncommitted[path])
        return state


def pathspecs(config: Config) -> list[str]:
    """The folders the git rules look at: those of the milestone and risk globs, and the
    root. Plain folder prefixes, not glob pathspecs: git limits a log by a literal prefix
    about twice as fast, and which files matter is decided by the caller anyway."""
    patterns = [p for name in ("milestone", "risk") if name in config.types for p in config.types[name].paths]
    # Documents under the root may declare their type, wherever they are; an empty root is
    # the whole repository.
    patterns.append(config.root + "/" if config.root else "*")
    prefixes: set[str] = set()
    for pattern in patterns:
        folder = literal_folder(pattern)
        prefixes.add(f"{folder}/" if folder else ".")
    if "." in prefixes:
        return ["."]
    return sorted(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes))


class HistoryReader:
    """Reads history for the document files `paths`, from the cache where it can.

    Created before the documents are parsed: the git log pass then runs in a thread (git
    itself on the other core) while tpm parses, and `finish` folds what it read. A cache
    hit starts nothing; new commits on top of a cached HEAD are the only ones read.
    """

    def __init__(
        self,
        root: Path,
        state: git.RepositoryState,
        config: Config,
        paths: Iterable[str],
        use_cache: bool = True,
        staged: bool = False,
    ) -> None:
        if state.shallow:
            raise UsageError(SHALLOW_ADVICE)
        self.root, self.head, self.use_cache, self.staged = root, state.head, use_cache, staged
        self.specs = pathspecs(config)
        self.key = hashlib.sha1(json.dumps([__version__, self.specs]).encode()).hexdigest()
        self.git_dir, self.cache_path = state.git_dir, state.git_dir / "tpm-cache" / "history.json"
        self.files: dict[str, FileHistory] = {}
        self._collected: _Collected | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
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
        self._thread = threading.Thread(target=self._collect, args=(revisions, wanted), daemon=True)
        self._thread.start()

    def _collect(self, revisions: str, wanted: set[str] | None) -> None:
        try:
            self._collected = _collect_versions(self.root, self.specs, revisions, wanted)
        except BaseException as exc:  # re-raised in the main thread by finish()
            self._error = exc

    def finish(self, project: Project, today: datetime.date) -> History:
        """The history index, with the uncommitted changes of `project`'s files on top."""
        if self._thread is not None:
            self._thread.join()
            if self._error is not None:
                raise self._error
            # The thread runs only when there is a HEAD, and sets _collected unless it raised.
            assert self._collected is not None and self.head is not None
            _fold(self.root, self._collected, self.files)
            if self.use_cache:
                _save_cache(self.cache_path, self.git_dir, self.key, self.head, self.files)
        wanted = {d.path for d in project.documents}
        changed = git.uncommitted_paths(self.root, self.specs, self.staged, self.head) & wanted
        by_path = project.by_path
        uncommitted = {path: by_path[path].source.text for path in changed if by_path[path].source.readable}
        return History(today, self.files, uncommitted)


@dataclass
class _Collected:
    """What one log pass found, before any content is read."""

    incremental: bool
    # newest path -> [(date or None, blob)], newest first
    versions: dict[str, list[tuple[str | None, str]]] = field(default_factory=dict)
    alias: dict[str, str] = field(default_factory=dict)  # an older name -> its newest path
    created: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)


def _collect_versions(root: Path, specs: list[str], revisions: str, wanted: set[str] | None) -> _Collected:
    """One streaming log pass over `revisions`, newest first.

    A rename is met before the older versions under the old name, so `alias` maps each
    older name to the file's newest path. With `wanted` (a full read) only those files
    are followed, and the log stops as soon as every one's creation has been seen.
    Without it (new commits on top of a cached state) every change is kept.
    """
    found = _Collected(incremental=wanted is None)
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
        if pending is not None and not pending:
            break
    return found


def _fold(root: Path, found: _Collected, files: dict[str, FileHistory]) -> None:
    """Fold the collected versions into `files` (cached states follow their renames, a
    file created anew starts afresh). Contents stream in fold order, one at a time; a
    version over the size cap is skipped unread."""
    for old, current in found.alias.items():
        if old in files and current not in found.created:
            files[current] = files.pop(old)
    for path in found.deleted - set(found.versions):
        files.pop(path, None)
    plan: list[tuple[FileHistory, str | None, str]] = []  # each file's versions oldest first
    for path, entries in found.versions.items():
        state = FileHistory() if path in found.created else files.get(path, FileHistory())
        files[path] = state
        plan += [(state, date, blob) for date, blob in reversed(entries)]
    sizes = git.blob_sizes(root, sorted({blob for _, _, blob in plan}))
    plan = [step for step in plan if sizes.get(step[2], MAX_FILE_BYTES + 1) <= MAX_FILE_BYTES]
    for content, (state, date, _) in zip(git.iter_blobs(root, [blob for _, _, blob in plan]), plan, strict=False):
        if content is not None:
            state.advance(date, content)


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

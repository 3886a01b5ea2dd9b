"""`tpm changes`: a stand-up digest of what changed in project state since a date or ref.

The window runs from the start of a day (by default the previous working day: Friday on a
Monday or a weekend) to the end of today. The project as it was (every document at the
last commit before that day, or at the ref) is read with one `git ls-tree` and `git
cat-file` (sizes first: a past version over the 1 MiB cap that documents have is never
read, and the document counts as absent then, so it shows as new), parsed exactly as `tpm
check` parses files, and compared by id with the project at the end of the window: the
work tree, uncommitted edits included, unless `--today` is a day before the latest
commits, when it is the last commit on or before that day.

No type is known by name: every document new in the window is listed with its status, and
status changes, due-date moves, re-scoring, ticked checkpoints, reviews, owner changes and
items that fell overdue are found through the type's declaration (its `status_field`, its
`due` and `reviewed` date roles, its lifecycle, its `checkpoints` heading), so a user's
own types are reported as the built-in ones are.
"""

from __future__ import annotations

import datetime
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tpm import git
from tpm.config import CLOSED, DUE, OPEN, REVIEWED
from tpm.discover import discover
from tpm.errors import UsageError
from tpm.escaping import terminal
from tpm.model import Project, load_project, role_date, role_of, status_of
from tpm.report.escape import cell, link
from tpm.rules.content import risk_score
from tpm.rules.dates import passed_by
from tpm.rules.registry import Context
from tpm.today import clock_day, parse_date
from tpm.vocabulary import ISO_DATE, natural_key
from tpm.wording import item_name

if TYPE_CHECKING:
    from tpm.config import Config
    from tpm.model import Document

OVERDUE = "Became overdue"
OWNERS = "Owner changes"
REVIEWS = "Reviews"
_ONE_DAY = datetime.timedelta(days=1)
_DAYS_BACK = {0: 3, 6: 2}  # weekday -> days back to the previous working day: Monday and Sunday to Friday


@dataclass(frozen=True)
class Change:
    """One line of the digest: under `section`, about the document `id` at `path`."""

    section: str
    id: str
    path: str
    text: str


@dataclass(frozen=True)
class Window:
    """The days a digest covers, `start` to `today`, both whole: an item dated in
    [start, today) was not overdue when the window opened and is overdue now, as the
    `overdue` rule counts (a date before today)."""

    start: datetime.date
    today: datetime.date


@dataclass(frozen=True)
class Start:
    """Where the window opens: the commit to compare with (None: before the first one),
    its first day, and how the digest names it."""

    commit: str | None
    day: datetime.date
    described: str


def digest(root: Path, config: Config, since: str | None, today: datetime.date) -> tuple[list[Change], str]:
    """The changes of the window from `since` (a date or ref; None: the previous working
    day) to the end of `today`, and how the digest names that window."""
    start = window_start(root, since, today)
    bounded, end = end_commit(root, config, today)
    if bounded:
        after, described = project_at(root, end, config), f"{start.described}, up to {today.isoformat()}"
    else:
        after, described = load_project(root, discover(root, config), config), start.described
    return compare(project_at(root, start.commit, config), after, Window(start.day, today)), described


def previous_working_day(today: datetime.date) -> datetime.date:
    """The day a stand-up looks back to: yesterday, but Friday on a Monday or a weekend
    (one day back from a Monday would show Sunday and miss Friday's work)."""
    try:
        return today - datetime.timedelta(days=_DAYS_BACK.get(today.weekday(), 1))
    except OverflowError:  # the first days there are
        return datetime.date.min


def window_start(root: Path, since: str | None, today: datetime.date) -> Start:
    """The commit to compare with: the last one before the day `since` names (by default
    the previous working day), or the commit it names."""
    if since is None or ISO_DATE.fullmatch(since.strip()):
        day = parse_date(since, "--since") if since else previous_working_day(today)
        return Start(git.commit_before(root, day), day, f"since {day.isoformat()}")
    sha = git.resolve_commit(root, since)
    if sha is None:
        raise UsageError(f"--since: {since!r} is neither a date (YYYY-MM-DD) nor a commit, branch or tag")
    return Start(sha, _commit_day(root, sha) or today, f"since {since} ({sha[:10]})")


def base_commit(root: Path, since: str | None, today: datetime.date) -> tuple[str | None, str]:
    """The commit to compare with, and how to name the starting point (`window_start`
    without its day, for a caller that builds both projects itself)."""
    start = window_start(root, since, today)
    return start.commit, start.described


def _commit_day(root: Path, sha: str) -> datetime.date | None:
    """The committer's own day of a commit: where a window opened by a ref starts."""
    shown = git.run(["show", "-s", "--format=%ct %cz", sha], root, check=False).stdout.split()
    day = git.committer_day(shown[0], shown[1]) if len(shown) == 2 else None
    return datetime.date.fromisoformat(day) if day else None


def end_commit(root: Path, config: Config, today: datetime.date) -> tuple[bool, str | None]:
    """Whether the window ends before the latest commits, and if so the last commit on or
    before `today` (None: nothing had been committed by then). It does not when `today`
    is the clock's today or later, or nothing was committed after it: the work tree is
    the end then, uncommitted edits included. The clock is asked first, so that a commit
    dated in the future (a skewed clock, a committer in a zone ahead) cannot hide the work
    of today."""
    if today >= _clock_day(config.timezone):  # also for date.max, so today + 1 day cannot overflow
        return False, None
    head = git.resolve_commit(root, "HEAD")
    last = git.commit_before(root, today + _ONE_DAY) if head is not None else None
    return (False, None) if last == head else (True, last)


def _clock_day(timezone: str | None) -> datetime.date:
    """Today by the clock (`tpm.today.clock_day`); a zone it does not know was refused
    already where it mattered, so the machine's day then."""
    try:
        return clock_day(timezone)
    except UsageError:
        return datetime.date.today()


def project_at(root: Path, commit: str | None, config: Config) -> Project:
    """The project as it was at `commit` (empty when there was none)."""
    if commit is None:
        return Project(root, config, [])
    blobs_by_path = git.tree_blobs(root, commit)
    candidates = discover(root, config, listed=sorted(blobs_by_path))
    blobs = git.read_blobs(root, sorted({blobs_by_path[c.path] for c in candidates}))
    contents = {c.path: blobs[blobs_by_path[c.path]] for c in candidates if blobs_by_path[c.path] in blobs}
    contents = {path: content for path, content in contents.items() if not isinstance(content, git.OversizedBlob)}
    return load_project(root, [c for c in candidates if c.path in contents], config, contents=contents)


def compare(before: Project, after: Project, window: Window | None = None) -> list[Change]:
    """Every change between the two projects, by document id; with a `window`, also the
    items that fell overdue in it. Sorted by section, then id as people sort ids; a
    document's own changes keep the order they are found in (status first)."""
    config = after.config
    changes: list[Change] = []
    for document in sorted(after.documents, key=lambda d: (natural_key(d.id or ""), d.path)):
        if document.id is None or document.type is None:
            continue
        old = before.get(document.id)
        changes += _changes(old if old is not None and old.type == document.type else None, document, config)
        if window is not None:
            changes += _became_overdue(document, config, window)
    rank: dict[str, int] = {}
    for section in sections(config):
        rank.setdefault(section, len(rank))
    return sorted(changes, key=lambda c: (rank.get(c.section, len(rank)), natural_key(c.id), c.path))


def sections(config: Config) -> list[str]:
    """The digest's sections in order: one per type (in the configuration's order), one per
    checkpoints heading, then overdue items, owners and reviews."""
    ticked = [f"{t.checkpoints} ticked" for t in config.types.values() if t.checkpoints]
    return [*(type_section(name) for name in config.types), *dict.fromkeys(ticked), OVERDUE, OWNERS, REVIEWS]


def type_section(name: str) -> str:
    """A type's section title: its name in the plural, capitalised (`risk` -> Risks,
    `user-story` -> User stories)."""
    words = name.replace("-", " ").replace("_", " ")
    if words.endswith("y") and words[-2:-1] not in ("", *"aeiou"):
        words = words[:-1] + "ies"
    elif words.endswith(("s", "x", "ch", "sh")):
        words += "es"
    else:
        words += "s"
    return words[:1].upper() + words[1:]


def _changes(old: Document | None, new: Document, config: Config) -> list[Change]:
    """What happened to one document: new, or each of its fields and items that changed."""
    assert new.type is not None  # compare() hands over typed documents only
    if old is None:
        return [_change(type_section(new.type), new, f"new: {_title(new)}{_details(new, config)}")]
    return [
        *_status(old, new, config),
        *_due_moved(old, new, config),
        *_rescored(old, new),
        *_ticked(old, new, config),
        *_owner(old, new),
        *_reviewed(old, new, config),
    ]


def _change(section: str, new: Document, text: str) -> Change:
    assert new.id is not None  # compare() hands over documents with an id only
    return Change(section, new.id, new.path, text)


def _title(document: Document) -> str:
    """The document's title, else its file name: a line never says `None`."""
    return document.title or document.path.rsplit("/", 1)[-1]


def _details(document: Document, config: Config) -> str:
    """What a new document's line says besides its title: score, due date, status."""
    score, due, status = risk_score(document), role_date(document, config, DUE), status_of(document, config)
    parts = [f"score {score}" if score is not None else "", f"due {due}" if due else "", status or ""]
    shown = ", ".join(part for part in parts if part)
    return f" ({shown})" if shown else ""


def _status(old: Document, new: Document, config: Config) -> list[Change]:
    """A status change of a document of any type, read from its type's `status_field`."""
    before, after = status_of(old, config), status_of(new, config)
    if before == after:
        return []
    assert new.type is not None  # compare() hands over typed documents only
    return [_change(type_section(new.type), new, f"{before or 'none'} → {after or 'none'}: {_title(new)}")]


def _due_moved(old: Document, new: Document, config: Config) -> list[Change]:
    """A move of the date in the type's `due` role: a slip, or work pulled in."""
    before, after = role_date(old, config, DUE), role_date(new, config, DUE)
    if not (before and after and before != after):
        return []
    assert new.type is not None  # compare() hands over typed documents only
    days = (after - before).days
    verb = "slipped" if days > 0 else "pulled in"
    return [_change(type_section(new.type), new, f"due {verb} {before} → {after} ({days:+d} days): {_title(new)}")]


def _rescored(old: Document, new: Document) -> list[Change]:
    """A new likelihood × impact, for any document scored before and after."""
    before, after = risk_score(old), risk_score(new)
    if before is None or after is None or before == after:
        return []
    assert new.type is not None  # compare() hands over typed documents only
    return [_change(type_section(new.type), new, f"re-scored {before} → {after}: {_title(new)}")]


def _ticked(old: Document, new: Document, config: Config) -> list[Change]:
    """Items under the type's `checkpoints` heading that were open and are ticked now."""
    assert new.type is not None  # compare() hands over typed documents only
    heading = config.types[new.type].checkpoints
    if not heading:
        return []
    was_open = {(t.date, t.text) for t in old.body.tasks if t.section == old.checkpoints and not t.done}
    return [
        _change(f"{heading} ticked", new, f"{t.date} {t.text}")
        for t in new.body.tasks
        if t.section == new.checkpoints and t.done and (t.date, t.text) in was_open
    ]


def _owner(old: Document, new: Document) -> list[Change]:
    """A new `owner`, given, taken away or handed over."""
    before, after = _handle(old.text("owner")), _handle(new.text("owner"))
    if before == after:
        return []
    return [_change(OWNERS, new, f"owner {before} → {after}: {_title(new)}")]


def _handle(owner: str | None) -> str:
    """An owner as `@name` whether written `alice` or `@alice`; `none` when there is none."""
    name = owner.strip().lstrip("@").strip() if owner else ""
    return f"@{name}" if name else "none"


def _reviewed(old: Document, new: Document, config: Config) -> list[Change]:
    """A new date in the type's `reviewed` role: the document was looked at again."""
    before, after = role_date(old, config, REVIEWED), role_date(new, config, REVIEWED)
    if after is None or after == before:
        return []
    return [_change(REVIEWS, new, f"reviewed on {after}: {_title(new)}")]


def _became_overdue(document: Document, config: Config, window: Window) -> list[Change]:
    """The document's due date and open checkpoints dated in [start, today): not overdue
    when the window opened, overdue and still open now. Each is judged as `tpm agenda`
    and the date rules judge it: a due date while the work is planned or active; an item
    while its document is neither finished nor dropped."""
    out = []
    due = role_date(document, config, DUE)
    if due is not None and window.start <= due < window.today and role_of(document, config) in OPEN:
        status = status_of(document, config)
        out.append(_change(OVERDUE, document, f"due {due}, still {status}: {_title(document)}"))
    if _items_tracked(document, config, window.today):
        kind = item_name(document.checkpoints or "")
        for t in document.body.tasks:
            if t.section == document.checkpoints and not t.done and t.date and window.start <= t.date < window.today:
                owner = f" @{t.owner}" if t.owner else ""
                out.append(_change(OVERDUE, document, f"{kind} {t.date} {t.text}{owner}"))
    return out


def _items_tracked(document: Document, config: Config, today: datetime.date) -> bool:
    """Whether the document's checkpoints can fall overdue: it has a `checkpoints` heading
    and is neither finished, dropped, nor in a status its lifecycle does not know."""
    if document.checkpoints is None or role_of(document, config) in CLOSED:
        return False
    return not passed_by(document, Context(config, today))


def _grouped(changes: list[Change]) -> Iterator[tuple[str, list[Change]]]:
    """(section, its changes) in the order the sorted changes give, empty ones left out."""
    for section in dict.fromkeys(c.section for c in changes):
        yield section, [c for c in changes if c.section == section]


def render_text(changes: list[Change], since: str) -> str:
    """The digest for a terminal: ids, titles and section names (a type's name) come from
    the repository, so each is one line with its controls escaped."""
    if not changes:
        return f"No changes in project state {terminal(since)}.\n"
    out = [f"Changes in project state {terminal(since)}:"]
    for section, rows in _grouped(changes):
        out.append(f"\n{terminal(section)}")
        out.extend(f"  {terminal(c.id)}  {terminal(' '.join(c.text.split()))}" for c in rows)
    return "\n".join(out) + "\n"


def render_markdown(changes: list[Change], since: str, link_base: str) -> str:
    """The digest as Markdown: every id, text and section name through `cell`, every path
    through `link`."""
    if not changes:
        return f"No changes in project state {cell(since)}.\n"
    out = [f"## Changes in project state {cell(since)}"]
    for section, rows in _grouped(changes):
        out += ["", f"### {cell(section)}", ""]
        out += [f"- [{cell(c.id)}]({link(posixpath.relpath(c.path, link_base or '.'))}) {cell(c.text)}" for c in rows]
    return "\n".join(out) + "\n"

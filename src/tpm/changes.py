"""`tpm changes`: a stand-up digest of what changed in project state since a date or ref.

The project as it was (every document at the last commit before the date, or at the
ref) is read with one `git ls-tree` and `git cat-file` (sizes first: a past version over
the 1 MiB cap that documents have is never read, and the document counts as absent then,
so it shows as new), parsed exactly as `tpm check` parses files, and compared by id with
the project as it is now, uncommitted edits included. Reported: new, closed and re-scored
risks; milestone status changes and due-date moves; checkpoints ticked; decisions made
(accepted or rejected); post-mortem action items closed.
"""

from __future__ import annotations

import datetime
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tpm import git
from tpm.discover import discover
from tpm.errors import UsageError
from tpm.escaping import terminal
from tpm.model import Project, load_project
from tpm.report.escape import cell, link
from tpm.rules.content import risk_score
from tpm.today import parse_date
from tpm.vocabulary import ISO_DATE, natural_key

if TYPE_CHECKING:
    from tpm.config import Config
    from tpm.model import Document

SECTIONS = ("Risks", "Milestones", "Checkpoints ticked", "Decisions made", "Action items closed")


@dataclass(frozen=True)
class Change:
    section: str
    id: str
    path: str
    text: str


def base_commit(root: Path, since: str | None, today: datetime.date) -> tuple[str | None, str]:
    """The commit to compare with, and how to name the starting point."""
    if since is None or ISO_DATE.fullmatch(since.strip()):
        day = (
            parse_date(since, "--since")
            if since
            else (today - datetime.timedelta(days=1) if today > datetime.date.min else today)
        )
        return git.commit_before(root, day), f"since {day.isoformat()}"
    sha = git.resolve_commit(root, since)
    if sha is None:
        raise UsageError(f"--since: {since!r} is neither a date (YYYY-MM-DD) nor a commit, branch or tag")
    return sha, f"since {since} ({sha[:10]})"


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


def compare(before: Project, after: Project) -> list[Change]:
    changes: list[Change] = []
    for document in sorted(after.documents, key=lambda d: (natural_key(d.id or ""), d.path)):
        if document.id is None or document.type is None:
            continue
        old = before.get(document.id)
        handler = _COMPARERS.get(document.type)
        if handler:
            changes.extend(handler(old if old is not None and old.type == document.type else None, document))
    return sorted(changes, key=lambda c: (SECTIONS.index(c.section), natural_key(c.id), c.text))


def _change(section: str, new: Document, text: str) -> Change:
    assert new.id is not None  # compare() hands the comparers only documents with an id
    return Change(section, new.id, new.path, text)


def _risk(old: Document | None, new: Document) -> list[Change]:
    score = risk_score(new)
    if old is None:
        return [_change("Risks", new, f"new: {new.title} (score {score}, {new.status})")]
    out = []
    if new.status == "closed" and old.status != "closed":
        out.append(_change("Risks", new, f"closed: {new.title}"))
    old_score = risk_score(old)
    if score != old_score and score is not None and old_score is not None:
        out.append(_change("Risks", new, f"re-scored {old_score} → {score}: {new.title}"))
    return out


def _milestone(old: Document | None, new: Document) -> list[Change]:
    if old is None:
        return [_change("Milestones", new, f"new: {new.title} (due {new.date('due')}, {new.status})")]
    out = []
    if old.status != new.status:
        out.append(_change("Milestones", new, f"{old.status} → {new.status}: {new.title}"))
    before, after = old.date("due"), new.date("due")
    if before and after and before != after:
        days = (after - before).days
        verb = "slipped" if days > 0 else "pulled in"
        out.append(_change("Milestones", new, f"due {verb} {before} → {after} ({days:+d} days): {new.title}"))
    return out + _ticked(old, new, "checkpoints", "Checkpoints ticked")


def _ticked(old: Document | None, new: Document, section: str, heading: str) -> list[Change]:
    was_open = {(t.date, t.text) for t in (old.body.tasks if old else ()) if t.section == section and not t.done}
    return [
        _change(heading, new, f"{t.date} {t.text}")
        for t in new.body.tasks
        if t.section == section and t.done and (t.date, t.text) in was_open
    ]


def _decision(old: Document | None, new: Document) -> list[Change]:
    made = ("accepted", "rejected")
    if new.status in made and (old is None or old.status not in made):
        return [_change("Decisions made", new, f"{new.status}: {new.title}")]
    return []


def _postmortem(old: Document | None, new: Document) -> list[Change]:
    return _ticked(old, new, "action items", "Action items closed")


_COMPARERS = {"risk": _risk, "milestone": _milestone, "decision": _decision, "postmortem": _postmortem}


def _grouped(changes: list[Change]) -> Iterator[tuple[str, list[Change]]]:
    """(section, its changes) in the digest's order, empty sections left out."""
    for section in SECTIONS:
        rows = [c for c in changes if c.section == section]
        if rows:
            yield section, rows


def render_text(changes: list[Change], since: str) -> str:
    """The digest for a terminal: ids and titles come from the repository, so each is one
    line with its controls escaped."""
    if not changes:
        return f"No changes in project state {terminal(since)}.\n"
    out = [f"Changes in project state {terminal(since)}:"]
    for section, rows in _grouped(changes):
        out.append(f"\n{section}")
        out.extend(f"  {terminal(c.id)}  {terminal(' '.join(c.text.split()))}" for c in rows)
    return "\n".join(out) + "\n"


def render_markdown(changes: list[Change], since: str, link_base: str) -> str:
    """The digest as Markdown: every id and text through `cell`, every path through `link`."""
    if not changes:
        return f"No changes in project state {cell(since)}.\n"
    out = [f"## Changes in project state {cell(since)}"]
    for section, rows in _grouped(changes):
        out += ["", f"### {section}", ""]
        out += [f"- [{cell(c.id)}]({link(posixpath.relpath(c.path, link_base or '.'))}) {cell(c.text)}" for c in rows]
    return "\n".join(out) + "\n"

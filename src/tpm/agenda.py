"""`tpm agenda`: the forward half of a stand-up, what is overdue or falls due soon, per owner.

`tpm changes` looks back; this looks ahead. An item is a dated commitment that is still
open: a document's `due` date, an unticked item under its type's `checkpoints` heading,
the next review of a document whose type declares a `reviewed` date, or a `review_by`
date. Each kind is judged as the rule that would report it once late judges it
(`overdue`, `overdue-action` and `stale-checkpoint`, `unreviewed`, `review-due`), so the
agenda lists today what `tpm check` will warn about tomorrow. No type is known by name:
every date, status and heading is asked of the type's declaration. Nothing here reads
git history: the next review is the `reviewed` value plus the cadence `unreviewed` uses.
"""

from __future__ import annotations

import datetime
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from tpm.config import ACTIVE, CLOSED, DUE, OPEN, REVIEW_BY, REVIEWED, Config
from tpm.escaping import terminal
from tpm.model import Document, Project, role_date, role_of
from tpm.report.escape import cell, link
from tpm.rules.content import risk_score
from tpm.rules.dates import name_of, passed_by
from tpm.rules.history_rules import review_cadence
from tpm.rules.registry import Context, options_of
from tpm.vocabulary import natural_key
from tpm.wording import item_name, plural

NO_OWNER = "No owner"


@dataclass(frozen=True)
class Item:
    """One line of the agenda: something owed by `owner` (None: nobody named) on `date`."""

    date: datetime.date
    owner: str | None
    kind: str  # "milestone due", "checkpoint", "action item", "risk review", ...
    id: str
    path: str
    text: str

    def sort_key(self) -> tuple[datetime.date, tuple[int | str, ...], str, str, str]:
        """Oldest first (the most overdue leads), then by id as people sort ids."""
        return self.date, natural_key(self.id), self.id, self.kind, self.text


@dataclass(frozen=True)
class Window:
    """The days the agenda covers: everything before `today` (overdue) up to `horizon`."""

    today: datetime.date
    days: int

    @property
    def horizon(self) -> datetime.date:
        """today + days, or the last date there is: `--days 99999999` means "everything"."""
        return _shifted(self.today, self.days)

    def describe(self) -> str:
        """How the header and the empty message name the window."""
        if self.days == 0:
            return "today"
        return f"in the next {plural(self.days, 'day')} (by {self.horizon.isoformat()})"


def _shifted(day: datetime.date, days: int) -> datetime.date:
    """`day` plus `days`, capped at the last representable date instead of overflowing (a
    `reviewed: 9999-12-31`, a `review_every` of a billion days)."""
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.max


def normalise_owner(name: str | None) -> str | None:
    """An owner as written, `@alice` or `alice`, as one name (`alice`); None when blank."""
    if name is None:
        return None
    bare = name.strip().lstrip("@").strip()
    return bare or None


def collect(project: Project, window: Window) -> list[Item]:
    """Every open dated commitment of the project up to the window's horizon, overdue ones
    included, sorted. A document tpm could not read (no type, no front-matter) has nothing
    to say here: `tpm check` reports it."""
    ctx = Context.of(project.config, window.today, options_of(project.config, "unreviewed"))
    items: list[Item] = []
    for document in project.documents:
        if document.type is None or not document.data:
            continue
        items += _due(document, project.config)
        items += _checkpoints(document, ctx)
        items += _review(document, ctx)
        items += _review_by(document, ctx)
    return sorted((i for i in items if i.date <= window.horizon), key=Item.sort_key)


def for_owner(items: list[Item], owner: str) -> list[Item]:
    """The items of one owner, named with or without `@`, in any case (handles are not
    case-sensitive on the forges people take them from)."""
    wanted = (normalise_owner(owner) or "").casefold()
    return [item for item in items if item.owner is not None and item.owner.casefold() == wanted]


def _owner(document: Document) -> str | None:
    return normalise_owner(document.text("owner"))


def _item(document: Document, date: datetime.date, kind: str, text: str | None, owner: str | None) -> Item:
    return Item(date, owner, kind, name_of(document), document.path, text or "")


def _due(document: Document, config: Config) -> Iterator[Item]:
    """A planned or active document's due date, as the `overdue` rule judges it."""
    due = role_date(document, config, DUE)
    if due is not None and role_of(document, config) in OPEN:
        yield _item(document, due, f"{document.type} due", document.title, _owner(document))


def _checkpoints(document: Document, ctx: Context) -> Iterator[Item]:
    """The unticked, dated items under the type's `checkpoints` heading of a document that
    is neither finished nor dropped; each is owed by its `@owner`, else by the document's."""
    assert document.type is not None  # collect() passes typed documents only
    heading = ctx.config.types[document.type].checkpoints
    if not heading or role_of(document, ctx.config) in CLOSED or passed_by(document, ctx):
        return
    kind = item_name(heading)
    for task in document.body.tasks:
        if task.section == document.checkpoints and not task.done and task.date is not None:
            yield _item(document, task.date, kind, task.text, normalise_owner(task.owner) or _owner(document))


def _review(document: Document, ctx: Context) -> Iterator[Item]:
    """The next review of an active document whose type declares a `reviewed` date: that
    date plus the cadence the `unreviewed` rule uses (the document's own `review_every`,
    its type's, else by risk band). A document never reviewed (no valid `reviewed` date)
    is due for one today."""
    assert document.type is not None  # collect() passes typed documents only
    if role_of(document, ctx.config) != ACTIVE or not ctx.config.types[document.type].date_field(REVIEWED):
        return
    last = role_date(document, ctx.config, REVIEWED)
    if last is None:
        next_review = ctx.today
    else:
        score = risk_score(document)
        cadence, _ = review_cadence(document, ctx.config.band(score) if score is not None else None, ctx)
        next_review = _shifted(last, cadence)
    yield _item(document, next_review, f"{document.type} review", document.title, _owner(document))


def _review_by(document: Document, ctx: Context) -> Iterator[Item]:
    """A `review_by` date, as the `review-due` rule judges it: an accepted decision is
    reviewed too (that is what the date is for); a dropped one is not."""
    review_by = role_date(document, ctx.config, REVIEW_BY)
    if review_by is not None and not passed_by(document, ctx):
        yield _item(document, review_by, f"{document.type} review", document.title, _owner(document))


def how_far(date: datetime.date, today: datetime.date) -> str:
    """`3 days overdue`, `today`, `in 2 days`."""
    days = (date - today).days
    if days < 0:
        return f"{plural(-days, 'day')} overdue"
    return "today" if days == 0 else f"in {plural(days, 'day')}"


def grouped(items: list[Item]) -> Iterator[tuple[str, list[Item]]]:
    """(owner as shown, their items) with owners sorted and the unowned last."""
    owners = sorted({i.owner for i in items if i.owner is not None}, key=lambda o: (o.casefold(), o))
    for owner in owners:
        yield f"@{owner}", [i for i in items if i.owner == owner]
    unowned = [i for i in items if i.owner is None]
    if unowned:
        yield NO_OWNER, unowned


def _empty(window: Window, owner: str | None) -> str:
    whose = f" for @{normalise_owner(owner)}" if owner else ""
    return f"Nothing overdue or due {window.describe()}{whose}."


def _header(window: Window) -> str:
    return f"Agenda for {window.today.isoformat()}: overdue, and due {window.describe()}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render_text(items: list[Item], window: Window, owner: str | None = None) -> str:
    """The agenda for a terminal, in aligned columns: date, how far, kind, id, text. Owners,
    ids and texts come from the repository, so each is one line with its controls escaped."""
    if not items:
        return terminal(_empty(window, owner)) + "\n"
    far = max(len(how_far(i.date, window.today)) for i in items)
    kind = max(len(terminal(i.kind)) for i in items)
    ident = max(len(terminal(i.id)) for i in items)
    out = [_header(window) + ":"]
    for shown, rows in grouped(items):
        out += ["", terminal(shown)]
        for i in rows:
            line = (
                f"  {i.date.isoformat()}  {how_far(i.date, window.today):<{far}}  {terminal(i.kind):<{kind}}  "
                f"{terminal(i.id):<{ident}}  {terminal(_one_line(i.text))}"
            )
            out.append(line.rstrip())
    return "\n".join(out) + "\n"


def render_markdown(items: list[Item], window: Window, link_base: str, owner: str | None = None) -> str:
    """The agenda as Markdown: a heading per owner, a list item per line; every id, owner
    and text through `cell`, every path through `link`, relative to `link_base`."""
    if not items:
        return cell(_empty(window, owner)) + "\n"
    out = [f"## {cell(_header(window))}"]
    for shown, rows in grouped(items):
        out += ["", f"### {cell(shown)}", ""]
        out += [_markdown_line(i, window.today, link_base) for i in rows]
    return "\n".join(out) + "\n"


def _markdown_line(item: Item, today: datetime.date, link_base: str) -> str:
    """`- 2026-12-01, in 1 day: checkpoint [M-2](path) Load test`."""
    target = link(posixpath.relpath(item.path, link_base or "."))
    text = f" {cell(item.text)}" if item.text.strip() else ""
    return (
        f"- {item.date.isoformat()}, {how_far(item.date, today)}: {cell(item.kind)} [{cell(item.id)}]({target}){text}"
    )

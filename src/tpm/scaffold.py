"""`tpm init` and `tpm new`: the only commands that create project files.

Both write atomically and never over an existing file (fsutil.write_atomic), and `new`
renders and validates the whole document in memory before anything touches the disk.
Front-matter is produced by a YAML emitter, never by string formatting, so a hostile
title cannot inject fields; file names are slugs that cannot leave the type's folder.
"""

from __future__ import annotations

import datetime
import os
import re
import string
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]  # tomli: installed on 3.10 only

from tpm import git
from tpm.config import Config, home_folder
from tpm.discover import Candidate
from tpm.globs import glob_regex
from tpm.document import split_source
from tpm.boundary import display, outside_reason, read_text, writable_path
from tpm.errors import UsageError
from tpm.templates import read_template, template_path
from tpm.fsutil import write_atomic
from tpm.model import Project, derive_id, load_document
from tpm.schema import Schemas
from tpm.yamlload import load as load_yaml

FrontMatter = dict[str, Any]  # a YAML mapping: a template's defaults, the fields tpm writes

MAX_SLUG = 80
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

CONFIG_TEMPLATE = """\
# tpm configuration (docs/reference.md in tpm's repository lists every key).
# The values below are the defaults, spelled out; change what you need.

root = "project"                      # folder of milestones/, risks/, decisions/, postmortems/
exclude = ["README.md", "index.md"]   # file names that are not documents
templates = ".tpm/templates"          # your own templates/<type>.md override tpm's
# timezone = "Europe/Berlin"          # for "today"; default: this machine's local date
# select = ["ALL"]                    # rules to run (slugs, codes or prefixes)
# ignore = []                         # rules to skip

[risk_bands]
high = 15                             # likelihood x impact at or above: high
medium = 8

# [types.decision]
# paths = ["docs/decisions/*.md"]     # add an existing MADR log

# [rules.overdue]
# severity = "warning"                # error, warning, info or off

# [rules.dependency-order]
# buffer_days = 0
"""


# ---------------------------------------------------------------------------- init


def init_project(root: Path, config: Config, config_exists: bool, pyproject: bool) -> list[str]:
    """Create the config (unless one exists) and the type folders; report what was done."""
    done = []
    if pyproject:
        done += _init_pyproject(root / "pyproject.toml")
    elif not config_exists:
        write_atomic(writable_path(root / ".tpm.toml", root), CONFIG_TEMPLATE, overwrite=False)
        done.append("created .tpm.toml")
    for declaration in (t for t in config.types.values() if t.builtin):
        folder = root / home_folder(declaration)
        keep = folder / ".gitkeep"
        if not folder.is_dir() or outside_reason(folder, root):
            write_atomic(
                writable_path(keep, root), "", overwrite=False
            )  # creates the folder, or names what is in the way
            done.append(f"created {keep.parent.relative_to(root).as_posix()}/")
    return done


def _init_pyproject(path: Path) -> list[str]:
    """Append a commented `[tool.tpm]` table, leaving every byte of the rest as it was."""
    if not os.path.lexists(path):
        raise UsageError("--pyproject: there is no pyproject.toml here; run `tpm init` to write .tpm.toml instead")
    path = writable_path(path, path.parent)
    text = read_text(path, "pyproject.toml", path.parent)
    if re.search(r"^\[tool\.tpm(\.|\])", text, re.M):
        return []
    table = re.sub(r"^\[", "[tool.tpm.", CONFIG_TEMPLATE, flags=re.M)
    table = re.sub(r"^# \[", "# [tool.tpm.", table, flags=re.M)
    body = table.split("\n\n", 1)[1]
    addition = "\n[tool.tpm]\n" + body
    new_text = text + ("" if text.endswith("\n") or not text else "\n") + addition
    try:
        tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"pyproject.toml would not stay valid TOML ({exc}); add [tool.tpm] by hand") from None
    write_atomic(path, new_text, overwrite=True)
    return ["added [tool.tpm] to pyproject.toml"]


# ----------------------------------------------------------------------------- new


@dataclass(frozen=True)
class NewRequest:
    type_name: str
    title: str
    id: str | None = None
    owner: str | None = None
    due: datetime.date | None = None
    likelihood: int | None = None
    impact: int | None = None
    milestone: str | None = None


@dataclass(frozen=True)
class NewDocument:
    path: Path  # absolute
    text: str


def slugify(title: str) -> str:
    """`[a-z0-9-]`, Unicode-normalised and transliterated where reasonable, at most 80
    characters cut at a word; `untitled` when nothing is left (an emoji-only title)."""
    text = unicodedata.normalize("NFKC", title)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("ß", "ss").replace("æ", "ae").replace("ø", "o").replace("œ", "oe").replace("ł", "l")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower().encode("ascii", "ignore").decode()).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug or "untitled"


def type_folder(config: Config, type_name: str) -> str:
    """Where new documents of a type go: the fixed part of its first glob."""
    return home_folder(config.types[type_name])


def render(root: Path, project: Project, request: NewRequest, today: datetime.date, document_id: str) -> str:
    """The new file's text: the template's front-matter defaults, tpm's fields on top, then
    the template's body with `${...}` placeholders filled in."""
    config = project.config
    template_file, from_repository = template_path(root, config, request.type_name)
    template_text = read_template(root, template_file, from_repository)
    template_name = display(template_file)
    template = split_source(template_text.encode("utf-8"))
    defaults: FrontMatter = {}
    if template.front_matter is not None:
        loaded = load_yaml(template.front_matter, 2)
        if loaded.problems or not isinstance(loaded.data, (dict, type(None))):
            raise UsageError(f"template {template_name}: its front-matter is not a YAML mapping")
        defaults = loaded.data or {}
    fields = {**defaults, **_fields(config, request, today, document_id)}
    values = {
        "title": " ".join(request.title.split()),
        "id": document_id,
        "type": request.type_name,
        "owner": request.owner or "",
        "date": today.isoformat(),
        "today": today.isoformat(),
        "due": (request.due or _default_due(today)).isoformat(),
        "likelihood": str(request.likelihood or 3),
        "impact": str(request.impact or 3),
        "milestone": request.milestone or "",
    }
    try:
        body = string.Template(template.body).substitute(values)
    except KeyError as exc:
        raise UsageError(
            f"template {template_name} uses ${{{exc.args[0]}}}, which tpm does not fill "
            f"(available: {', '.join(sorted(values))}); nothing was written"
        ) from None
    except ValueError as exc:
        raise UsageError(f"template {template_name} has a broken placeholder ({exc}); nothing was written") from None
    front = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096)
    return f"---\n{front}---\n{body}"


def _default_due(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=min(28, (datetime.date.max - today).days))


def _fields(config: Config, request: NewRequest, today: datetime.date, document_id: str) -> FrontMatter:
    """tpm's own front-matter for a new document. Dates are date objects, so the emitter
    writes them unquoted; every string is quoted by the emitter wherever YAML needs it."""
    id_field = config.types[request.type_name].id_field
    fields: FrontMatter = {id_field: document_id, "title": request.title}
    kind = request.type_name
    if kind == "milestone":
        fields.update(status="planned", due=request.due or _default_due(today))
    elif kind == "risk":
        fields.update(status="open", likelihood=request.likelihood or 3, impact=request.impact or 3, reviewed=today)
        if request.milestone:
            fields["milestones"] = [request.milestone]
    elif kind == "decision":
        fields.update(status="proposed", date=today)
    elif kind == "postmortem":
        fields.update(date=today, status="draft")
        if request.milestone:
            fields["milestone"] = request.milestone
    elif not config.types[kind].builtin and config.type_key:
        fields[config.type_key] = kind
    if request.owner:
        fields["decision-makers" if kind == "decision" else "owner"] = (
            [request.owner] if kind == "decision" else request.owner
        )
    return fields


def taken_ids(root: Path, project: Project, type_name: str, folder: str) -> set[str]:
    """Ids in use here, and ids of files in the type's folder on any local or
    remote-tracking branch: two people on two branches must not both create R-7."""
    taken = {d.id for d in project.documents if d.id} | {d.id_guess for d in project.documents if d.id_guess}
    for name in git.names_on_branches(root, folder or "."):
        found = derive_id(name, project.config.types[type_name])
        if found:
            taken.add(found)
        base = name.rsplit("/", 1)[-1]
        taken.add(base[:-3] if base.endswith(".md") else base)
    return taken


def next_id(prefix: str, taken: set[str], padding: int) -> str:
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    numbers = [int(m.group(1)) for m in map(pattern.match, taken) if m]
    highest = max(numbers, default=0)
    return f"{prefix}-{highest + 1:0{padding}d}"


def plan_new(root: Path, project: Project, request: NewRequest, today: datetime.date) -> NewDocument:
    """Choose the id and path, render, and validate in memory. Writes nothing."""
    config = project.config
    if request.type_name not in config.types:
        raise UsageError(f"unknown type {request.type_name!r} (known: {', '.join(config.types)})")
    if not request.title.strip():
        raise UsageError("the title is empty")
    type_config = config.types[request.type_name]
    folder = type_folder(config, request.type_name)
    prefix = type_config.id_prefix or request.type_name.upper()
    taken = taken_ids(root, project, request.type_name, folder)
    if request.id is not None:
        if not _ID_PATTERN.fullmatch(request.id):
            raise UsageError(f"--id {request.id!r} is not an id (letters, digits, '.', '_' and '-')")
        if request.id in taken:
            raise UsageError(f"--id {request.id} is already taken (here or on another branch)")
        document_id = request.id
    else:
        document_id = next_id(prefix, taken, 4 if request.type_name == "decision" else 0)
    number = document_id.rsplit("-", 1)[-1]
    slug = slugify(request.title)
    if request.type_name == "decision" and number.isdigit() and document_id == f"{prefix}-{number}":
        name = f"{number}-{slug}.md"  # MADR's file naming; the id derives from it
    else:
        name = f"{document_id}-{slug}.md"
    relative = f"{folder}/{name}" if folder else name
    path = _inside(root, folder, name)
    text = render(root, project, request, today, document_id)
    _validate(root, config, relative, request.type_name, text)
    return NewDocument(path, text)


def _inside(root: Path, folder: str, name: str) -> Path:
    """The new file's path, refused unless it resolves inside the type's folder, and that
    folder inside the repository and outside its git directory (a committed link to a
    folder elsewhere is not followed)."""
    base = root / folder
    target = writable_path(base / name, root)
    if os.path.realpath(target.parent) != os.path.realpath(base) or "/" in name:
        raise UsageError(f"refusing to write outside {folder or 'the repository root'}: {name}")
    return target


def _validate(root: Path, config: Config, relative: str, type_name: str, text: str) -> None:
    """Run the new text through the same reading and schema checks as `tpm check`."""
    path_type = type_name if any(glob_regex(p).fullmatch(relative) for p in config.types[type_name].paths) else None
    candidate = Candidate(relative, path_type)
    document = load_document(root, candidate, config, Schemas(config, root), source_bytes=text.encode("utf-8"))
    problems = [
        p for p in (document.problems if document else []) if p.slug not in ("missing-section", "unknown-field")
    ]
    if document is None or document.type != type_name:
        raise UsageError(f"the new {type_name} would not be recognised as one at {relative}; nothing was written")
    if problems:
        first = problems[0]
        raise UsageError(
            f"the new document would not pass `tpm check` ({first.slug} at line {first.line}: {first.message}); "
            "check the template; nothing was written"
        )


class IdLock:
    """Serialises `tpm new` runs in one repository, so two at once get two ids.

    A lock file in the git directory, held with flock where the platform has it; the
    kernel releases it if the process dies, so it never goes stale.
    """

    def __init__(self, git_dir: Path, timeout: float = 10.0) -> None:
        self.path = git_dir / "tpm-new.lock"
        self.timeout = timeout
        self.handle: IO[str] | None = None

    def __enter__(self) -> IdLock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: O_EXCL in write_atomic still guards files
            return self
        try:
            handle = self.handle = open(self.path, "a+")
        except OSError as exc:
            raise UsageError(f"cannot write {self.path} (the lock of tpm new): {exc.strerror or exc}") from None
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    handle.close()
                    raise UsageError(f"another `tpm new` holds {self.path}; try again") from None
                time.sleep(0.02)

    def __exit__(self, *exc_info: object) -> None:
        if self.handle is not None:
            self.handle.close()  # closing releases the lock


def open_in_editor(path: Path) -> int:
    """Run $VISUAL or $EDITOR on `path`; its exit code."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise UsageError(f"--edit: set $VISUAL or $EDITOR to choose an editor ({path} was created)")
    import shlex
    import subprocess

    try:
        return subprocess.call([*shlex.split(editor), str(path)])
    except OSError as exc:
        raise UsageError(f"--edit: cannot start {editor!r}: {exc.strerror or exc} ({path} was created)") from None

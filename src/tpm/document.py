"""Reading one file: bytes to text, front-matter split with true line numbers, Markdown body.

We split the front-matter ourselves rather than with python-frontmatter, whose failures are
silent: a BOM hides the front-matter, an unclosed or non-mapping block becomes `{}`, keys
named `content` or `handler` raise `TypeError`, and `parse()` strips text so that line
offsets are lost. Every way a file can be wrong here becomes a `Problem` with a position;
nothing in this module raises for a file's content.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from tpm import yamlload
from tpm.blocks import HEADING, ITEM, blocks_of
from tpm.boundary import MAX_FILE_BYTES, NotRegular, TooLarge, read_regular
from tpm.vocabulary import ISO_DATE, heading_key

MAX_FRONT_MATTER_CHARS = 64 * 1024


_FENCE = re.compile(r"---[ \t]*")
_CLOSING_LINE = re.compile(r"\n(?:---|\.\.\.)[ \t]*(?=\n|\Z)")  # a closing line, `---` or `...`
_TASK = re.compile(r"\[( |x|X)\](?:[ \t]+|$)")
_DATED = re.compile(rf"({ISO_DATE.pattern})(?=\s|$)")
_OWNER = re.compile(r"(?:^|\s)@([\w.-]+)")
_LINE_ENDS = re.compile(rb"\r\n|\r|\n")


class Problem(NamedTuple):
    """Something wrong with one file, found while reading it; a rule reports it by slug."""

    slug: str
    line: int
    column: int
    message: str


class Section(NamedTuple):
    """A Markdown heading and whether anything but other headings follows it."""

    title: str
    level: int
    line: int
    has_content: bool


class TaskItem(NamedTuple):
    """A GFM task item under `Checkpoints` or `Action items`: `- [ ] 2026-12-01 Do it @bob`."""

    section: str  # the heading it sits under, lower-cased ("checkpoints" or "action items")
    line: int
    column: int
    done: bool
    date: datetime.date | None  # None when the item has no valid ISO date
    text: str  # the item's first line after the box
    owner: str | None
    date_problem: str | None  # why `date` is None, for invalid-checkpoint


@dataclass(frozen=True)
class Body:
    title: str | None  # the first `#` heading
    sections: tuple[Section, ...]
    tasks: tuple[TaskItem, ...]


@dataclass
class SourceFile:
    """A file read from disk and split. `front_matter` is None when there is none."""

    text: str = ""
    front_matter: str | None = None
    front_matter_line: int = 2  # the file line of the front-matter's first line
    body: str = ""
    body_line: int = 1  # the file line of the body's first line
    problems: list[Problem] = field(default_factory=list)
    readable: bool = True  # False when the bytes could not be turned into text
    raw: bytes = b""  # the bytes read, for the document cache's key


def read_source(abs_path: str | bytes) -> SourceFile | None:
    """Read and split a file. Returns None when the file vanished since it was listed."""
    data = read_bytes(abs_path)
    if not isinstance(data, bytes):
        return data
    source = split_source(data)
    source.raw = data
    return source


def read_bytes(abs_path: str | bytes) -> bytes | SourceFile | None:
    """A file's bytes, not yet split; an unreadable file's `SourceFile` (its problem
    says why); None when the file vanished since it was listed."""
    try:
        return read_regular(abs_path, MAX_FILE_BYTES)
    except TooLarge as exc:
        return oversized(exc.size)
    except NotRegular:
        if os.path.isdir(abs_path):
            return None
        return _unreadable("not a regular file (a FIFO, device or socket); not read")
    except FileNotFoundError:
        if os.path.islink(abs_path):
            return _unreadable("a symbolic link to a file that does not exist")
        return None
    except NotADirectoryError:
        return None
    except OSError as exc:
        return _unreadable(f"cannot read file: {exc.strerror or exc}")


def oversized(size: int) -> SourceFile:
    """A file over the size cap, in the work tree or in git: reported, never read."""
    return _unreadable(f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit; not read")


def _unreadable(message: str, line: int = 1, column: int = 1) -> SourceFile:
    return SourceFile(problems=[Problem("parse-error", line, column, message)], readable=False)


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """Bytes to text with `\\n` line ends: UTF-8 (BOM allowed) only, located errors otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, Problem("parse-error", 1, 1, "file is UTF-16; save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _byte_position(data, nul)
        return None, Problem("parse-error", line, column, "binary file (NUL byte); not read as a document")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(data, exc.start)
        return None, Problem(
            "parse-error",
            line,
            column,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, None


def _byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column of a byte, counting line ends and characters as `decode` does."""
    lines = _LINE_ENDS.split(data[:offset])
    last = lines[-1][3:] if len(lines) == 1 and lines[0].startswith(b"\xef\xbb\xbf") else lines[-1]
    return len(lines), len(last.decode("utf-8", errors="replace")) + 1


def split_source(data: bytes) -> SourceFile:
    """Split decoded text into front-matter and body, keeping file line numbers."""
    text, problem = decode(data)
    if text is None:
        assert problem is not None  # decode gives a problem whenever it gives no text
        return SourceFile(problems=[problem], readable=False)
    source = SourceFile(text=text, body=text, body_line=1)
    first_end = text.find("\n")
    first_line = text if first_end < 0 else text[:first_end]
    if first_line.rstrip() == "+++":
        source.problems.append(
            Problem("parse-error", 1, 1, "TOML front-matter (+++) is not supported; use YAML between --- lines")
        )
        return source
    if not _FENCE.fullmatch(first_line):
        return source
    # The first line after it that is a closing `---` or `...` (searched, not split into
    # lines: this runs on every past version of every document too).
    closing = _CLOSING_LINE.search(text, first_end) if first_end >= 0 else None
    if closing is None:
        source.problems.append(
            Problem("parse-error", 1, 1, "front-matter opened on line 1 is never closed (no closing --- line)")
        )
        source.front_matter = None
        source.body = ""
        return source
    source.front_matter = text[first_end + 1 : closing.start()] if closing.start() > first_end else ""
    source.front_matter_line = 2
    source.body = text[closing.end() + 1 :]
    source.body_line = text.count("\n", 0, closing.start()) + 3
    if len(source.front_matter) > MAX_FRONT_MATTER_CHARS:
        source.problems.append(
            Problem(
                "parse-error",
                1,
                1,
                f"front-matter is {len(source.front_matter):,} characters, over the "
                f"{MAX_FRONT_MATTER_CHARS:,}-character limit; not read",
            )
        )
        source.front_matter = None
    return source


def load_front_matter(source: SourceFile) -> yamlload.LoadedYaml:
    """Load the YAML and check that it is a mapping; problems are added to the result."""
    loaded = yamlload.load(source.front_matter or "", source.front_matter_line)
    _name_unclosed_fence(source, loaded)
    if loaded.data is None and not loaded.problems and _blank(source.front_matter or ""):
        loaded.data = {}  # an empty block: no fields at all, which the schema then reports
    elif not isinstance(loaded.data, dict) and not (loaded.data is None and loaded.problems):
        shown = "null" if loaded.data is None else repr(loaded.data)
        kind = "a list" if isinstance(loaded.data, list) else f"a single value ({shown})"
        loaded.problems.append(
            yamlload.YamlProblem(
                "parse-error",
                yamlload.Mark(1, 1),
                f"front-matter must be a mapping of keys to values, got {kind}",
            )
        )
        loaded.data = None
    return loaded


_HEADING = re.compile(r"#{1,6}[ \t]+\S")
_YAML_LINE = re.compile(r"[ \t]*(-([ \t]|$)|[^\s:#][^:]*:([ \t]|$))")  # `key:`, `key: value` or `- item`


def _name_unclosed_fence(source: SourceFile, loaded: yamlload.LoadedYaml) -> None:
    """When the YAML fails at or below a Markdown heading (`# Title`, a comment to YAML),
    with prose (a line neither blank, a comment, `key:` nor `- item`) between the heading
    and the error, the closing `---` is missing and a `---` further down the body was
    taken for it; say so, at that heading, rather than report the body's prose as bad
    YAML. Any other YAML mistake is left as the parser reported it."""
    problem = next((p for p in loaded.problems if p.message.startswith("invalid YAML")), None)
    if problem is None or source.front_matter is None:
        return
    lines = source.front_matter.split("\n")
    heading = next((i for i, line in enumerate(lines) if _HEADING.match(line)), None)
    if heading is None or problem.mark.line < source.front_matter_line + heading:
        return
    below = lines[heading + 1 : problem.mark.line - source.front_matter_line + 1]
    if not any(line.strip() and not line.lstrip().startswith("#") and not _YAML_LINE.match(line) for line in below):
        return  # only YAML-shaped lines up to the error: a comment among fields, and a YAML mistake
    heading_line = source.front_matter_line + heading
    closing = source.body_line - 1
    loaded.problems[loaded.problems.index(problem)] = yamlload.YamlProblem(
        "parse-error",
        yamlload.Mark(heading_line, 1),
        f"front-matter opened on line 1 is not closed before the body: the `---` on line {closing} "
        f"closes it, and the Markdown from line {heading_line} is read as YAML (is the closing `---` "
        f"missing before line {heading_line}?)",
    )


def _blank(yaml_text: str) -> bool:
    """Only blank lines and comments: an empty block, not a `null` document."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in yaml_text.split("\n"))


def parse_body(body: str, first_line: int, checkpoints: str | None = None) -> Body:
    """Headings, sections and task items of a Markdown body, with file line numbers. Task
    items are read under the `checkpoints` heading (its `heading_key`, as the document's
    type declares it: "checkpoints" for milestones, "action items" for post-mortems),
    subsections included; None reads none."""
    blocks = blocks_of(body)
    headings = [(index, block) for index, block in enumerate(blocks) if block.kind == HEADING]

    # A section ends at the next heading of the same or a higher level; one pass with a
    # stack finds every end, and a running count of other blocks says whether anything
    # but headings lies between (linear in the body, however many headings it has).
    ends = [len(blocks)] * len(headings)
    open_sections: list[int] = []
    for position, (index, block) in enumerate(headings):
        while open_sections and headings[open_sections[-1]][1].level >= block.level:
            ends[open_sections.pop()] = index
        open_sections.append(position)
    content_before = [0]
    for block in blocks:
        content_before.append(content_before[-1] + (block.kind != HEADING))
    sections = tuple(
        Section(
            block.text or "",
            block.level,
            first_line + block.line,
            content_before[ends[position]] > content_before[index + 1],
        )
        for position, (index, block) in enumerate(headings)
    )

    title = next((block.text for _, block in headings if block.level == 1), None)
    lines = body.split("\n")
    tasks: list[TaskItem] = []
    current: tuple[str, int] | None = None  # the checkpoint section we are in: (name, level) or None
    for block in blocks:
        if block.kind == HEADING:
            name = heading_key(block.text or "")
            if name == checkpoints:
                current = (name, block.level)
            elif current is not None and block.level <= current[1]:
                current = None
        elif current is not None and block.kind == ITEM and block.text is not None:
            item = _task_item(block.text, block.line, lines, first_line, current[0])
            if item is not None:
                tasks.append(item)
    return Body(title, sections, tuple(tasks))


def _task_item(content: str, body_line: int, lines: list[str], first_line: int, section: str) -> TaskItem | None:
    """The task item whose text (the first line of its list item, stripped) is `content`,
    or None for a plain list item."""
    box = _TASK.match(content)
    if box is None:
        return None
    raw = lines[body_line] if body_line < len(lines) else ""
    column = raw.find("[") + 1 or 1
    rest = content[box.end() :].strip()
    owners = list(_OWNER.finditer(rest)) if "@" in rest else []
    owner_match = owners[-1] if owners else None  # the last `@name` is the owner
    owner = owner_match.group(1) if owner_match else None
    if owner_match and owner_match.end() == len(rest):
        rest = rest[: owner_match.start()].rstrip()  # the owner is shown apart from the text
    date: datetime.date | None = None
    problem: str | None = None
    dated = _DATED.match(rest)
    if dated is None:
        problem = "has no ISO date (YYYY-MM-DD) at its start"
    else:
        try:
            date = datetime.date.fromisoformat(dated.group(1))
        except ValueError:
            problem = f"has an impossible date {dated.group(1)}"
        rest = rest[dated.end() :].strip()
    # (section, line, column, done, date, text, owner, date_problem), given in order: a
    # named tuple is made faster so, by the thousand.
    return TaskItem(section, first_line + body_line, column, box.group(1) != " ", date, rest, owner, problem)


def folded(text: str) -> str:
    """Text with every run of whitespace made one space and the ends trimmed."""
    return " ".join(text.split())


def section_text(source: SourceFile, body: Body, section: Section) -> str:
    """What lies under `section`, subsections included, up to the next heading of the same
    or a higher level, whitespace-folded."""
    end = next((s.line for s in body.sections if s.line > section.line and s.level <= section.level), None)
    lines = source.body.split("\n")
    start = section.line - source.body_line + 1
    stop = len(lines) if end is None else end - source.body_line
    return folded("\n".join(lines[start:stop]))


_TEMPLATE_FIELD = re.compile(r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)")


def placeholder_patterns(template: str) -> dict[str, re.Pattern[str]]:
    """A template's placeholder text by section (its `heading_key`): the whitespace-folded
    text under each heading that has any, as a pattern in which each `${name}` the
    template fills in matches whatever it was filled with (`$$` is a literal `$`)."""
    source = split_source(template.encode("utf-8"))
    if not source.readable:
        return {}
    body = parse_body(source.body, source.body_line)
    patterns: dict[str, re.Pattern[str]] = {}
    for section in body.sections:
        text = section_text(source, body, section)
        if not text:
            continue
        pieces = [re.escape(piece.replace("$$", "$")) for piece in _TEMPLATE_FIELD.split(text)]
        patterns.setdefault(heading_key(section.title), re.compile(r".+?".join(pieces)))
    return patterns

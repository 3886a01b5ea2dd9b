"""A Markdown body as the few blocks tpm reads: headings, list items and other content.

tpm reads a body's block structure only: its headings (the sections, the title), its
list items (checkpoints and action items are GFM task items) and whether a section has
anything but headings in it. markdown-it reads any CommonMark body right, but it costs
about 0.1 ms for a small body and 0.5 ms for a 6 KB one, which is the largest single
cost of a cold run over thousands of documents.

Most bodies are written in a small part of Markdown: headings, paragraphs, flat lists,
fenced code. `simple_blocks` reads exactly that part, line by line, and gives up (None)
on the first line outside it (an indented line, a quote, HTML, a setext underline, an
ordered list, a line that could start a link reference definition, a tab outside code...),
so that markdown-it reads the body instead. What it returns is what `markdown_blocks`
returns from markdown-it's tokens for the same body; a property test holds the two to
that over bodies built from the awkward cases of each construct.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

HEADING, ITEM, CONTENT = "heading", "item", "content"


class Block(NamedTuple):
    """A block that starts on body line `line` (0-based). A heading has its `level` and
    its `text`; a list item the first line of its text, stripped, when a paragraph opens
    it on the item's own line (else None); other content neither.

    Block lists are canonical (`_canonical`): between two headings, either the list
    items, or, when there are none, only the first other block. That is all that the
    readers of a body ask (the items, and whether a section has content), and it makes
    the two readers' answers comparable: markdown-it opens a list, its item and the
    item's paragraph, where the line reader sees one item."""

    kind: str
    line: int
    level: int = 0
    text: str | None = None


# What `simple_blocks` reads. A line's first character decides what it may be; a line
# that starts with anything in _MARKS is one of the constructs below or beyond the reader.
_MARKS = frozenset("#>< \t-*+_=`~[")
_HEADING = re.compile(r"(#{1,6}) +(\S.*)")
_ITEM = re.compile(r"[-*+] (.)")
_ORDERED = re.compile(r"\d{1,9}[.)](?: |$)")  # an ordered list item's marker
_BOX = re.compile(r"\[[ xX]\](?: |$)")  # a task item's box: never a link reference definition
_FENCE = re.compile(r"(`{3,}|~{3,})(.*)")
_UNREAD = re.compile("[\r\x00\x0b\x0c]")  # characters that the line reader leaves to markdown-it


def simple_blocks(body: str) -> list[Block] | None:
    """The blocks of a body written in the subset described in the module's doc, in
    order; None for any other body."""
    if _UNREAD.search(body):
        return None
    tabs = "\t" in body
    blocks: list[Block] = []
    fence: tuple[str, int] | None = None  # the open code fence's character and length
    for index, line in enumerate(body.split("\n")):
        if fence is not None:
            if _closes(line, fence):
                fence = None
            continue
        if tabs and "\t" in line:
            return None
        if not line.strip(" "):
            continue
        first = line[0]
        if first not in _MARKS:
            if first.isdigit() and _ORDERED.match(line):
                return None
            if not blocks or blocks[-1].kind == HEADING:  # later content would not be kept (`_canonical`)
                blocks.append(Block(CONTENT, index))
            continue
        block = _marked_block(line, index)
        if block is None:
            return None
        blocks.append(block)
        if first in "`~":
            fence = _opened_fence(line)
    return _canonical(blocks)


def _marked_block(line: str, index: int) -> Block | None:
    """The heading, list item or code fence that a line with a mark starts, if it is
    one the reader reads."""
    first = line[0]
    if first == "#":
        heading = _HEADING.fullmatch(line)
        # A closing sequence (`## Title ##`) is left to markdown-it.
        if heading is None or heading.group(2).rstrip(" ").endswith("#"):
            return None
        return Block(HEADING, index, len(heading.group(1)), heading.group(2).strip())
    if first in "-*+":
        item = _ITEM.match(line)
        if item is None:
            return None
        text = line[2:].strip()
        start = item.group(1)
        if start == "[" and not _BOX.match(text):
            return None  # perhaps a link reference definition, which is no paragraph
        if (start in _MARKS and start != "[") or (start.isdigit() and _ORDERED.match(text)):
            return None  # a nested block, a thematic break or a second marker
        return Block(ITEM, index, 0, text)
    if first in "`~" and _opened_fence(line) is not None:
        return Block(CONTENT, index)
    return None


def _opened_fence(line: str) -> tuple[str, int] | None:
    """The character and length of the code fence a line opens, if it opens one."""
    fence = _FENCE.fullmatch(line)
    if fence is None or (line[0] == "`" and "`" in fence.group(2)):
        return None  # a backtick fence's info string may not hold a backtick
    return line[0], len(fence.group(1))


def _closes(line: str, fence: tuple[str, int]) -> bool:
    """Whether a line closes the open fence: up to three spaces, at least as many of its
    character, then only spaces."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3:
        return False
    run = stripped.rstrip(" ")
    return len(run) >= fence[1] and run == fence[0] * len(run)


@cache
def _markdown() -> MarkdownIt:
    """The parser, made on first use (bodies of cached documents are never parsed)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").disable("inline")  # block structure is all we read


def markdown_blocks(body: str) -> list[Block]:
    """The blocks of any body, from markdown-it's tokens: each heading, each list item,
    and each other token that opens or is a block."""
    tokens = _markdown().parse(body)
    blocks: list[Block] = []
    for index, token in enumerate(tokens):
        if token.map is None or token.nesting < 0 or token.type in ("heading_close", "inline"):
            continue
        line = token.map[0]
        if token.type == "heading_open":
            blocks.append(Block(HEADING, line, int(token.tag[1]), tokens[index + 1].content.strip()))
        elif token.type == "list_item_open":
            blocks.append(Block(ITEM, line, 0, _item_text(tokens, index)))
        else:
            blocks.append(Block(CONTENT, line))
    return _canonical(blocks)


def _canonical(blocks: list[Block]) -> list[Block]:
    """The headings, and between two headings the list items, or, without any, the
    first other block (see `Block`)."""
    kept: list[Block] = []
    run: list[Block] = []  # the blocks since the last heading

    def close_run() -> None:
        items = [block for block in run if block.kind == ITEM]
        kept.extend(items or run[:1])
        run.clear()

    for block in blocks:
        if block.kind == HEADING:
            close_run()
            kept.append(block)
        else:
            run.append(block)
    close_run()
    return kept


def _item_text(tokens: list[Token], index: int) -> str | None:
    """The first line of the paragraph that opens the list item at tokens[index] on the
    item's own line, or None."""
    opened = tokens[index].map
    inline = next((t for t in tokens[index + 1 : index + 3] if t.type == "inline"), None)
    if opened is None or inline is None or inline.map is None or inline.map[0] != opened[0]:
        return None
    return inline.content.split("\n", 1)[0].strip()


def blocks_of(body: str) -> list[Block]:
    """The blocks of a body: read line by line when it keeps to the simple subset, else
    by markdown-it."""
    simple = simple_blocks(body)
    return simple if simple is not None else markdown_blocks(body)

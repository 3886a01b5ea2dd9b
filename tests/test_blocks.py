"""The line reader of Markdown bodies (`blocks.simple_blocks`) against markdown-it: on any
body it reads, it must find what markdown-it finds; on any other, it must give up."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tpm.blocks import CONTENT, HEADING, ITEM, Block, blocks_of, markdown_blocks, simple_blocks
from tpm.document import parse_body

# Lines the line reader reads, and lines next to what it reads that it must not misread:
# every construct's awkward cases (headings without a space or with a closing sequence,
# list markers that open a thematic break, fences that do not open or close, lazy
# continuations, link reference definitions, setext underlines, indentation, tabs).
LINES = st.sampled_from(
    [
        "# Title",
        "## Checkpoints",
        "### Mitigation",
        "###### Six",
        "####### Seven",
        "#NoSpace",
        "# ",
        "#",
        "# Closing ##",
        "# Closing #x",
        "# Escaped \\#",
        "#  Spaced  ",
        "# Trailing nbsp\xa0",
        "# Hash #\xa0",
        "  # Indented heading",
        "Plain prose.",
        "Another line of prose",
        "2026-01-01 dated prose",
        "1990 was a year",
        "1.5x faster",
        "1. ordered",
        "2) ordered",
        "1.",
        "- [ ] 2026-12-01 Load test @bob",
        "- [x] 2026-12-01 Done",
        "- [X] 2026-12-01 Upper",
        "- [ ]",
        "- [ ]  ",
        "-  [ ] two spaces",
        "- [x]: a reference",
        "- [foo]: /url",
        "- [ ]: not a reference",
        "- plain item",
        "- item with trailing spaces  ",
        "- # heading in an item",
        "- > quote in an item",
        "- - nested",
        "- * star",
        "- 1. ordered in an item",
        "- ```fence in an item",
        "- \xa0[ ] 2026-12-01 nbsp",
        "-",
        "- ",
        "-- dash",
        "---",
        "- - -",
        "***",
        "* star item",
        "* [ ] 2026-12-01 star task",
        "+ plus item",
        "+",
        "*emphasis*",
        "**bold**",
        "_under_",
        "___",
        "  - [ ] 2026-12-01 nested task",
        "  continuation",
        "    code",
        "```",
        "```python",
        "``` info `tick`",
        "~~~",
        "~~~~",
        "````",
        "  ```",
        "   ```",
        "    ```",
        "``` ",
        "``",
        "~~",
        "# in code?",
        "> quote",
        "<div>",
        "<!-- comment -->",
        "[ref]: /url",
        "[link](x) text",
        "| a | b |",
        "|---|---|",
        "===",
        "= not a setext line",
        "\\# escaped",
        "&amp; entity",
        "\xa0nbsp start",
        "\t- tab item",
        "text\twith a tab",
        "",
        "",
        " ",
        "   ",
        "crlf\r",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(LINES, max_size=14))
def test_the_line_reader_finds_what_markdown_it_finds_or_gives_up(lines):
    body = "\n".join(lines)
    simple = simple_blocks(body)
    assert simple is None or simple == markdown_blocks(body)


SIMPLE_BODY = """# Beta

Some prose, over
two lines.

## Checkpoints

- [ ] 2026-12-01 Load test @bob
- [x] 2026-11-20 Sign-off
lazy continuation of the item
* a star item
+ [X] 2026-11-02 plus

```python
# a comment, not a heading
```

~~~~
```
~~~~

## Empty

### Sub
| a | b |
"""


def test_a_body_in_the_simple_subset_is_read_line_by_line():
    blocks = simple_blocks(SIMPLE_BODY)
    assert blocks == [
        Block(HEADING, 0, 1, "Beta"),
        Block(CONTENT, 2),
        Block(HEADING, 5, 2, "Checkpoints"),
        Block(ITEM, 7, 0, "[ ] 2026-12-01 Load test @bob"),
        Block(ITEM, 8, 0, "[x] 2026-11-20 Sign-off"),
        Block(ITEM, 10, 0, "a star item"),
        Block(ITEM, 11, 0, "[X] 2026-11-02 plus"),
        Block(HEADING, 21, 2, "Empty"),
        Block(HEADING, 23, 3, "Sub"),
        Block(CONTENT, 24),
    ]
    assert blocks == markdown_blocks(SIMPLE_BODY)


@pytest.mark.parametrize(
    "body",
    [
        "  - [ ] 2026-12-01 nested",  # indentation
        "> quote",
        "<!-- comment -->",
        "Title\n===",  # a setext heading
        "1. ordered",
        "[ref]: /url",
        "# Closing ##",
        "- - -",
        "text\twith a tab",
        "crlf\r\n",
    ],
)
def test_a_body_outside_the_subset_is_left_to_markdown_it(body):
    assert simple_blocks(body) is None
    assert blocks_of(body) == markdown_blocks(body)


def test_a_tab_inside_fenced_code_is_read_as_code():
    body = "# Code\n\n```go\nfunc main() {\n\tprintln()\n}\n```\n"
    assert simple_blocks(body) == [Block(HEADING, 0, 1, "Code"), Block(CONTENT, 2)] == markdown_blocks(body)


def test_parse_body_reads_tasks_and_sections_from_either_reader():
    body = SIMPLE_BODY
    fast = parse_body(body, 10, "checkpoints")
    slow_body = body + "\n> a quote sends the whole body to markdown-it\n"
    slow = parse_body(slow_body, 10, "checkpoints")
    assert simple_blocks(slow_body) is None
    assert fast.tasks == slow.tasks
    assert [t.line for t in fast.tasks] == [17, 18, 21]
    assert [(s.title, s.has_content) for s in fast.sections] == [
        ("Beta", True),
        ("Checkpoints", True),
        ("Empty", True),  # its subsection has content
        ("Sub", True),
    ]
    assert fast.title == "Beta"


# Lines that the reader reads on their own, combined at length: fences that open and
# close one another, items after prose, headings in code.
READ_ALONE = [line for line in LINES.elements if simple_blocks(line) is not None]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(READ_ALONE), max_size=24))
def test_the_line_reader_agrees_with_markdown_it_on_long_bodies_it_reads(lines):
    body = "\n".join(lines)
    assert simple_blocks(body) == markdown_blocks(body)

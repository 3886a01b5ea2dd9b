"""Splitting a file into front-matter and body, against the plain line-by-line split it
must agree with: the closing fence is searched for, not found by splitting every line."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tpm.document import split_source

_CLOSE = re.compile(r"(---|\.\.\.)[ \t]*")


def split_by_lines(text: str) -> tuple[str | None, str, int]:
    """(front-matter, body, body line) as a split into lines finds them, for a text whose
    first line opens a front-matter."""
    lines = text.split("\n")
    for index in range(1, len(lines)):
        if _CLOSE.fullmatch(lines[index]):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None, "", 1


LINES = st.sampled_from(
    ["---", "--- ", "---\t", " ---", "----", "...", "... ", "..", "-- -", "key: v", "", "# h", "x\r", "---\r"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(LINES, max_size=10), st.booleans())
def test_the_searched_split_agrees_with_a_split_into_lines(lines, trailing_newline):
    text = "\n".join(["---", *lines]) + ("\n" if trailing_newline else "")
    source = split_source(text.encode())
    # Compared on the decoded text (decoding makes every line end a newline).
    assert (source.front_matter, source.body, source.body_line if source.front_matter is not None else 1) == (
        split_by_lines(source.text)
    )

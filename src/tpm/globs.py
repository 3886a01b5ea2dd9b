"""Path globs as tpm's config writes them, compiled to regular expressions that cannot
backtrack their way into exponential time.

Meaning: `*` and `?` match within one folder name, `[...]` and `[!...]` match one character
of a class (never `/`), `**` as a whole path segment matches zero or more folders (`**/x`,
`a/**/x`) or, last, everything below (`a/**`). A `**` inside a segment (`docs/**.md`) is
refused, as git refuses it in glob pathspecs: read as `*` it would silently match fewer files.

Why not a plain translation: the config is the repository's, so under review it is the
attacker's. Every `*` and `**` of a naive regex can backtrack against the others, so twelve
`**/` against one deep path that does not match, or `*a*a*a*a*a*b.md` against a long name,
ran for minutes. Here a path is matched segment by segment, the way fnmatch does it for `*`:

- in a segment, every `*` but the last takes the first place where the text after it
  matches, and never gives it back: that first place is always as good as a later one,
  since the next `*` can swallow what lies in between;
- the same holds a level up for the blocks of segments between two `**`: a block is taken
  at the first folder where it matches, and only the last `**` may still try each folder;
- runs of `**/` count as one.

"Never gives it back" is an atomic group, written as a lookahead plus a backreference (as
CPython's `fnmatch.translate` does; Python 3.10 has no `(?>...)`). Matching then costs
about the path's length times the pattern's. The common globs (`project/risks/**/*.md`,
`*.md`) need none of this and compile to the same plain regex as before, which
`glob_union` joins into one regex for discovery.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Iterator
from functools import cache


class _Globstar(enum.Enum):
    """The marker `_segments` yields for a `**` segment (an enum so that types can tell it
    from a segment's list of tokens)."""

    GLOBSTAR = "**"


_GLOBSTAR = _Globstar.GLOBSTAR  # a `**` segment


class GlobError(ValueError):
    """A glob tpm does not accept, with the reason."""


@cache
def glob_regex(pattern: str) -> re.Pattern[str]:
    """The compiled glob, for `fullmatch` against a '/'-separated relative path."""
    return re.compile(_translate(pattern, "a"))


def glob_union(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for several globs: the match's `lastgroup` is `g<index>` of the first glob
    (in order) that matches, for `fullmatch`."""
    return re.compile("|".join(f"(?P<g{i}>{_translate(p, f'g{i}_')})" for i, p in enumerate(patterns)))


def check_glob(pattern: str) -> str | None:
    """Why `pattern` is not a usable glob, or None when it is."""
    try:
        glob_regex(pattern)
    except (re.error, GlobError) as exc:
        return str(exc)
    return None


def literal_folder(pattern: str) -> str:
    """The folder part of a glob before its first wildcard: `project/risks/**/*.md` ->
    `project/risks`; "" when the wildcard comes in the first path segment."""
    literal = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    return literal.rsplit("/", 1)[0] if "/" in literal else ""


def _translate(pattern: str, tag: str) -> str:
    """The regex source of a glob; `tag` prefixes the names of its groups."""
    names = (f"{tag}{n}" for n in itertools.count())
    blocks: list[list[list[str]]] = [[]]  # the segments between `**`s, each a list of tokens
    for segment in _segments(pattern):
        if segment is not _GLOBSTAR:
            blocks[-1].append(segment)
        elif blocks[-1] or len(blocks) == 1:  # `**/**/` is `**/`
            blocks.append([])
    out = []
    for number, block in enumerate(blocks):
        last = number == len(blocks) - 1
        source = _block(block, names) + ("" if last else "/") if block else ""
        if number == 0:
            out.append(source)
        elif not block:  # a final `**`: everything below
            out.append(r"[\s\S]*")
        elif not last:  # at the first folder where the block matches, atomically
            name = next(names)
            out.append(f"(?=(?P<{name}>(?:[^/]*/)*?{source}))(?P={name})")
        else:
            out.append(f"(?:[^/]*/)*{source}")
    return "".join(out)


def _block(segments: list[list[str]], names: Iterator[str]) -> str:
    return "/".join(_segment(tokens, names) for tokens in segments)


def _segment(tokens: list[str], names: Iterator[str]) -> str:
    """A segment's regex: fixed-width pieces between `*`s; all but the last `*` atomic."""
    pieces: list[list[str]] = [[]]
    for token in tokens:
        if token == "*":
            pieces.append([])
        else:
            pieces[-1].append(token)
    out = ["".join(pieces[0])]
    for number, piece in enumerate(pieces[1:], start=1):
        if number < len(pieces) - 1:
            name = next(names)
            out.append(f"(?=(?P<{name}>[^/]*?{''.join(piece)}))(?P={name})")
        else:
            out.append("[^/]*" + "".join(piece))
    return "".join(out)


def _segments(pattern: str) -> Iterator[list[str] | _Globstar]:
    """The pattern's segments, each a list of regex tokens (`*` kept as a marker), or
    `_GLOBSTAR` for a `**` segment."""
    tokens: list[str] = []
    i = 0
    while i <= len(pattern):
        char = pattern[i] if i < len(pattern) else "/"
        if char == "/":
            if tokens == ["**"]:
                yield _GLOBSTAR
            elif "**" in tokens:
                raise GlobError("`**` must be a whole path segment, as in `docs/**/*.md`")
            else:
                yield tokens
            tokens = []
        elif char == "*":
            end = i
            while end < len(pattern) and pattern[end] == "*":
                end += 1
            tokens.append("**" if end - i > 1 else "*")
            i = end
            continue
        elif char == "?":
            tokens.append("[^/]")
        elif char == "[" and pattern.find("]", i + 2) > 0:
            end = pattern.find("]", i + 2)
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            if body.startswith("!"):
                body = "^" + body[1:]
            tokens.append(f"(?!/)[{body}]")
            i = end
        else:
            tokens.append(re.escape(char))
        i += 1

"""Path globs as tpm's config writes them: `*` and `?` stay within a folder, `**/` spans
folders, `[...]` is a character class. Compiled to regular expressions, once each."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=None)
def glob_regex(pattern: str) -> re.Pattern:
    """Compile a path glob: `*` and `?` stay within a folder, `**/` spans folders."""
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out))



def check_glob(pattern: str) -> str | None:
    """Why `pattern` is not a usable glob, or None when it is."""
    try:
        glob_regex(pattern)
    except re.error as exc:
        return str(exc)
    return None


def literal_folder(pattern: str) -> str:
    """The folder part of a glob before its first wildcard: `project/risks/**/*.md` ->
    `project/risks`; "" when the wildcard comes in the first path segment."""
    literal = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    return literal.rsplit("/", 1)[0] if "/" in literal else ""

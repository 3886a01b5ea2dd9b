"""Escaping user text for each place it lands, so that no title can break a table, a
chart or a link, or inject HTML. The report is also printed to terminals and CI logs, so
control characters are shown as escapes too (see tpm.escaping)."""

from __future__ import annotations

import re
from urllib.parse import quote

from tpm.escaping import terminal

_MARKDOWN_ACTIVE = re.compile(r"([\\`*_\[\]|~])")
_MERMAID_UNSAFE = re.compile(r"[^\w .,()/&+-]+")


def cell(text: object) -> str:
    """Text for a Markdown table cell or list item: one line, HTML and Markdown inert,
    controls and undecodable bytes shown as `\\xNN` (its backslash escaped for Markdown)."""
    value = terminal(" ".join(str(text if text is not None else "").split()))
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_ACTIVE.sub(r"\\\1", value)


def mermaid_label(text: object, limit: int = 60) -> str:
    """A Mermaid gantt label: `:`, `#`, `;`, quotes, brackets and the like become spaces
    (Mermaid splits task lines at `:` and reads `#` and `;` as syntax), one line, at most
    `limit` characters. Only word characters and a few marks are kept, so no control,
    bidi or undecodable character can remain."""
    value = " ".join(_MERMAID_UNSAFE.sub(" ", str(text or "")).split())
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value


def link(path: str) -> str:
    """A relative link target: spaces, parentheses and the like percent-encoded."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/-_.~")

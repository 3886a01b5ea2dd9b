"""One escaping function per output context, for every string that came from a repository.

File names, titles, field values and commit data are written by whoever opened the pull
request. Printed raw, they could move the cursor or write the clipboard of a terminal
(ESC, OSC 52), start a GitHub workflow command (a line beginning `::`), break an XML or
JSON report that CI then drops whole, or hide text with bidirectional controls. Each
function here makes a string inert for one context; the reporters apply them, and
nothing user-controlled reaches an output any other way.

File names that are not UTF-8 reach tpm as text with lone surrogates (Python's
`surrogateescape`); every context shows their bytes as `\\xNN`, the same in all formats.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

# C0 controls but tab, DEL, C1 controls, lone surrogates, the line and paragraph
# separators, and the bidirectional overrides and isolates that can make a line read
# differently from what it holds.
_UNSAFE = "\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069"
_TERMINAL_UNSAFE = re.compile(f"[{_UNSAFE}]")
_TERMINAL_UNSAFE_KEEP_NEWLINES = re.compile(f"[{_UNSAFE.replace(chr(0x0A) + '-', chr(0x0B) + '-')}]")
# What XML 1.0 cannot hold at all, plus the same controls as above.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match[str]) -> str:
    """`\\xNN` for a control character or a byte that was not UTF-8, `\\uNNNN` otherwise."""
    code = ord(match.group(0))
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def terminal(text: str, keep_newlines: bool = False) -> str:
    """Text for a terminal or a log: control and bidi characters and undecodable bytes
    shown as escapes; one line unless `keep_newlines`."""
    pattern = _TERMINAL_UNSAFE_KEEP_NEWLINES if keep_newlines else _TERMINAL_UNSAFE
    return pattern.sub(_shown, text) if pattern.search(text) else text


def path_text(path: str) -> str:
    """A repository path for any output: undecodable bytes as `\\xNN`, controls escaped."""
    return terminal(path)


def xml_text(text: str) -> str:
    """Text that XML 1.0 can hold (ElementTree then escapes markup): characters XML
    forbids, and the controls above, as visible escapes."""
    return _XML_UNSAFE.sub(_shown, text) if _XML_UNSAFE.search(text) else text


def _json_escape(match: re.Match[str]) -> str:
    """A lone surrogate becomes the text `\\xNN` (its backslash escaped for JSON), as in
    every other format, since UTF-8 cannot hold it; other characters a `\\uNNNN` escape."""
    code = ord(match.group(0))
    return "\\" + _shown(match) if 0xD800 <= code <= 0xDFFF else f"\\u{code:04x}"


def json_dumps(value: object, **options: Any) -> str:  # options go to json.dumps as they are
    """JSON that is valid UTF-8 and inert in a terminal: C1 controls, line and paragraph
    separators and bidi controls as `\\uNNNN` escapes (json already escapes C0 controls),
    undecodable bytes of a file name as the text `\\xNN`. Readable text stays as it is."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _JSON_UNSAFE.sub(_json_escape, text) if _JSON_UNSAFE.search(text) else text


def workflow_data(text: str) -> str:
    """The message of a GitHub workflow command (after the second `::`): the runner's own
    escapes for `%`, CR and LF, so a value cannot end the command line and start another;
    other controls as for a terminal, since the log is shown in one."""
    return terminal(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def workflow_property(text: str) -> str:
    """A property value of a GitHub workflow command (`file=`, `title=`)."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_log(text: str) -> str:
    """Log lines the GitHub runner will not read as workflow commands, however they begin
    (a file may be named `::error::boom.md`): `text` is escaped for a terminal line by line
    and wrapped in `::stop-commands::TOKEN` ... `::TOKEN::`. The token is the SHA-256 of the
    escaped text, so output stays the same from run to run, yet no line can be the end
    marker: it would have to contain the hash of the text that contains it."""
    inert = terminal(text, keep_newlines=True)
    token = hashlib.sha256(inert.encode("utf-8")).hexdigest()
    return f"::stop-commands::{token}\n{inert}\n::{token}::"

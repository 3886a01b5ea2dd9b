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

import json
import re

# C0 controls but tab, DEL, C1 controls, lone surrogates, and the bidirectional
# overrides and isolates that can make a line read differently from what it holds.
_UNSAFE = "\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069"
_TERMINAL_UNSAFE = re.compile(f"[{_UNSAFE}]")
_TERMINAL_UNSAFE_KEEP_NEWLINES = re.compile(f"[{_UNSAFE.replace(chr(0x0a) + '-', chr(0x0b) + '-')}]")
# What XML 1.0 cannot hold at all, plus the same controls as above.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match) -> str:
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


def json_dumps(value, **options) -> str:
    """JSON that is valid UTF-8 and inert in a terminal: C1 controls, line and paragraph
    separators, bidi controls and lone surrogates as `\\uNNNN` escapes (json already
    escapes C0 controls). Readable text otherwise stays as it is."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def workflow_data(text: str) -> str:
    """The message of a GitHub workflow command (after the second `::`)."""
    return terminal(text, keep_newlines=True).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """A property value of a GitHub workflow command (`file=`, `title=`)."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")

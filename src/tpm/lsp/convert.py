"""tpm's diagnostics as LSP diagnostics: the same place, code, severity and message.

tpm counts lines and columns from 1, in characters; LSP counts from 0, in UTF-16 code
units. tpm knows where a finding starts (and, for some, the line it ends on); the range
given to the editor covers the token that starts there: a quoted scalar to its closing
quote, a plain one up to what ends it in YAML (`: `, ` #`, and in a flow collection `,`
`]` `}`), a Markdown line to its end.
"""

from __future__ import annotations

from lsprotocol import types as lsp

from tpm.diagnostic import Diagnostic, Severity

SOURCE = "tpm"

_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}


def utf16(text: str, index: int) -> int:
    """The UTF-16 offset of character `index` of `text`."""
    prefix = text[:index]
    return len(prefix) + sum(1 for c in prefix if ord(c) > 0xFFFF)


def token_end(line: str, start: int) -> int:
    """The character index just past the token that starts at `start` of `line`."""
    if start >= len(line.rstrip()):
        return len(line.rstrip())
    first = line[start]
    if first in "\"'":
        index = start + 1
        while index < len(line):
            if line[index] == "\\" and first == '"':
                index += 2
                continue
            if line[index] == first:
                if first == "'" and line[index + 1 : index + 2] == "'":
                    index += 2
                    continue
                return index + 1
            index += 1
        return len(line.rstrip())
    in_flow = line[:start].count("[") + line[:start].count("{") > line[:start].count("]") + line[:start].count("}")
    stops = ",]}" if in_flow else ""
    index = start
    while index < len(line):
        char = line[index]
        if char in stops or (char == ":" and line[index + 1 : index + 2] in ("", " ", "\t")):
            break
        if char == "#" and index > start and line[index - 1] in " \t":
            break
        index += 1
    end = len(line[:index].rstrip())
    return end if end > start else len(line.rstrip())


def to_lsp(diagnostic: Diagnostic, lines: list[str]) -> lsp.Diagnostic:
    """The LSP diagnostic for one of tpm's, `lines` being the text tpm judged."""
    line = max(diagnostic.line - 1, 0)
    text = lines[line] if line < len(lines) else ""
    start = min(max(diagnostic.column - 1, 0), len(text))
    last = max(diagnostic.end_line - 1, line)
    if last > line and last < len(lines):
        end = lsp.Position(last, utf16(lines[last], len(lines[last].rstrip())))
    else:
        end_index = token_end(text, start)
        if end_index <= start:  # nothing to underline: the whole line
            start, end_index = 0, len(text.rstrip())
        end = lsp.Position(line, utf16(text, end_index))
    return lsp.Diagnostic(
        range=lsp.Range(lsp.Position(line, utf16(text, start)), end),
        message=diagnostic.message,
        severity=_SEVERITY[diagnostic.severity],
        code=diagnostic.code,
        source=SOURCE,
        data={"rule": diagnostic.rule},
    )


def config_problem(message: str, lines: list[str]) -> lsp.Diagnostic:
    """The one diagnostic of a config that does not load: on its first line."""
    first = lines[0] if lines else ""
    return lsp.Diagnostic(
        range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, utf16(first, len(first)))),
        message=message,
        severity=lsp.DiagnosticSeverity.Error,
        source=SOURCE,
    )

"""tpm's diagnostics as the editor gets them (tpm/lsp/convert.py): 0-based UTF-16
positions, and a range over the token a finding starts at."""

from __future__ import annotations

import pytest

pytest.importorskip("lsprotocol")

from lsprotocol import types as lsp

from tpm.diagnostic import Diagnostic, Severity
from tpm.lsp.convert import config_problem, to_lsp, token_end, utf16


@pytest.mark.parametrize(
    ("line", "start", "end"),
    [
        ("status: planed", 8, 14),  # a plain scalar to the end of the line
        ("status: planed  # typo", 8, 14),  # up to a comment
        ("title: a: b", 7, 8),  # a plain scalar stops at `: `
        ("depends_on: [M-1, M-9]", 18, 21),  # in a flow list, at `,` or `]`
        ("depends_on: [M-1, M-9]", 13, 16),
        ('title: "say \\"hi\\"" # x', 7, 19),  # a double-quoted scalar with escapes
        ("title: 'it''s' # x", 7, 14),  # a single-quoted scalar with its one escape
        ('title: "unclosed', 7, 16),  # an unclosed quote: the rest of the line
        ("status:   ", 9, 7),  # past the text: the end of the line's text
        ("key: #x", 5, 7),  # nothing before what ends it: the rest of the line
    ],
)
def test_token_end(line, start, end):
    assert token_end(line, start) == end


def diagnostic(line: int, column: int, end_line: int | None = None) -> Diagnostic:
    return Diagnostic(
        "project/milestones/M-1.md", line, column, "x-rule", "m", "TPM000", Severity.WARNING, end_line or line
    )


def test_positions_are_zero_based_utf16_and_cover_the_token():
    lines = ["---", "title: 🚀 launch", "status: planed", "---"]
    converted = to_lsp(diagnostic(3, 9), lines)
    assert converted.range == lsp.Range(lsp.Position(2, 8), lsp.Position(2, 14))
    assert (converted.code, converted.source, converted.data) == ("TPM000", "tpm", {"rule": "x-rule"})
    assert converted.severity == lsp.DiagnosticSeverity.Warning
    emoji = to_lsp(diagnostic(2, 8), lines)  # the rocket is two UTF-16 units
    assert emoji.range == lsp.Range(lsp.Position(1, 7), lsp.Position(1, 16))
    assert utf16("🚀 launch", 2) == 3


def test_a_finding_over_several_lines_ends_at_its_last_line():
    lines = ["---", "tags:", "  - a", "  - b  ", "---"]
    converted = to_lsp(diagnostic(2, 1, end_line=4), lines)
    assert converted.range == lsp.Range(lsp.Position(1, 0), lsp.Position(3, 5))


def test_a_finding_past_the_text_underlines_the_whole_line_or_nothing():
    assert to_lsp(diagnostic(1, 40), ["abc"]).range == lsp.Range(lsp.Position(0, 0), lsp.Position(0, 3))
    assert to_lsp(diagnostic(9, 1), ["abc"]).range == lsp.Range(lsp.Position(8, 0), lsp.Position(8, 0))


def test_a_config_problem_sits_on_the_first_line():
    problem = config_problem("unknown key `bogus`", ['root = "p"', "bogus = 1"])
    assert problem.range == lsp.Range(lsp.Position(0, 0), lsp.Position(0, 10))
    assert (problem.severity, problem.source) == (lsp.DiagnosticSeverity.Error, "tpm")
    assert config_problem("x", []).range.end == lsp.Position(0, 0)

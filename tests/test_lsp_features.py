"""The editor features of `tpm lsp` (tpm.lsp.features), as pure functions on a real project.

Each test builds a git repository, loads it as the server does (config, discovery, the
model with the edited buffer laid over its file) and calls one feature with LSP
positions (0-based lines, UTF-16 columns).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types as lsp

from helpers import make_repo
from tpm.config import Config, load_config
from tpm.discover import discover
from tpm.history import History
from tpm.lsp import features
from tpm.model import Project, load_project
from tpm.rules import rule_defaults

TODAY = datetime.date(2026, 11, 20)

M1 = """---
id: M-1
title: Foundation
status: in-progress
owner: ana
due: 2026-12-04
---
# Foundation

## Checkpoints

- [x] 2026-11-10 Parser @core
- [ ] 2026-12-01 Benchmark
"""

M2 = """---
id: M-2
title: Beta launch
status: planned
due: 2026-12-18
depends_on: [M-1]
risks:
  - R-1
---
# Beta launch

See M-1.

## Checkpoints

- [ ] 2026-12-10 Load test @bob

### Later

- [x] 2026-12-12 Docs

## Notes

Free text.
"""

M10 = """---
id: M-10
title: General availability
status: planned
due: 2027-02-01
---
# General availability
"""

R1 = """---
id: R-1
title: Vendor API may slip
status: open
likelihood: 4
impact: 4
owner: ana
reviewed: 2026-10-01
milestones: [M-2]
---
# Vendor API may slip

## Mitigation

Weekly call with the vendor.
"""

CONFIG = """[types.proposal]
paths = ["proposals/*.md"]
id_field = "eip"
references = ["requires"]
reference_separator = ","

[types.proposal.lifecycle]
planned = ["Draft"]
active = ["Review"]
done = ["Final"]
"""

P1474 = """---
eip: 1474
title: Remote procedure call
status: Final
---
"""

P1559 = """---
eip: 1559
title: Fee market
status: Review
requires: 1474, 1559
---
"""

FILES = {
    ".tpm.toml": CONFIG,
    "project/milestones/M-1-foundation.md": M1,
    "project/milestones/M-2-beta.md": M2,
    "project/milestones/M-10-ga.md": M10,
    "project/risks/R-1-vendor.md": R1,
    "proposals/1474-rpc.md": P1474,
    "proposals/1559-fees.md": P1559,
}


@dataclass
class View:
    """A WorkspaceView (tpm.lsp.view) over a loaded project."""

    root: Path
    config: Config
    project: Project
    today: datetime.date
    history: History | None = None

    def uri_of(self, path: str) -> str:
        return f"file:///repo/{path}"

    def path_of(self, uri: str) -> str | None:
        return uri.removeprefix("file:///repo/")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("lsp") / "repo", FILES)


def load(root: Path, buffers: dict[str, str] | None = None) -> View:
    """The project as the server sees it, `buffers` laid over the files."""
    config = load_config(root, root, None, rule_defaults=rule_defaults())
    contents = {path: text.encode("utf-8") for path, text in (buffers or {}).items()}
    candidates = discover(root, config, listed=None)
    known = {candidate.path for candidate in candidates}
    assert set(contents) <= known, "a buffer for a file the repository does not list"
    return View(root, config, load_project(root, candidates, config, None, contents), TODAY)


def edited(repo: Path, path: str, text: str) -> View:
    return load(repo, {path: text})


def at(text: str, marker: str = "|") -> tuple[str, lsp.Position]:
    """`text` without the marker, and the position where the marker was."""
    index = text.index(marker)
    before = text[:index]
    return text[:index] + text[index + len(marker) :], lsp.Position(before.count("\n"), len(before.split("\n")[-1]))


def labels(items: list[lsp.CompletionItem]) -> list[str]:
    return [item.label for item in items]


def complete(repo: Path, path: str, marked: str) -> list[lsp.CompletionItem]:
    text, position = at(marked)
    return features.completions(edited(repo, path, text), path, text, position)


MS = "project/milestones/M-2-beta.md"
RISK = "project/risks/R-1-vendor.md"
EIP = "proposals/1559-fees.md"


def rng(line: int, start: int, end_line: int, end: int) -> lsp.Range:
    return lsp.Range(lsp.Position(line, start), lsp.Position(end_line, end))


# ---------------------------------------------------------------- completion


def test_completion_of_ids_in_a_flow_list(repo: Path) -> None:
    items = complete(repo, MS, M2.replace("depends_on: [M-1]", "depends_on: [M-1, M-|]"))
    assert labels(items) == ["M-10"]  # not M-1 (already named) nor M-2 (itself)
    items = complete(repo, MS, M2.replace("depends_on: [M-1]", "depends_on: [M-|]"))
    assert labels(items) == ["M-1", "M-10"]
    first = items[0]
    assert first.detail == "Foundation · milestone · in-progress"
    assert first.kind == lsp.CompletionItemKind.Reference
    assert first.text_edit == lsp.TextEdit(range=rng(5, 13, 5, 15), new_text="M-1")


def test_completion_of_ids_in_a_block_list(repo: Path) -> None:
    items = complete(repo, MS, M2.replace("  - R-1\n", "  - R-1\n  - |\n"))
    assert labels(items) == ["1474", "1559", "M-1", "M-10"]  # every id but its own and R-1, in natural order
    assert [item.detail for item in items] == [
        "Remote procedure call · proposal · Final",
        "Fee market · proposal · Review",
        "Foundation · milestone · in-progress",
        "General availability · milestone · planned",
    ]
    items = complete(repo, MS, M2.replace("  - R-1\n", "  - R-1\n  - r|\n"))
    assert labels(items) == []  # R-1 is named already
    items = complete(repo, MS, M2.replace("  - R-1\n", "  - r|\n"))
    assert labels(items) == ["R-1"]
    assert items[0].detail == "Vendor API may slip · risk · open"


def test_completion_of_separated_ids(repo: Path) -> None:
    items = complete(repo, EIP, P1559.replace("requires: 1474, 1559", "requires: 1474, 1|"))
    assert labels(items) == []  # 1474 is named already, 1559 is itself
    items = complete(repo, EIP, P1559.replace("requires: 1474, 1559", "requires: M-1, 14|"))
    assert labels(items) == ["1474"]
    assert items[0].detail == "Remote procedure call · proposal · Final"
    assert items[0].text_edit == lsp.TextEdit(range=rng(4, 15, 4, 17), new_text="1474")


def test_completion_of_status_from_the_lifecycle(repo: Path) -> None:
    items = complete(repo, MS, M2.replace("status: planned", "status: |"))
    assert labels(items) == ["planned", "in-progress", "done", "cancelled"]
    assert [item.detail for item in items] == ["planned role", "active role", "done role", "dropped role"]
    assert labels(complete(repo, MS, M2.replace("status: planned", "status: in|"))) == ["in-progress"]
    # a custom type without a schema: the lifecycle alone
    items = complete(repo, EIP, P1559.replace("status: Review", "status: |"))
    assert labels(items) == ["Draft", "Review", "Final"]


def test_completion_of_an_enum_field(repo: Path) -> None:
    items = complete(repo, MS, M2.replace("due: 2026-12-18", "due: 2026-12-18\nphase: d|"))
    assert labels(items) == ["design", "development", "deployment"]
    assert items[0].kind == lsp.CompletionItemKind.EnumMember
    assert items[0].text_edit == lsp.TextEdit(range=rng(5, 7, 5, 8), new_text="design")


def test_completion_of_field_names(repo: Path) -> None:
    items = complete(repo, MS, M2.replace("due: 2026-12-18\n", "due: 2026-12-18\n|\n"))
    assert labels(items) == ["completed", "lint", "owner", "phase", "start", "tags", "type"]
    assert items[0].text_edit == lsp.TextEdit(range=rng(5, 0, 5, 0), new_text="completed: ")
    items = complete(repo, MS, M2.replace("due: 2026-12-18\n", "due: 2026-12-18\nst|\n"))
    assert labels(items) == ["start"]
    # on a key already written: its name is replaced, its colon kept
    items = complete(repo, MS, M2.replace("status: planned", "s|tatus: planned"))
    assert labels(items) == ["start", "status"]
    assert items[1].text_edit == lsp.TextEdit(range=rng(3, 0, 3, 6), new_text="status")


def test_completion_of_field_names_required_first(repo: Path) -> None:
    text = "---\n|\n---\n"
    items = complete(repo, RISK, text)
    required = [item.label for item in items if item.detail == "required"]
    assert required == ["id", "impact", "likelihood", "status", "title"]
    ordered = sorted(items, key=lambda item: item.sort_text or "")
    assert [item.label for item in ordered][:5] == required


def test_completion_of_dates(repo: Path) -> None:
    items = complete(repo, MS, M2.replace("due: 2026-12-18\n", "due: 2026-12-18\nstart: |\n"))
    assert labels(items) == ["2026-11-20", "2026-12-18"]
    assert [item.detail for item in items] == ["today", "due of this milestone"]
    # the due date itself is not offered to itself
    assert labels(complete(repo, MS, M2.replace("due: 2026-12-18", "due: |"))) == ["2026-11-20"]
    # a `reviewed` role of a type without a due date
    assert labels(complete(repo, RISK, R1.replace("reviewed: 2026-10-01", "reviewed: 2026-1|"))) == ["2026-11-20"]
    # any `format: date` property of the schema: the suppression's `until` is nested, not top-level
    assert labels(complete(repo, RISK, R1.replace("reviewed: 2026-10-01", "reviewed: 2025|"))) == []


def test_completion_of_dates_on_a_checkpoint_line(repo: Path) -> None:
    items = complete(repo, MS, M2.replace("- [ ] 2026-12-10 Load test @bob", "- [ ] |"))
    assert labels(items) == ["2026-11-20", "2026-12-18"]
    assert items[0].text_edit == lsp.TextEdit(range=rng(15, 6, 15, 6), new_text="2026-11-20")
    assert labels(complete(repo, MS, M2.replace("- [x] 2026-12-12 Docs", "- [x] 2026-12-1|"))) == ["2026-12-18"]
    # not under the checkpoints heading, not at the start of the item, not before the box
    assert complete(repo, MS, M2.replace("Free text.", "- [ ] |")) == []
    assert complete(repo, MS, M2.replace("- [ ] 2026-12-10 Load test @bob", "- [ ] 2026-12-10 Lo|")) == []
    assert complete(repo, MS, M2.replace("- [ ] 2026-12-10 Load test @bob", "- [|]")) == []


def test_completion_elsewhere_is_empty(repo: Path) -> None:
    assert complete(repo, MS, M2.replace("title: Beta launch", "title: Be|ta launch")) == []
    assert complete(repo, MS, M2.replace("See M-1.", "See M-|")) == []
    assert complete(repo, MS, M2.replace("status: planned", "status: planned # c|")) == []
    assert complete(repo, MS, M2.replace("---\n#", "|---\n#")) == []


# ---------------------------------------------------------------- hover


def test_hover_on_an_id(repo: Path) -> None:
    ws = load(repo)
    text, position = at(M2.replace("depends_on: [M-1]", "depends_on: [M|-1]"))
    found = features.hover(ws, MS, text, position, [])
    assert found is not None
    assert found.range == rng(5, 13, 5, 16)
    assert isinstance(found.contents, lsp.MarkupContent)
    assert found.contents.kind == lsp.MarkupKind.Markdown
    assert found.contents.value == (
        "**M-1** — Foundation\n\n"
        "- type: milestone\n"
        "- status: in-progress (active)\n"
        "- owner: ana\n"
        "- due: 2026-12-04\n"
        "- file: `project/milestones/M-1-foundation.md`"
    )


def test_hover_on_an_id_in_the_body_and_on_a_scored_document(repo: Path) -> None:
    ws = load(repo)
    text, position = at(M2.replace("See M-1.", "See M-1|."))
    found = features.hover(ws, MS, text, position, [])
    assert found is not None and found.range == rng(11, 4, 11, 7)
    text, position = at(M2.replace("  - R-1", "  - |R-1"))
    found = features.hover(ws, MS, text, position, [])
    assert found is not None and isinstance(found.contents, lsp.MarkupContent)
    assert found.contents.value == (
        "**R-1** — Vendor API may slip\n\n"
        "- type: risk\n"
        "- status: open (active)\n"
        "- owner: ana\n"
        "- score: 16 = 4 × 4 (high)\n"
        "- file: `project/risks/R-1-vendor.md`"
    )
    text, position = at(P1559.replace("requires: 1474", "requires: 14|74"))
    found = features.hover(ws, EIP, text, position, [])
    assert found is not None and isinstance(found.contents, lsp.MarkupContent)
    assert found.contents.value.startswith(
        "**1474** — Remote procedure call\n\n- type: proposal\n- status: Final (done)"
    )


def test_hover_on_nothing(repo: Path) -> None:
    ws = load(repo)
    text, position = at(M2.replace("Free text.", "Free |text."))
    assert features.hover(ws, MS, text, position, []) is None
    text, position = at(M2.replace("See M-1.", "See M-1. M-99|"))
    assert features.hover(ws, MS, text, position, []) is None


def test_hover_on_a_diagnostic_explains_the_rule(repo: Path) -> None:
    ws = load(repo)
    text, position = at(M2.replace("depends_on: [M-1]", "depends_on: [M-|7]"))
    diagnostic = lsp.Diagnostic(
        range=rng(5, 13, 5, 16),
        message="`depends_on` names M-7, which no document has",
        code="TPM101",
        source="tpm",
        data={"rule": "dangling-reference"},
    )
    found = features.hover(ws, MS, text, position, [diagnostic])
    assert found is not None and isinstance(found.contents, lsp.MarkupContent)
    value = found.contents.value
    assert value.startswith(
        "**dangling-reference** (TPM101)\n\nDefault severity: error. Looks at: the whole project.\n\n"
        "A reference names no document.\n\n"
    )
    assert found.range == diagnostic.range
    # a rule with options names them; an old slug, or only a code, finds the rule too
    for data, code in (("stale-milestone", None), (None, "TPM402")):
        stale = lsp.Diagnostic(range=rng(3, 0, 3, 15), message="...", code=code, source="tpm", data=data)
        found = features.hover(ws, MS, M2, lsp.Position(3, 2), [stale])
        assert found is not None and isinstance(found.contents, lsp.MarkupContent)
        assert found.contents.value.startswith(
            "**stale** (TPM402)\n\nDefault severity: warning. Looks at: git history.\n\n"
            "Options (`[rules.stale]` in .tpm.toml): stale_after_days = 7\n\n"
            "An active document's file has had no commit for `stale_after_days` (7).\n"
        )
    # another tool's diagnostic, or one the position is not in, is not explained
    other = lsp.Diagnostic(range=rng(3, 0, 3, 15), message="x", code="TPM402", source="markdownlint")
    assert features.hover(ws, MS, M2, lsp.Position(3, 2), [other]) is None
    assert features.hover(ws, MS, M2, lsp.Position(4, 2), [stale]) is None


def test_hover_on_a_diagnostic_over_an_id_says_both(repo: Path) -> None:
    ws = load(repo)
    order = lsp.Diagnostic(range=rng(5, 13, 5, 16), message="m", code="TPM103", source="tpm")
    found = features.hover(ws, MS, M2, lsp.Position(5, 14), [order, order])
    assert found is not None and isinstance(found.contents, lsp.MarkupContent)
    explained, described = found.contents.value.split("\n\n---\n\n")
    assert explained.startswith("**dependency-order** (TPM103)")
    assert described.startswith("**M-1** — Foundation")
    assert found.range == rng(5, 13, 5, 16)


# ---------------------------------------------------------------- definition and references


def test_definition(repo: Path) -> None:
    ws = load(repo)
    found = features.definition(ws, MS, M2, lsp.Position(7, 5))  # `  - R-1`
    assert found == [lsp.Location(uri="file:///repo/project/risks/R-1-vendor.md", range=rng(0, 0, 0, 0))]
    found = features.definition(ws, EIP, P1559, lsp.Position(4, 17))  # `1559` in `requires: 1474, 1559`
    assert found == [lsp.Location(uri="file:///repo/proposals/1559-fees.md", range=rng(0, 0, 0, 0))]
    assert features.definition(ws, MS, M2, lsp.Position(2, 8)) == []  # `Beta launch`


def test_references(repo: Path) -> None:
    ws = load(repo)
    found = features.references(ws, "project/milestones/M-1-foundation.md", M1, lsp.Position(1, 5))  # `id: M-1`
    assert found == [lsp.Location(uri="file:///repo/project/milestones/M-2-beta.md", range=rng(5, 13, 5, 16))]
    found = features.references(ws, MS, M2, lsp.Position(1, 5))
    assert found == [lsp.Location(uri="file:///repo/project/risks/R-1-vendor.md", range=rng(8, 13, 8, 16))]
    found = features.references(ws, EIP, P1559, lsp.Position(4, 11))  # `1474` in requires
    assert found == [lsp.Location(uri="file:///repo/proposals/1559-fees.md", range=rng(4, 10, 4, 14))]
    found = features.references(ws, EIP, P1559, lsp.Position(1, 7))  # its own id, named by itself
    assert found == [lsp.Location(uri="file:///repo/proposals/1559-fees.md", range=rng(4, 16, 4, 20))]
    assert features.references(ws, MS, M2, lsp.Position(2, 8)) == []


def test_references_at_a_quoted_item(repo: Path) -> None:
    text = M2.replace("depends_on: [M-1]", "depends_on: ['M-1', \"M-10\"]")
    ws = edited(repo, MS, text)
    found = features.references(ws, MS, text, lsp.Position(13 - 12, 5))  # `id: M-2`: nobody quotes it
    assert [location.range for location in found] == [rng(8, 13, 8, 16)]
    found = features.references(ws, "project/milestones/M-10-ga.md", M10, lsp.Position(1, 5))
    assert found == [lsp.Location(uri="file:///repo/project/milestones/M-2-beta.md", range=rng(5, 21, 5, 25))]


# ---------------------------------------------------------------- code actions


def diagnostic_of(ws: View, path: str, slug: str) -> lsp.Diagnostic:
    """The LSP diagnostic of the document problem `slug` (messages as tpm words them)."""
    document = ws.project.by_path[path]
    problem = next(p for p in document.problems if p.slug == slug)
    text = document.source.text.split("\n")[problem.line - 1]
    start = problem.column - 1
    return lsp.Diagnostic(
        range=rng(problem.line - 1, start, problem.line - 1, len(text)),
        message=problem.message,
        code="TPM",
        source="tpm",
        data={"rule": slug},
    )


def edits_of(action: lsp.CodeAction) -> list[lsp.TextEdit]:
    assert action.edit is not None and action.edit.changes is not None
    assert list(action.edit.changes) == ["file:///repo/" + MS] or len(action.edit.changes) == 1
    return list(next(iter(action.edit.changes.values())))


def apply(text: str, edits: list[lsp.TextEdit]) -> str:
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start = offsets[edit.range.start.line] + edit.range.start.character
        end = offsets[edit.range.end.line] + edit.range.end.character
        text = text[:start] + edit.new_text + text[end:]
    return text


URI = "file:///repo/" + MS
WHOLE = rng(0, 0, 0, 0)


def test_code_action_takes_a_suggested_value(repo: Path) -> None:
    text = M2.replace("status: planned", "status: planed")
    ws = edited(repo, MS, text)
    diagnostic = diagnostic_of(ws, MS, "schema-violation")
    assert diagnostic.message.endswith("(got 'planed'); did you mean `planned`?")
    (action,) = features.code_actions(ws, MS, text, diagnostic.range, [diagnostic], URI)
    assert action.title == "Replace `planed` with `planned`"
    assert action.kind == lsp.CodeActionKind.QuickFix
    assert action.diagnostics == [diagnostic]
    assert action.is_preferred is True
    assert edits_of(action) == [lsp.TextEdit(range=rng(3, 8, 3, 14), new_text="planned")]
    assert apply(text, edits_of(action)) == M2


def test_code_action_takes_a_suggested_value_in_quotes(repo: Path) -> None:
    text = M2.replace("status: planned", 'status: "planed"')
    ws = edited(repo, MS, text)
    diagnostic = diagnostic_of(ws, MS, "schema-violation")
    (action,) = features.code_actions(ws, MS, text, diagnostic.range, [diagnostic], URI)
    assert apply(text, edits_of(action)) == M2.replace("status: planned", 'status: "planned"')


def test_code_action_takes_a_suggested_field_name(repo: Path) -> None:
    text = R1.replace("reviewed:", "reviewd:")
    ws = edited(repo, RISK, text)
    diagnostic = diagnostic_of(ws, RISK, "unknown-field")
    assert diagnostic.message == "unknown field `reviewd`; did you mean `reviewed`?"
    (action,) = features.code_actions(ws, RISK, text, diagnostic.range, [diagnostic], URI)
    assert action.title == "Replace `reviewd` with `reviewed`"
    assert edits_of(action) == [lsp.TextEdit(range=rng(7, 0, 7, 7), new_text="reviewed")]


def test_code_action_takes_a_suggested_id(repo: Path) -> None:
    text = M2.replace("depends_on: [M-1]", "depends_on: [m-1]")
    ws = edited(repo, MS, text)
    diagnostic = lsp.Diagnostic(
        range=rng(5, 13, 5, 16),
        message="`depends_on` names m-1, which no document has; did you mean M-1?",
        code="TPM101",
        source="tpm",
        data={"rule": "dangling-reference"},
    )
    (action,) = features.code_actions(ws, MS, text, diagnostic.range, [diagnostic], URI)
    assert edits_of(action) == [lsp.TextEdit(range=rng(5, 13, 5, 16), new_text="M-1")]


def test_no_code_action_when_the_text_moved_or_nothing_is_suggested(repo: Path) -> None:
    text = M2.replace("status: planned", "status: planed")
    ws = edited(repo, MS, text)
    diagnostic = diagnostic_of(ws, MS, "schema-violation")
    moved = lsp.Diagnostic(range=rng(2, 0, 2, 5), message=diagnostic.message, source="tpm", data=diagnostic.data)
    assert features.code_actions(ws, MS, text, moved.range, [moved], URI) == []
    plain = lsp.Diagnostic(range=rng(3, 8, 3, 14), message="`status` must be one of a, b (got 'x')", code="TPM005")
    assert features.code_actions(ws, MS, text, plain.range, [plain], URI) == []
    broken = lsp.Diagnostic(range=rng(3, 8, 3, 14), message="(got 'x\\'); did you mean `y`?", code="TPM005")
    assert features.code_actions(ws, MS, text, broken.range, [broken], URI) == []
    unknown = lsp.Diagnostic(range=rng(3, 8, 3, 14), message="x", code="E501", source="tpm")
    assert features.code_actions(ws, MS, text, unknown.range, [unknown], URI) == []


def test_code_action_marks_reviewed_today(repo: Path) -> None:
    ws = load(repo)
    unreviewed = lsp.Diagnostic(range=rng(3, 8, 3, 12), message="...", code="TPM403", source="tpm")
    (action,) = features.code_actions(ws, RISK, R1, unreviewed.range, [unreviewed], URI)
    assert action.title == "Mark reviewed today (reviewed: 2026-11-20)"
    assert edits_of(action) == [lsp.TextEdit(range=rng(7, 10, 7, 20), new_text="2026-11-20")]
    # a comment is kept; an empty value is filled; an absent field is added before the fence
    for written, expected in (
        ("reviewed: 2026-10-01  # by ana", "reviewed: 2026-11-20  # by ana"),
        ("reviewed:", "reviewed: 2026-11-20"),
        ("reviewed: # when", "reviewed: 2026-11-20 # when"),
        ("reviewed: '2026-10-01'", "reviewed: 2026-11-20"),
    ):
        text = R1.replace("reviewed: 2026-10-01", written)
        (action,) = features.code_actions(ws, RISK, text, unreviewed.range, [unreviewed], URI)
        assert apply(text, edits_of(action)) == R1.replace("reviewed: 2026-10-01", expected)
    text = R1.replace("reviewed: 2026-10-01\n", "")
    (action,) = features.code_actions(ws, RISK, text, unreviewed.range, [unreviewed], URI)
    assert edits_of(action) == [lsp.TextEdit(range=rng(8, 0, 8, 0), new_text="reviewed: 2026-11-20\n")]
    assert apply(text, edits_of(action)) == R1.replace("reviewed: 2026-10-01\n", "").replace(
        "milestones: [M-2]\n", "milestones: [M-2]\nreviewed: 2026-11-20\n"
    )
    # a type without a `reviewed` date role has nothing to set
    assert features.code_actions(ws, MS, M2, unreviewed.range, [unreviewed], URI) == []


def test_code_action_ticks_a_checkpoint(repo: Path) -> None:
    ws = load(repo)
    (action,) = features.code_actions(ws, MS, M2, rng(15, 3, 15, 3), [], URI)
    assert action.title == "Tick checkpoint"
    assert action.diagnostics is None
    assert edits_of(action) == [lsp.TextEdit(range=rng(15, 2, 15, 5), new_text="[x]")]
    # a ticked one, a line outside the checkpoints, a range over two open items
    assert features.code_actions(ws, MS, M2, rng(19, 0, 19, 0), [], URI) == []
    text = M2.replace("Free text.", "- [ ] 2026-12-01 not a checkpoint")
    assert features.code_actions(ws, MS, text, rng(23, 0, 23, 0), [], URI) == []
    text = M2.replace("- [x] 2026-12-12 Docs", "1. [ ] 2026-12-12 Docs")
    actions = features.code_actions(ws, MS, text, rng(13, 0, 30, 0), [], URI)
    assert [edits_of(a)[0].range for a in actions] == [rng(15, 2, 15, 5), rng(19, 3, 19, 6)]


def test_code_action_adds_a_missing_section_from_the_template(repo: Path) -> None:
    text = R1.replace("## Mitigation\n\nWeekly call with the vendor.\n", "")
    ws = edited(repo, RISK, text)
    diagnostic = lsp.Diagnostic(
        range=rng(0, 0, 0, 3), message="required section `Mitigation` is missing", code="TPM302", source="tpm"
    )
    (action,) = features.code_actions(ws, RISK, text, diagnostic.range, [diagnostic], URI)
    assert action.title == "Add section `Mitigation`"
    assert edits_of(action) == [
        lsp.TextEdit(
            range=rng(12, 0, 12, 0),
            new_text="## Mitigation\n\nWhat we do to make it less likely or less harmful, and who does it.\n",
        )
    ]


def test_code_action_adds_a_section_the_template_lacks(repo: Path) -> None:
    ws = load(repo)
    text = M10.rstrip("\n")
    diagnostic = lsp.Diagnostic(
        range=rng(0, 0, 0, 3), message="required section `Rollout plan` is missing", code="TPM302", source="tpm"
    )
    (action,) = features.code_actions(ws, "project/milestones/M-10-ga.md", text, WHOLE, [diagnostic], URI)
    assert edits_of(action) == [lsp.TextEdit(range=rng(6, 22, 6, 22), new_text="\n\n## Rollout plan\n\n")]


def test_code_action_fills_the_template_placeholders(repo: Path, tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo",
        {
            **FILES,
            ".tpm/templates/milestone.md": (
                "# ${title}\n\n## Rollout\n\n- [ ] ${due} Tell ${owner} (${id})\n\n## Notes\n"
            ),
        },
    )
    ws = load(root)
    diagnostic = lsp.Diagnostic(
        range=WHOLE, message="required section `rollout` is missing", source="tpm", code="TPM302"
    )
    (action,) = features.code_actions(ws, "project/milestones/M-1-foundation.md", M1, WHOLE, [diagnostic], URI)
    assert edits_of(action)[0].new_text == "\n## Rollout\n\n- [ ] 2026-12-04 Tell ana (M-1)\n"


# ---------------------------------------------------------------- symbols


def test_symbols_of_a_milestone(repo: Path) -> None:
    ws = load(repo)
    found = features.symbols(ws, MS, M2)
    front, title = found
    assert (front.name, front.kind, front.range) == ("front-matter", lsp.SymbolKind.Namespace, rng(0, 0, 8, 3))
    assert [(s.name, s.kind, s.detail, s.range) for s in front.children or []] == [
        ("id", lsp.SymbolKind.Property, "M-2", rng(1, 0, 1, 7)),
        ("title", lsp.SymbolKind.Property, "Beta launch", rng(2, 0, 2, 18)),
        ("status", lsp.SymbolKind.Property, "planned", rng(3, 0, 3, 15)),
        ("due", lsp.SymbolKind.Property, "2026-12-18", rng(4, 0, 4, 15)),
        ("depends_on", lsp.SymbolKind.Property, "M-1", rng(5, 0, 5, 17)),
        ("risks", lsp.SymbolKind.Property, "R-1", rng(6, 0, 7, 7)),
    ]
    assert front.children[1].selection_range == rng(2, 0, 2, 5)  # type: ignore[index]

    def tree(symbol: lsp.DocumentSymbol) -> tuple:
        children = tuple(tree(child) for child in symbol.children or ())
        return (symbol.name, symbol.kind, symbol.detail, symbol.range.start.line, symbol.range.end.line, children)

    N, E = lsp.SymbolKind.Namespace, lsp.SymbolKind.Event
    assert tree(title) == (
        "Beta launch", N, "#", 9, 23, (
            ("Checkpoints", N, "##", 13, 19, (
                ("Load test", E, "2026-12-10 · open · @bob", 15, 15, ()),
                ("Later", N, "###", 17, 19, (
                    ("Docs", E, "2026-12-12 · done", 19, 19, ()),
                )),
            )),
            ("Notes", N, "##", 21, 23, ()),
        ),
    )  # fmt: skip


def test_symbols_of_a_buffer_the_project_does_not_know(repo: Path) -> None:
    ws = load(repo)
    text = "---\ntitle: [unclosed\n---\nNo heading.\n- [ ] 2026-01-01 x\n"
    (front,) = features.symbols(ws, "notes/elsewhere.md", text)
    assert [(s.name, s.detail) for s in front.children or []] == [("title", "[unclosed")]
    # a milestone being edited: its buffer, not the file, and task items before any heading
    text = M1.replace("# Foundation\n\n## Checkpoints\n", "## Checkpoints\n- [ ] no date\n# Foundation\n")
    found = features.symbols(
        edited(repo, "project/milestones/M-1-foundation.md", text), "project/milestones/M-1-foundation.md", text
    )
    assert [s.name for s in found] == ["front-matter", "Checkpoints", "Foundation"]
    assert [(c.name, c.detail) for c in found[1].children or []] == [("no date", "no date · open")]


# ---------------------------------------------------------------- odd input


ODD = [
    "",
    "\n",
    "---",
    "---\n",
    "---\n---",
    "no front-matter at all\n",
    "---\nkey: [unclosed\n",
    "\x00\x01\x02binary\xff\ufffe",
    "---\n: :\n- - -\n---\n#\n- [ ]\n",
    "---\r\nstatus: \r\n---\r\n## Checkpoints\r\n- [ ] \r\n",
    "\ufeff---\nid: M-2\n---\n",
    "---\nid: \U0001f600 M-1\n---\n\U0001f600 M-1 \ud800\n",
]


@pytest.mark.parametrize("text", ODD)
def test_odd_input_never_raises(repo: Path, text: str) -> None:
    ws = load(repo)
    lines = text.split("\n")
    positions = [lsp.Position(line, character) for line in range(len(lines) + 2) for character in range(0, 12)]
    positions.append(lsp.Position(10**6, 10**6))
    for path in (MS, EIP, "not/a/document.md"):
        for position in positions:
            features.completions(ws, path, text, position)
            features.hover(ws, path, text, position, [])
            features.definition(ws, path, text, position)
            features.references(ws, path, text, position)
            span = lsp.Range(position, position)
            features.code_actions(ws, path, text, span, [], URI)
        features.symbols(ws, path, text)


def test_odd_input_gives_nothing(repo: Path) -> None:
    ws = load(repo)
    far = lsp.Position(10**6, 10**6)
    assert features.completions(ws, MS, "", lsp.Position(0, 0)) == []
    assert features.completions(ws, MS, M2, far) == []
    assert features.completions(ws, MS, "no front-matter\n", lsp.Position(0, 3)) == []
    assert features.hover(ws, MS, M2, far, []) is None
    assert features.definition(ws, MS, M2, far) == []
    assert features.references(ws, MS, M2, far) == []
    assert features.code_actions(ws, MS, M2, lsp.Range(far, far), [], URI) == []
    assert features.symbols(ws, MS, "") == []
    assert features.symbols(ws, MS, "\x00binary") == []


@given(
    text=st.text(alphabet=st.sampled_from(list("-[]x #:\n\t'\",M1aé\U0001f600")), max_size=80),
    line=st.integers(0, 8),
    character=st.integers(0, 20),
)
def test_fuzzed_buffers_never_raise(repo: Path, text: str, line: int, character: int) -> None:
    ws = _fuzz_view(repo)
    position = lsp.Position(line, character)
    for path in (MS, EIP):
        features.completions(ws, path, "---\n" + text, position)
        features.completions(ws, path, text, position)
        features.hover(ws, path, text, position, [])
        features.code_actions(ws, path, text, lsp.Range(position, position), [], URI)
        features.symbols(ws, path, "---\n" + text)


_views: dict[Path, View] = {}


def _fuzz_view(repo: Path) -> View:
    if repo not in _views:
        _views[repo] = load(repo)
    return _views[repo]


# ---------------------------------------------------------------- schemas, templates and fences

TASK_SCHEMA = """{
  "type": "object",
  "$defs": {"priority": {"enum": ["low", "high"]}, "when": {"type": "string", "format": "date"},
             "a/b": {"enum": ["slash"]}},
  "properties": {
    "priority": {"$ref": "#/$defs/priority"},
    "deadline": {"$ref": "#/$defs/when"},
    "labels": {"type": "array", "items": {"enum": ["bug", "feature", true]}},
    "size": {"anyOf": [{"const": "S"}, {"const": "M"}, {"type": "integer"}]},
    "lost": {"$ref": "#/$defs/nowhere"},
    "listed": {"$ref": "#/allOf/1/properties/stage"},
    "escaped": {"$ref": "#/$defs/a~1b"}
  },
  "dependentSchemas": {"size": {"properties": {"estimate": {"enum": [1, 2, 3]}}}},
  "allOf": [{"$id": "https://tpm.invalid/part", "properties": {"phase": {"$ref": "#/p"}}, "p": {"enum": ["x"]}},
            {"properties": {"stage": {"enum": ["alpha", "beta"]}}}]
}
"""

TASK = """---
title: Fix login
priority: low
size: S
---
# Fix login
"""


@pytest.fixture(scope="module")
def tasks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = CONFIG + '\n[types.task]\npaths = ["tasks/*.md"]\nschema = "task.schema.json"\n'
    files = {**FILES, ".tpm.toml": config, "task.schema.json": TASK_SCHEMA, "tasks/T-1-login.md": TASK}
    return make_repo(tmp_path_factory.mktemp("lsp") / "tasks", files)


TASK_PATH = "tasks/T-1-login.md"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("priority: |", ["low", "high"]),
        ("deadline: |", ["2026-11-20"]),
        ("labels: [|", ["bug", "feature"]),
        ("labels:\n  - f|", ["feature"]),
        ("size: |", ["S", "M"]),
        ("estimate: |", ["1", "2", "3"]),
        ("stage: |", ["alpha", "beta"]),
        ("listed: |", ["alpha", "beta"]),
        ("phase: |", ["x"]),
        ("escaped: |", ["slash"]),
    ],
)
def test_completion_from_a_user_schema(tasks: Path, line: str, expected: list[str]) -> None:
    assert labels(complete(tasks, TASK_PATH, TASK.replace("size: S", line))) == expected


def test_a_reference_to_nothing_gives_nothing(tasks: Path) -> None:
    text, position = at(TASK.replace("size: S", "lost: |"))  # not on disk: its $ref would not load
    assert features.completions(load(tasks), TASK_PATH, text, position) == []


def test_field_names_from_a_user_schema(tasks: Path) -> None:
    items = complete(tasks, TASK_PATH, TASK.replace("size: S", "|"))
    assert labels(items) == [
        "deadline", "escaped", "estimate", "id", "labels", "lint", "listed", "lost", "phase", "size", "stage",
        "status", "type",
    ]  # fmt: skip


def test_a_schema_that_does_not_load_gives_no_hints(tasks: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = load(tasks)

    def refuse(_ws: object) -> object:
        raise features.UsageError("schema of type 'task': cannot read it")

    monkeypatch.setattr(features, "_schemas", refuse)
    text, position = at(TASK.replace("size: S", "priority: |"))
    assert features.completions(ws, TASK_PATH, text, position) == []
    text, position = at(TASK.replace("size: S", "|"))
    assert features.completions(ws, TASK_PATH, text, position) == []


def test_a_section_of_a_type_without_a_template(tasks: Path) -> None:
    ws = load(tasks)
    diagnostic = lsp.Diagnostic(range=WHOLE, message="required section `Steps` is missing", source="tpm", code="TPM302")
    (action,) = features.code_actions(ws, TASK_PATH, TASK, WHOLE, [diagnostic], URI)
    assert edits_of(action) == [lsp.TextEdit(range=rng(6, 0, 6, 0), new_text="\n## Steps\n\n")]
    other = lsp.Diagnostic(range=WHOLE, message="section `Steps` is empty", source="tpm", code="TPM302")
    assert features.code_actions(ws, TASK_PATH, TASK, WHOLE, [other], URI) == []


def test_checkpoints_in_a_fenced_block_are_not_checkpoints(repo: Path) -> None:
    ws = load(repo)
    text = M1.replace(
        "- [ ] 2026-12-01 Benchmark", "```\n- [ ] 2026-12-01 Benchmark\n## Notes\n```\n- [ ] 2026-12-02 After"
    )
    assert features.code_actions(ws, MS, text, rng(13, 0, 13, 0), [], URI) == []
    (action,) = features.code_actions(ws, MS, text, rng(16, 0, 16, 0), [], URI)
    assert edits_of(action)[0].range == rng(16, 2, 16, 5)


def test_dates_while_the_front_matter_does_not_load(repo: Path) -> None:
    broken = M2.replace("depends_on: [M-1]", "depends_on: [M-1")
    items = complete(repo, MS, broken.replace("- [ ] 2026-12-10 Load test @bob", "- [ ] |"))
    assert labels(items) == ["2026-11-20", "2026-12-18"]  # the due date as written
    impossible = broken.replace("due: 2026-12-18", "due: 2026-02-30")
    items = complete(repo, MS, impossible.replace("- [ ] 2026-12-10 Load test @bob", "- [ ] |"))
    assert labels(items) == ["2026-11-20"]
    items = complete(repo, MS, broken.replace("- [ ] 2026-12-10 Load test @bob\n", "- [ ] |\ndue: x\n"))
    assert labels(items) == ["2026-11-20", "2026-12-18"]


def test_hover_on_a_duplicate_id(repo: Path) -> None:
    path = "project/milestones/M-10-ga.md"
    ws = edited(repo, path, M10.replace("id: M-10", "id: M-1"))
    found = features.hover(ws, MS, M2, lsp.Position(5, 14), [])
    assert found is not None and isinstance(found.contents, lsp.MarkupContent)
    assert found.contents.value.endswith("\n\n2 documents claim this id (duplicate-id).")
    assert [location.uri for location in features.definition(ws, MS, M2, lsp.Position(5, 14))] == [
        "file:///repo/project/milestones/M-1-foundation.md",
        "file:///repo/" + path,
    ]


def test_with_the_servers_workspace(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The features on `tpm.lsp.workspace.Workspace`, the WorkspaceView the server hands out."""
    from tpm.lsp.workspace import Workspace

    monkeypatch.setenv("TPM_TODAY", "2026-11-20")
    ws = Workspace.load(repo)
    assert isinstance(ws, Workspace)
    text, position = at(M2.replace("depends_on: [M-1]", "depends_on: [M-1, M-|]"))
    ws.open(MS, text)
    items = features.completions(ws, MS, text, position)
    assert [(item.label, item.detail) for item in items] == [("M-10", "General availability · milestone · planned")]
    (location,) = features.references(ws, "project/milestones/M-1-foundation.md", M1, lsp.Position(1, 5))
    assert location.uri == ws.uri_of(MS) and location.range == rng(5, 13, 5, 16)
    text = M2.replace("- [ ] 2026-12-10", "- [ ] |")
    text, position = at(text)
    ws.open(MS, text)
    assert labels(features.completions(ws, MS, text, position)) == ["2026-11-20", "2026-12-18"]

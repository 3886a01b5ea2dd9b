"""`tpm lsp`: the real server, driven over stdio by pytest-lsp's client, in real git
repositories; and its workspace, in-process, against `tpm check` on the same files."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types as lsp  # noqa: E402

from helpers import git, git_env, make_repo, run_tpm, write_files  # noqa: E402

TODAY = "2026-11-20"
OLD = "2026-09-01T12:00:00+00:00"

M1 = "project/milestones/M-1-foundation.md"
M2 = "project/milestones/M-2-beta.md"
ADR = "project/decisions/0001-use-postgres.md"
MILESTONE = """---
id: {id}
title: {title}
status: {status}
due: 2026-12-18
depends_on: [{depends}]
---
# {title}
"""


def milestone(id: str, title: str, status: str = "planned", depends: str = "") -> str:
    return MILESTONE.format(id=id, title=title, status=status, depends=depends)


FILES = {
    M1: milestone("M-1", "Foundation"),
    M2: milestone("M-2", "Beta", depends="M-1"),
    "notes/todo.md": "# Not a document\n\n- nothing here\n",
}


def server_env() -> dict[str, str]:
    env = git_env()
    env["TPM_TODAY"] = TODAY
    return env


async def launch(repo: Path) -> pytest_lsp.LanguageClient:
    """The server, started on `repo` and initialized."""
    config = pytest_lsp.ClientServerConfig(
        server_command=[sys.executable, "-m", "tpm", "lsp", "--stdio"], server_env=server_env()
    )
    client = await config.start()
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=repo.as_uri(),
            workspace_folders=[lsp.WorkspaceFolder(uri=repo.as_uri(), name="repo")],
        )
    )
    return client


async def stop(client: pytest_lsp.LanguageClient) -> None:
    await client.shutdown_session()
    await client.stop()


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for the server to get there (a generous bound, not a timing assertion)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the server never got there: {what}")


def uri(repo: Path, path: str) -> str:
    return (repo / path).as_uri()


def opened(client: pytest_lsp.LanguageClient, repo: Path, path: str, text: str | None = None) -> str:
    document_uri = uri(repo, path)
    client.text_document_did_open(
        lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(
                uri=document_uri,
                language_id="markdown",
                version=1,
                text=(repo / path).read_text() if text is None else text,
            )
        )
    )
    return document_uri


def changed(client: pytest_lsp.LanguageClient, document_uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=document_uri, version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def clean(client: pytest_lsp.LanguageClient, document_uri: str) -> bool:
    """Diagnostics were published for the document, and there are none."""
    return document_uri in client.diagnostics and len(client.diagnostics[document_uri]) == 0


def codes(diagnostics: Sequence[lsp.Diagnostic] | None) -> list[str]:
    return [str(d.code) for d in diagnostics or []]


def check_json(repo: Path) -> list[dict]:
    outcome = run_tpm(repo, "check", "--format", "json", "--today", TODAY)
    return json.loads(outcome.out)["diagnostics"]


@pytest.mark.asyncio
async def test_diagnostic_is_check_s_and_clears_without_saving(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    broken = milestone("M-1", "Foundation", status="planed")
    (repo / M1).write_text(broken)
    [expected] = check_json(repo)
    (repo / M1).write_text(FILES[M1])
    client = await launch(repo)
    try:
        m1 = opened(client, repo, M1, broken)
        await until(lambda: bool(client.diagnostics.get(m1)), "the enum typo reported")
        [diagnostic] = client.diagnostics[m1]
        line = broken.split("\n")[expected["line"] - 1]
        start = expected["column"] - 1
        assert line[start:] == "planed"
        assert diagnostic.range == lsp.Range(
            lsp.Position(expected["line"] - 1, start), lsp.Position(expected["line"] - 1, start + len("planed"))
        )
        assert diagnostic.code == expected["code"] == "TPM005"
        assert diagnostic.severity == lsp.DiagnosticSeverity.Error
        assert diagnostic.message == expected["message"]
        assert "did you mean `planned`?" in diagnostic.message
        assert diagnostic.source == "tpm"
        assert diagnostic.data == {"rule": "schema-violation"}

        changed(client, m1, FILES[M1], 2)
        await until(lambda: clean(client, m1), "the fix clears it")
        assert (repo / M1).read_text() == FILES[M1]  # never saved
    finally:
        await stop(client)


@pytest.mark.asyncio
async def test_an_id_changed_in_another_buffer_dangles_and_comes_back(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    client = await launch(repo)
    try:
        m1 = opened(client, repo, M1)
        m2 = opened(client, repo, M2)
        await until(lambda: clean(client, m1) and clean(client, m2), "both clean")

        changed(client, m1, FILES[M1].replace("id: M-1", "id: M-9"), 2)
        await until(lambda: codes(client.diagnostics.get(m2)) == ["TPM101"], "M-2's reference dangles")
        [dangling] = client.diagnostics[m2]
        assert dangling.range.start == lsp.Position(5, 13)
        assert dangling.range.end == lsp.Position(5, 16)  # `M-1` inside [M-1]
        assert clean(client, m1)

        changed(client, m1, FILES[M1], 3)
        await until(lambda: clean(client, m2), "restored: no longer dangling")
    finally:
        await stop(client)


@pytest.mark.asyncio
async def test_a_document_that_does_not_parse_and_the_server_keeps_serving(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    client = await launch(repo)
    try:
        m1 = opened(client, repo, M1, "---\nid: M-1\ntitle: [unclosed\n---\n# Foundation\n")
        await until(lambda: "TPM001" in codes(client.diagnostics.get(m1)), "a parse error")
        assert client.diagnostics[m1][0].data == {"rule": "parse-error"}

        symbols = await client.text_document_document_symbol_async(
            lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=m1))
        )
        assert isinstance(symbols, list)
        changed(client, m1, FILES[M1], 2)
        await until(lambda: clean(client, m1), "fixed, still serving")
    finally:
        await stop(client)


@pytest.mark.asyncio
async def test_a_file_outside_the_configured_types_gets_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    client = await launch(repo)
    try:
        notes = opened(client, repo, "notes/todo.md")
        completion = await client.text_document_completion_async(
            lsp.CompletionParams(text_document=lsp.TextDocumentIdentifier(uri=notes), position=lsp.Position(0, 2))
        )
        assert not completion
        hover = await client.text_document_hover_async(
            lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=notes), position=lsp.Position(0, 2))
        )
        assert hover is None
        m1 = opened(client, repo, M1)  # handled in order: once M-1 is linted, the note was seen
        await until(lambda: m1 in client.diagnostics, "M-1 linted")
        assert notes not in client.diagnostics
    finally:
        await stop(client)


@pytest.mark.asyncio
async def test_a_config_error_is_one_diagnostic_on_the_config_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {**FILES, ".tpm.toml": 'root = "project"\nbogus = 1\n'})
    client = await launch(repo)
    try:
        config = uri(repo, ".tpm.toml")
        await until(lambda: bool(client.diagnostics.get(config)), "the config's problem")
        [problem] = client.diagnostics[config]
        assert problem.range.start == lsp.Position(0, 0)
        assert "bogus" in problem.message
        assert problem.severity == lsp.DiagnosticSeverity.Error
        m1 = opened(client, repo, M1)  # no project: nothing for documents, and no crash
        completion = await client.text_document_completion_async(
            lsp.CompletionParams(text_document=lsp.TextDocumentIdentifier(uri=m1), position=lsp.Position(0, 0))
        )
        assert not completion
        assert m1 not in client.diagnostics
    finally:
        await stop(client)


@pytest.mark.asyncio
async def test_features_completion_hover_definition_and_a_quick_fix(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    client = await launch(repo)
    try:
        m1 = opened(client, repo, M1)
        text = milestone("M-3", "Launch", depends="M-")
        m3_path = "project/milestones/M-3-launch.md"
        m3 = opened(client, repo, m3_path, text)
        await until(lambda: m3 in client.diagnostics, "M-3 linted")
        line = text.split("\n").index("depends_on: [M-]")
        completion = await client.text_document_completion_async(
            lsp.CompletionParams(
                text_document=lsp.TextDocumentIdentifier(uri=m3), position=lsp.Position(line, len("depends_on: [M-"))
            )
        )
        items = completion.items if isinstance(completion, lsp.CompletionList) else completion or []
        assert {item.label for item in items} == {"M-1", "M-2"}

        at_m1 = lsp.Position(5, len("depends_on: [M"))  # on M-1 in M-2's depends_on
        m2 = opened(client, repo, M2)
        await until(lambda: m2 in client.diagnostics, "M-2 linted")
        hover = await client.text_document_hover_async(
            lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=m2), position=at_m1)
        )
        assert hover is not None and "Foundation" in str(hover.contents)
        found = await client.text_document_definition_async(
            lsp.DefinitionParams(text_document=lsp.TextDocumentIdentifier(uri=m2), position=at_m1)
        )
        assert [location.uri for location in found or []] == [m1]  # type: ignore[union-attr]

        broken = milestone("M-1", "Foundation", status="planed")
        changed(client, m1, broken, 2)
        await until(lambda: codes(client.diagnostics.get(m1)) == ["TPM005"], "the typo reported")
        [typo] = client.diagnostics[m1]
        actions = await client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri=m1),
                range=typo.range,
                context=lsp.CodeActionContext(diagnostics=[typo]),
            )
        )
        [fix] = [a for a in actions or [] if isinstance(a, lsp.CodeAction) and a.edit is not None]
        assert fix.kind == lsp.CodeActionKind.QuickFix
        [edit] = fix.edit.changes[m1]  # type: ignore[union-attr,index]
        assert edit.range == typo.range and edit.new_text == "planned"
        lines = broken.split("\n")
        row = lines[edit.range.start.line]
        lines[edit.range.start.line] = (
            row[: edit.range.start.character] + edit.new_text + row[edit.range.end.character :]
        )
        assert "\n".join(lines) == FILES[M1]
        changed(client, m1, "\n".join(lines), 3)
        await until(lambda: clean(client, m1), "the quick fix clears it")
    finally:
        await stop(client)


def test_without_pygls_it_exits_2_with_one_line(tmp_path: Path) -> None:
    blocked = "import sys; sys.modules['pygls'] = None; from tpm.cli import main; sys.exit(main(['lsp']))"
    done = subprocess.run([sys.executable, "-c", blocked], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr == "tpm lsp needs the lsp extra: pip install 'tpm[lsp]'\n"
    assert done.stdout == ""


def test_the_core_does_not_import_pygls() -> None:
    probe = "import sys, tpm.cli, tpm.pipeline; print('pygls' in sys.modules, 'lsprotocol' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


# --- the workspace, in-process: the same diagnostics as `tpm check` ------------------------

HISTORY_FILES = {
    M1: milestone("M-1", "Foundation", status="in-progress"),
    M2: milestone("M-2", "Beta", depends="M-1"),
    "project/milestones/M-3-late.md": milestone("M-3", "Late", status="in-progress", depends="M-2").replace(
        "2026-12-18", "2026-11-01"
    )
    + "\n## Checkpoints\n\n- [ ] 2026-10-01 Something @ana\n",
    "project/risks/R-1-vendor.md": (
        "---\nid: R-1\ntitle: Vendor\nstatus: open\nlikelihood: 4\nimpact: 4\nreviewed: 2026-09-01\n---\n# Vendor\n"
    ),
    ADR: "---\ntitle: Use Postgres\nstatus: accepted\n---\n# Use Postgres\n",
}


def workspace_diagnostics(repo: Path, monkeypatch: pytest.MonkeyPatch, edits: dict[str, str]) -> list[dict]:
    from tpm.lsp.workspace import Workspace

    monkeypatch.setenv("TPM_TODAY", TODAY)
    ws = Workspace.load(repo)
    assert isinstance(ws, Workspace)
    ws.lint()
    for path in sorted(HISTORY_FILES):
        ws.open(path, (repo / path).read_text())
    ws.lint()
    for path, text in edits.items():
        ws.change(path, text)
        ws.lint()
    return [d.to_json() for d in ws.all_diagnostics()]


@pytest.mark.parametrize(
    "edits",
    [
        {},
        {M1: HISTORY_FILES[M1].replace("id: M-1", "id: M-2")},  # a duplicate id, and M-2's reference
        {M2: HISTORY_FILES[M2].replace("status: planned", "status: done\ncompleted: 2026-11-02")},
        {"project/risks/R-1-vendor.md": HISTORY_FILES["project/risks/R-1-vendor.md"].replace("impact: 4", "impact: 5")},
        {M1: "---\nid: M-1\ntitle: [unclosed\n---\n", M2: HISTORY_FILES[M2].replace("[M-1]", "[M-1, M-7]")},
        {ADR: "---\ntitle: Use Postgres\nstatus: accepted\nlint: {ignore: [x]}\n---\n"},
    ],
)
def test_workspace_gives_check_s_diagnostics_after_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edits: dict[str, str]
) -> None:
    repo = make_repo(tmp_path / "repo", HISTORY_FILES, date=OLD)
    live = workspace_diagnostics(repo, monkeypatch, edits)
    write_files(repo, edits)  # what the buffers hold, on disk: `tpm check` sees the same
    assert live == check_json(repo)
    assert any(d["rule"] in ("stale", "unreviewed", "stale-checkpoint") for d in live)  # history rules ran


def test_workspace_follows_files_changed_on_disk_and_closed_buffers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tpm.lsp.workspace import Workspace

    repo = make_repo(tmp_path / "repo", HISTORY_FILES, date=OLD)
    monkeypatch.setenv("TPM_TODAY", TODAY)
    ws = Workspace.load(repo)
    assert isinstance(ws, Workspace)
    ws.lint()
    ws.open(M1, HISTORY_FILES[M1].replace("id: M-1", "id: M-8"))
    assert "dangling-reference" in {d.rule for d in ws.all_diagnostics()}
    ws.close(M1)  # back to the file on disk
    write_files(repo, {M2: HISTORY_FILES[M2].replace("[M-1]", "[M-5]")})
    ws.reread(M2)
    new = "project/milestones/M-4-new.md"
    write_files(repo, {new: milestone("M-4", "New", depends="M-6")})
    ws.reread(new)
    assert [d.to_json() for d in ws.all_diagnostics()] == check_json(repo)
    (repo / new).unlink()
    ws.reread(new)
    assert [d.to_json() for d in ws.all_diagnostics()] == check_json(repo)
    git(repo, "status")


def ident(document_uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=document_uri)


@pytest.mark.asyncio
async def test_references_symbols_closing_and_files_that_are_no_documents(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    client = await launch(repo)
    try:
        m2 = opened(client, repo, M2)
        await until(lambda: m2 in client.diagnostics, "M-2 linted")
        at_m1 = lsp.Position(5, len("depends_on: [M"))
        found = await client.text_document_references_async(
            lsp.ReferenceParams(
                text_document=ident(m2), position=at_m1, context=lsp.ReferenceContext(include_declaration=True)
            )
        )
        assert [(r.uri, r.range.start) for r in found or []] == [(m2, lsp.Position(5, len("depends_on: [")))]
        symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=ident(m2)))
        assert [s.name for s in symbols or []][:2] == ["front-matter", "Beta"]  # type: ignore[union-attr]

        notes = opened(client, repo, "notes/todo.md")
        assert not await client.text_document_references_async(
            lsp.ReferenceParams(
                text_document=ident(notes), position=lsp.Position(0, 0), context=lsp.ReferenceContext(True)
            )
        )
        assert not await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(ident(notes)))
        assert not await client.text_document_definition_async(lsp.DefinitionParams(ident(notes), lsp.Position(0, 0)))
        assert await client.text_document_hover_async(lsp.HoverParams(ident(notes), lsp.Position(0, 0))) is None
        assert not await client.text_document_code_action_async(
            lsp.CodeActionParams(
                ident(notes), lsp.Range(lsp.Position(0, 0), lsp.Position(0, 1)), lsp.CodeActionContext([])
            )
        )

        broken = opened(client, repo, M1, milestone("M-1", "Foundation", status="planed"))
        await until(lambda: codes(client.diagnostics.get(broken)) == ["TPM005"], "the typo reported")
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(ident(broken)))
        await until(lambda: not client.diagnostics[broken], "closing clears its diagnostics")
    finally:
        await stop(client)


@pytest.mark.asyncio
async def test_a_config_fixed_and_saved_brings_the_project_back(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {**FILES, ".tpm.toml": 'root = "project"\nbogus = 1\n'})
    client = await launch(repo)
    try:
        config = uri(repo, ".tpm.toml")
        await until(lambda: bool(client.diagnostics.get(config)), "the config's problem")
        m1 = opened(client, repo, M1, milestone("M-1", "Foundation", status="planed"))
        (repo / ".tpm.toml").write_text('root = "project"\n')
        client.text_document_did_save(lsp.DidSaveTextDocumentParams(ident(config)))
        await until(lambda: not client.diagnostics[config], "the config's problem cleared")
        await until(lambda: codes(client.diagnostics.get(m1)) == ["TPM005"], "the open document linted")
    finally:
        await stop(client)


@pytest.mark.asyncio
async def test_files_changed_on_disk_and_a_new_commit_are_picked_up(tmp_path: Path) -> None:
    """A file changed outside the editor is read again; after a commit, a save reloads
    history: M-2's last commit is then 2026-10-01, 50 days ago, so it is stale again
    rather than counted as an uncommitted change made today."""
    files = {**FILES, M2: milestone("M-2", "Beta", status="in-progress", depends="M-1")}
    repo = make_repo(tmp_path / "repo", files, date=OLD)
    client = await launch(repo)
    try:
        m2 = opened(client, repo, M2)
        await until(lambda: codes(client.diagnostics.get(m2)) == ["TPM402"], "M-2 stale")
        (repo / M1).write_text(milestone("M-9", "Foundation"))
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams([lsp.FileEvent(uri(repo, M1), lsp.FileChangeType.Changed)])
        )
        await until(lambda: "TPM101" in codes(client.diagnostics.get(m2)), "M-1's id gone: M-2's reference dangles")
        (repo / M1).write_text(files[M1])
        client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams([lsp.FileEvent(uri(repo, M1), lsp.FileChangeType.Changed)])
        )
        await until(lambda: codes(client.diagnostics.get(m2)) == ["TPM402"], "M-1 back: only stale again")
        edited = files[M2] + "\nNotes.\n"
        changed(client, m2, edited, 2)
        await until(lambda: codes(client.diagnostics.get(m2)) == [], "an edit is today's change")
        (repo / M2).write_text(edited)
        git(repo, "commit", "-qam", "notes", date="2026-10-01T12:00:00+00:00")
        client.text_document_did_save(lsp.DidSaveTextDocumentParams(ident(m2)))
        await until(lambda: codes(client.diagnostics.get(m2)) == ["TPM402"], "the commit read: stale since 10-01")
        assert "2026-10-01" in client.diagnostics[m2][0].message
    finally:
        await stop(client)


async def launch_with(folder: Path, options: object = None) -> pytest_lsp.LanguageClient:
    config = pytest_lsp.ClientServerConfig(server_command=[sys.executable, "-m", "tpm", "lsp"], server_env=server_env())
    client = await config.start()
    await client.initialize_session(
        lsp.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("neovim"),
            root_uri=folder.as_uri(),
            initialization_options=options,
        )
    )
    return client


@pytest.mark.asyncio
async def test_outside_a_repository_the_server_answers_nothing_and_keeps_running(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    write_files(folder, {M1: FILES[M1]})
    client = await launch_with(folder)
    try:
        await until(lambda: bool(client.log_messages), "the reason logged")
        assert "no project" in client.log_messages[0].message
        m1 = opened(client, folder, M1)
        assert not await client.text_document_completion_async(lsp.CompletionParams(ident(m1), lsp.Position(0, 0)))
        assert m1 not in client.diagnostics
    finally:
        await stop(client)


@pytest.mark.asyncio
async def test_without_debounce_a_change_lints_at_once_and_a_hover_waits_for_a_pending_lint(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    client = await launch_with(repo, {"debounce_ms": 0})
    try:
        m1 = opened(client, repo, M1)
        await until(lambda: clean(client, m1), "M-1 linted")
        changed(client, m1, milestone("M-1", "Foundation", status="planed"), 2)
        await until(lambda: codes(client.diagnostics.get(m1)) == ["TPM005"], "linted with no delay")
    finally:
        await stop(client)
    client = await launch(repo)  # the editors' debounce: the hover flushes the pending lint first
    try:
        m1 = opened(client, repo, M1)
        await until(lambda: clean(client, m1), "M-1 linted")
        changed(client, m1, milestone("M-1", "Foundation", status="planed"), 2)
        hover = await client.text_document_hover_async(lsp.HoverParams(ident(m1), lsp.Position(3, 9)))
        assert hover is not None and "status" in str(hover.contents).lower()
        assert codes(client.diagnostics.get(m1)) == ["TPM005"]
    finally:
        await stop(client)


@pytest.mark.asyncio
async def test_a_config_broken_while_serving_withdraws_the_documents_diagnostics(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    client = await launch(repo)
    try:
        m1 = opened(client, repo, M1, milestone("M-1", "Foundation", status="planed"))
        await until(lambda: codes(client.diagnostics.get(m1)) == ["TPM005"], "the typo reported")
        (repo / ".tpm.toml").write_text("bogus = 1\n")
        client.text_document_did_save(lsp.DidSaveTextDocumentParams(ident(uri(repo, ".tpm.toml"))))
        await until(lambda: bool(client.diagnostics.get(uri(repo, ".tpm.toml"))), "the config's problem")
        await until(lambda: not client.diagnostics[m1], "the document's findings withdrawn")
    finally:
        await stop(client)


def test_a_document_turned_into_a_link_out_of_the_repository_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The repository is untrusted: a file swapped for a link to a secret after the server
    loaded is refused by the read boundary, as `tpm check` refuses it, and counts as gone."""
    from tpm.lsp.workspace import Workspace

    repo = make_repo(tmp_path / "repo", FILES)
    secret = tmp_path / "secret.md"
    secret.write_text(milestone("M-1", "SECRET-TOKEN-1234"))
    monkeypatch.setenv("TPM_TODAY", TODAY)
    ws = Workspace.load(repo)
    assert isinstance(ws, Workspace)
    (repo / M1).unlink()
    (repo / M1).symlink_to(secret)
    ws.reread(M1)
    assert M1 not in ws.project.by_path
    shown = [d.to_json() for d in ws.all_diagnostics()]
    assert "SECRET" not in json.dumps(shown)
    assert [d["rule"] for d in shown] == ["dangling-reference"]  # M-2 names M-1, which is gone


def test_uris_outside_the_repository_or_in_its_git_folder_are_no_documents(tmp_path: Path) -> None:
    from tpm.lsp.workspace import config_file, relative_path

    repo = make_repo(tmp_path / "repo", FILES)
    assert relative_path(repo, uri(repo, M1)) == M1
    assert relative_path(repo, "untitled:Untitled-1") is None
    assert relative_path(repo, (tmp_path / "elsewhere.md").as_uri()) is None
    assert relative_path(repo, repo.as_uri()) is None
    assert relative_path(repo, (repo / ".git" / "HEAD").as_uri()) is None
    assert config_file(repo) == ".tpm.toml"  # neither exists: where one would go
    (repo / "pyproject.toml").write_text("[tool.tpm]\n")
    assert config_file(repo) == "pyproject.toml"


def test_a_new_day_judges_dates_afresh_and_buffers_win_over_the_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tpm.lsp.workspace import Workspace

    files = {**FILES, M1: FILES[M1].replace("2026-12-18", "2026-11-25")}
    repo = make_repo(tmp_path / "repo", files)
    monkeypatch.setenv("TPM_TODAY", TODAY)
    ws = Workspace.load(repo)
    assert isinstance(ws, Workspace)
    assert ws.path_of((tmp_path / "outside.md").as_uri()) is None
    assert "overdue" not in {d.rule for d in ws.all_diagnostics()}
    monkeypatch.setenv("TPM_TODAY", "2026-11-30")  # the server ran past midnight
    assert "overdue" in {d.rule for d in ws.all_diagnostics()}
    ws.open(M1, files[M1])
    write_files(repo, {M1: files[M1].replace("planned", "planed")})
    ws.reread(M1)  # the open buffer is what the editor shows: it wins until closed
    assert [d.rule for d in ws.all_diagnostics()] == ["overdue"]
    ws.close(M1)  # and then the disk counts
    assert sorted(d.rule for d in ws.all_diagnostics()) == ["schema-violation"]
    ws.reread("notes/todo.md")  # not a document: nothing happens
    assert "notes/todo.md" not in ws.project.by_path

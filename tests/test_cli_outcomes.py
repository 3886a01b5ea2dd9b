"""`tpm.cli.main` turns every outcome into an exit code and at most one line on stderr;
most of these paths are met only in subprocesses elsewhere (where coverage does not look),
so here each is raised in-process. Plus the small commands that need no repository."""

from __future__ import annotations

import io

import click
import pytest

from helpers import make_repo, run_tpm
from tpm import cli
from tpm.errors import UsageError


def outcome_of(monkeypatch, capsys, error: BaseException) -> tuple[int, str, str]:
    def raising(*args, **kwargs):
        raise error

    monkeypatch.setattr(cli.cli, "main", raising)
    code = cli.main(["check"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("error", "code", "err"),
    [
        (click.exceptions.Exit(3), 3, ""),
        (click.exceptions.Abort(), 2, "tpm: aborted\n"),
        (click.UsageError("no such option: --x"), 2, "tpm: error: no such option: --x (see `tpm --help`)\n"),
        (click.ClickException("bad file"), 2, "tpm: error: bad file\n"),
        (UsageError("a title with \x1b[31m in it"), 2, "tpm: error: a title with \\x1b[31m in it\n"),
        (KeyboardInterrupt(), 130, ""),
        (BrokenPipeError(32, "Broken pipe"), 1, ""),
    ],
)
def test_each_outcome_has_its_exit_code_and_one_line(monkeypatch, capsys, error, code, err):
    assert outcome_of(monkeypatch, capsys, error) == (code, "", err)


def test_an_internal_error_names_its_type_and_place_never_its_message(monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise ValueError("secret text from a schema")

    monkeypatch.setattr(cli.cli, "main", broken)
    code = cli.main(["check"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("tpm: internal error: ValueError at test_cli_outcomes.py:")
    assert err.endswith(" (run with TPM_DEBUG=1 for details; please report it)\n")
    assert "secret" not in err
    monkeypatch.setenv("TPM_DEBUG", "1")
    with pytest.raises(ValueError, match="secret"):
        cli.main(["check"])


def test_where_without_a_traceback_is_the_type_alone():
    assert cli._where(RuntimeError("x")) == "RuntimeError"


def test_streams_that_cannot_encode_everything_print_escapes(monkeypatch):
    class Stream(io.StringIO):
        def __init__(self, encoding: str) -> None:
            super().__init__()
            self._encoding, self.errors_set = encoding, None

        @property
        def encoding(self) -> str:
            return self._encoding

        def reconfigure(self, errors: str) -> None:
            self.errors_set = errors

    latin, utf8 = Stream("ISO-8859-1"), Stream("UTF-8")
    monkeypatch.setattr("sys.stdout", latin)
    monkeypatch.setattr("sys.stderr", utf8)
    cli._never_fail_to_print()
    assert (latin.errors_set, utf8.errors_set) == ("backslashreplace", None)


def test_the_step_summary_that_cannot_be_written_costs_only_the_summary(tmp_path, capsys):
    cli._append_step_summary(str(tmp_path / "no" / "such" / "folder" / "summary.md"), "x")
    assert capsys.readouterr().err.startswith("tpm: could not write the step summary to ")


def test_explain_and_schema_outside_a_repository(tmp_path, monkeypatch):
    outside = tmp_path / "plain"
    outside.mkdir()
    explained = run_tpm(outside, "explain", "tpm402")
    assert explained.code == 0
    assert explained.out.startswith("stale (TPM402)\nDefault severity: warning. Looks at: git history.\n")
    assert "Options ([rules.stale] in .tpm.toml): stale_after_days = 7\n" in explained.out
    assert run_tpm(outside, "explain", "nope").err == "tpm: error: no rule is named 'nope' (see `tpm rules`)\n"
    (outside / "my.toml").write_text('[types.task]\npaths = ["t/*.md"]\n', encoding="utf-8")
    schema = run_tpm(outside, "schema", "task", "--config", "my.toml")
    assert (schema.code, schema.out) == (0, '{\n  "type": "object"\n}\n')
    unknown = run_tpm(outside, "schema", "widget")
    assert unknown.err == "tpm: error: unknown type 'widget' (known: milestone, risk, decision, postmortem)\n"


def test_init_with_pyproject_refuses_when_a_dotfile_already_configures_tpm(tmp_path):
    repo = make_repo(tmp_path / "repo", {".tpm.toml": "", "pyproject.toml": "[project]\nname = 'x'\n"})
    outcome = run_tpm(repo, "init", "--pyproject")
    assert (outcome.code, outcome.err) == (
        2,
        "tpm: error: .tpm.toml already configures tpm here; [tool.tpm] would have no effect\n",
    )
    assert (repo / "pyproject.toml").read_text(encoding="utf-8") == "[project]\nname = 'x'\n"
    assert not (repo / "project").exists()


def test_the_command_runs_the_exit_handlers_flushes_and_exits_with_mains_code():
    """`tpm` (cli.run) skips the interpreter's teardown, not what exit handlers do (a
    coverage run saves its data in one) nor output still buffered."""
    import subprocess
    import sys

    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
        "sys.argv = ['tpm', 'nonsense']\n"
        "from tpm import cli\n"
        "print('buffered', end='')\n"
        "cli.run()\n"
        "print('never')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 2  # an unknown command: main's usage error
    assert done.stdout == "buffered"
    assert done.stderr.endswith("handler ran\n") and "No such command 'nonsense'" in done.stderr


def test_the_installed_command_goes_through_run():
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    assert tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"] == {"tpm": "tpm.cli:run"}


def test_the_last_run_is_kept_until_the_next_so_the_command_never_frees_it(tmp_path):
    """`tpm` exits without teardown (cli.run); the model of the last run stays referenced
    so that it is not taken apart object by object when the command returns."""
    import gc
    import weakref

    from tpm import pipeline

    repo = make_repo(tmp_path / "repo", {"project/milestones/M-1-a.md": "---\nid: M-1\ntitle: A\n---\n"})
    options = pipeline.Options(repo, no_history=True, no_cache=True)
    first = weakref.ref(pipeline.lint(options))
    gc.collect()
    assert first() is not None
    pipeline.lint(options)
    gc.collect()
    assert first() is None  # only the last is kept


@pytest.mark.parametrize(("argv", "collects"), [(["tpm", "--version"], "False"), (["tpm", "lsp", "--help"], "True")])
def test_a_command_that_runs_once_does_not_collect_cycles_and_the_server_does(argv, collects):
    import subprocess
    import sys

    script = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('collects', gc.isenabled(), file=sys.stderr))\n"
        f"sys.argv = {argv!r}\n"
        "from tpm import cli\n"
        "cli.run()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stderr.endswith(f"collects {collects}\n")

"""Command line: parse options, call the core, print, return an exit code.

The report, changes and scaffolding modules are imported inside their commands, so that
`tpm check`, which runs on every commit, does not pay for them at start-up.

Exit codes (SPEC §4): 0 no error findings, 1 error findings (any finding with --strict),
2 tpm could not do its job. A user's mistake is one line on stderr, never a traceback.
"""

from __future__ import annotations

import atexit
import contextlib
import difflib
import gc
import os
import sys
import traceback
from pathlib import Path

import click

from tpm import __version__, engine, git
from tpm.config import Config, builtin_types, find_config_file, load_config
from tpm.discover import discover
from tpm.boundary import lexically_within, read_text, writable_path
from tpm.errors import UsageError
from tpm.escaping import json_dumps, terminal
from tpm.fsutil import write_atomic
from tpm.pipeline import Options, lint
from tpm.model import load_project
from tpm.reporters import REPORTERS, junit
from tpm.reporters.github import step_summary as github_step_summary
from tpm.reporters.text import finding_lines, summary
from tpm.rules import ALIASES, all_rules, rule_defaults
from tpm.rules import find as find_rule
from tpm.schema import Schemas
from tpm.today import parse_date, resolve_today


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """`--select a,b --select c` -> (a, b, c)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _repository(cwd: Path) -> Path:
    return git.repository_root(cwd)


def _config_for(cwd: Path, config_file: str | None) -> Config:
    """The config for commands that work outside a repository too (schema, rules)."""
    try:
        root = git.repository_root(cwd)
    except UsageError:
        if config_file is None:
            return Config(types=builtin_types("project"))
        root = cwd
    return load_config(root, cwd, config_file, rule_defaults=rule_defaults())


def _repo_relative(root: Path, cwd: Path, paths: tuple[str, ...]) -> list[str]:
    relative = []
    for raw in paths:
        absolute = (cwd / raw).resolve()
        try:
            relative.append(absolute.relative_to(root.resolve()).as_posix())
        except ValueError:
            raise UsageError(f"{raw} is outside the repository {root}") from None
    return relative


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tpm")
def cli() -> None:
    """tpm: lint project state (milestones, risks, decisions, post-mortems) kept as
    Markdown with YAML front-matter in git."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "output_format", type=click.Choice(sorted(REPORTERS)), default="text", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False), help="Write the report to FILE; the summary still prints.")
@click.option("--today", help="Pretend today is YYYY-MM-DD (default: TPM_TODAY, else the local date).")
@click.option("--select", multiple=True, help="Only these rules: slugs, codes or code prefixes, comma-separated.")
@click.option("--ignore", multiple=True, help="Skip these rules: slugs, codes or code prefixes, comma-separated.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings and infos too.")
@click.option("--no-history", is_flag=True, help="Do not read git history; skip the rules that need it.")
@click.option(
    "--no-cache", is_flag=True, help="Read history and documents afresh, ignoring the caches in the git directory."
)
@click.option("--diff-base", metavar="REF", help="Report only on documents changed since the merge base with REF.")
@click.option("--staged", is_flag=True, help="Check what the index holds (what the next commit records); for hooks.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this config file.")
@click.option(
    "--gate",
    type=click.Choice(["ci", "commit"]),
    default="ci",
    show_default=True,
    help="ci: fail on any error. commit: fail only on document and project errors the change introduces (for hooks).",
)
def check(
    paths: tuple[str, ...],
    output_format: str,
    output: str | None,
    today: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    strict: bool,
    no_history: bool,
    no_cache: bool,
    diff_base: str | None,
    staged: bool,
    config_file: str | None,
    gate: str,
) -> int:
    """Lint the project, or only report on PATHS (rules still see the whole project)."""
    cwd = Path.cwd()
    options = Options(cwd, config_file, today, _split(select), _split(ignore), no_history, no_cache, staged=staged)
    run = lint(options)
    result = engine.only_paths(run.result, _repo_relative(run.root, cwd, paths))
    if diff_base:
        result = engine.only_documents(result, git.changed_since_merge_base(run.root, diff_base, staged))
    verdict = None
    if gate == "commit":
        from tpm import gate as commit_gate

        verdict = commit_gate.commit_gate(
            run.project, run.config, run.result, result, options.select, options.ignore, strict, staged
        )
    rendered = junit.render(result, strict) if output_format == "junit" else REPORTERS[output_format](result)
    if verdict is not None and output_format == "text":
        lines = dict(zip(result.diagnostics, finding_lines(result), strict=True))
        rendered = commit_gate.render_text(verdict, lines, summary(result))
    if output:
        write_atomic(writable_path(cwd / output, run.root, typed_by_user=True), rendered)
        click.echo(summary(result))
    else:
        click.echo(rendered, nl=False)
    if output_format == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        _append_step_summary(os.environ["GITHUB_STEP_SUMMARY"], github_step_summary(result))
    return verdict.exit_code if verdict is not None else result.exit_code(strict)


MAX_REPORT_BYTES = 64 * 1024 * 1024  # a committed report to compare; far above any real one


def _inside_or_none(path: Path, root: Path) -> Path | None:
    """The work tree, when `path` (as the user typed it) lies in it: reads of it must then
    stay inside; None for a path the user chose outside the repository."""
    return root if lexically_within(Path(os.path.abspath(path)), Path(os.path.abspath(root))) else None


def _append_step_summary(path: str, text: str) -> None:
    """GitHub's job summary: appended to, as GitHub asks; a failure costs only the summary."""
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        click.echo(f"tpm: could not write the step summary to {path}: {exc.strerror or exc}", err=True)


@cli.command()
@click.option(
    "--pyproject", is_flag=True, help="Write [tool.tpm] into the existing pyproject.toml instead of .tpm.toml."
)
def init(pyproject: bool) -> None:
    """Create the config and the project folders. Safe to run again: it never overwrites."""
    from tpm.scaffold import init_project

    cwd = Path.cwd()
    root = _repository(cwd)
    found = find_config_file(root, root)
    if pyproject and found is not None and not found[1]:
        raise UsageError(".tpm.toml already configures tpm here; [tool.tpm] would have no effect")
    config = load_config(root, root, rule_defaults=rule_defaults())
    done = init_project(root, config, found is not None, pyproject)
    for line in done:
        click.echo(line)
    if done:
        click.echo('next: tpm new milestone "First milestone" --due YYYY-MM-DD, then tpm check')
    else:
        click.echo("nothing to do: the config and the project folders already exist")


_TYPE_OPTIONS = {
    "due": ("milestone",),
    "likelihood": ("risk",),
    "impact": ("risk",),
    "milestone": ("risk", "postmortem"),
}


@cli.command()
@click.argument("type_name", metavar="TYPE")
@click.argument("title")
@click.option("--id", "document_id", help="Use this id instead of the next free one.")
@click.option("--owner", help="Who owns it (decision-makers for a decision).")
@click.option("--due", help="Due date YYYY-MM-DD (milestones; default: four weeks from today).")
@click.option("--likelihood", type=click.IntRange(1, 5), help="1-5 (risks; default 3).")
@click.option("--impact", type=click.IntRange(1, 5), help="1-5 (risks; default 3).")
@click.option("--milestone", help="The milestone it belongs to (risks, post-mortems).")
@click.option("--today", help="Pretend today is YYYY-MM-DD.")
@click.option("--dry-run", is_flag=True, help="Print the file that would be written, and write nothing.")
@click.option("--edit", is_flag=True, help="Open $VISUAL or $EDITOR on the new file.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this config file.")
def new(
    type_name: str,
    title: str,
    document_id: str | None,
    owner: str | None,
    due: str | None,
    likelihood: int | None,
    impact: int | None,
    milestone: str | None,
    today: str | None,
    dry_run: bool,
    edit: bool,
    config_file: str | None,
) -> int:
    """Create a TYPE document titled TITLE from its template, with the next free id.

    Prints the new file's path as the last line. Never overwrites a file."""
    from tpm.scaffold import IdLock, NewRequest, open_in_editor, plan_new

    cwd = Path.cwd()
    root = _repository(cwd)
    config = load_config(root, cwd, config_file, rule_defaults=rule_defaults())
    when = resolve_today(today, config.timezone)
    given = {"due": due, "likelihood": likelihood, "impact": impact, "milestone": milestone}
    for option, value in given.items():
        if value is not None and type_name in config.types and type_name not in _TYPE_OPTIONS[option]:
            raise UsageError(f"--{option} is for {' and '.join(_TYPE_OPTIONS[option])} documents, not {type_name}")
    request = NewRequest(
        type_name, title, document_id, owner, parse_date(due, "--due") if due else None, likelihood, impact, milestone
    )
    state = git.repository_state(root)
    with IdLock(state.git_dir):
        project = load_project(root, discover(root, config), config)
        if milestone and project.get(milestone) is None:
            raise UsageError(f"--milestone {milestone} names no document")
        planned = plan_new(root, project, request, when)
        if not dry_run:
            write_atomic(planned.path, planned.text, overwrite=False)
    shown = os.path.relpath(planned.path, cwd).replace(os.sep, "/")
    shown = terminal(shown)
    if dry_run:
        click.echo(terminal(planned.text, keep_newlines=True), nl=False)
        click.echo(f"(dry run) would create {shown}")
        return 0
    click.echo(shown)
    if edit:
        code = open_in_editor(planned.path)
        if code:
            click.echo(f"tpm: the editor exited with {code}; {shown} was created", err=True)
    return 0


@cli.command()
@click.option(
    "--format", "output_format", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True
)
@click.option("--output", type=click.Path(dir_okay=False), help="Write the report to FILE (links are relative to it).")
@click.option(
    "--check", "check_only", is_flag=True, help="With --output: write nothing, exit 1 if FILE is out of date."
)
@click.option(
    "--update",
    is_flag=True,
    help="With --output: rewrite FILE only if it is out of date, and then exit 1 (as formatters do in commit hooks).",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="last-change|today|DATE",
    help="The report's date: the day of the last commit that changed a document (today while one has "
    "uncommitted changes), today, or YYYY-MM-DD. Default: today.",
)
@click.option(
    "--staged",
    is_flag=True,
    help="Report on what the index holds (what the next commit records), as the commit hook does.",
)
@click.option("--today", help="Pretend today is YYYY-MM-DD.")
@click.option("--no-history", is_flag=True, help="Do not read git history (no slips, no review ages).")
@click.option("--no-cache", is_flag=True, help="Read history and documents afresh.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this config file.")
def report(
    output_format: str,
    output: str | None,
    check_only: bool,
    update: bool,
    as_of: str | None,
    staged: bool,
    today: str | None,
    no_history: bool,
    no_cache: bool,
    config_file: str | None,
) -> int:
    """Render the project's status report: Markdown (tables, a Mermaid chart) or JSON."""
    from tpm.report.data import build as build_report, link_base_for
    from tpm.report.markdown import render as render_markdown

    if (check_only or update) and not output:
        raise UsageError(f"{'--check' if check_only else '--update'} compares with a file: give --output FILE")
    if check_only and update:
        raise UsageError("--check writes nothing and --update rewrites the file: give one of them")
    cwd = Path.cwd()
    run = lint(
        Options(
            cwd,
            config_file,
            today,
            no_history=no_history,
            no_cache=no_cache,
            history_wanted=True,
            staged=staged,
            as_of=as_of,
            report_file=output,
        )
    )
    data = build_report(run, link_base_for(run.root, cwd, output), run.config.name or run.root.name)
    text = json_dumps(data, indent=2) + "\n" if output_format == "json" else render_markdown(data)
    if not output:
        click.echo(text, nl=False)
        return 0
    rerun = f"tpm report{f' --as-of {as_of}' if as_of else ''} --output {terminal(output)}"
    if check_only:
        return report_drift(run.root, cwd / output, terminal(output), text, rerun)
    if update:
        return report_update(run.root, cwd / output, terminal(output), text)
    write_atomic(writable_path(cwd / output, run.root, typed_by_user=True), text)
    click.echo(f"wrote {terminal(output)}")
    return 0


def _current_report(root: Path, path: Path) -> str | None:
    """The report file as it is, read through the repository boundary (it is compared and
    its lines printed, so a link from it to a secret, or to /dev/zero, must be refused);
    None when there is none."""
    try:
        return read_text(path, "report", _inside_or_none(path, root), MAX_REPORT_BYTES)
    except FileNotFoundError:
        return None


def report_drift(root: Path, path: Path, shown: str, fresh: str, rerun: str) -> int:
    """`--check`: 0 when the committed report matches a fresh render, else 1 and a diff."""
    current = _current_report(root, path)
    if current is None:
        click.echo(f"{shown} does not exist; run {rerun}")
        return 1
    if current == fresh:
        click.echo(f"{shown} is up to date")
        return 0
    diff = list(difflib.unified_diff(current.splitlines(), fresh.splitlines(), shown, "fresh render", n=0, lineterm=""))
    for line in diff[:40]:
        click.echo(terminal(line))
    if len(diff) > 40:
        click.echo(f"... and {len(diff) - 40} more diff lines")
    click.echo(f"{shown} is out of date; run {rerun}")
    return 1


def report_update(root: Path, path: Path, shown: str, fresh: str) -> int:
    """`--update`: 0 when the report file is current; else rewrite it and exit 1, so that
    a commit hook stops and shows the change, which the author then stages."""
    current = _current_report(root, path)
    if current == fresh:
        click.echo(f"{shown} is up to date")
        return 0
    write_atomic(writable_path(path, root, typed_by_user=True), fresh)
    verb, state = ("wrote", "missing") if current is None else ("updated", "out of date")
    click.echo(f"{verb} {shown}, which was {state}; stage it: git add {shown}")
    return 1


@cli.command()
@click.option("--since", help="A date (YYYY-MM-DD) or a commit, branch or tag; default: the previous working day.")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
@click.option("--today", help="Pretend today is YYYY-MM-DD.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this config file.")
def changes(since: str | None, output_format: str, today: str | None, config_file: str | None) -> int:
    """What changed in project state since the previous working day (or DATE or REF): a stand-up digest."""
    from tpm.changes import digest
    from tpm.changes import render_markdown as changes_markdown, render_text as changes_text
    from tpm.report.data import link_base_for

    cwd = Path.cwd()
    root = _repository(cwd)
    config = load_config(root, cwd, config_file, rule_defaults=rule_defaults())
    found, described = digest(root, config, since, resolve_today(today, config.timezone))
    if output_format == "markdown":
        click.echo(changes_markdown(found, described, link_base_for(root, cwd, None)), nl=False)
    else:
        click.echo(changes_text(found, described), nl=False)
    return 0


@cli.command()
@click.option("--owner", help="Only this owner's items (@name or name).")
@click.option("--days", type=int, default=7, show_default=True, help="How many days ahead to look.")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
@click.option("--today", help="Pretend today is YYYY-MM-DD.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this config file.")
def agenda(owner: str | None, days: int, output_format: str, today: str | None, config_file: str | None) -> int:
    """What is overdue or due in the next days, per owner: the stand-up's look ahead."""
    from tpm.agenda import Window, collect, for_owner, normalise_owner
    from tpm.agenda import render_markdown as agenda_markdown, render_text as agenda_text
    from tpm.report.data import link_base_for

    if days < 0:
        raise UsageError(f"--days: {days} is negative; give a number of days, 0 for today only")
    if owner is not None and normalise_owner(owner) is None:
        raise UsageError("--owner: give a name, as @name or name")
    cwd = Path.cwd()
    root = _repository(cwd)
    config = load_config(root, cwd, config_file, rule_defaults=rule_defaults())
    window = Window(resolve_today(today, config.timezone), days)
    items = collect(load_project(root, discover(root, config), config), window)
    if owner is not None:
        items = for_owner(items, owner)
    if output_format == "markdown":
        click.echo(agenda_markdown(items, window, link_base_for(root, cwd, None), owner), nl=False)
    else:
        click.echo(agenda_text(items, window, owner), nl=False)
    return 0


@cli.command()
@click.option(
    "--stdio",
    is_flag=True,
    help="Talk over stdin and stdout (the default and only way; accepted for editors that pass it).",
)
def lsp(stdio: bool) -> int:
    """Run the language server over stdio: tpm's diagnostics as you type, with completion,
    hover, go-to-definition and quick fixes (needs the lsp extra: pip install 'tpm[lsp]')."""
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        click.echo("tpm lsp needs the lsp extra: pip install 'tpm[lsp]'", err=True)
        return 2
    from tpm.lsp.server import serve

    serve()
    return 0


@cli.command("rules")
def list_rules() -> None:
    """List every rule: code, slug, default severity and what it checks."""
    for rule in all_rules():
        click.echo(f"{rule.code}  {rule.slug:<22} {rule.severity.value:<8} {rule.summary}")
    if ALIASES:
        click.echo("")
        click.echo("Old slugs, still accepted: " + ", ".join(f"{old} → {new}" for old, new in ALIASES.items()))


@cli.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Print the documentation of RULE (a slug, an old slug or a code)."""
    found = find_rule(rule)
    if found is None:
        raise UsageError(f"no rule is named {rule!r} (see `tpm rules`)")
    if rule in ALIASES:
        click.echo(f"{rule} is an alias of {found.slug}, its old slug; it is accepted wherever a slug is.")
    click.echo(f"{found.slug} ({found.code})")
    click.echo(f"Default severity: {found.severity.value}. Looks at: {found.looks_at}.")
    if found.options_text:
        click.echo(f"Options ([rules.{found.slug}] in .tpm.toml): {found.options_text}")
    click.echo("")
    click.echo(found.doc)


@cli.command()
@click.argument("type_name", metavar="TYPE")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this config file.")
def schema(type_name: str, config_file: str | None) -> None:
    """Print the JSON Schema that TYPE's documents are validated against."""
    config = _config_for(Path.cwd(), config_file)
    _known_type(config, type_name)
    click.echo(json_dumps(Schemas(config, _root_or_cwd()).effective(type_name), indent=2))


@cli.command("types")
@click.argument("type_name", metavar="[NAME]", required=False)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Use this config file.")
def types_command(type_name: str | None, config_file: str | None) -> None:
    """Print every type's effective declaration (or NAME's) as TOML for .tpm.toml."""
    from tpm.show_types import render_types

    config = _config_for(Path.cwd(), config_file)
    if type_name is not None:
        _known_type(config, type_name)
    text = render_types(config, _root_or_cwd(), None if type_name is None else [type_name])
    click.echo(terminal(text, keep_newlines=True), nl=False)


def _known_type(config: Config, type_name: str) -> None:
    if type_name not in config.types:
        raise UsageError(f"unknown type {type_name!r} (known: {', '.join(config.types)})")


def _root_or_cwd() -> Path:
    """The repository, which schema and template files must stay inside; outside one, the
    current folder (as for the config)."""
    try:
        return git.repository_root(Path.cwd())
    except UsageError:
        return Path.cwd()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn every outcome into an exit code."""
    # The caches hold a few hundred thousand small objects; with the default thresholds the
    # cyclic collector would walk all of them again and again while tpm allocates (a third
    # of a warm run). tpm makes almost no cycles, so collect rarely instead of never.
    gc.set_threshold(100_000, 50, 100)
    _never_fail_to_print()
    try:
        code = cli.main(args=argv, prog_name="tpm", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("tpm: aborted", err=True)
        return 2
    except click.UsageError as exc:  # a bad option or argument: one line, like our own errors
        command = exc.ctx.command_path if exc.ctx else "tpm"
        click.echo(f"tpm: error: {exc.format_message()} (see `{command} --help`)", err=True)
        return 2
    except click.ClickException as exc:
        click.echo(f"tpm: error: {exc.format_message()}", err=True)
        return 2
    except UsageError as exc:
        click.echo(f"tpm: error: {terminal(str(exc))}", err=True)
        return 2
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug in tpm, not the user's doing
        if os.environ.get("TPM_DEBUG"):
            raise
        click.echo(f"tpm: internal error: {_where(exc)} (run with TPM_DEBUG=1 for details; please report it)", err=True)
        return 2
    return code if isinstance(code, int) else 0


def run() -> None:
    """The `tpm` command: `main`, then leave at once. By then every file tpm writes is
    closed and the exit handlers have run (`_leave`); what normal interpreter shutdown
    would add is taking every object apart one by one, some 30 ms after a cold run over
    1,000 documents, which nothing needs.

    A command that runs once and ends does not collect cycles either: it makes almost
    none, and each collection walks every young object (about 20 ms of a cold run over
    1,000 documents). The language server runs for hours, so it keeps collecting."""
    if sys.argv[1:2] != ["lsp"]:
        gc.disable()
    _leave(main())


def _leave(code: int) -> None:
    """Run the exit handlers (a forked history process is ended, a coverage run saves
    its data), flush the standard streams, and exit with `code` without the teardown."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream: nothing more can be said there
            stream.flush()
    os._exit(code)


def _where(exc: BaseException) -> str:
    """An internal error as its type and the line that raised it, never its message:
    a message may quote what tpm was reading (a schema, a file), and CI logs are public."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return type(exc).__name__
    return f"{type(exc).__name__} at {Path(frames[-1].filename).name}:{frames[-1].lineno}"


def _never_fail_to_print() -> None:
    """Under a locale that cannot encode a title's characters (LC_ALL=POSIX on an old
    system, a Latin-1 terminal), print them as escapes instead of crashing."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    """After the reader of a pipe went away, keep Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass

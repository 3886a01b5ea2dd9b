"""The date a status report is as of: a fixed date, today, or the project's last change.

A committed status page dated by the wall clock goes stale every midnight: the day after it
was rendered, a fresh render differs in its date and in every "N days left", so a hook or a
CI step that compares the two fails whatever the commit changes. Dated by the project's
last change instead, the page changes only when the project does:

- `last-change`: the committer's day of the newest commit on HEAD's first-parent line that
  changed a document (added, edited, renamed or deleted one), as history dates every
  change; today when a document has staged or uncommitted changes (they will be committed
  today; with `--staged`, only a change in the index counts), and today in a repository
  with no such commit.
- `today`: `--today`, else `TPM_TODAY`, else the clock, as every other command.
- `YYYY-MM-DD`: that day.

A document is any file tpm would read as one (a type's glob matches it, or it is Markdown
under the root folder), judged by its name, so that a deleted one counts too; the report's
own file is not one of them, even where its name would make it one.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from tpm import git
from tpm.config import Config
from tpm.discover import candidate_classifier, document_folders
from tpm.boundary import lexically_within
from tpm.errors import UsageError
from tpm.history import SHALLOW_CLONE
from tpm.today import parse_date, resolve_today, zone_of
from tpm.vocabulary import parse_iso_date

LAST_CHANGE = "last-change"
TODAY = "today"


def resolve_as_of(
    option: str | None,
    today_option: str | None,
    root: Path,
    config: Config,
    state: git.RepositoryState,
    output: str | None = None,
    staged: bool = False,
) -> datetime.date:
    """The report's date from `--as-of` (None: today) and `--today`; `output` names the
    report's own file, repository-relative, which is no document. With `staged`, a
    document's change not yet committed is one in the index (a commit hook reports on
    what the commit records: an untracked document left out of it must not re-date it)."""
    if option is None or option.strip() == TODAY:
        return resolve_today(today_option, config.timezone)
    if option.strip() == LAST_CHANGE:
        today = resolve_today(today_option, config.timezone)
        return last_change(root, config, state, output, staged) or today
    day = parse_iso_date(option.strip())
    if day is None:
        raise UsageError(f"--as-of: {option!r} is neither {LAST_CHANGE}, {TODAY} nor a date as YYYY-MM-DD")
    if today_option is not None and parse_date(today_option, "--today") != day:
        raise UsageError("--as-of and --today give two different dates; give one of them")
    return day


def repository_name(root: Path, cwd: Path, path: str | None) -> str | None:
    """`path` (as typed, relative to `cwd`) as a repository-relative name, or None when
    there is none or it lies outside the repository."""
    if path is None:
        return None
    absolute = Path(os.path.abspath(cwd / path))
    if not lexically_within(absolute, Path(os.path.abspath(root))):
        return None
    return Path(os.path.relpath(absolute, os.path.abspath(root))).as_posix()


def last_change(
    root: Path, config: Config, state: git.RepositoryState, output: str | None = None, staged: bool = False
) -> datetime.date | None:
    """The day of the project's last change (see the module's doc), or None when it is
    today: documents changed in the work tree, or no commit ever changed one."""
    if state.head is None:
        return None
    if state.shallow:
        raise UsageError(f"--as-of {LAST_CHANGE} reads git history, and {SHALLOW_CLONE}")
    classify = candidate_classifier(config)

    def is_document(name: str | None) -> bool:
        return name is not None and name != output and classify(name)[0]

    folders = document_folders(config)
    if any(is_document(name) for name in git.uncommitted_paths(root, folders, staged, state.head)):
        return None
    for commit in git.log(root, folders, state.head):
        if any(is_document(change.path) or is_document(change.old_path) for change in commit.changes):
            return _day_of(root, commit, config.timezone)
    return None


def _day_of(root: Path, commit: git.Commit, timezone: str | None) -> datetime.date | None:
    """The commit's day: in the configured time zone when there is one, as "today" is
    (else a page rendered by a hook just before midnight there, and checked in CI from
    the commit, would disagree by a day); else the committer's own day, as history's."""
    if not timezone:
        return datetime.date.fromisoformat(commit.date) if commit.date else None
    stamp = git.run(["show", "-s", "--format=%ct", commit.sha], root).stdout.strip()
    if not stamp.isdigit():
        return None
    try:
        return datetime.datetime.fromtimestamp(int(stamp), zone_of(timezone)).date()
    except (OverflowError, OSError, ValueError):
        return None  # a date no calendar here can hold: unknown, read as today

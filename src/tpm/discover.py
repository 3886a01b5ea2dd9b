"""Which files are documents, and of which type by path.

Candidates come from git (`git ls-files`), so ignored files are never linted. A file is a
candidate when one of the types' globs matches it, or when it is a `.md` file under the
project root folder (then its front-matter `type:` decides). Files named in `exclude` (README.md and
index.md by default) are skipped, and so are symlinks that lead out of the repository or into
its git directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tpm import git
from tpm.boundary import outside_reason
from tpm.config import Config, TypeConfig
from tpm.globs import glob_union, literal_folder


@dataclass(frozen=True)
class Candidate:
    path: str  # repository-relative, '/'-separated
    path_type: str | None  # the type whose globs match, if any


def discover(root: Path, config: Config, listed: list[str] | None = None, staged: bool = False) -> list[Candidate]:
    """The candidate documents, sorted by path (from the index alone when `staged`)."""
    names = git.list_files(root, staged) if listed is None else listed
    classify = candidate_classifier(config)
    candidates = []
    for name in names:
        is_candidate, path_type = classify(name)
        if is_candidate and not _leaves_repository(root, name):
            candidates.append(Candidate(name, path_type))
    return candidates


def candidate_classifier(config: Config) -> Callable[[str], tuple[bool, str | None]]:
    """name -> (whether a file of that name is a candidate document, the type whose globs
    match it), from the name alone: also for names that are no longer in the work tree."""
    root_prefix = f"{config.root}/" if config.root else ""
    type_of = _type_matcher(config)
    excluded = _exclusion_matcher(config.exclude)

    def classify(name: str) -> tuple[bool, str | None]:
        if excluded(name):
            return False, None
        path_type = type_of(name)
        return path_type is not None or (name.startswith(root_prefix) and name.endswith(".md")), path_type

    return classify


def document_folders(config: Config, types: Iterable[TypeConfig] | None = None) -> list[str]:
    """Pathspecs that hold every candidate document (of `types`, default all): the literal
    folders of their globs and the root folder (documents under it may declare their
    type), without one inside another ("." for the whole repository). Plain folder
    prefixes, not glob pathspecs: git limits a log by a literal prefix about twice as fast,
    and which files matter is decided by the caller anyway."""
    chosen = config.types.values() if types is None else types
    prefixes = {literal_folder(pattern) for t in chosen for pattern in t.paths}
    prefixes.add(config.root)
    if "" in prefixes:
        return ["."]
    folders = {f"{prefix}/" for prefix in prefixes}
    return sorted(f for f in folders if not any(f != g and f.startswith(g) for g in folders))


def _type_matcher(config: Config) -> Callable[[str], str | None]:
    """name -> the first type (in config order) whose globs match it: one regex for all."""
    names: list[str] = []
    patterns: list[str] = []
    for type_config in config.types.values():
        for pattern in type_config.paths:
            patterns.append(pattern)
            names.append(type_config.name)
    if not patterns:
        return lambda name: None
    combined = glob_union(tuple(patterns))

    def type_of(name: str) -> str | None:
        found = combined.fullmatch(name)
        if found is None:
            return None
        assert found.lastgroup is not None  # glob_union names each glob's group: a match has one
        return names[int(found.lastgroup[1:])]

    return type_of


def _exclusion_matcher(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """name -> whether `exclude` names it: patterns with a `/` match the path, others the
    file name."""
    on_path = tuple(p for p in patterns if "/" in p)
    on_name = tuple(p for p in patterns if "/" not in p)
    path_regex = glob_union(on_path) if on_path else None
    name_regex = glob_union(on_name) if on_name else None

    def excluded(name: str) -> bool:
        if path_regex is not None and path_regex.fullmatch(name):
            return True
        return name_regex is not None and name_regex.fullmatch(name.rsplit("/", 1)[-1]) is not None

    return excluded


def _leaves_repository(root: Path, name: str) -> bool:
    """A symbolic link that resolves outside the work tree or into the git directory (a
    link to `.git/config` would show CI's token): passed over. Only links are checked here,
    which costs one `lstat` a file; every read goes through the boundary anyway."""
    path = git.fs_path(root, name)
    return os.path.islink(path) and outside_reason(path, root) is not None

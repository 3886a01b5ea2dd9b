"""`tpm check --gate commit`: fail only on what the change introduces (SPEC §4).

The commit gate blocks on error findings (any finding with --strict) of kind `document` or
`project` whose stable fingerprint (the SARIF one, `engine.fingerprints`) is absent from
the same lint of HEAD's committed files. Schedule and history findings never block: a
PM can always commit progress on a late milestone.

HEAD's project is the checked one with the changed files swapped for HEAD's versions
(read from git's objects, nothing is checked out): an unchanged document is the same
document on both sides, so only the changed files are parsed again, document rules run
only on them, and the project rules run once more over the whole of HEAD's project.
That is the full lint of HEAD's tree without history, at the cost of its changed files.
Both sides are judged by the same config, selection and today.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tpm import engine, git
from tpm.config import Config
from tpm.diagnostic import Diagnostic, Severity
from tpm.discover import discover
from tpm.model import Document, Project, load_project
from tpm.rules import all_rules
from tpm.rules.registry import Rule
from tpm.wording import plural

GATED_KINDS = ("document", "project")


def kind_of(rule: Rule) -> str:
    """A rule's kind: `document`, `project`, `schedule` or `history` (declared with it)."""
    return rule.kind


@dataclass(frozen=True)
class Verdict:
    blocking: tuple[Diagnostic, ...]  # introduced document/project findings, in order
    informing: tuple[Diagnostic, ...]  # the rest

    @property
    def exit_code(self) -> int:
        return 1 if self.blocking else 0


def can_block(diagnostic: Diagnostic, strict: bool, kinds: dict[str, str]) -> bool:
    """Whether a finding is of a kind and severity that the commit gate fails on."""
    return kinds.get(diagnostic.rule) in GATED_KINDS and (strict or diagnostic.severity is Severity.ERROR)


def decide(result: engine.Result, at_head: set[str], strict: bool) -> Verdict:
    """Split a result into the findings that block (gated, and absent at HEAD by
    fingerprint) and those that only inform."""
    kinds = {rule.slug: kind_of(rule) for rule in all_rules()}
    blocking: list[Diagnostic] = []
    informing: list[Diagnostic] = []
    for diagnostic in result.diagnostics:
        introduced = result.fingerprints.get(diagnostic) not in at_head
        (blocking if introduced and can_block(diagnostic, strict, kinds) else informing).append(diagnostic)
    return Verdict(tuple(blocking), tuple(informing))


def changed_since_head(root: Path, head: str, staged: bool) -> set[str]:
    """Files whose checked version differs from HEAD's: the index's changes with `staged`,
    else the work tree's (staged or not, deleted, untracked-not-ignored)."""
    diff = ["diff", "--name-only", "-z", "--no-renames", *(["--cached"] if staged else []), head]
    changed = {n for n in git.run(diff, root).stdout.decode("utf-8", "surrogateescape").split("\0") if n}
    if not staged:
        others = git.run(["ls-files", "-z", "--others", "--exclude-standard"], root).stdout
        changed |= {n for n in others.decode("utf-8", "surrogateescape").split("\0") if n}
    return changed


def head_project(project: Project, head: str | None, changed: set[str]) -> Project:
    """HEAD's project: `project` with its changed files replaced by HEAD's versions (or
    removed when HEAD has none); empty before the first commit."""
    if head is None:
        return Project(project.root, project.config, [])
    kept = [d for d in project.documents if d.path not in changed]
    documents = sorted(kept + _head_versions(project, head, changed), key=lambda d: d.path)
    return Project(project.root, project.config, documents)


def _head_versions(project: Project, head: str, changed: set[str]) -> list[Document]:
    if not changed:
        return []
    blobs_by_path = {path: sha for path, sha in git.tree_blobs(project.root, head).items() if path in changed}
    candidates = discover(project.root, project.config, listed=sorted(blobs_by_path))
    blobs = git.read_blobs(project.root, sorted({blobs_by_path[c.path] for c in candidates}))
    contents = {c.path: blobs[blobs_by_path[c.path]] for c in candidates if blobs_by_path[c.path] in blobs}
    loaded = load_project(
        project.root, [c for c in candidates if c.path in contents], project.config, contents=contents
    )
    return loaded.documents


def head_fingerprints(
    project: Project, rules: Sequence[Rule], today: datetime.date, head: str | None, changed: set[str]
) -> set[str]:
    """The fingerprints of HEAD's document- and project-kind findings that can differ from
    the checked project's: document rules over HEAD's versions of the changed files, and
    project rules over the whole of HEAD's project. A document-rule finding in an
    unchanged file is the same on both sides, so its own fingerprint stands for it."""
    if head is None:
        return set()
    before = head_project(project, head, changed)
    gated = [rule for rule in rules if kind_of(rule) in GATED_KINDS]
    document_rules = [rule for rule in gated if rule.scope == "document"]
    project_rules = [rule for rule in gated if rule.scope == "project"]
    touched = Project(project.root, project.config, [d for d in before.documents if d.path in changed])
    found = set(engine.run(touched, document_rules, today).fingerprints.values())
    found |= set(engine.run(before, project_rules, today).fingerprints.values())
    return found


def unchanged_fingerprints(result: engine.Result, changed: set[str]) -> set[str]:
    """The fingerprints of document-scope findings in files the change leaves alone."""
    kinds = {rule.slug: rule.scope for rule in all_rules()}
    return {
        fingerprint
        for diagnostic, fingerprint in result.fingerprints.items()
        if diagnostic.path not in changed and kinds.get(diagnostic.rule) == "document"
    }


def commit_gate(
    project: Project,
    config: Config,
    whole: engine.Result,
    shown: engine.Result,
    select: Sequence[str],
    ignore: Sequence[str],
    strict: bool,
    staged: bool,
) -> Verdict:
    """The commit gate's verdict on `shown` (the findings being reported; `whole` is the
    run over every document, which `shown` was filtered from)."""
    head = git.repository_state(project.root).head
    if head is None:
        return decide(shown, set(), strict)
    changed = changed_since_head(project.root, head, staged)
    at_head = unchanged_fingerprints(whole, changed)
    kinds = {rule.slug: kind_of(rule) for rule in all_rules()}
    if any(can_block(d, strict, kinds) and shown.fingerprints.get(d) not in at_head for d in shown.diagnostics):
        # something could block: only then is HEAD's project linted (the project rules
        # over every document are most of the cost)
        rules = engine.selected_rules(config, select, ignore)
        at_head |= head_fingerprints(project, rules, whole.today, head, changed)
    return decide(shown, at_head, strict)


def render_text(verdict: Verdict, lines: dict[Diagnostic, str], summary: str) -> str:
    """The blocking findings first, then what they are, then the rest as information."""
    out = [lines[d] for d in verdict.blocking]
    if verdict.blocking:
        out.append(f"Blocking this commit: the {plural(len(verdict.blocking), 'finding')} above, introduced by it.")
    if verdict.informing:
        if verdict.blocking:
            out.append("")
        out.append("Not blocking (already at HEAD, or about the schedule or history):")
        out.extend(lines[d] for d in verdict.informing)
    out.append(summary)
    return "\n".join(out) + "\n"

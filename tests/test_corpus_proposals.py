"""A numbered-proposal repository, as a team that did not write it for tpm keeps it.

Modelled on an EIP-style corpus: one Markdown file per proposal (`EIPS/eip-1559.md`), an
integer id in its own field (`eip: 1559`), references as integers, lists or comma
separated text (`requires: 2718, 2930`), a `type:` field of its own ("Standards Track",
"Meta"), statuses Draft, Review, Last Call, Final, Living, Stagnant, Withdrawn, and a
`last-call-deadline` date. The repository has a dated git history, and the config is
the one docs/adopting.md tells a user to write (read from it, so the two cannot drift).
The verdicts are exact: every finding tpm gives, and nothing else.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import git, make_repo, run_tpm, write_files

TODAY = "2026-06-30"

DOC = Path(__file__).resolve().parents[1] / "docs" / "adopting.md"


def documented_config() -> str:
    """The `.tpm.toml` that docs/adopting.md gives for a numbered-proposal repository."""
    section = DOC.read_text(encoding="utf-8").split("\n## A numbered-proposal repository\n", 1)[1]
    found = re.search(r"^`\.tpm\.toml`:\n\n```toml\n(.*?)^```", section, re.M | re.S)
    assert found is not None, "docs/adopting.md lost its proposal config"
    return found.group(1)


# The documented config, with one date role more: a review date of the corpus's own (the
# real corpus has none), for `review-due`.
CONFIG = documented_config().replace(
    'due = "last-call-deadline"\n', 'due = "last-call-deadline"\nreview_by = "revisit-by"\n'
)


def proposal(number: int, title: str, status: str, kind: str = "Standards Track", **fields: str) -> str:
    """A proposal's text in the corpus's own layout; `fields` in the order given, with
    `_` in a name written as `-` (`last_call_deadline` is `last-call-deadline`)."""
    lines = [
        "---",
        f"eip: {number}",
        f"title: {title}",
        f"author: Author {number} (@author{number})",
        f"status: {status}",
        f"type: {kind}",
        *(f"{name.replace('_', '-')}: {value}" for name, value in fields.items()),
        "created: 2024-01-15",
        "---",
        "",
        "## Abstract",
        "",
        f"{title}.",
        "",
    ]
    return "\n".join(lines)


def moved_stub(number: int) -> str:
    """A proposal that moved to another repository: a stub with no title."""
    return f"---\neip: {number}\ncategory: ERC\nstatus: Moved\n---\n\nThis file was moved.\n"


# (commit date, {path: text}): the repository's history, oldest first.
HISTORY: list[tuple[str, dict[str, str]]] = [
    (
        "2025-01-10",
        {
            ".tpm.toml": CONFIG,
            "EIPS/eip-1.md": proposal(1, "EIP Purpose and Guidelines", "Living", "Meta", revisit_by="2026-05-01"),
            "EIPS/eip-20.md": moved_stub(20),
            "EIPS/eip-155.md": proposal(155, "Simple replay attack protection", "Final", category="Core"),
            "EIPS/eip-1559.md": proposal(1559, "Fee market change", "Final", category="Core", requires="2718, 2930"),
            "EIPS/eip-2718.md": proposal(2718, "Typed Transaction Envelope", "Final", category="Core", requires="155"),
            "EIPS/eip-2930.md": proposal(2930, "Optional access lists", "Final", category="Core", requires="2718"),
            "EIPS/eip-3074.md": proposal(
                3074, "AUTH and AUTHCALL opcodes", "Withdrawn", category="Core", revisit_by="2025-06-01"
            ),
            "EIPS/eip-4895.md": proposal(4895, "Beacon chain withdrawals", "Final", category="Core"),
        },
    ),
    (
        "2025-06-01",
        {"EIPS/eip-7883.md": proposal(7883, "ModExp gas cost increase", "Stagnant", category="Core", requires="7702")},
    ),
    (
        "2025-09-01",
        {"EIPS/eip-7702.md": proposal(7702, "Set code for EOAs", "Review", category="Core", requires="[2718, 2930]")},
    ),
    (
        "2025-11-15",
        {
            "EIPS/eip-4844.md": proposal(
                4844, "Shard Blob Transactions", "Review", category="Core", requires="1559, 2718, 2930, 4895"
            )
        },
    ),
    (
        "2026-02-01",
        {
            "EIPS/eip-6110.md": proposal(
                6110, "Validator deposits on chain", "Last Call", category="Core", last_call_deadline="2026-03-01"
            ),
            "EIPS/eip-7623.md": proposal(7623, "Increase calldata cost", "Draft", category="Core"),
        },
    ),
    (
        "2026-02-25",
        {
            "EIPS/eip-6110.md": proposal(
                6110, "Validator deposits on chain", "Last Call", category="Core", last_call_deadline="2026-03-20"
            )
        },
    ),
    (
        "2026-03-18",
        {
            "EIPS/eip-6110.md": proposal(
                6110, "Validator deposits on chain", "Last Call", category="Core", last_call_deadline="2026-04-15"
            )
        },
    ),
    (
        "2026-04-10",
        {
            "EIPS/eip-6110.md": proposal(
                6110, "Validator deposits on chain", "Last Call", category="Core", last_call_deadline="2026-07-15"
            )
        },
    ),
    (
        "2026-05-18",
        {
            "EIPS/eip-7002.md": proposal(
                7002,
                "Execution layer triggerable exits",
                "Last Call",
                category="Core",
                last_call_deadline="2026-06-01",
                requires="7251",
            )
        },
    ),
    (
        "2026-05-20",
        {
            "EIPS/eip-5000.md": proposal(5000, "MULDIV instruction", "Review", category="Core", requires="155"),
            # copied from eip-7623.md and never renumbered: a real duplicate id
            "EIPS/eip-7691.md": proposal(7623, "Blob throughput increase", "Draft", category="Core"),
        },
    ),
    (
        "2026-06-15",
        {
            # a whitespace-only edit (a trailing space) is not activity: 7702 stays idle
            "EIPS/eip-7702.md": proposal(
                7702, "Set code for EOAs", "Review", category="Core", requires="[2718, 2930]"
            ).replace("## Abstract\n", "## Abstract \n"),
            "EIPS/eip-7251.md": proposal(
                7251, "Increase the MAX_EFFECTIVE_BALANCE", "Draft", category="Core", requires="7002, 9999"
            ),
        },
    ),
]

PROPOSALS = sorted({path for _, files in HISTORY for path in files if path.startswith("EIPS/")})


def build(repo: Path, config: str = CONFIG) -> Path:
    make_repo(repo)
    for date, files in HISTORY:
        write_files(repo, {name: config if name == ".tpm.toml" else text for name, text in files.items()})
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"proposals on {date}", date=f"{date}T12:00:00+00:00")
    return repo


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("proposals") / "repo")


def check(repo: Path, *args: str) -> tuple[int, list[tuple[str, int, int, str, str, str]]]:
    outcome = run_tpm(repo, "check", "--today", TODAY, "--format", "json", *args)
    assert outcome.code in (0, 1), outcome.err
    report = json.loads(outcome.out)
    assert report["summary"]["files"] == len(PROPOSALS)
    found = [(d["path"], d["line"], d["column"], d["severity"], d["rule"], d["message"]) for d in report["diagnostics"]]
    return outcome.code, found


def in_tpm_order(findings: list[tuple[str, int, int, str, str, str]]) -> list[tuple[str, int, int, str, str, str]]:
    """Sorted as tpm sorts its output: by path, line, column, slug, message."""
    return sorted(findings, key=lambda f: (f[0], f[1], f[2], f[4], f[5]))


def of_rule(found: list[tuple[str, int, int, str, str, str]], slug: str) -> list[tuple[str, int, int, str, str, str]]:
    return [finding for finding in found if finding[4] == slug]


DUPLICATE = [
    (
        "EIPS/eip-7623.md",
        2,
        1,
        "error",
        "duplicate-id",
        "id 7623 is also used by EIPS/eip-7691.md",
    ),
    (
        "EIPS/eip-7691.md",
        2,
        1,
        "error",
        "duplicate-id",
        "id 7623 is also used by EIPS/eip-7623.md",
    ),
]
DANGLING = [
    ("EIPS/eip-7251.md", 8, 17, "error", "dangling-reference", "`requires` names 9999, which no document has"),
]
CYCLE = [
    ("EIPS/eip-7002.md", 9, 11, "error", "dependency-cycle", "dependency cycle: 7002 → 7251 → 7002"),
]
OVERDUE = [
    (
        "EIPS/eip-7002.md",
        8,
        21,
        "error",
        "overdue",
        "7002 is 29 days overdue (due 2026-06-01, still Last Call)",
    ),
]
REVIEW_DUE = [
    (
        "EIPS/eip-1.md",
        7,
        13,
        "warning",
        "review-due",
        "1 was to be reviewed by 2026-05-01 (60 days ago); review it and set a new `revisit-by`",
    ),
]
STALE = [
    (
        "EIPS/eip-4844.md",
        5,
        9,
        "warning",
        "stale",
        "4844 is Review but its file has had no commit for 227 days (last 2025-11-15)",
    ),
    (
        "EIPS/eip-7702.md",
        5,
        9,
        "warning",
        "stale",
        "7702 is Review but its file has had no commit for 302 days (last 2025-09-01)",
    ),
]
SLIPPED = [
    (
        "EIPS/eip-6110.md",
        8,
        21,
        "warning",
        "slipped",
        "last-call-deadline moved later 3 times, 136 days in total: "
        "2026-02-25: 2026-03-01 → 2026-03-20 (+19d); 2026-03-18: 2026-03-20 → 2026-04-15 (+26d); "
        "2026-04-10: 2026-04-15 → 2026-07-15 (+91d)",
    ),
]


def test_the_config_is_the_documented_one_with_a_review_date():
    assert CONFIG.count("revisit-by") == 1
    assert CONFIG.replace('review_by = "revisit-by"\n', "") == documented_config()


def test_the_corpus_gets_exactly_these_findings(corpus):
    code, found = check(corpus)
    assert found == in_tpm_order(DUPLICATE + DANGLING + CYCLE + OVERDUE + REVIEW_DUE + STALE + SLIPPED)
    assert code == 1


def test_integer_comma_and_list_references_resolve_and_only_the_real_one_dangles(corpus):
    # `requires: 2718, 2930` (text), `requires: 155` (an integer), `requires: [2718, 2930]`
    # (a list), `requires: 20` naming a moved stub: one finding, at 9999's own column.
    _, found = check(corpus)
    assert of_rule(found, "dangling-reference") == DANGLING


def test_a_duplicated_integer_id_is_found_with_both_paths(corpus):
    _, found = check(corpus)
    assert of_rule(found, "duplicate-id") == DUPLICATE


def test_proposals_that_require_each_other_are_a_cycle(corpus):
    # `[rules.dependency-cycle] field = "requires"`: 7002 and 7251 require each other
    _, found = check(corpus)
    assert of_rule(found, "dependency-cycle") == CYCLE


def test_stale_fires_on_idle_active_proposals_and_not_on_final_or_dropped_ones(corpus):
    # Final (155, 2718, ...), Withdrawn (3074) and Stagnant (7883) proposals have been idle
    # for longer still; active ones touched within 180 days (5000, 6110, 7623) are not stale.
    _, found = check(corpus)
    assert of_rule(found, "stale") == STALE


def test_slipped_reads_the_custom_due_field(corpus):
    _, found = check(corpus)
    assert of_rule(found, "slipped") == SLIPPED


def test_review_due_reads_the_custom_review_by_field_and_skips_dropped_proposals(corpus):
    # 3074's revisit-by passed too, but it is Withdrawn
    _, found = check(corpus)
    assert of_rule(found, "review-due") == REVIEW_DUE


def test_overdue_reads_the_custom_due_field(corpus):
    _, found = check(corpus)
    assert of_rule(found, "overdue") == OVERDUE


def test_the_history_rules_see_the_custom_type_only_when_history_is_read(corpus):
    code, found = check(corpus, "--no-history")
    assert found == in_tpm_order(DUPLICATE + DANGLING + CYCLE + OVERDUE + REVIEW_DUE)
    assert code == 1


def test_with_type_as_the_type_key_every_proposal_with_its_own_type_is_unknown(tmp_path):
    """Why the config says `type_key = ""`: by default `type:` names tpm's type, and
    "Standards Track" is none (the moved stub has no `type:`, so its path decides)."""
    repo = build(tmp_path / "repo", CONFIG.replace('type_key = ""', 'type_key = "type"'))
    _, found = check(repo, "--no-history")
    unknown = of_rule(found, "unknown-type")
    assert len(unknown) == len(PROPOSALS) - 1
    assert unknown[0] == (
        "EIPS/eip-1.md",
        6,
        7,
        "error",
        "unknown-type",
        "unknown type 'Meta' (known: milestone, risk, decision, postmortem, proposal)",
    )


def test_the_report_renders_a_corpus_of_custom_types(corpus):
    outcome = run_tpm(corpus, "report", "--today", TODAY, "--format", "json")
    assert outcome.code == 0, outcome.err
    report = json.loads(outcome.out)
    assert report["version"] == 1

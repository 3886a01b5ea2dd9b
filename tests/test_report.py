"""`tpm report`: golden files on the realistic project with its git
history, Mermaid and table safety under hostile titles, links, drift checks.

Golden files live in tests/fixtures/report/; after a deliberate change of the report,
regenerate them with `TPM_UPDATE_GOLDEN=1 python -m pytest tests/test_report.py` and read
the diff before committing it.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from collections import Counter

import pytest

from helpers import FIXTURES, build_realistic_repo, make_repo, run_tpm
from tpm.report.escape import cell
from tpm.rules.registry import ALIASES

TODAY = "2026-11-27"
GOLDEN = FIXTURES / "report"


@pytest.fixture(scope="module")
def realistic(tmp_path_factory):
    return build_realistic_repo(tmp_path_factory.mktemp("realistic") / "repo")


def golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TPM_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_markdown_report_matches_the_golden_file(realistic):
    outcome = run_tpm(realistic, "report", "--today", TODAY, "--no-cache")
    assert (outcome.code, outcome.err) == (0, "")
    golden("realistic.md", outcome.out)


def test_json_report_matches_the_golden_file(realistic):
    outcome = run_tpm(realistic, "report", "--today", TODAY, "--format", "json")
    golden("realistic.json", outcome.out)
    data = json.loads(outcome.out)
    assert data["health"] == {
        "documents": 30,
        "errors": 15,
        "warnings": 14,
        "infos": 0,
        "overdue_milestones": 1,
        "overdue_actions": 1,
        "unreviewed_high_risks": 2,  # never reviewed (an owner edit is no review)
        "history": True,
    }
    m7 = next(m for m in data["milestones"] if m["id"] == "M-7")
    assert m7["slips"] == {
        "count": 3,
        "days": 21,
        "moves": [
            {"date": "2026-10-20", "from": "2026-10-30", "to": "2026-11-06", "days": 7},
            {"date": "2026-11-03", "from": "2026-11-06", "to": "2026-11-16", "days": 10},
            {"date": "2026-11-12", "from": "2026-11-16", "to": "2026-11-20", "days": 4},
        ],
    }
    assert m7["days_late"] == 7 and m7["checkpoints"] == {"done": 2, "total": 4}
    assert sum(map(sum, data["risks"]["heatmap"])) == data["risks"]["open"] == 4
    assert [r["id"] for r in data["risks"]["top"]] == ["R-3", "R-1", "R-2", "R-4"]


def _section(markdown: str, heading: str) -> str:
    return markdown.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_every_finding_of_check_is_in_the_report_and_the_counts_match(realistic):
    """Nothing hidden (issue 14, item 9): the report's findings are `tpm check`'s, one for
    one; each is worded in a stakeholder section or listed in the appendix, and the health
    line counts them. Before, `missing-postmortem` and `dependency-order` were counted in
    the health line and shown nowhere."""
    check = json.loads(run_tpm(realistic, "check", "--today", TODAY, "--format", "json").out)
    data = json.loads(run_tpm(realistic, "report", "--today", TODAY, "--format", "json").out)
    markdown = run_tpm(realistic, "report", "--today", TODAY).out
    keys = ("path", "line", "column", "rule", "code", "severity", "message")
    findings = data["findings"]
    assert [{k: f[k] for k in keys} for f in findings] == [{k: d[k] for k in keys} for d in check["diagnostics"]]
    summary = check["summary"]
    assert [data["health"][k] for k in ("documents", "errors", "warnings", "infos")] == [
        summary["files"],
        summary["errors"],
        summary["warnings"],
        summary["infos"],
    ]
    assert (
        f"`tpm check` on {summary['files']} documents: {summary['errors']} errors, {summary['warnings']} warnings."
        in (markdown)
    )
    assert Counter(f["section"] for f in findings) == {"milestones": 1, "actions": 1, "attention": 9, "appendix": 18}
    by_section = {name: [f for f in findings if f["section"] == name] for name in ("milestones", "actions")}

    appendix = _section(markdown, "Appendix: for maintainers")
    rows = re.findall(r"^\| \[(.+?):(\d+)\]\(.+?\) \| (\w+) \| ([a-z-]+) \| (.*) \|$", appendix, re.M)
    assert rows == [
        (f["path"], str(f["line"]), f["severity"], f["rule"], cell(f["message"]))
        for f in findings
        if f["section"] == "appendix"
    ]
    assert {"dependency-order", "plan-contradiction", "risk-unmitigated"} <= {row[3] for row in rows}
    assert f"<summary>{len(rows)} findings the sections above do not show</summary>" in appendix

    attention = _section(markdown, "Needs attention")
    bullets = re.findall(r"^- \*\*(.+?)\*\* · \[(.+?)\]\(.+?\)(.*)$", attention, re.M)
    shown = {f["message"] for f in findings if f["section"] == "attention"}
    assert len(bullets) == len(shown)
    for message in shown:  # each once, after whose it is and which document
        assert sum(rest.endswith(f": {cell(message)}") for _, _, rest in bullets) == 1, message
    assert ("@omar", "M-6") in [(who, name) for who, name, _ in bullets]
    assert [(a["path"], a["line"], a["rule"]) for a in data["attention"]] == [
        (f["path"], f["line"], f["rule"]) for f in findings if f["section"] == "attention"
    ]
    assert any(
        rest.endswith("M-1 was completed 199 days ago (2026-05-12) and no post-mortem names it") for *_, rest in bullets
    )
    for line in attention.splitlines():  # plain words: no rule slug, no line number
        assert not re.search(r"\bline \d|\b(stale|unreviewed|slipped|missing-postmortem)\b:", line), line

    (late,) = by_section["milestones"]
    assert (late["rule"], late["path"]) == ("overdue", "project/milestones/M-7-3ds2-challenge-flow.md")
    assert re.search(r"^\| 🟥 \| \[M-7\]\(.+\| \*\*7 days late\*\* \|", markdown, re.M)
    (action,) = by_section["actions"]
    assert (action["rule"], action["line"]) == ("overdue-action", 34)
    overdue_row = next(a for a in data["actions"] if a["overdue"])
    assert (overdue_row["path"], overdue_row["line"]) == (action["path"], action["line"])


def test_schedule_findings_without_a_table_row_are_listed_for_stakeholders(tmp_path):
    """An overdue document that is not a milestone has no row that says so: it is listed
    under "Needs attention". With nothing else to show, the appendix is only the counts."""
    repo = make_repo(
        tmp_path / "repo",
        {
            ".tpm.toml": (
                '[types.task]\npaths = ["backlog/*.md"]\n[types.task.lifecycle]\nactive = ["doing"]\n'
                '[types.task.dates]\ndue = "due"\n'
            ),
            "backlog/T-1-a.md": "---\nid: T-1\ntitle: A\nstatus: doing\ndue: 2026-11-20\n---\n",
        },
        date="2026-11-26T12:00:00+00:00",
    )
    data = json.loads(run_tpm(repo, "report", "--today", TODAY, "--format", "json").out)
    assert [(f["rule"], f["section"]) for f in data["findings"]] == [("overdue", "attention")]
    markdown = run_tpm(repo, "report", "--today", TODAY).out
    assert (
        "\n## Needs attention\n\n- **no owner** · [T-1](backlog/T-1-a.md) A: T-1 is 7 days overdue"
        " (due 2026-11-20, still doing)\n" in markdown
    )
    assert markdown.endswith("## Appendix: for maintainers\n\n`tpm check` on 1 document: 1 error, 0 warnings.\n")


def test_the_report_is_deterministic_and_cached_runs_agree(realistic):
    first = run_tpm(realistic, "report", "--today", TODAY).out
    assert run_tpm(realistic, "report", "--today", TODAY).out == first
    assert run_tpm(realistic, "report", "--today", TODAY, "--no-cache").out == first


MERMAID = re.compile(r"```mermaid\n(.*?)\n```", re.S)
KEYWORDS = ("gantt", "dateFormat", "axisFormat", "tickInterval", "todayMarker", "title", "section")


def mermaid_tasks(markdown: str) -> list[tuple[str, list[str]]]:
    """(label, data fields) of every task line of every Mermaid block, checked on the way."""
    tasks = []
    for block in MERMAID.findall(markdown):
        lines = block.split("\n")
        if lines[0] != "gantt":
            continue  # the trends' xychart-beta blocks hold no user text
        for line in lines[1:]:
            stripped = line.strip()
            assert line.startswith("    ") and stripped
            if stripped.split(" ", 1)[0] in KEYWORDS:
                continue
            assert line.count(":") == 1, line
            label, data = line.split(":")
            assert label.strip() and label.strip().split(" ", 1)[0] not in KEYWORDS
            assert not re.search(r"[#;\"'<>\[\]{}%`]", label), label
            tasks.append((label.strip(), [f.strip() for f in data.split(",")]))
    return tasks


def check_gantt(markdown: str) -> None:
    ids = []
    for _, fields in mermaid_tasks(markdown):
        if "milestone" in fields:
            *tags, task_id, start, duration = fields
            assert duration == "0d"
            dates = [start]
        else:
            *tags, task_id, start, end = fields
            dates = [start, end]
            assert start <= end
        assert set(tags) <= {"done", "active", "crit", "milestone"}
        assert re.fullmatch(r"t\d+|asof", task_id)
        ids.append(task_id)
        for value in dates:
            datetime.date.fromisoformat(value)
    assert ids and len(ids) == len(set(ids))


def test_the_realistic_gantt_chart_is_well_formed(realistic):
    check_gantt(run_tpm(realistic, "report", "--today", TODAY).out)


HOSTILE = [
    "Pipes | and <script>alert(1)</script>",
    "Colons: and # hashes; semicolons",
    "Quotes \"double\" and 'single' [brackets] {braces}",
    "section Fake section",
    "%% a mermaid comment",
    "title: gantt",
    "Back`ticks` and *stars* and _under_ and ~tilde~ and \\backslash",
    "Line one\nLine two",
    "🚀 emoji &amp; entities",
]


@pytest.fixture
def hostile(tmp_path):
    files = {}
    for number, title in enumerate(HOSTILE, start=1):
        text = json.dumps(title, ensure_ascii=False)
        files[f"project/milestones/M-{number}-x.md"] = (
            f"---\nid: M-{number}\ntitle: {text}\nstatus: in-progress\nowner: {text}\ndue: 2026-12-{number:02d}\n"
            f"phase: {'development' if number % 2 else 'testing'}\n---\n## Checkpoints\n\n- [ ] 2026-12-01 "
            f"{title.splitlines()[0]} @bob\n"
        )
        files[f"project/risks/R-{number}-x.md"] = (
            f"---\nid: R-{number}\ntitle: {text}\nstatus: open\nlikelihood: 5\nimpact: 5\n"
            f"owner: {text}\nmitigation: m\n---\n"
        )
        files[f"project/decisions/000{number}-x.md"] = f"---\ntitle: {text}\nstatus: accepted\n---\n"
    files["project/postmortems/PM-1 (the bad week).md"] = (
        '---\nid: PM-1\ntitle: "x"\ndate: 2026-11-01\n---\n## Lessons learned\n\n- y\n\n## Action items\n\n'
        + "".join(f"- [ ] 2026-12-0{n} {t.splitlines()[0]} @bob\n" for n, t in enumerate(HOSTILE[:5], start=1))
    )
    files["project/decisions/0010 <b>|x| [y](z).md"] = "no front-matter: " + HOSTILE[0] + "\n"  # the appendix
    return make_repo(tmp_path / "repo", files)


def test_hostile_titles_break_no_table_chart_or_html(hostile):
    report = run_tpm(hostile, "report", "--today", TODAY).out
    check_gantt(report)
    ours = re.sub(
        r"(?m)^(</?details>|<summary>\d+ (findings? the sections above do not show|more items?)</summary>)$", "", report
    )
    assert "<script" not in ours and "<" not in ours.replace("&lt;", "")
    for line in report.splitlines():
        if line.startswith("|"):  # every row has as many cells as its table's header
            cells = re.split(r"(?<!\\)\|", line)
            assert len(cells) == len(re.split(r"(?<!\\)\|", _table_header(report, line))), line
    rows = [line for line in report.splitlines() if re.match(r"\| \S+ \| \[M-", line)]
    assert len(rows) == len(HOSTILE) and all(row.endswith(" | in-progress |") for row in rows)  # every one read
    labels = [label for label, _ in mermaid_tasks(report)]
    assert "M-4 section Fake section · 0/1" in labels and "M-1 Pipes and script alert(1) /script · 0/1" in labels
    assert (
        "| [project/decisions/0010 &lt;b&gt;\\|x\\| \\[y\\](z).md:1]"
        "(project/decisions/0010%20%3Cb%3E%7Cx%7C%20%5By%5D%28z%29.md) | error | missing-front-matter |"
    ) in report


def _table_header(report: str, row: str) -> str:
    """The header line of the table that holds `row`."""
    lines = report.splitlines()
    index = lines.index(row)
    while index > 0 and lines[index - 1].startswith("|"):
        index -= 1
    return lines[index]


def test_links_are_relative_to_the_output_file_and_encoded(hostile):
    outcome = run_tpm(hostile, "report", "--today", TODAY, "--output", "docs/status/STATUS.md")
    assert (outcome.code, outcome.out) == (0, "wrote docs/status/STATUS.md\n")
    written = (hostile / "docs" / "status" / "STATUS.md").read_text()
    assert "](../../project/milestones/M-1-x.md)" in written
    assert "](../../project/postmortems/PM-1%20%28the%20bad%20week%29.md)" in written
    from_root = run_tpm(hostile, "report", "--today", TODAY).out
    assert "](project/postmortems/PM-1%20%28the%20bad%20week%29.md)" in from_root


def test_check_reports_drift_and_writes_nothing(hostile):
    assert run_tpm(hostile, "report", "--today", TODAY, "--output", "STATUS.md").code == 0
    same = run_tpm(hostile, "report", "--today", TODAY, "--output", "STATUS.md", "--check")
    assert (same.code, same.out) == (0, "STATUS.md is up to date\n")
    before = (hostile / "STATUS.md").read_text()
    later = run_tpm(hostile, "report", "--today", "2026-11-28", "--output", "STATUS.md", "--check")
    assert later.code == 1
    assert later.out.startswith("--- STATUS.md\n+++ fresh render\n")
    assert "-As of **2026-11-27**" in later.out and "+As of **2026-11-28**" in later.out
    assert later.out.endswith("STATUS.md is out of date; run tpm report --output STATUS.md\n")
    assert (hostile / "STATUS.md").read_text() == before
    missing = run_tpm(hostile, "report", "--output", "NOPE.md", "--check")
    assert (missing.code, missing.out) == (1, "NOPE.md does not exist; run tpm report --output NOPE.md\n")
    assert not (hostile / "NOPE.md").exists()
    assert run_tpm(hostile, "report", "--check").code == 2


def test_no_history_says_what_is_missing(hostile):
    report = run_tpm(hostile, "report", "--today", TODAY, "--no-history").out
    assert "Git history was not read (--no-history)" in report
    assert "## Needs attention\n\nStale work and reviews were not checked: git history was not read.\n" in report


def test_an_empty_project_reports_plainly(tmp_path):
    repo = make_repo(tmp_path / "repo", {"README.md": "x\n"})
    report = run_tpm(repo, "report", "--today", TODAY).out
    assert "No milestones yet." in report and "No open risks." in report and "None open." in report


def test_the_report_reads_a_milestone_lifecycle_of_the_users_own(tmp_path):
    """Lateness, the open-risk table and the chart's sections and tags ask the lifecycle,
    not the built-in statuses: milestones that say `active`, risks that say `watching`."""
    repo = make_repo(
        tmp_path / "repo",
        {
            ".tpm.toml": (
                '[types.milestone.lifecycle]\nplanned = ["later"]\nactive = ["active"]\ndone = ["shipped"]\n'
                '[types.risk.lifecycle]\nactive = ["watching"]\n'
            ),
            "project/milestones/M-1-a.md": "---\nid: M-1\ntitle: A\nstatus: active\ndue: 2026-11-20\n---\n",
            "project/milestones/M-2-b.md": "---\nid: M-2\ntitle: B\nstatus: later\ndue: 2026-12-20\n---\n",
            "project/milestones/M-3-c.md": "---\nid: M-3\ntitle: C\nstatus: in-progress\ndue: 2026-11-20\n---\n",
            "project/milestones/M-4-d.md": (
                "---\nid: M-4\ntitle: D\nstatus: shipped\ndue: 2026-11-01\ncompleted: 2026-11-02\n---\n"
            ),
            "project/risks/R-1-a.md": "---\nid: R-1\ntitle: A\nstatus: watching\nlikelihood: 2\nimpact: 2\n---\n",
            "project/risks/R-2-b.md": "---\nid: R-2\ntitle: B\nstatus: open\nlikelihood: 2\nimpact: 2\n---\n",
        },
    )
    data = json.loads(run_tpm(repo, "report", "--today", TODAY, "--format", "json").out)
    rows = {m["id"]: (m["status"], m["role"], m["days_late"], m["days_left"]) for m in data["milestones"]}
    assert rows == {
        "M-1": ("active", "active", 7, None),
        "M-2": ("later", "planned", None, 23),
        "M-3": ("in-progress", None, None, None),  # a status the lifecycle no longer knows
        "M-4": ("shipped", "done", None, None),
    }
    assert data["health"]["overdue_milestones"] == 1
    assert [r["id"] for r in data["risks"]["top"]] == ["R-1"]
    markdown = run_tpm(repo, "report", "--today", TODAY).out
    chart = dict(mermaid_tasks(markdown))
    assert (chart["M-1 A"][:2], chart["M-2 B"][0], chart["M-4 D"][0]) == (["crit", "active"], "t2", "done")
    sections = re.findall(r"^    section (.+)$", markdown, re.M)
    assert sections == ["As of", "Active", "Later", "Shipped", "In-progress"]  # by role, then statuses without one


# ------------------------------------------------------------------ forty milestones


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    from big_project import build_big_project

    return build_big_project(tmp_path_factory.mktemp("big") / "repo")


BIG_TODAY = "2026-11-30"


def test_forty_milestone_report_matches_the_golden_file(big):
    outcome = run_tpm(big, "report", "--today", BIG_TODAY)
    assert (outcome.code, outcome.err) == (0, "")
    golden("forty-milestones.md", outcome.out)


def test_forty_milestones_chart_has_one_row_each_and_is_split(big):
    """At most one row per milestone, the as-of date fixed in every chart, and split."""
    markdown = run_tpm(big, "report", "--today", BIG_TODAY).out
    gantts = [block for block in MERMAID.findall(markdown) if block.startswith("gantt")]
    assert len(gantts) >= 2
    rows = []
    for block in gantts:
        tasks = [line for line in block.split("\n") if re.search(r" :[a-z, ]*(t\d+|asof), ", line)]
        assert sum(" :milestone, asof, 2026-11-30, 0d" in t for t in tasks) == 1, block
        assert "    todayMarker off" in block.split("\n")
        milestones = [t for t in tasks if "asof" not in t]
        assert len(milestones) <= 20
        rows += [re.match(r"    (M-\d+) ", t).group(1) for t in milestones]
    data = json.loads(run_tpm(big, "report", "--today", BIG_TODAY, "--format", "json").out)
    charted = [m["id"] for m in data["milestones"] if m["due"] and m["rag"] != "dropped"]
    assert sorted(rows, key=lambda i: int(i[2:])) == charted  # each exactly once
    assert len(charted) >= 39


RULE_WORDS = re.compile(r"\bTPM\d{3}\b|\bline \d|\.md:\d")


@pytest.mark.parametrize("project", ["realistic", "big"])
def test_no_rule_slug_or_line_number_outside_the_appendix(project, request):
    """Stakeholders read plain words: every rule's slug (hyphenated ones, the ones that
    read as jargon), its code, and `line N` or `file.md:N` appear only in the appendix."""
    from tpm.rules import all_rules

    repo = request.getfixturevalue(project)
    markdown = run_tpm(repo, "report", "--today", TODAY if project == "realistic" else BIG_TODAY).out
    head, appendix = markdown.split("\n## Appendix: for maintainers\n", 1)
    slugs = sorted({rule.slug for rule in all_rules() if "-" in rule.slug} | set(ALIASES))
    for line in head.splitlines():
        assert not RULE_WORDS.search(line), line
        assert not [slug for slug in slugs if re.search(rf"(?<![\w/-]){re.escape(slug)}(?![\w-])", line)], line
    if project == "realistic":  # the appendix does carry them, so the check above can fail
        assert RULE_WORDS.search(appendix) and "dependency-cycle" in appendix


def test_a_long_attention_list_shows_fifteen_and_folds_the_rest(tmp_path):
    config = (
        '[types.task]\npaths = ["backlog/*.md"]\n[types.task.lifecycle]\nactive = ["doing"]\n'
        '[types.task.dates]\ndue = "due"\n'
    )
    files = {".tpm.toml": config}
    for n in range(1, 21):
        files[f"backlog/T-{n}-a.md"] = f"---\nid: T-{n}\ntitle: A\nstatus: doing\ndue: 2026-11-{n:02d}\n---\n"
    repo = make_repo(tmp_path / "repo", files, date="2026-11-26T12:00:00+00:00")
    attention = _section(run_tpm(repo, "report", "--today", TODAY).out, "Needs attention")
    shown, folded = attention.split("\n<details>\n<summary>5 more items</summary>\n\n", 1)
    assert len(re.findall(r"^- ", shown, re.M)) == 15 and len(re.findall(r"^- ", folded, re.M)) == 5
    assert folded.rstrip().endswith("</details>")

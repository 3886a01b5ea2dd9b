"""The report as a reader sees it: GFM rendered to HTML and every Mermaid chart drawn by
Mermaid itself in headless Chromium, which must parse and draw every chart without error.

Needs Debian's Chromium (`apt-get install chromium`) and the mermaid npm package
(`npm ci --prefix tests/browser`); `.ci/run` installs both. When the environment variable
`CI` is set (and not `0`/`false`), a missing one fails the tests; elsewhere they are
skipped, with a message saying which is missing.

Mermaid is pinned to 11.17.2 in tests/browser/package.json (package.json has no comments,
so the reason is here): it is the version GitHub.com's Mermaid `info` diagram showed in
September 2026 (mermaid-js/mermaid#8289), the latest public report of it. To move the pin,
put the version GitHub's `info` shows into package.json and run `npm install --prefix
tests/browser` to refresh the lock file.

The realistic report's full-page screenshot goes to `$TPM_ARTIFACTS`, else
`build/test-artifacts/` (git-ignored); its path is printed (`pytest -s` shows it).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from big_project import build_big_project
from helpers import build_realistic_repo, make_repo, run_tpm
from test_report import HOSTILE

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_REPORTS = sorted((Path(__file__).parent / "fixtures" / "report").glob("*.md"))
MERMAID_JS = Path(__file__).parent / "browser" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BIG_MILESTONES = 40
MAX_GANTT_ROWS = 20 + 2  # a chart of at most 20 milestones, plus room for markers

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-file-access-from-files",
    "--hide-scrollbars",
    "--virtual-time-budget=30000",
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(autouse=True)
def _browser_and_mermaid():
    """Skip (locally) or fail (in CI) when Chromium or mermaid is missing."""
    missing = []
    if CHROMIUM is None:
        missing.append("Chromium is not installed (apt-get install chromium)")
    if not MERMAID_JS.is_file():
        missing.append("mermaid is not installed (npm ci --prefix tests/browser)")
    if missing:
        reason = "; ".join(missing)
        if _in_ci():
            pytest.fail(f"CI is set, so the browser check must run: {reason}", pytrace=False)
        pytest.skip(reason)


# Each block is parsed, then drawn on its own, so one broken chart does not hide the others.
# Per block: the diagram type, whether it drew an <svg>, the gantt bars (rect.task) and the
# rows they occupy (distinct y), or the error. The page's height is reported for the screenshot.
PAGE = """<!doctype html><html><head><meta charset="utf-8"><script src="{script}"></script>
<style>body {{ font-family: sans-serif; max-width: 1200px; margin: 16px auto; }}</style></head>
<body data-state="pending">{body}
<script>
mermaid.initialize({{startOnLoad: false, securityLevel: "strict"}});
(async () => {{
  const results = [];
  for (const block of document.querySelectorAll("pre.mermaid")) {{
    const source = block.textContent;
    const result = {{type: source.trim().split(/\\s+/)[0], svg: 0, bars: 0, rows: 0, error: null}};
    try {{
      await mermaid.parse(source);
      await mermaid.run({{nodes: [block]}});
      const svg = block.querySelector("svg");
      result.svg = block.querySelectorAll("svg").length;
      const drewError = svg && svg.getAttribute("aria-roledescription") === "error";
      if (drewError || (svg && svg.querySelector(".error-icon, .error-text")))
        result.error = "Mermaid drew its error box";
      const bars = svg ? [...svg.querySelectorAll("rect.task")] : [];
      result.bars = bars.length;
      result.rows = new Set(bars.map(bar => Math.round(parseFloat(bar.getAttribute("y"))))).size;
    }} catch (e) {{
      result.error = String(e && e.message || e);
    }}
    results.push(result);
  }}
  document.body.setAttribute("data-result", JSON.stringify(results));
  document.body.setAttribute("data-height", String(document.documentElement.scrollHeight));
  document.body.setAttribute("data-state", "done");
}})();
</script></body></html>"""

GANTT_KEYWORDS = {
    "dateformat",
    "axisformat",
    "tickinterval",
    "title",
    "section",
    "todaymarker",
    "excludes",
    "includes",
    "weekday",
    "weekend",
    "inclusiveenddates",
    "topaxis",
    "displaymode",
    "acctitle",
    "accdescr",
    "click",
}


def to_html(markdown: str) -> str:
    """GFM as GitHub renders it (tables; raw HTML left inert), Mermaid fences as <pre>."""
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")
    fence = renderer.renderer.rules.get("fence")

    def mermaid_fence(self, tokens, index, options, env):
        token = tokens[index]
        if token.info.strip() == "mermaid":
            return f'<pre class="mermaid">{html.escape(token.content)}</pre>\n'
        return fence(tokens, index, options, env)

    renderer.add_render_rule("fence", mermaid_fence)
    return renderer.render(markdown)


def mermaid_blocks(markdown: str) -> list[str]:
    tokens = MarkdownIt("commonmark").parse(markdown)
    return [token.content for token in tokens if token.type == "fence" and token.info.strip() == "mermaid"]


def gantt_task_lines(block: str) -> int:
    """The task lines of a gantt block (`Label :tags, id, start, end`), which Mermaid draws
    as one bar each; directives, sections, comments, front-matter and `vert` markers are not."""
    lines = block.splitlines()
    if lines and lines[0].strip() == "---":  # front-matter (config), up to the next ---
        end = next((i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---"), 0)
        lines = lines[end + 1 :]
    count = 0
    for line in lines:
        text = line.strip()
        if not text or text.startswith("%%") or ":" not in text:
            continue
        first = re.split(r"[\s:]", text, maxsplit=1)[0].lower()
        if first in GANTT_KEYWORDS or first == "gantt":
            continue
        tags = [tag.strip() for tag in text.rsplit(":", 1)[1].split(",")]
        if "vert" in tags:
            continue
        count += 1
    return count


def _chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM or "chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,  # the dumped DOM (or the screenshot) says what happened, whatever the exit code
    )


def _write_page(markdown: str, tmp_path: Path, name: str = "report") -> Path:
    page = tmp_path / f"{name}.html"
    page.write_text(PAGE.format(script=MERMAID_JS.as_uri(), body=to_html(markdown)), encoding="utf-8")
    return page


def _body_attribute(dom: str, name: str) -> str | None:
    body = re.search(r"<body\b[^>]*>", dom)
    found = re.search(rf'\b{name}="([^"]*)"', body.group(0)) if body else None
    return html.unescape(found.group(1)) if found else None


def render_in_browser(markdown: str, tmp_path: Path, name: str = "report") -> tuple[str, list[dict], int]:
    """Draw `markdown`'s charts in Chromium: the dumped DOM, one result per Mermaid block,
    and the page's height in CSS pixels."""
    page = _write_page(markdown, tmp_path, name)
    completed = _chromium(page, tmp_path / f"{name}-profile", "--dump-dom")
    dom = completed.stdout
    state = _body_attribute(dom, "data-state")
    assert state == "done", f"the page did not finish drawing (state {state!r}); stderr: {completed.stderr[-2000:]}"
    results = json.loads(_body_attribute(dom, "data-result") or "[]")
    return dom, results, int(_body_attribute(dom, "data-height") or "0")


def assert_every_chart_draws(markdown: str, results: list[dict]) -> None:
    blocks = mermaid_blocks(markdown)
    assert blocks, "the report has no Mermaid chart"
    assert len(results) == len(blocks)
    errors = [(index, result["error"]) for index, result in enumerate(results) if result["error"]]
    assert not errors, f"charts that failed: {errors}"
    assert sum(result["svg"] for result in results) == len(blocks)
    for block, result in zip(blocks, results, strict=True):
        if result["type"] == "gantt":
            assert result["bars"] == gantt_task_lines(block), "every task line is drawn as a bar"


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("TPM_ARTIFACTS") or ROOT / "build" / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(markdown: str, tmp_path: Path, height: int, target: Path) -> Path:
    """A full-page PNG of the rendered report: Chromium's window as tall as the page."""
    page = _write_page(markdown, tmp_path, "screenshot")
    window = f"--window-size=1280,{min(max(height + 32, 800), 16000)}"
    completed = _chromium(page, tmp_path / "screenshot-profile", f"--screenshot={target}", window)
    assert target.is_file(), f"no screenshot written; stderr: {completed.stderr[-2000:]}"
    return target


def test_the_golden_reports_are_found():
    assert GOLDEN_REPORTS, "no tests/fixtures/report/*.md to draw"


@pytest.mark.parametrize("golden", GOLDEN_REPORTS, ids=[path.stem for path in GOLDEN_REPORTS])
def test_every_golden_report_renders_and_its_charts_draw(golden, tmp_path):
    markdown = golden.read_text(encoding="utf-8")
    dom, results, _ = render_in_browser(markdown, tmp_path)
    assert_every_chart_draws(markdown, results)
    assert "Syntax error" not in dom


def test_the_realistic_report_renders_its_charts_draw_and_a_screenshot_is_kept(tmp_path):
    repo = build_realistic_repo(tmp_path / "repo")
    markdown = run_tpm(repo, "report", "--today", "2026-11-27").out
    dom, results, height = render_in_browser(markdown, tmp_path)
    assert_every_chart_draws(markdown, results)
    assert "<table>" in dom and "Syntax error" not in dom
    target = screenshot(markdown, tmp_path, height, artifacts_dir() / "realistic-report.png")
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    print(f"\nscreenshot of the realistic report: {target}")


def test_the_40_milestone_report_draws_at_most_one_row_per_milestone(tmp_path):
    repo = build_big_project(tmp_path / "repo", milestones=BIG_MILESTONES)
    markdown = run_tpm(repo, "report", "--today", "2026-11-30").out
    _, results, _ = render_in_browser(markdown, tmp_path)
    assert_every_chart_draws(markdown, results)
    rows = [result["rows"] for result in results if result["type"] == "gantt"]
    assert rows, "the report has no gantt chart"
    assert max(rows) <= MAX_GANTT_ROWS, f"gantt rows per chart: {rows}; at most {MAX_GANTT_ROWS} each"
    assert sum(rows) <= BIG_MILESTONES + 2 * len(rows), f"gantt rows per chart: {rows} for {BIG_MILESTONES} milestones"


def test_hostile_titles_neither_break_the_chart_nor_inject_html(tmp_path):
    files = {}
    for number, title in enumerate(HOSTILE, start=1):
        quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        files[f"project/milestones/M-{number}-x.md"] = (
            f"---\nid: M-{number}\ntitle: {quoted}\nstatus: in-progress\ndue: 2026-12-{number:02d}\n---\n"
            f"## Checkpoints\n\n- [ ] 2026-12-01 {title.splitlines()[0]}\n"
        )
    repo = make_repo(tmp_path / "repo", files)
    markdown = run_tpm(repo, "report", "--today", "2026-11-27").out
    dom, results, _ = render_in_browser(markdown, tmp_path)
    assert_every_chart_draws(markdown, results)
    body = dom.split("<body", 1)[1]
    assert "<script>alert(1)" not in body and "alert(1)</script>" not in body

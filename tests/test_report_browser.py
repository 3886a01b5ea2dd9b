"""The report as a reader sees it: GFM rendered to HTML and the Mermaid chart drawn by
Mermaid itself in headless Chromium, which must parse every chart without error.

Runs when Debian's Chromium (`chromium`) and the mermaid npm package (`npm install
--prefix tests/browser`) are present; skipped otherwise, with a message saying which.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from helpers import build_realistic_repo, make_repo, run_tpm
from test_report import HOSTILE

MERMAID_JS = Path(__file__).parent / "browser" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
    pytest.mark.skipif(
        not MERMAID_JS.is_file(), reason="mermaid is not installed (npm install --prefix tests/browser)"
    ),
]

PAGE = """<!doctype html><html><head><meta charset="utf-8"><script src="{script}"></script></head>
<body data-state="pending">{body}
<script>
mermaid.initialize({{startOnLoad: false, securityLevel: "strict"}});
const blocks = [...document.querySelectorAll("pre.mermaid")];
Promise.all(blocks.map(b => mermaid.parse(b.textContent)))
  .then(() => mermaid.run({{nodes: blocks}}))
  .then(() => document.body.setAttribute("data-state", "drawn:" + document.querySelectorAll("svg").length))
  .catch(e => document.body.setAttribute("data-state", "error:" + String(e && e.message || e)));
</script></body></html>"""


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


def render_in_browser(markdown: str, tmp_path: Path) -> str:
    page = tmp_path / "report.html"
    page.write_text(PAGE.format(script=MERMAID_JS.as_uri(), body=to_html(markdown)), encoding="utf-8")
    completed = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--allow-file-access-from-files",
            "--virtual-time-budget=20000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # the dumped DOM says what happened, whatever Chromium's exit code
    )
    return completed.stdout


def state_of(dom: str) -> str:
    found = re.search(r'<body data-state="([^"]*)"', dom)
    return html.unescape(found.group(1)) if found else "no body in the dumped DOM"


def test_the_realistic_report_renders_and_its_chart_draws(tmp_path):
    repo = build_realistic_repo(tmp_path / "repo")
    dom = render_in_browser(run_tpm(repo, "report", "--today", "2026-11-27").out, tmp_path)
    assert state_of(dom) == "drawn:1"
    assert "<table>" in dom and "Syntax error" not in dom


def test_hostile_titles_neither_break_the_chart_nor_inject_html(tmp_path):
    files = {}
    for number, title in enumerate(HOSTILE, start=1):
        quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        files[f"project/milestones/M-{number}-x.md"] = (
            f"---\nid: M-{number}\ntitle: {quoted}\nstatus: in-progress\ndue: 2026-12-{number:02d}\n---\n"
            f"## Checkpoints\n\n- [ ] 2026-12-01 {title.splitlines()[0]}\n"
        )
    repo = make_repo(tmp_path / "repo", files)
    dom = render_in_browser(run_tpm(repo, "report", "--today", "2026-11-27").out, tmp_path)
    assert state_of(dom) == "drawn:1"
    body = dom.split("<body", 1)[1]
    assert "<script>alert(1)" not in body and "alert(1)</script>" not in body

"""Issue pages render Markdown as github.com does: alerts, Mermaid blocks, scrolling tables;
the page loads the sandbox's own copy of mermaid.js, or says why the charts stay source."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from loopwatch_sandbox import SandboxConfig, create_app
from loopwatch_sandbox.pages import render_markdown

from bot.core.render.goal_blocks import mermaid_chart
from bot.core.steering.goal import RunPoint

KINDS = ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"]


@pytest.mark.parametrize("kind", KINDS)
def test_alerts_become_callouts_with_their_title(kind: str) -> None:
    html = render_markdown(f"> [!{kind}]\n> Mind the **gap**.")
    assert f'<div class="markdown-alert markdown-alert-{kind.lower()}">' in html
    assert f'<p class="markdown-alert-title">{kind.capitalize()}</p>' in html
    assert "<strong>gap</strong>" in html
    assert f"[!{kind}]" not in html and "<blockquote>" not in html


def test_a_plain_quote_and_an_unknown_marker_stay_quotes() -> None:
    html = render_markdown("> just a quote\n\n> [!FOOTNOTE]\n> not an alert")
    assert html.count("<blockquote>") == 2
    assert "markdown-alert" not in html


def test_mermaid_blocks_are_left_for_mermaid_js_and_escaped() -> None:
    chart = mermaid_chart([RunPoint(run_id=7, passed=3, failed=1, total=4)], target=5)
    html = render_markdown(chart + '\n```mermaid\ngraph LR\n  a["<script>x</script>"] --> b\n```')
    assert html.count('<pre class="mermaid">') == 2
    assert "xychart-beta" in html and "language-mermaid" not in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_other_code_blocks_keep_their_language() -> None:
    html = render_markdown("```python\nx = 1 < 2\n```")
    assert '<pre><code class="language-python">x = 1 &lt; 2' in html


def test_tables_sit_in_a_scrolling_wrapper() -> None:
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |")
    assert html.startswith('<div class="table-wrap"><table>')
    assert html.rstrip().endswith("</table>\n</div>")


async def _issue_page(config: SandboxConfig, body: str) -> httpx.Response:
    app = create_app(config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url=config.base_url
    ) as client:
        await client.post("/_sandbox/repos", json={"full_name": "acme/widgets"})
        issue = {"user": "octocat", "title": "chart", "body": body}
        assert (await client.post("/_sandbox/repos/acme/widgets/issues", json=issue)).is_success
        return await client.get("/acme/widgets/issues/1")


async def _get(config: SandboxConfig, path: str) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(create_app(config)), base_url=config.base_url
    ) as client:
        return await client.get(path)


CHART = "```mermaid\ngraph LR\n  a --> b\n```"


@pytest.mark.anyio
async def test_a_page_with_a_chart_loads_the_local_mermaid_copy(
    config: SandboxConfig, tmp_path: Path
) -> None:
    script = tmp_path / "mermaid.min.js"
    script.write_text("window.mermaid = {initialize() {}};")
    config.mermaid_js = script
    page = (await _issue_page(config, CHART)).text
    assert "<script src='/_sandbox/assets/mermaid.min.js'></script>" in page
    assert "no local copy of mermaid.js" not in page
    served = await _get(config, "/_sandbox/assets/mermaid.min.js")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    assert served.text == script.read_text()
    assert "mermaid.min.js" not in (await _issue_page(config, "no chart here")).text


@pytest.mark.anyio
async def test_without_mermaid_the_page_says_how_to_get_it(config: SandboxConfig) -> None:
    config.mermaid_js = None
    page = (await _issue_page(config, CHART)).text
    assert "<script" not in page
    assert "no local copy of mermaid.js" in page and "make mermaid" in page
    assert '<pre class="mermaid">graph LR' in page  # the source stays readable
    assert (await _get(config, "/_sandbox/assets/mermaid.min.js")).status_code == 404

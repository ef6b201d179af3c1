"""An issue page in a real browser: the tracking issue's Mermaid chart is drawn, alerts are
GitHub's callouts, a wide table scrolls in its card, and nothing is fetched from outside."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from loopwatch_sandbox import SandboxConfig, generate_rsa_keypair
from loopwatch_sandbox.config import MERMAID_JS_ENV, find_mermaid_js
from loopwatch_sandbox.server import BackgroundSandbox

from bot.core.render.goal_blocks import mermaid_chart
from bot.core.steering.goal import RunPoint
from tests.plugins.env import in_ci
from tests.sandbox.headless import HeadlessChromium, chromium_or_skip

WIDE_TABLE = "\n".join(
    [
        "| " + " | ".join(f"tests/integration/test_module_{i}.py::test_case" for i in range(12)),
        "|" + "---|" * 12,
        "| " + " | ".join("passed" for _ in range(12)),
    ]
)
BODY = (
    "The goal: every integration test passes.\n\n"
    + mermaid_chart(
        [RunPoint(run_id=n, passed=n * 3, failed=30 - n * 3, total=30) for n in range(1, 8)],
        target=30,
    )
    + "\n> [!WARNING]\n> Two tests fail on every run since `3f2a9c1`.\n\n"
    + WIDE_TABLE
    + "\n"
)
PAGE_FACTS = """(() => {
  const chart = document.querySelector('pre.mermaid svg');
  const alert = document.querySelector('.markdown-alert');
  const wrap = document.querySelector('.table-wrap');
  return {
    chartBars: chart ? chart.querySelectorAll('rect').length : 0,
    chartText: chart ? chart.textContent : '',
    alertClass: alert ? alert.className : '',
    alertTitle: alert ? alert.querySelector('.markdown-alert-title').textContent : '',
    alertColour: alert ? getComputedStyle(alert).borderLeftColor : '',
    bodyText: document.body.innerText,
    pageWidth: document.documentElement.scrollWidth,
    viewportWidth: window.innerWidth,
    tableWidth: wrap.scrollWidth,
    tableBoxWidth: wrap.clientWidth,
  };
})()"""


def mermaid_or_skip() -> Path:
    found = find_mermaid_js()
    if found is None:
        message = f"no local mermaid.js (run `make mermaid`, or set {MERMAID_JS_ENV})"
        if in_ci():
            pytest.fail(message + " (CI=true: the browser checks must run)")
        pytest.skip(reason=message)
    return found


@pytest.mark.parametrize("viewport_width", [1000, 420])
def test_issue_page_renders_like_github(tmp_path: Path, viewport_width: int) -> None:
    browser_binary = chromium_or_skip()
    config = SandboxConfig(
        app_id=1, app_public_key_pem=generate_rsa_keypair()[1], mermaid_js=mermaid_or_skip()
    )
    with BackgroundSandbox(config) as sandbox:
        admin = httpx.Client(base_url=sandbox.url, timeout=10)
        assert admin.post("/_sandbox/repos", json={"full_name": "acme/widgets"}).is_success
        issue = {"user": "octocat", "title": "Goal: integration tests green", "body": BODY}
        opened = admin.post("/_sandbox/repos/acme/widgets/issues", json=issue)
        assert opened.status_code == 201, opened.text
        browser = HeadlessChromium(browser_binary, tmp_path / "profile", width=viewport_width)
        try:
            browser.open(f"{sandbox.url}/acme/widgets/issues/1")
            drawn = browser.wait_for("document.querySelector('pre.mermaid svg') !== null")
            facts = browser.evaluate(PAGE_FACTS)
            browser.screenshot(tmp_path / f"issue-{viewport_width}.png")
        finally:
            browser.close()

    assert drawn, "the Mermaid block was not drawn as a chart"
    assert facts["chartBars"] >= 7  # one bar per run
    assert "Syntax error" not in facts["chartText"]
    assert "Tests passed (bars)" in facts["chartText"]
    assert "xychart-beta" not in facts["bodyText"]  # no chart source left on the page
    assert facts["alertClass"] == "markdown-alert markdown-alert-warning"
    assert facts["alertTitle"] == "Warning"
    assert facts["alertColour"] == "rgb(154, 103, 0)"  # GitHub's warning colour
    assert "[!WARNING]" not in facts["bodyText"]
    assert facts["tableWidth"] > facts["tableBoxWidth"]  # the table is wider than its card…
    assert facts["pageWidth"] <= facts["viewportWidth"]  # …and scrolls there, not the page
    outside = [u for u in browser.requested_urls if not u.startswith(sandbox.url)]
    assert outside == []
    assert f"{sandbox.url}/_sandbox/assets/mermaid.min.js" in browser.requested_urls

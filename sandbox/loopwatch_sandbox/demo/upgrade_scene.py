"""The demo's signature-upgrade scene: the repository pins ``signature_version: 1`` (the
grouping it has had), two different timeouts become one "Timeout" issue; the pin is lifted,
and version 2 tells them apart: the old issue keeps its number and one of the two, a new
issue takes the other, and the old issue says so once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loopwatch_sandbox.demo.five_whys_scene import full_sha
from loopwatch_sandbox.demo.fix_in_build_scene import CONFIG
from loopwatch_sandbox.demo.fixtures import DEMO_REPO, DemoFailure

if TYPE_CHECKING:
    from loopwatch_sandbox.demo.scenario import Sandbox, Story
    from loopwatch_sandbox.demo.stack import DemoStack

# New commits on main (a test that passed on a commit and fails on it is flaky, not new).
PINNED_COMMIT, UPGRADED_COMMIT = full_sha("f3a4b5c"), full_sha("a4b5c6d")
SELENIUM_WAIT = DemoFailure(
    "tests/e2e/staging/test_3_agent_pipeline_staging.py::test_pipeline_end_to_end",
    "selenium.common.exceptions.TimeoutException: Message: timed out waiting for #checkout",
    "tests/e2e/staging/test_3_agent_pipeline_staging.py:40: in test_pipeline_end_to_end\n"
    "E   selenium.common.exceptions.TimeoutException: Message: timed out waiting for #checkout",
)
READ_TIMEOUT = DemoFailure(
    "tests/e2e/test_real_agent_tool_execution.py::test_real_tool_usage",
    "requests.exceptions.ReadTimeout: HTTPConnectionPool(host='api.internal', port=8080): "
    "Read timed out. (read timeout=5)",
    "tests/e2e/test_real_agent_tool_execution.py:12: in test_real_tool_usage\n"
    "E   requests.exceptions.ReadTimeout: Read timed out. (read timeout=5)",
)
SPLIT_NOTE = "Signature version 2 tells apart"


def _configure(sandbox: Sandbox, text: str) -> None:
    sandbox.admin(
        "PUT", f"/repos/{DEMO_REPO}/files", json={"path": ".github/loopwatch.yml", "content": text}
    )


def _timeout_issues(sandbox: Sandbox, known: set[int]) -> list[dict[str, Any]]:
    return [
        i
        for i in sandbox.issues()
        if "loopwatch:failure" in i["labels"] and i["number"] not in known
    ]


def signature_upgrade(story: Story, stack: DemoStack, sandbox: Sandbox, upload: Any) -> None:
    """``upload(name, failures, **metadata)`` sends a run like the rest of the demo."""
    story.step(
        "The repository pins `signature_version: 1`; a Selenium wait and a requests "
        "ReadTimeout fail in one run"
    )
    known = {i["number"] for i in sandbox.issues()}
    _configure(sandbox, CONFIG + "signature_version: 1\n")
    failures = [SELENIUM_WAIT, READ_TIMEOUT]
    upload(
        "run-pinned",
        failures,
        workflow_run_id=1020,
        commit_sha=PINNED_COMMIT,
        finished_at="2025-09-16T09:00:00Z",
    )
    stack.drain()
    pinned = _timeout_issues(sandbox, known)
    story.check(
        len(pinned) == 1 and pinned[0]["title"].startswith("Timeout"),
        "version 1 files both under one issue: "
        + (f"#{pinned[0]['number']} {pinned[0]['title']}" if pinned else "none"),
    )
    if len(pinned) != 1:
        return
    old = pinned[0]["number"]

    story.step("The pin is lifted (signature version 2 from the next run on); both fail again")
    _configure(sandbox, CONFIG)
    upload(
        "run-upgraded",
        failures,
        workflow_run_id=1021,
        commit_sha=UPGRADED_COMMIT,
        finished_at="2025-09-16T10:00:00Z",
    )
    stack.drain()
    issues = {i["number"]: i for i in _timeout_issues(sandbox, known)}
    new = [number for number in issues if number != old]
    notes = [c["body"] for c in issues.get(old, {}).get("comments", []) if SPLIT_NOTE in c["body"]]
    story.check(
        old in issues and len(new) == 1,
        f"#{old} keeps its number (now: {issues.get(old, {}).get('title')}); "
        f"the other timeout has its own issue #{new[0] if new else '?'}",
    )
    story.check(
        len(notes) == 1 and bool(new) and f"#{new[0]}" in notes[0],
        f"#{old} says once that version 2 tells the two apart, naming #{new[0] if new else '?'}",
    )
    if notes:
        print("\n    " + "\n    ".join(notes[0].splitlines()[:3]))

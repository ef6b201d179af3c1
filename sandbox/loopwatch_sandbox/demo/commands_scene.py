"""The demo's slash-command scene: people triage the returning 1011 from its issue."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from loopwatch_sandbox.demo.fixtures import DEMO_REPO, FAILING_RUN_1, FOCUS

if TYPE_CHECKING:
    from loopwatch_sandbox.demo.scenario import Sandbox, Story
    from loopwatch_sandbox.demo.stack import DemoStack

FIVE_WHYS = """/five-whys
1. Why did the 1011 come back in run 5? -> Staging moved to europe-west1
2. Why did the move break the WebSocket? -> The new service lacks the E2E env vars
root cause: E2E env vars are set by hand per region
fix: Propagate the E2E env vars from the deploy pipeline @ana due 2025-09-20"""


def _comment(stack: DemoStack, sandbox: Sandbox, number: int, user: str, body: str) -> int:
    made = sandbox.admin(
        "POST", f"/repos/{DEMO_REPO}/issues/{number}/comments", json={"user": user, "body": body}
    )
    stack.drain()
    return int(made["comment"]["id"])


def _issue(sandbox: Sandbox, number: int) -> dict[str, Any]:
    return next(i for i in sandbox.issues() if i["number"] == number)


def _replies(sandbox: Sandbox, number: int) -> list[str]:
    comments = _issue(sandbox, number)["comments"]
    return [c["body"] for c in comments if c["user"].endswith("[bot]")]


def _reactions(sandbox: Sandbox, number: int, comment_id: int) -> list[str]:
    comment = next(c for c in _issue(sandbox, number)["comments"] if c["id"] == comment_id)
    return list(comment["reactions"])


def triage_with_commands(
    story: Story,
    stack: DemoStack,
    sandbox: Sandbox,
    upload: Any,
    *,
    failure: int,
    tracking: int,
    out: Path,
) -> None:
    """``upload(name, failures, **metadata)`` sends a run like the rest of the demo."""
    story.step("People triage in the issue with slash commands (ana: write, rob: read)")
    sandbox.admin("PUT", f"/repos/{DEMO_REPO}/collaborators/ana", json={"permission": "write"})
    sandbox.admin("POST", "/users", json={"login": "rob"})
    sandbox.admin("PUT", f"/repos/{DEMO_REPO}/collaborators/rob", json={"permission": "read"})

    before = len(_replies(sandbox, failure))
    refused = _comment(stack, sandbox, failure, "rob", "/resolve fixed on my machine")
    reply = _replies(sandbox, failure)[before:]
    story.check(
        bool(reply) and "> /resolve fixed on my machine" in reply[0] and "**write**" in reply[0],
        "rob (read) types /resolve: refused, with a reply quoting the command",
    )
    story.check(
        _reactions(sandbox, failure, refused) == ["eyes", "confused"], "👀 then 😕 on his comment"
    )

    _comment(stack, sandbox, failure, "ana", "/status")
    status = _replies(sandbox, failure)[-1]
    story.check(
        "* state: **open**" in status and "1 regression" in status,
        "ana types /status: the cluster's state and its regression, replied",
    )
    print("\n    " + "\n    ".join(status.splitlines()[:8]))

    _comment(stack, sandbox, failure, "ana", FIVE_WHYS)
    body = _issue(sandbox, failure)["body"]
    story.check(
        "E2E env vars are set by hand per region" in body and "Draft by Loopwatch" not in body,
        "ana's /five-whys replaces Loopwatch's draft, with her root cause and fix",
    )

    muted = _comment(stack, sandbox, failure, "ana", "/mute for 7d waiting on the deploy fix")
    issue = _issue(sandbox, failure)
    story.check("muted" in issue["labels"], f"/mute: #{failure} labelled `muted`")
    story.check(
        _reactions(sandbox, failure, muted) == ["eyes", "+1"],
        "👀 then 👍, and a reply saying when the mute ends",
    )
    tracking_body = _issue(sandbox, tracking)["body"]
    story.check("ana muted" in tracking_body, "the tracking issue's session log shows who muted it")

    run = sandbox.admin(
        "POST",
        f"/repos/{DEMO_REPO}/actions/runs",
        json={"head_sha": "f6a7b8c" + "0" * 33, "name": "e2e-staging"},
    )
    comments_before = len(_issue(sandbox, failure)["comments"])
    story.step("Run 7 fails with the muted 1011 again")
    upload(
        "run-7",
        FAILING_RUN_1[:1],
        only=FOCUS,
        workflow_run_id=run["run_id"],
        commit_sha="f6a7b8c" + "0" * 33,
        finished_at="2025-09-13T08:00:00Z",
    )
    stack.drain()
    story.check(
        len(_issue(sandbox, failure)["comments"]) == comments_before,
        "muted: counted in the tracking issue, nothing posted on the failure issue",
    )
    _comment(stack, sandbox, tracking, "ana", "/rerun")
    runs = sandbox.admin("GET", "/state")["repos"]
    requests = next(
        (
            w["rerun_requests"]
            for r in runs
            if r["full_name"] == DEMO_REPO
            for w in r["workflow_runs"]
            if w["id"] == run["run_id"]
        ),
        0,
    )
    story.check(requests == 1, "ana types /rerun on the tracking issue: run 7's failed jobs re-run")

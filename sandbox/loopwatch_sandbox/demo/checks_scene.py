"""The demo's pull-request scene: a check run that tells new failures from old ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loopwatch_sandbox.demo.fixtures import DEMO_CAMPAIGN, DEMO_REPO, FAILING_RUN_1

if TYPE_CHECKING:
    from loopwatch_sandbox.demo.scenario import Sandbox, Story
    from loopwatch_sandbox.demo.stack import DemoStack

HEAD_SHA = "a7b8c9d" + "0" * 33


def _regression_comments(sandbox: Sandbox) -> int:
    return sum(
        1
        for issue in sandbox.issues()
        for comment in issue["comments"]
        if "loopwatch:comment key=regression:" in comment["body"]
    )


def pull_request_check(story: Story, stack: DemoStack, sandbox: Sandbox, upload: Any) -> None:
    """``upload(name, failures, **metadata)`` sends a run like the rest of the demo."""
    story.step("bo opens a pull request; its CI run breaks context isolation")
    sandbox.admin("POST", "/users", json={"login": "bo"})
    made = sandbox.admin(
        "POST",
        f"/repos/{DEMO_REPO}/pulls",
        json={"user": "bo", "title": "Refactor the session store", "head_sha": HEAD_SHA},
    )
    number = made["pull_request"]["number"]
    regressions_before = _regression_comments(sandbox)
    upload(
        "run-8",
        [FAILING_RUN_1[0], FAILING_RUN_1[2]],
        branch="refactor-session-store",
        pull_request=number,
        commit_sha=HEAD_SHA,
        finished_at="2025-09-13T09:00:00Z",
    )
    stack.drain()
    state = sandbox.admin("GET", "/state")
    repo = next(r for r in state["repos"] if r["full_name"] == DEMO_REPO)
    checks = [c for c in repo["check_runs"] if c["head_sha"] == HEAD_SHA]
    story.check(len(checks) == 1, f"PR #{number}: one check run on its head commit")
    if not checks:
        return
    check = checks[0]
    story.say(f"{check['name']}: {check['conclusion']} — {check['output']['title']}")
    title = check["output"]["title"]
    story.check(
        "1 new failure" in title and "1 still failing" in title,
        "compared with main's latest run: the context leak is new, the 1011 was already failing",
    )
    levels = sorted(a["annotation_level"] for a in check["annotations"])
    story.check(
        levels == ["failure", "warning"],
        "annotations: `failure` on the new failure's line, `warning` on the old one",
    )
    story.check(
        _regression_comments(sandbox) == regressions_before,
        "a pull request's failure is no regression of main: no issue reopened or commented",
    )
    story.check(
        check["name"] == f"Loopwatch / {DEMO_CAMPAIGN}" and check["conclusion"] == "failure",
        "the check run fails the pull request",
    )
    summary = check["output"]["summary"]
    print("\n    " + "\n    ".join(summary.splitlines()[:14]))

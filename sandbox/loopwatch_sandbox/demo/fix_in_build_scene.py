"""The demo's "fix not in this build" scene: the 1011 is fixed by a merged pull request,
then fails on a release branch cut before the fix (a known failure: no reopen, no
regression comment; the check run says so), then on main after the fix (a regression)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loopwatch_sandbox.demo.five_whys_scene import full_sha
from loopwatch_sandbox.demo.fixtures import DEMO_CONFIG, DEMO_REPO, FAILING_RUN_1

if TYPE_CHECKING:
    from loopwatch_sandbox.demo.scenario import Sandbox, Story
    from loopwatch_sandbox.demo.stack import DemoStack

RELEASE = "release/2025.09"
FIX = full_sha("d1e2f3a")  # on main: the fix, merged as PR #142
AFTER_FIX = full_sha("e2f3a4b")  # on main, after the fix
ON_RELEASE = full_sha("f0a1b2c")  # on the release branch, cut from c3d4e5f (before it)
CONFIG = DEMO_CONFIG + f'failures:\n  only_branches: [main, "{RELEASE}"]\n'


def _regressions(issue: dict[str, Any]) -> int:
    marker = "loopwatch:comment key=regression:"
    return sum(1 for c in issue["comments"] if marker in c["body"])


def _issue(sandbox: Sandbox, number: int) -> dict[str, Any]:
    return next(i for i in sandbox.issues() if i["number"] == number)


def _check(sandbox: Sandbox, sha: str) -> dict[str, Any] | None:
    state = sandbox.admin("GET", "/state")
    repo = next(r for r in state["repos"] if r["full_name"] == DEMO_REPO)
    return next((c for c in repo["check_runs"] if c["head_sha"] == sha), None)


def _history(sandbox: Sandbox) -> None:
    commits = [
        {"sha": FIX, "message": "Pin the WebSocket auth middleware (#142)", "author": "ana"},
        {"sha": AFTER_FIX, "message": "Bump the agent SDK", "author": "rob"},
        {
            "sha": ON_RELEASE,
            "message": "Release 2025.09: changelog",
            "author": "rob",
            "branch": RELEASE,
            "parents": [full_sha("c3d4e5f")],
        },
    ]
    for commit in commits:
        sandbox.admin("POST", f"/repos/{DEMO_REPO}/commits", json=commit)
    sandbox.admin(
        "PUT",
        f"/repos/{DEMO_REPO}/files",
        json={"path": ".github/loopwatch.yml", "content": CONFIG},
    )


def fix_not_in_this_build(
    story: Story, stack: DemoStack, sandbox: Sandbox, upload: Any, *, failure: int
) -> None:
    """``upload(name, failures, **metadata)`` sends a run like the rest of the demo."""
    story.step(
        f"PR #142 merges the 1011 fix ({FIX[:7]}) and closes #{failure}; {RELEASE}, cut "
        "before it, runs the loop too (failures.only_branches)"
    )
    _history(sandbox)
    sandbox.admin(
        "POST",
        f"/repos/{DEMO_REPO}/issues/{failure}/close",
        json={"user": "ana", "pull_request": 142, "commit_id": FIX},
    )
    stack.drain()
    before = _regressions(_issue(sandbox, failure))
    upload(
        "run-release",
        FAILING_RUN_1[:1],
        branch=RELEASE,
        workflow_run_id=1010,
        commit_sha=ON_RELEASE,
        finished_at="2025-09-15T09:00:00Z",
    )
    stack.drain()
    issue = _issue(sandbox, failure)
    story.check(
        issue["state"] == "closed" and _regressions(issue) == before,
        f"the 1011 fails on {RELEASE} at {ON_RELEASE[:7]}: GitHub's compare says the fix is "
        "not in that build, so no reopen and no regression comment",
    )
    check = _check(sandbox, ON_RELEASE) or {"output": {"title": "", "summary": ""}}
    title, summary = check["output"]["title"], check["output"]["summary"]
    story.check(
        "known failure (fix not in this build)" in title
        and f"fix {FIX[:7]} not in this build" in summary,
        f"the release branch's check run: known failure, fix {FIX[:7]} not in this build",
    )
    story.check(
        f"known failure, fix {FIX[:7]} not in this build" in issue["body"],
        f"#{failure}'s history records it as a known failure, not a regression",
    )
    story.say(f"check run: {title}")
    rows = [line for line in summary.splitlines() if line.startswith("| `")]
    print("\n    " + "\n    ".join(row[:220] for row in rows[-1:]))

    story.step(f"main at {AFTER_FIX[:7]} (it contains the fix) fails with the 1011 again")
    upload(
        "run-after-fix",
        FAILING_RUN_1[:1],
        workflow_run_id=1011,
        commit_sha=AFTER_FIX,
        finished_at="2025-09-15T10:00:00Z",
    )
    stack.drain()
    issue = _issue(sandbox, failure)
    said = f"**The fix is in this build:** {AFTER_FIX[:7]} contains {FIX[:7]}."
    story.check(
        issue["state"] == "open"
        and _regressions(issue) == before + 1
        and said in issue["comments"][-1]["body"],
        f"#{failure} reopened with one regression comment: {AFTER_FIX[:7]} contains {FIX[:7]}",
    )

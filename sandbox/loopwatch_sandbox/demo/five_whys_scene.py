"""The demo's five-whys moments: Loopwatch's draft from evidence on the 1011 issue, and a
confirmed fix that does not hold."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loopwatch_sandbox.demo.fixtures import DEMO_REPO, FAILING_RUN_1, FOCUS

if TYPE_CHECKING:
    from loopwatch_sandbox.demo.scenario import Sandbox, Story
    from loopwatch_sandbox.demo.stack import DemoStack

# The commits the demo's runs name, oldest first: (sha, message, author, files).
COMMITS = [
    ("9f1c2ab", "Golden path e2e loop: data agent pipeline", "ana", ["tests/e2e/test_pipeline.py"]),
    ("a1b2c3d", "Install SessionMiddleware before auth", "ana", ["app/middleware.py"]),
    ("b2c3d4e", "Fix middleware order (#140)", "ana", ["app/middleware.py", "app/main.py"]),
    ("c3d4e5f", "Docs: staging runbook", "rob", ["docs/staging.md"]),
    (
        "d4e5f6a",
        "Move staging to europe-west1",
        "rob",
        ["deploy/staging/cloudrun.yaml", "app/websocket/auth.py", "docs/staging.md"],
    ),
    ("e5f6a7b", "Log the WebSocket auth failure", "ana", ["app/websocket/auth.py"]),
    ("f6a7b8c", "Retry the deploy", "rob", []),
    ("c9d0e1f", "Propagate the E2E env vars from the deploy pipeline", "ana", [".ci/deploy.yml"]),
    ("b8c9d0e", "Rotate the staging secrets", "rob", ["deploy/staging/secrets.yaml"]),
]


def full_sha(short: str) -> str:
    return short + "0" * 33


def push_commits(sandbox: Sandbox) -> None:
    """The repository's history, so the drafts can read the commits between runs."""
    for short, message, author, files in COMMITS:
        sandbox.admin(
            "POST",
            f"/repos/{DEMO_REPO}/commits",
            json={"sha": full_sha(short), "message": message, "author": author, "files": files},
        )


def _body(sandbox: Sandbox, number: int) -> str:
    issue = next(i for i in sandbox.issues() if i["number"] == number)
    return str(issue["body"])


def _five_whys(body: str) -> str:
    if "### Five whys" not in body:
        return ""
    rest = body[body.index("### Five whys") :]
    return rest[: rest.index("### Signature")] if "### Signature" in rest else rest


def show_draft(story: Story, sandbox: Sandbox, number: int, *, regression: bool) -> None:
    """What the draft on the 1011 issue says, checked and printed."""
    draft = _five_whys(_body(sandbox, number))
    story.check(
        "**Draft by Loopwatch" in draft and "RFC 6455" in draft,
        f"#{number} carries Loopwatch's five-whys draft: the 1011 explained from RFC 6455",
    )
    if regression:
        story.check(
            "Between c3d4e5f and d4e5f6a: 1 commit changed 3 files" in draft
            and "REGION changed" in draft
            and "Has it happened before?" in draft,
            "the draft names the commit and the environment key that changed since the "
            "last green run, and how it was fixed before",
        )
    else:
        story.check(
            "never passed in the recorded runs" in draft,
            "no green run yet: the draft asks a question instead of guessing",
        )
    rows = [line for line in draft.splitlines() if line.startswith("| ") and "---" not in line]
    print("\n    " + "\n    ".join(row[:160] for row in rows[1:]))


def fix_that_did_not_hold(
    story: Story, stack: DemoStack, sandbox: Sandbox, upload: Any, *, failure: int
) -> None:
    """ana resolves the 1011 with her confirmed five-whys; run 8 brings it back."""
    story.step("ana resolves the 1011 (her five-whys names the fix); run 8 brings it back")
    sandbox.admin(
        "POST",
        f"/repos/{DEMO_REPO}/issues/{failure}/comments",
        json={"user": "ana", "body": "/resolve env vars now come from the deploy pipeline"},
    )
    stack.drain()
    upload(
        "run-8",
        FAILING_RUN_1[:1],
        only=FOCUS,
        workflow_run_id=1008,
        commit_sha=full_sha("b8c9d0e"),
        finished_at="2025-09-14T09:00:00Z",
    )
    stack.drain()
    issue = next(i for i in sandbox.issues() if i["number"] == failure)
    comments = [c["body"] for c in issue["comments"] if "This fix did not hold" in c["body"]]
    story.check(
        len(comments) == 1 and "[five-whys](" in comments[0] and "`ana` confirmed" in comments[0],
        "the regression comment says the fix did not hold and links ana's five-whys",
    )
    record = _five_whys(str(issue["body"]))
    story.check(
        "_Confirmed by `ana`" in record and "This fix did not hold:" in record,
        f"#{failure} reopened with ana's record kept, marked: the fix did not hold",
    )
    if comments:
        caution = [line for line in comments[0].splitlines() if line.startswith(">")]
        print("\n    " + "\n    ".join(caution))

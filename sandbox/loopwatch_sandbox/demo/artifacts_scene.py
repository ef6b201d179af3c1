"""The demo's zero-config scenes: a nightly workflow's artifacts become a campaign's runs
(no upload step, no token), a hostile artifact is refused, a re-run replaces results; and
an upload that authenticates with the job's OIDC token instead of a secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loopwatch_sandbox.demo.fixtures import DEMO_REPO

if TYPE_CHECKING:
    from loopwatch_sandbox.demo.scenario import Sandbox, Story
    from loopwatch_sandbox.demo.stack import DemoStack

NIGHTLY_SHA = "c0ffee1" + "0" * 33
CAMPAIGN = "nightly-smoke"


def _junit(failing: bool) -> str:
    failure = (
        '<failure type="AssertionError" message="expected 200, got 503">'
        "AssertionError: expected 200, got 503</failure>"
        if failing
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="smoke" tests="3">'
        '<testcase classname="tests.smoke.test_api" name="test_health" time="0.4" '
        'file="tests/smoke/test_api.py"/>'
        '<testcase classname="tests.smoke.test_api" name="test_checkout" time="2.1" '
        f'file="tests/smoke/test_api.py">{failure}</testcase>'
        '<testcase classname="tests.smoke.test_login" name="test_login" time="0.9" '
        'file="tests/smoke/test_login.py"/></testsuite>\n'
    )


CTRF = json.dumps(
    {
        "results": {
            "tool": {"name": "playwright"},
            "summary": {
                "tests": 2,
                "passed": 2,
                "failed": 0,
                "pending": 0,
                "skipped": 0,
                "other": 0,
                "start": 1,
                "stop": 2,
            },
            "tests": [
                {
                    "name": "cart shows totals",
                    "status": "passed",
                    "duration": 1800,
                    "filePath": "web/cart.spec.ts",
                },
                {
                    "name": "checkout pays",
                    "status": "passed",
                    "duration": 2400,
                    "filePath": "web/checkout.spec.ts",
                },
            ],
        }
    }
)


def _nightly(sandbox: Sandbox) -> dict[str, Any] | None:
    return next((i for i in sandbox.issues() if CAMPAIGN in i["title"]), None)


def nightly_artifacts(story: Story, stack: DemoStack, sandbox: Sandbox) -> None:
    story.step("The nightly workflow finishes; Loopwatch reads its artifacts (no upload step)")
    made = sandbox.admin(
        "POST",
        f"/repos/{DEMO_REPO}/actions/runs",
        json={
            "head_sha": NIGHTLY_SHA,
            "head_branch": "main",
            "name": "Nightly",
            "path": ".github/workflows/nightly.yml",
            "event": "schedule",
            "conclusion": "failure",
            "deliver": True,
            "artifacts": [
                {
                    "name": "smoke-junit",
                    "files": {"reports/smoke/junit.xml": _junit(True)},
                },
                {"name": "web-ctrf", "files": {"ctrf/report.json": CTRF}},
                {"name": "junit-extra", "files": {"../../outside.xml": _junit(False)}},
                {"name": "screenshots", "files": {"home.png": "not a test report"}},
            ],
        },
    )
    stack.drain()
    story.say(
        f"workflow run {made['run_id']} (nightly.yml): artifacts smoke-junit (nested folders), "
        "web-ctrf, junit-extra (a zip-slip path), screenshots (not test results)"
    )
    issue = _nightly(sandbox)
    story.check(
        issue is not None, f"campaign {CAMPAIGN} (artifacts.campaigns) got its tracking issue"
    )
    if issue is None:
        return
    body = issue["body"]
    story.check(
        "1 test failing" in body, "one run from both reports: 5 tests, the checkout smoke failing"
    )
    story.check(
        "expected 200, got 503" in body,
        "the smoke failure is titled by its status (signature v2 keeps the 503 it got)",
    )
    story.check(
        "junit-extra" in body and "zip-slip" in body,
        "the zip-slip artifact is refused, and the session log says so",
    )
    story.step("A person re-runs the nightly; attempt 2 uploads a green smoke-junit")
    sandbox.admin(
        "POST",
        f"/repos/{DEMO_REPO}/actions/runs/{made['run_id']}/attempts",
        json={
            "artifacts": [
                {
                    "name": "smoke-junit",
                    "files": {"reports/smoke/junit.xml": _junit(False)},
                }
            ]
        },
    )
    stack.drain()
    issue = _nightly(sandbox)
    body = issue["body"] if issue else ""
    story.check(
        "All tests passed" in body and body.count("— Run ") == 1,
        "the re-run updated the same run: all green now, still one run in the session log",
    )


def oidc_upload(story: Story, stack: DemoStack, sandbox: Sandbox, workdir: Path) -> None:
    """A workflow uploads with its job's OIDC token: no LOOPWATCH_TOKEN secret at all."""
    from bot.adapters.store.db import transaction
    from bot.adapters.store.models import Run
    from bot.cli.upload import UploadError, upload, upload_credential

    story.step(
        "A smoke job uploads with its OIDC token (`permissions: id-token: write`), no secret"
    )
    job = sandbox.admin(
        "POST",
        "/oidc/request-tokens",
        json={
            "repository": DEMO_REPO,
            "workflow": "Smoke",
            "ref": "refs/heads/main",
            "sha": NIGHTLY_SHA,
            "run_id": 4242,
            "run_attempt": 1,
        },
    )
    runner = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": job["request_url"],
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": job["request_token"],
    }
    credential = upload_credential(None, "loopwatch", env=runner)
    report = workdir / "smoke-oidc.xml"
    report.write_text(_junit(False))
    answer = upload(
        stack.web_url,
        credential,
        [report],
        {"repository": DEMO_REPO, "campaign": CAMPAIGN, "workflow": "forged", "branch": "x"},
    )
    stack.drain()
    with transaction(stack.session_factory) as session:
        run = session.get_one(Run, answer["run_id"])
        facts = (run.workflow, run.workflow_run_id, run.branch)
    story.say(f"run {answer['run_id']}: workflow, run id, branch = {facts} (from the token)")
    story.check(
        facts == ("Smoke", 4242, "main"),
        "accepted with no secret; the signed claims, not the client, named workflow and branch",
    )
    try:
        upload(stack.web_url, credential, [report], {"repository": "netra-systems/other"})
        refused = ""
    except UploadError as exc:
        refused = str(exc)
    story.say(f"the same token for another repository: {refused[:110]}")
    story.check("403" in refused, "a token is good only for its own repository (403)")

"""``loopwatch demo``: a complete scenario against the built-in sandbox, told as it happens."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from bot.adapters.store.db import transaction
from bot.adapters.tokens import create_upload_token
from bot.cli.upload import upload
from loopwatch_sandbox.assets import MERMAID_URL
from loopwatch_sandbox.demo.artifacts_scene import nightly_artifacts, oidc_upload
from loopwatch_sandbox.demo.checks_scene import pull_request_check
from loopwatch_sandbox.demo.commands_scene import triage_with_commands
from loopwatch_sandbox.demo.five_whys_scene import fix_that_did_not_hold, push_commits, show_draft
from loopwatch_sandbox.demo.fix_in_build_scene import fix_not_in_this_build
from loopwatch_sandbox.demo.fixtures import (
    DEMO_ANALYSIS,
    DEMO_CAMPAIGN,
    DEMO_CONFIG,
    DEMO_REPO,
    FAILING_RUN_1,
    FOCUS,
    DemoFailure,
    junit_report,
)
from loopwatch_sandbox.demo.stack import DemoStack, demo_stack
from loopwatch_sandbox.demo.upgrade_scene import signature_upgrade

STAGING = {"ENVIRONMENT": "staging", "REGION": "us-central1"}
# Run 4's staging suites answer in milliseconds: mocks, not the staging services.
MOCKED = frozenset(
    {
        "tests/e2e/staging/test_4_agent_orchestration_staging.py",
        "tests/e2e/staging/test_10_critical_path_staging.py",
    }
)
RUN_1: dict[str, Any] = {
    "commit_sha": "9f1c2ab" + "0" * 33,
    "workflow": "e2e-staging",
    "workflow_run_id": 1001,
    "run_attempt": 1,
    "started_at": "2025-09-10T19:49:00Z",
    "finished_at": "2025-09-10T19:52:00Z",
    "environment": {"ENVIRONMENT": "staging", "REGION": "us-central1"},
    "analysis": DEMO_ANALYSIS,
    "idempotency_key": "demo-run-1",
}
NOTE = "**Notes (ana):** staging redeployed at 20:10 with the middleware fix."


@dataclass
class Story:
    """Prints each step and remembers whether every promise held."""

    failures: list[str] = field(default_factory=list)

    def step(self, text: str) -> None:
        print(f"\n▶ {text}")

    def say(self, text: str) -> None:
        print(f"  {text}")

    def check(self, ok: bool, text: str) -> None:
        print(f"  {'✔' if ok else '✘'} {text}")
        if not ok:
            self.failures.append(text)


class Sandbox:
    """The sandbox's admin API, as the demo uses it."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"/_sandbox{path}", **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def issues(self) -> list[dict[str, Any]]:
        state = self.admin("GET", "/state")
        for repo in state["repos"]:
            if repo["full_name"] == DEMO_REPO:
                return list(repo["issues"])
        return []

    def write_log(self) -> list[dict[str, Any]]:
        """Every write the App made to the GitHub API (the sandbox's request log)."""
        return list(self.admin("GET", "/requests", params={"mutating": "true"}))

    def writes(self) -> int:
        return len(self.write_log())


def _upload(
    stack: DemoStack,
    token: str,
    workdir: Path,
    name: str,
    failures: list[DemoFailure],
    *,
    idempotency_key: str | None = None,
    only: frozenset[str] | None = None,
    **meta: Any,
) -> dict[str, Any]:
    """Upload a run of the demo suites (``only``: just those suites ran)."""
    path = workdir / f"{name}.xml"
    path.write_bytes(junit_report(failures, only=only))
    metadata = {
        "repository": DEMO_REPO,
        "campaign": DEMO_CAMPAIGN,
        "branch": "main",
        "environment": STAGING,
        **meta,
    }
    return upload(stack.web_url, token, [path], metadata, idempotency_key=idempotency_key)


def run_demo(*, dump_state: Path | None, keep_serving: bool, out: Path) -> int:
    story = Story()
    print("Loopwatch demo — a GitHub sandbox, the Loopwatch web service and a worker, all local")
    with demo_stack(out) as stack:
        sandbox = Sandbox(stack.sandbox_url)
        story.say(f"sandbox (GitHub API + issue pages): {stack.sandbox_url}")
        story.say(f"loopwatch web (uploads, webhooks):   {stack.web_url}")
        story.say(f"database:                           {stack.settings.database_url}")
        ready = httpx.get(f"{stack.web_url}/readyz", timeout=30).json()
        reader = ready["checks"]["junit_reader"]["detail"]
        story.say(f"JUnit case reader (GET /readyz):    {reader}")
        _scenario(story, stack, sandbox, out)
        state = sandbox.admin("GET", "/state")
        _save(out, dump_state, state, sandbox)
        if keep_serving:
            print(f"\nServing the sandbox at {stack.sandbox_url} — Ctrl-C to stop.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    if story.failures:
        print(f"\n✘ the demo did not go as promised: {len(story.failures)} check(s) failed")
        return 1
    print("\n✔ demo complete")
    return 0


def _scenario(story: Story, stack: DemoStack, sandbox: Sandbox, out: Path) -> None:
    token = _set_up(story, stack, sandbox)
    tracking = _first_run(story, stack, sandbox, token, out)
    if tracking is None:
        return
    _retry(story, stack, sandbox, token, out)
    _people(story, stack, sandbox, tracking)
    _burst(story, stack, sandbox, token, out)
    _broken_report(story, stack, token, out)
    _regression(story, stack, sandbox, token, out)
    ws = _find(sandbox.issues(), "WebSocket closed 1011")
    uploader = partial(_upload, stack, token, out)
    if ws is not None:
        triage_with_commands(
            story,
            stack,
            sandbox,
            uploader,
            failure=ws["number"],
            tracking=tracking["number"],
            out=out,
        )
        fix_that_did_not_hold(story, stack, sandbox, uploader, failure=ws["number"])
    _steering(story, sandbox)
    pull_request_check(story, stack, sandbox, uploader)
    nightly_artifacts(story, stack, sandbox)
    oidc_upload(story, stack, sandbox, out)
    if ws is not None:
        fix_not_in_this_build(story, stack, sandbox, uploader, failure=ws["number"])
    signature_upgrade(story, stack, sandbox, uploader)


def _set_up(story: Story, stack: DemoStack, sandbox: Sandbox) -> str:
    story.step(f"GitHub: repository {DEMO_REPO} with the App installed and a config file")
    sandbox.admin("POST", "/repos", json={"full_name": DEMO_REPO, "default_branch": "main"})
    sandbox.admin(
        "PUT",
        f"/repos/{DEMO_REPO}/files",
        json={"path": ".github/loopwatch.yml", "content": DEMO_CONFIG},
    )
    sandbox.admin("POST", "/users", json={"login": "ana"})
    story.say(
        ".github/loopwatch.yml: campaign golden-path-staging — mission, strategy, goal, "
        "4 phases, 4 criteria (one: staging suites must take 30 s or more)"
    )
    push_commits(sandbox)
    story.say("the repository's history: 9 commits, 9f1c2ab … b8c9d0e")
    story.step("An upload token for CI (`loopwatch token create --repo …`)")
    with transaction(stack.session_factory) as session:
        token = create_upload_token(session, DEMO_REPO, "demo CI")
    story.say(f"token {token[:10]}… (stored hashed, shown once)")
    return token


def _first_run(
    story: Story, stack: DemoStack, sandbox: Sandbox, token: str, out: Path
) -> dict[str, Any] | None:
    story.step("Run 1 uploaded: 17 e2e tests, WebSocket 1011 in two, a context leak, a five-whys")
    first = _upload(stack, token, out, "run-1", FAILING_RUN_1, **RUN_1)
    story.say(f"server answered: run {first['run_id']} {first['status']}")
    stack.drain()
    issues = sandbox.issues()
    tracking = _find(issues, "Golden path")
    ws = _find(issues, "WebSocket closed 1011")
    story.check(tracking is not None, "the campaign's tracking issue was created")
    story.check(ws is not None, "a failure issue was opened for the 1011 signature")
    story.check(len(issues) == 2, f"one new failure issue per run at most ({len(issues)} issues)")
    if tracking is None or ws is None:
        return None
    story.say(f"#{tracking['number']} {tracking['title']}  [{', '.join(tracking['labels'])}]")
    story.say(f"#{ws['number']} {ws['title']}  [{', '.join(ws['labels'])}]")
    story.check("| Phase" in tracking["body"], "the tracking issue carries the phase table")
    show_draft(story, sandbox, ws["number"], regression=False)
    story.check(
        "no issue yet" in tracking["body"],
        "the context-leak cluster waits in the tracking issue's findings (issue cap per run)",
    )
    return tracking


def _retry(story: Story, stack: DemoStack, sandbox: Sandbox, token: str, out: Path) -> None:
    story.step("CI retries the same upload (same Idempotency-Key)")
    before = sandbox.writes()
    again = _upload(stack, token, out, "run-1", FAILING_RUN_1, **RUN_1)
    stack.drain()
    story.check(again["run_id"] == 1, f"same run {again['run_id']} returned")
    story.check(sandbox.writes() == before, "zero GitHub writes")


def _people(story: Story, stack: DemoStack, sandbox: Sandbox, tracking: dict[str, Any]) -> None:
    story.step("ana comments, and writes her own notes above the bot's section")
    number = tracking["number"]
    sandbox.admin(
        "POST",
        f"/repos/{DEMO_REPO}/issues/{number}/comments",
        json={"user": "ana", "body": "Looking at the 1011s now — middleware order."},
    )
    sandbox.admin(
        "POST",
        f"/repos/{DEMO_REPO}/issues/{number}/edit",
        json={"user": "ana", "body": f"{NOTE}\n\n{tracking['body']}"},
    )
    stack.drain()
    story.say("each action → a signed webhook → stored, queued, recorded by the worker")


def _burst(story: Story, stack: DemoStack, sandbox: Sandbox, token: str, out: Path) -> None:
    story.step("Runs 2 and 3 land back to back: 1011 fixed, then all green")
    before = sandbox.writes()
    _upload(
        stack,
        token,
        out,
        "run-2",
        FAILING_RUN_1[2:],
        workflow_run_id=1002,
        commit_sha="a1b2c3d" + "0" * 33,
        finished_at="2025-09-10T20:40:00Z",
    )
    _upload(
        stack,
        token,
        out,
        "run-3",
        [],
        workflow_run_id=1003,
        commit_sha="b2c3d4e" + "0" * 33,
        finished_at="2025-09-10T21:15:00Z",
    )
    stack.drain()
    edits = [w["path"] for w in sandbox.write_log()[before:] if w["method"] == "PATCH"]
    story.check(
        len(edits) == len(set(edits)), f"the burst became one edit per issue (edits: {len(edits)})"
    )
    tracking = _find(sandbox.issues(), "Golden path") or {}
    body = str(tracking.get("body", ""))
    story.check(body.count("— Run ") >= 3, "the session log lists every run")
    story.check(body.startswith(NOTE), "ana's notes outside the bot's section survived the edit")
    ws = _find(sandbox.issues(), "WebSocket closed 1011")
    if ws is not None:
        story.step(f"PR #140 (Fix middleware order) merges and closes #{ws['number']}")
        sandbox.admin(
            "POST",
            f"/repos/{DEMO_REPO}/issues/{ws['number']}/close",
            json={
                "user": "ana",
                "pull_request": 140,
                "pull_request_title": "Fix middleware order",
                "commit_id": "b2c3d4e" + "0" * 33,
            },
        )
        stack.drain()
        story.say("issues.closed webhook → the 1011 cluster is resolved by ana")
        closed = _find(sandbox.issues(), "WebSocket closed 1011") or {}
        story.check(
            "PR #140" in str(closed.get("body", "")),
            "the issue records the PR and merge commit that closed it (issue events API)",
        )


def _broken_report(story: Story, stack: DemoStack, token: str, out: Path) -> None:
    story.step("A broken report arrives with run 4; its staging suites ran in milliseconds")
    broken = out / "broken.xml"
    broken.write_text("<testsuite><testcase name='cut-off'")
    good = out / "run-4.xml"
    good.write_bytes(junit_report([], fast_suites=MOCKED))
    result = upload(
        stack.web_url,
        token,
        [good, broken],
        {
            "repository": DEMO_REPO,
            "campaign": DEMO_CAMPAIGN,
            "workflow_run_id": 1004,
            "commit_sha": "c3d4e5f" + "0" * 33,
            "branch": "main",
            "finished_at": "2025-09-11T09:00:00Z",
            "environment": STAGING,
        },
    )
    stack.drain()
    status = httpx.get(
        f"{stack.web_url}/api/v1/runs/{result['run_id']}",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    bad = [f for f in status.get("files", []) if f.get("error")]
    story.check(
        len(bad) == 1,
        f"run {result['run_id']} {status['status']}: "
        f"{bad[0]['filename'] if bad else '?'} recorded as unreadable, the other file kept",
    )
    story.say(bad[0]["error"] if bad else "")
    tracking = _find(Sandbox(stack.sandbox_url).issues(), "Golden path") or {}
    caught = [
        line
        for line in str(tracking.get("body", "")).splitlines()
        if "probably not talking to real services" in line
    ]
    story.check(
        len(caught) == 1,
        "every test passed, yet the min_duration criterion flags the staging suites that "
        "ran in milliseconds",
    )
    if caught:
        print(f"\n    {caught[0][:220]}")


def _regression(story: Story, stack: DemoStack, sandbox: Sandbox, token: str, out: Path) -> None:
    story.step("Run 5: the WebSocket 1011 comes back (an env change on staging)")
    _upload(
        stack,
        token,
        out,
        "run-5",
        FAILING_RUN_1[:1],
        workflow_run_id=1005,
        commit_sha="d4e5f6a" + "0" * 33,
        finished_at="2025-09-12T10:00:00Z",
        environment={"ENVIRONMENT": "staging", "REGION": "europe-west1"},
    )
    stack.drain()
    ws = _find(sandbox.issues(), "WebSocket closed 1011")
    if ws is None:
        story.check(False, "the 1011 failure issue still exists")
        return
    comments = [c for c in ws["comments"] if "Regression" in c["body"]]
    story.check(ws["state"] == "open", f"#{ws['number']} reopened")
    story.check("regression" in ws["labels"], "labelled `regression`")
    story.check(len(comments) == 1, f"exactly one regression comment ({len(comments)})")
    if comments:
        print("\n    " + "\n    ".join(comments[0]["body"].splitlines()[:14]))
    show_draft(story, sandbox, ws["number"], regression=True)
    story.step("Run 6: still failing; the loop now runs only phases 1 and 3")
    _upload(
        stack,
        token,
        out,
        "run-6",
        FAILING_RUN_1[:1],
        only=FOCUS,
        workflow_run_id=1006,
        commit_sha="e5f6a7b" + "0" * 33,
        finished_at="2025-09-12T11:00:00Z",
    )
    stack.drain()
    ws = _find(sandbox.issues(), "WebSocket closed 1011") or {"comments": []}
    again = [c for c in ws["comments"] if "Regression" in c["body"]]
    story.check(len(again) == 1, "still one regression comment: later runs update counts only")


def _steering(story: Story, sandbox: Sandbox) -> None:
    """The top of the tracking issue after run 8: goal, chart, what to run next."""
    story.step("The tracking issue steers the loop: goal progress, trend chart, what to run next")
    body = str((_find(sandbox.issues(), "Golden path") or {}).get("body", ""))
    story.check(
        body.index("**Mission:**") < body.index("**Status:**") if "**Status:**" in body else False,
        "mission, strategy, focus areas, business impact, owners and goal above the status",
    )
    story.check(
        "**Tests passing:**" in body and "```mermaid\nxychart-beta" in body,
        "goal progress with a Mermaid chart of passed and failed per run (and a plain line)",
    )
    ranked = [line for line in body.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
    story.check(
        bool(ranked) and "not run in the last 3 runs" in ranked[0],
        "what to run next: the phases the loop skipped lately come first",
    )
    lines = body.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("### Goal progress")), 0)
    print("\n    " + "\n    ".join(lines[start : start + 5]))
    print("    " + "\n    ".join(ranked[:3]))
    since = [line for line in lines if "— Run 6 on" in line]
    story.check(
        bool(since) and "since run 5" in since[0] and "removed" in since[0],
        "each run's session-log line says what changed since the previous run (run 6: the "
        "tests of phases 2 and 4 did not run)",
    )
    if since:
        print(f"    {since[0][:200]}")


def _find(issues: list[dict[str, Any]], title_part: str) -> dict[str, Any] | None:
    return next((i for i in issues if title_part in i["title"]), None)


def _standalone(page: str, out: Path, sandbox: Sandbox) -> str:
    """The saved page loads mermaid.js from beside it, so its charts draw without the sandbox."""
    served = f"'{MERMAID_URL}'"
    if served not in page:
        return page
    copy = out / "mermaid.min.js"
    if not copy.exists():
        copy.write_bytes(sandbox.http.get(MERMAID_URL).raise_for_status().content)
    return page.replace(served, "'mermaid.min.js'")


def _save(out: Path, dump_state: Path | None, state: dict[str, Any], sandbox: Sandbox) -> None:
    print("\nIssues Loopwatch keeps (pages served by the sandbox while it runs):")
    for repo in state["repos"]:
        for issue in repo["issues"]:
            number = issue["number"]
            url = f"{str(sandbox.http.base_url).rstrip('/')}/{repo['full_name']}/issues/{number}"
            page = sandbox.http.get(f"/{repo['full_name']}/issues/{number}")
            saved = out / f"issue-{number}.html"
            saved.write_text(_standalone(page.text, out, sandbox), encoding="utf-8")
            print(f"  #{number} {issue['title']}\n     {url}\n     saved: {saved}")
    if dump_state is not None:
        dump_state.parent.mkdir(parents=True, exist_ok=True)
        dump_state.write_text(json.dumps(state, indent=2, ensure_ascii=False))
        print(f"  sandbox state: {dump_state}")

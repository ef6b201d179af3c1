"""``loopwatch demo``: a complete scenario against the built-in sandbox, told as it happens."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.demo.fixtures import (
    DEMO_ANALYSIS,
    DEMO_CAMPAIGN,
    DEMO_CONFIG,
    DEMO_REPO,
    FAILING_RUN_1,
    DemoFailure,
    junit_report,
)
from bot.demo.stack import DemoStack, demo_stack
from bot.store.db import transaction
from bot.tokens import create_upload_token
from bot.upload import upload

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

    def writes(self) -> int:
        return len(self.admin("GET", "/requests", params={"mutating": "true"}))


def _upload(
    stack: DemoStack,
    token: str,
    workdir: Path,
    name: str,
    failures: list[DemoFailure],
    *,
    idempotency_key: str | None = None,
    **meta: Any,
) -> dict[str, Any]:
    path = workdir / f"{name}.xml"
    path.write_bytes(junit_report(failures))
    metadata = {"repository": DEMO_REPO, "campaign": DEMO_CAMPAIGN, "branch": "main", **meta}
    return upload(stack.web_url, token, [path], metadata, idempotency_key=idempotency_key)


def run_demo(*, dump_state: Path | None, keep_serving: bool, out: Path) -> int:
    story = Story()
    print("Loopwatch demo — a GitHub sandbox, the Loopwatch web service and a worker, all local")
    with demo_stack(out) as stack:
        sandbox = Sandbox(stack.sandbox_url)
        story.say(f"sandbox (GitHub API + issue pages): {stack.sandbox_url}")
        story.say(f"loopwatch web (uploads, webhooks):   {stack.web_url}")
        story.say(f"database:                           {stack.settings.database_url}")
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
    story.step(f"GitHub: repository {DEMO_REPO} with the App installed and a config file")
    sandbox.admin("POST", "/repos", json={"full_name": DEMO_REPO, "default_branch": "main"})
    sandbox.admin(
        "PUT",
        f"/repos/{DEMO_REPO}/files",
        json={"path": ".github/loopwatch.yml", "content": DEMO_CONFIG},
    )
    sandbox.admin("POST", "/users", json={"login": "ana"})
    story.say(".github/loopwatch.yml: campaign golden-path-staging, 4 phases, 3 criteria")

    story.step("An upload token for CI (`loopwatch token create --repo …`)")
    with transaction(stack.session_factory) as session:
        token = create_upload_token(session, DEMO_REPO, "demo CI")
    story.say(f"token {token[:10]}… (stored hashed, shown once)")

    story.step("Run 1 uploaded: 17 e2e tests, WebSocket 1011 in two, a context leak, a five-whys")
    first = _upload(
        stack,
        token,
        out,
        "run-1",
        FAILING_RUN_1,
        commit_sha="9f1c2ab" + "0" * 33,
        workflow="e2e-staging",
        workflow_run_id=1001,
        run_attempt=1,
        started_at="2025-09-10T19:49:00Z",
        finished_at="2025-09-10T19:52:00Z",
        environment={"ENVIRONMENT": "staging", "REGION": "us-central1"},
        analysis=DEMO_ANALYSIS,
        idempotency_key="demo-run-1",
    )
    story.say(f"server answered: run {first['run_id']} {first['status']}")
    stack.drain()
    issues = sandbox.issues()
    story.check(len(issues) == 1, f"one tracking issue created (found {len(issues)})")
    if not issues:
        return
    issue = issues[0]
    story.say(f"#{issue['number']} {issue['title']}")
    story.say(f"labels: {', '.join(issue['labels'])}")
    story.check("| Phase" in issue["body"], "the issue carries the phase table")
    story.check("1011" in issue["body"], "the WebSocket 1011 finding is in the issue")

    story.step("CI retries the same upload (same Idempotency-Key)")
    before = sandbox.writes()
    again = _upload(
        stack,
        token,
        out,
        "run-1",
        FAILING_RUN_1,
        idempotency_key="demo-run-1",
        workflow_run_id=1001,
        run_attempt=1,
    )
    stack.drain()
    story.check(again["run_id"] == first["run_id"], f"same run {again['run_id']} returned")
    story.check(sandbox.writes() == before, "zero GitHub writes")

    story.step("ana comments, and writes her own notes above the bot's section")
    sandbox.admin(
        "POST",
        f"/repos/{DEMO_REPO}/issues/{issue['number']}/comments",
        json={"user": "ana", "body": "Looking at the 1011s now — middleware order."},
    )
    sandbox.admin(
        "POST",
        f"/repos/{DEMO_REPO}/issues/{issue['number']}/edit",
        json={"user": "ana", "body": f"{NOTE}\n\n{issue['body']}"},
    )
    stack.drain()
    story.say("each action → a signed webhook → stored, queued, recorded by the worker")

    story.step("Runs 2 and 3 land back to back: 1011 fixed, then all green")
    before = sandbox.writes()
    _upload(
        stack,
        token,
        out,
        "run-2",
        FAILING_RUN_1[2:],
        workflow_run_id=1002,
        run_attempt=1,
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
        run_attempt=1,
        commit_sha="b2c3d4e" + "0" * 33,
        finished_at="2025-09-10T21:15:00Z",
    )
    stack.drain()
    writes = sandbox.writes() - before
    story.check(writes == 1, f"the burst became one edit of #{issue['number']} ({writes} write)")
    body = sandbox.issues()[0]["body"]
    story.check(body.count("— Run ") >= 3, "the session log lists every run")
    story.check(body.startswith(NOTE), "ana's notes outside the bot's section survived the edit")

    story.step("A broken report arrives with run 4")
    broken = out / "broken.xml"
    broken.write_text("<testsuite><testcase name='cut-off'")
    good = out / "run-4.xml"
    good.write_bytes(junit_report([]))
    result = upload(
        stack.web_url,
        token,
        [good, broken],
        {"repository": DEMO_REPO, "campaign": DEMO_CAMPAIGN, "workflow_run_id": 1004},
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


def _save(out: Path, dump_state: Path | None, state: dict[str, Any], sandbox: Sandbox) -> None:
    print("\nIssues Loopwatch keeps (pages served by the sandbox while it runs):")
    for repo in state["repos"]:
        for issue in repo["issues"]:
            number = issue["number"]
            url = f"{str(sandbox.http.base_url).rstrip('/')}/{repo['full_name']}/issues/{number}"
            page = sandbox.http.get(f"/{repo['full_name']}/issues/{number}")
            saved = out / f"issue-{number}.html"
            saved.write_text(page.text, encoding="utf-8")
            print(f"  #{number} {issue['title']}\n     {url}\n     saved: {saved}")
    if dump_state is not None:
        dump_state.parent.mkdir(parents=True, exist_ok=True)
        dump_state.write_text(json.dumps(state, indent=2, ensure_ascii=False))
        print(f"  sandbox state: {dump_state}")

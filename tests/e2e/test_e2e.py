"""The whole product over real HTTP: upload → worker → tracking issue in the sandbox."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from loopwatch_sandbox.demo.fixtures import DEMO_CONFIG, FAILING_RUN_1, DemoFailure, junit_report
from sqlalchemy import ColumnElement, func, select

from bot.adapters.store.db import make_engine, make_session_factory
from bot.adapters.store.models import Base, Job, SessionLogEntry, WebhookDelivery
from tests.e2e.conftest import REPO, Stack, wait_for

pytestmark = pytest.mark.e2e

CAMPAIGN = "golden-path-staging"


def _setup_repo(stack: Stack) -> str:
    stack.admin(
        "PUT",
        f"/repos/{REPO}/files",
        json={"path": ".github/loopwatch.yml", "content": DEMO_CONFIG},
    )
    return stack.cli("token", "create", "--repo", REPO).stdout.strip()


def _upload(
    stack: Stack,
    token: str,
    name: str,
    *extra: str,
    failures: list[DemoFailure] = FAILING_RUN_1,
) -> dict[str, Any]:
    report = stack.workdir / f"{name}.xml"
    report.write_bytes(junit_report(failures))
    result = stack.cli(
        "upload",
        "--url",
        stack.web_url,
        "--token",
        token,
        "--repo",
        REPO,
        "--campaign",
        CAMPAIGN,
        "--commit",
        "9f1c2ab" + "0" * 33,
        "--branch",
        "main",
        "--no-progress",
        *extra,
        str(report),
    )
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def _tracking_issue(stack: Stack) -> dict[str, Any]:
    issue: dict[str, Any] = wait_for(lambda: next(iter(stack.issues()), None), "the tracking issue")
    return issue


def _settled(stack: Stack) -> None:
    """Wait until the database has no queued or running job."""
    factory = make_session_factory(make_engine(stack.env["LOOPWATCH_DATABASE_URL"]))

    def idle() -> bool:
        with factory() as session:
            return not session.scalar(
                select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running")))
            )

    wait_for(idle, "the worker to finish its jobs")


def _count(stack: Stack, model: type[Base], *where: ColumnElement[bool]) -> int:
    factory = make_session_factory(make_engine(stack.env["LOOPWATCH_DATABASE_URL"]))
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_upload_becomes_tracking_issue_and_retry_makes_no_write(stack: Stack) -> None:
    token = _setup_repo(stack)
    stack.start_worker()
    first = _upload(stack, token, "run-1", "--idempotency-key", "ci-1001-1")
    assert first["status"] == "queued"

    issue = _tracking_issue(stack)
    _settled(stack)
    issue = stack.issues()[0]
    assert issue["title"] == "Golden path e2e staging loop: golden-path-staging"
    assert set(issue["labels"]) == {"loopwatch", "e2e-staging"}
    body = issue["body"]
    assert "| ❌ Phase 1: Data agent pipeline | 1 | 3 | 5 | **2** | 0 |" in body
    assert "| ❌ Phase 3: Tools and state | 3 | 3 | 2 | **1** | 0 |" in body
    assert "| ✅ Phase 2: Multi-agent coordination | 2 | 3 | 4 | 0 | 0 |" in body
    assert "- [ ] All 5 critical WebSocket events delivered" in body
    assert "- [x] Data agent executes BEFORE the optimization agent" in body
    assert "1011" in body

    writes_before = len(stack.writes())
    again = _upload(stack, token, "run-1", "--idempotency-key", "ci-1001-1")
    assert again["run_id"] == first["run_id"]
    _settled(stack)
    assert len(stack.writes()) == writes_before
    assert len(stack.issues()) == 2  # the tracking issue and one failure issue (#4)


def test_redelivered_webhook_is_processed_once(stack: Stack) -> None:
    token = _setup_repo(stack)
    stack.start_worker()
    _upload(stack, token, "run-1")
    issue = _tracking_issue(stack)
    _settled(stack)
    payload = {
        "action": "closed",
        "issue": {
            "number": issue["number"],
            "title": issue["title"],
            "state": "closed",
            "user": {"login": "loopwatch[bot]", "type": "Bot", "id": 1},
            "labels": [],
            "body": issue["body"],
        },
        "repository": {"id": 77, "full_name": REPO, "name": "shop", "owner": {"login": "acme"}},
        "sender": {"login": "ana", "type": "User", "id": 5},
        "installation": {"id": 1},
    }
    delivery = str(uuid.uuid4())
    first = stack.post_webhook("issues", delivery, payload)
    second = stack.post_webhook("issues", delivery, payload)
    assert first.status_code == 202, first.text
    assert second.status_code == 200 and second.json()["status"] == "duplicate"
    _settled(stack)
    assert _count(stack, WebhookDelivery, WebhookDelivery.delivery_id == delivery) == 1
    assert _count(stack, Job, Job.kind == "webhook") == 1
    closed = _count(stack, SessionLogEntry, SessionLogEntry.text.contains("closed"))
    assert closed == 1


def test_lost_create_answers_do_not_duplicate_the_issue(stack: Stack) -> None:
    token = _setup_repo(stack)
    # GitHub stores the issue but the answer is lost twice (502 after the write).
    stack.admin(
        "POST",
        "/faults",
        json={
            "method": "POST",
            "path_regex": f"^/repos/{REPO}/issues$",
            "status": 502,
            "count": 2,
            "after_store": True,
        },
    )
    stack.start_worker()
    _upload(stack, token, "run-1")
    _tracking_issue(stack)
    _settled(stack)
    issues = stack.issues()
    assert [i["number"] for i in issues] == [1, 2]  # tracking issue, one failure issue (#4)
    assert "Phase 1: Data agent pipeline" in issues[0]["body"]


def test_worker_killed_mid_job_is_finished_by_another(stack: Stack, tmp_path: Path) -> None:
    token = _setup_repo(stack)
    # The create call hangs long enough to kill the worker while it holds the job.
    stack.admin(
        "POST",
        "/faults",
        json={"method": "POST", "path_regex": f"^/repos/{REPO}/issues$", "delay_s": 4, "count": 1},
    )
    stack.start_worker("worker-1")
    _upload(stack, token, "run-1")
    wait_for(
        lambda: _count(stack, Job, Job.kind == "sync_repository", Job.status == "running"),
        "the sync job to be running",
    )
    stack.kill("worker-1")
    stack.start_worker("worker-2")
    _tracking_issue(stack)
    _settled(stack)
    assert len(stack.issues()) == 2  # the tracking issue and one failure issue (#4)
    assert _count(stack, Job, Job.status == "dead") == 0


def test_serve_with_worker_runs_both_in_one_process(stack: Stack) -> None:
    token = _setup_repo(stack)
    web = stack.processes.pop("web")
    web.terminate()
    web.wait(timeout=15)
    port = stack.web_url.rsplit(":", 1)[1]
    stack.start("web-and-worker", "serve", "--port", port, "--with-worker")
    wait_for(lambda: _healthy(stack), "the combined process to serve")
    _upload(stack, token, "run-1")
    issue = _tracking_issue(stack)
    assert "Phase 1: Data agent pipeline" in issue["body"]


def _healthy(stack: Stack) -> bool:
    try:
        return httpx.get(f"{stack.web_url}/healthz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False

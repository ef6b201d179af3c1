"""50 concurrent uploads with one new signature, two worker processes, PostgreSQL, the
sandbox as its own process: exactly one failure issue."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from loopwatch_sandbox.demo.fixtures import DemoFailure, junit_report
from sqlalchemy import func, select

from bot.adapters.store.db import make_engine, make_session_factory
from bot.adapters.store.models import Cluster, GitHubIssue, Job
from tests.e2e.conftest import REPO, Stack, stack, wait_for  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

UPLOADS = 50
RESET = DemoFailure(
    "tests/e2e/test_real_agent_context_isolation.py::test_context_isolation_concurrent_users",
    "ConnectionResetError: [Errno 104] Connection reset by peer",
    "client.py:88: in send\nE   ConnectionResetError: [Errno 104] Connection reset by peer",
)


@pytest.fixture
def db_url(pg_url: str) -> str:
    """PostgreSQL only: several worker processes need a real server."""
    return pg_url


def _upload(on: Stack, token: str, number: int) -> int:
    metadata = {
        "repository": REPO,
        "campaign": "nightly",
        "branch": "main",
        "commit_sha": f"{number:040x}",
        "workflow_run_id": number,
    }
    response = httpx.post(
        f"{on.web_url}/api/v1/runs",
        headers={"Authorization": f"Bearer {token}"},
        data={"metadata": json.dumps(metadata)},
        files=[("files", ("r.xml", junit_report([RESET], slow=False), "application/xml"))],
        timeout=60,
    )
    assert response.status_code in (200, 202), response.text
    return int(response.json()["run_id"])


def test_concurrent_uploads_of_a_new_signature_open_one_issue(stack: Stack) -> None:  # noqa: F811
    token = stack.cli("token", "create", "--repo", REPO).stdout.strip()
    stack.start_worker("worker-1")
    stack.start_worker("worker-2")
    with ThreadPoolExecutor(max_workers=UPLOADS) as pool:
        run_ids = set(pool.map(lambda n: _upload(stack, token, n), range(1, UPLOADS + 1)))
    assert len(run_ids) == UPLOADS
    factory = make_session_factory(make_engine(stack.env["LOOPWATCH_DATABASE_URL"]))

    def settled() -> bool:
        with factory() as session:
            busy = session.scalar(
                select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running")))
            )
            synced = session.scalar(
                select(func.count())
                .select_from(GitHubIssue)
                .where(GitHubIssue.key.startswith("cluster:"), GitHubIssue.number.is_not(None))
            )
            return not busy and bool(synced)

    wait_for(settled, "every run processed and the failure issue synced", timeout_s=300)
    failure_issues = [i for i in stack.issues() if "loopwatch:failure" in i["labels"]]
    assert len(failure_issues) == 1
    assert "Connection reset" in failure_issues[0]["title"]
    with factory() as session:
        cluster = session.scalars(select(Cluster)).one()
        assert cluster.runs_failed == UPLOADS
        assert (
            session.scalar(select(func.count()).select_from(Job).where(Job.status == "dead")) == 0
        )

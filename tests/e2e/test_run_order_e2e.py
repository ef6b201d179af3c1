"""Order of runs with two worker processes on PostgreSQL: a run delayed by a rate limit
is still folded first, and every run is folded once however many jobs name it."""

from __future__ import annotations

import json

import httpx
import pytest
from loopwatch_sandbox.demo.fixtures import DemoFailure, junit_report
from sqlalchemy import func, select

from bot.adapters.queue import enqueue
from bot.adapters.store.db import make_engine, make_session_factory, transaction
from bot.adapters.store.models import Cluster, ClusterEvent, Job, Run
from tests.clusters.test_scenario import WS_1011
from tests.e2e.conftest import REPO, Stack, stack, wait_for  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

FAIL_THEN_GREEN: list[list[DemoFailure]] = [[WS_1011], [], [], []]


@pytest.fixture
def db_url(pg_url: str) -> str:
    """PostgreSQL only: several worker processes need a real server."""
    return pg_url


def _upload(on: Stack, token: str, number: int, failures: list[DemoFailure]) -> int:
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
        files=[("files", ("r.xml", junit_report(failures, slow=False), "application/xml"))],
        timeout=60,
    )
    assert response.status_code == 202, response.text
    return int(response.json()["run_id"])


def test_two_workers_fold_each_run_once_in_upload_order(stack: Stack) -> None:  # noqa: F811
    token = stack.cli("token", "create", "--repo", REPO).stdout.strip()
    stack.admin(
        "POST",
        "/faults",
        json={"path_regex": f"^/repos/{REPO}/contents/", "retry_after": 1, "count": 1},
    )
    runs = [_upload(stack, token, n, f) for n, f in enumerate(FAIL_THEN_GREEN, start=1)]
    factory = make_session_factory(make_engine(stack.env["LOOPWATCH_DATABASE_URL"]))
    with transaction(factory) as session:  # a duplicate job for every run
        for run_id in runs:
            enqueue(session, "process_run", {"run_id": run_id}, lock_key=f"repo:{REPO}")
    stack.start_worker("worker-1")
    stack.start_worker("worker-2")

    def settled() -> bool:
        with factory() as session:
            busy = session.scalar(
                select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running")))
            )
            processed = session.scalar(
                select(func.count()).select_from(Run).where(Run.status == "processed")
            )
            return not busy and processed == len(runs)

    wait_for(settled, "every run processed and synced", timeout_s=180)
    with factory() as session:
        cluster = session.scalars(select(Cluster)).one()
        assert (cluster.state, cluster.runs_failed, cluster.resolved_by) == (
            "resolved",
            1,
            "loopwatch",
        )
        applied = session.execute(
            select(ClusterEvent.run_id, ClusterEvent.kind).where(
                ClusterEvent.kind.in_(("failed", "passed", "resolved"))
            )
        ).all()
        assert sorted(applied) == sorted(
            [(runs[0], "failed"), *((r, "passed") for r in runs[1:]), (runs[3], "resolved")]
        )
        folded = [t for t in session.scalars(select(Run.folded_at).order_by(Run.id)) if t]
        assert len(folded) == len(runs) and folded == sorted(folded)  # in upload order
        waited = session.scalars(
            select(Job.id).where(Job.last_error.like("%waiting for run #%"))
        ).all()
        assert waited, "the later runs waited for the rate-limited one"
    failure = [i for i in stack.issues() if "loopwatch:failure" in i["labels"]]
    assert [i["state"] for i in failure] == ["closed"]

"""Artifacts are read once, with two worker processes racing on the same workflow run
(the sandbox, web and workers as separate processes, on both databases)."""

from __future__ import annotations

import uuid

import pytest
from loopwatch_sandbox.demo.fixtures import FAILING_RUN_1, junit_report
from sqlalchemy import select

from bot.adapters.store.db import make_engine, make_session_factory
from bot.adapters.store.models import IngestedArtifact, Job, Run, RunFile
from tests.e2e.conftest import REPO, Stack, wait_for
from tests.e2e.test_e2e import _count, _settled

pytestmark = pytest.mark.e2e


def test_two_workers_and_redelivered_webhooks_read_each_artifact_once(stack: Stack) -> None:
    stack.start_worker("worker-1")
    stack.start_worker("worker-2")
    report = junit_report(FAILING_RUN_1).decode()
    made = stack.admin(
        "POST",
        f"/repos/{REPO}/actions/runs",
        json={
            "head_sha": "9f1c2ab" + "0" * 33,
            "name": "E2E",
            "path": ".github/workflows/e2e.yml",
            "deliver": True,
            "artifacts": [
                {"name": "junit-results", "files": {"staging/junit.xml": report}},
                {"name": "e2e-test-results", "files": {"junit.xml": report}},
            ],
        },
    )
    assert made["delivery"]["status"] == 202
    # GitHub may deliver one event more than once (a redelivery, a second hook): each
    # becomes its own webhook job, so the two workers race on the same workflow run.
    event = next(
        d["payload"] for d in stack.admin("GET", "/deliveries") if d["event"] == "workflow_run"
    )
    for _ in range(3):
        response = stack.post_webhook("workflow_run", str(uuid.uuid4()), event)
        assert response.status_code == 202, response.text
    wait_for(lambda: _count(stack, Run) == 1, "the workflow run's Loopwatch run")
    _settled(stack)

    factory = make_session_factory(make_engine(stack.env["LOOPWATCH_DATABASE_URL"]))
    with factory() as session:
        runs = list(session.scalars(select(Run)))
        files = sorted(session.scalars(select(RunFile.filename)))
        ingested = list(session.scalars(select(IngestedArtifact.name)))
        ingest_jobs = list(
            session.scalars(select(Job.status).where(Job.kind == "ingest_artifacts"))
        )
    assert len(runs) == 1 and runs[0].status == "processed"
    assert files == ["e2e-test-results/junit.xml", "junit-results/staging/junit.xml"]
    assert sorted(ingested) == ["e2e-test-results", "junit-results"]
    assert ingest_jobs and set(ingest_jobs) == {"done"}
    downloads = [r for r in stack.admin("GET", "/requests") if r["path"].endswith("/zip")]
    assert len(downloads) == 2  # one per artifact, whatever the deliveries and workers
    titles = [i["title"] for i in stack.issues()]
    assert titles.count("Loopwatch: E2E") == 1

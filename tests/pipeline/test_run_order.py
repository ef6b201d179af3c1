"""Order by design (issue 18): a campaign's runs are folded into cluster state in upload
order, whatever order the worker happens to reach their jobs in."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from loopwatch_sandbox.demo.fixtures import junit_report
from sqlalchemy import select, update

from bot.adapters.store.db import transaction
from bot.adapters.store.models import Cluster, ClusterEvent, Job, Run, SessionLogEntry
from bot.adapters.tokens import create_upload_token
from tests.clusters.test_scenario import WS_1011
from tests.pipeline.conftest import REPO, Harness

CLEAN = "acme/clean"
FAIL_GREEN_GREEN_GREEN = [[WS_1011], [], [], []]


def _repository(h: Harness, full_name: str) -> str:
    """A second repository on the same sandbox and worker; its upload token."""
    if full_name == REPO:
        return h.token
    h.admin("POST", "/repos", json={"full_name": full_name, "default_branch": "main"})
    with transaction(h.session_factory) as session:
        return create_upload_token(session, full_name)


def _upload(h: Harness, token: str, full_name: str, number: int, failures: Any) -> int:
    meta = {
        "repository": full_name,
        "campaign": "e2e",
        "branch": "main",
        "commit_sha": f"{number:040x}",
        "workflow_run_id": number,
    }
    response = h.web.post(
        "/api/v1/runs",
        headers={"Authorization": f"Bearer {token}"},
        data={"metadata": json.dumps(meta)},
        files=[("files", ("r.xml", junit_report(failures, slow=False), "application/xml"))],
    )
    assert response.status_code == 202, response.text
    return int(response.json()["run_id"])


def _rate_limit_config_read(h: Harness, full_name: str) -> None:
    """The first read of the repository's config answers a secondary rate limit."""
    h.admin(
        "POST",
        "/faults",
        json={
            "path_regex": f"^/repos/{full_name}/contents/",
            "retry_after": 1,
            "count": 1,
        },
    )


def _visible(h: Harness, full_name: str) -> dict[str, Any]:
    """What a user sees of the repository (run ids, which differ, left out) and the
    cluster rows behind it."""
    repo = next(r for r in h.state()["repos"] if r["full_name"] == full_name)
    run_ids = re.compile(r"\b(run|Run|runs/|#)\s?\d+")
    issues = [
        {
            "title": issue["title"],
            "state": issue["state"],
            "labels": sorted(issue["labels"]),
            "comments": [run_ids.sub("", c["body"])[:80] for c in issue["comments"]],
        }
        for issue in repo["issues"]
    ]
    with h.session_factory() as session:
        clusters = [
            (c.state, c.runs_failed, c.regressions, c.resolved_by, c.occurrences)
            for c in session.scalars(
                select(Cluster)
                .join(Run, Run.id == Cluster.first_seen_run_id)
                .where(Run.repository_id == _repository_id(h, full_name))
            )
        ]
    return {"issues": issues, "clusters": clusters}


def _repository_id(h: Harness, full_name: str) -> int:
    from bot.adapters.store.models import Repository

    with h.session_factory() as session:
        return session.scalars(select(Repository.id).where(Repository.full_name == full_name)).one()


def test_a_run_delayed_by_a_rate_limit_is_still_folded_first(harness: Harness) -> None:
    h = harness
    clean_token = _repository(h, CLEAN)
    for number, failures in enumerate(FAIL_GREEN_GREEN_GREEN, start=1):
        _upload(h, clean_token, CLEAN, number, failures)
    h.work_until_settled()
    clean = _visible(h, CLEAN)
    assert [c[0] for c in clean["clusters"]] == ["resolved"]  # three green runs resolve it

    _rate_limit_config_read(h, REPO)
    runs = [
        _upload(h, h.token, REPO, number, failures)
        for number, failures in enumerate(FAIL_GREEN_GREEN_GREEN, start=1)
    ]
    h.work()  # the first run's job meets the rate limit; the later ones wait for it
    with h.session_factory() as session:
        waiting = session.scalars(select(Job).where(Job.status == "queued")).all()
        errors = {str(job.last_error) for job in waiting if job.kind == "process_run"}
        assert any("waiting for run #" in error for error in errors), errors
        later = session.get_one(Run, runs[1])
        assert later.status == "queued" and later.waiting_for_run_id == runs[0]
    status = h.web.get(
        f"/api/v1/runs/{runs[1]}", headers={"Authorization": f"Bearer {h.token}"}
    ).json()
    assert f"waiting for run #{runs[0]}" in status["waiting"]
    h.work_until_settled()

    assert _visible(h, REPO) == clean
    failure = [i for i in h.issues() if "loopwatch:failure" in i["labels"]]
    assert [i["state"] for i in failure] == ["closed"]
    assert any(r["status"] == 403 for r in h.sandbox.get("/_sandbox/requests").json())


def _events(h: Harness) -> list[tuple[int, str, int | None]]:
    with h.session_factory() as session:
        return [
            (e.cluster_id, e.kind, e.run_id)
            for e in session.scalars(select(ClusterEvent).order_by(ClusterEvent.id))
        ]


def test_an_old_style_refresh_of_an_older_run_changes_nothing(harness: Harness) -> None:
    """Refresh jobs queued by a version before issue 18 (``process_run`` with the dedupe
    key ``refresh:<run>``) re-render; they never fold an old run again."""
    h = harness
    # Green, then the failure (its cluster is new), then two green runs: one short of
    # resolving it. Folding the first green run again would be the third.
    runs = [
        _upload(h, h.token, REPO, number, failures)
        for number, failures in enumerate([[], [WS_1011], [], []], start=1)
    ]
    h.work_until_settled()
    before, events = _visible(h, REPO), _events(h)
    assert [c[0] for c in before["clusters"]] == ["new"]
    comments = sum(len(i["comments"]) for i in h.issues())
    from bot.adapters.queue import enqueue

    with transaction(h.session_factory) as session:
        for run_id in runs[:1]:
            enqueue(
                session,
                "process_run",
                {"run_id": run_id},
                lock_key=f"repo:{REPO}",
                dedupe_key=f"refresh:{run_id}",
            )
    h.work_until_settled()
    assert _visible(h, REPO) == before
    assert _events(h) == events  # no second "failed", no "resolved" again
    assert sum(len(i["comments"]) for i in h.issues()) == comments


@pytest.mark.parametrize("times", [2])
def test_processing_a_run_twice_applies_it_once(harness: Harness, times: int) -> None:
    h = harness
    run = _upload(h, h.token, REPO, 1, [WS_1011])
    h.work_until_settled()
    once, events = _visible(h, REPO), _events(h)
    from bot.adapters.queue import enqueue

    with transaction(h.session_factory) as session:
        for _ in range(times):
            enqueue(session, "process_run", {"run_id": run}, lock_key=f"repo:{REPO}")
    h.work_until_settled()
    assert _visible(h, REPO) == once
    assert _events(h) == events
    with h.session_factory() as session:
        lines = session.scalars(
            select(SessionLogEntry.text).where(SessionLogEntry.run_id == run)
        ).all()
    assert len(lines) == 1


def test_a_dead_earlier_run_does_not_hold_later_runs(harness: Harness) -> None:
    h = harness
    first = _upload(h, h.token, REPO, 1, [WS_1011])
    with transaction(h.session_factory) as session:
        session.execute(update(Job).where(Job.kind == "process_run").values(status="dead"))
    second = _upload(h, h.token, REPO, 2, [])
    h.work_until_settled()
    with h.session_factory() as session:
        assert session.get_one(Run, first).status == "queued"
        assert session.get_one(Run, second).status == "processed"

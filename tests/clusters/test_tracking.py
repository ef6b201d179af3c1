"""Cluster rows on both databases: create once (versions: test_placement.py),
people closing and reopening failure issues, green runs closing them."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from loopwatch_sandbox.demo.fixtures import (
    WS_1011_MESSAGE,
    WS_1011_TRACE,
    DemoFailure,
    junit_report,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.github.desired_state import set_desired_issue
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Cluster, ClusterEvent, GitHubIssue, Repository
from bot.app.clusters.people import cluster_issue_changed_by_person, set_muted
from bot.app.clusters.store import create_cluster
from bot.core.config.loader import load_config
from tests.pipeline.conftest import Harness

AT = datetime(2026, 11, 29, 12, tzinfo=UTC)
TEST = "tests/e2e/staging/test_3_agent_pipeline_staging.py::test_pipeline_websocket_events"


def _repository(session: Session) -> Repository:
    repository = Repository(full_name="acme/shop")
    session.add(repository)
    session.flush()
    return repository


def test_get_or_create_returns_one_cluster(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        repo = _repository(session)
        first, created = create_cluster(
            session, repo.id, fingerprint="f1", version=1, title="t", at=AT
        )
        again, created_again = create_cluster(
            session, repo.id, fingerprint="f1", version=1, title="t", at=AT
        )
        assert first.id == again.id and created and not created_again


def test_people_close_and_reopen_and_a_redelivery_changes_nothing(
    session_factory: sessionmaker[Session],
) -> None:
    with transaction(session_factory) as session:
        repo = _repository(session)
        cluster, _ = create_cluster(session, repo.id, fingerprint="f1", version=1, title="t", at=AT)
        cluster.state, cluster.issue_key = "open", "cluster:f1"
        row = set_desired_issue(session, repo.id, "cluster:f1", title="t", section="s")

        def person(action: str) -> bool:
            return cluster_issue_changed_by_person(
                session, row, action, login="ana", at=AT, state_reason="completed"
            )

        assert person("closed")
        assert not person("closed")
        assert (cluster.state, cluster.resolved_by, row.state) == ("resolved", "ana", "closed")
        assert person("reopened")
        assert (cluster.state, row.state) == ("open", "open")
        session.flush()
        kinds = list(session.scalars(select(ClusterEvent.kind).order_by(ClusterEvent.id)))
        assert kinds == ["resolved", "reopened"]


def test_green_runs_resolve_the_cluster_and_close_its_issue(harness: Harness) -> None:
    failure = DemoFailure(TEST, WS_1011_MESSAGE, WS_1011_TRACE)
    harness.upload({"r.xml": junit_report([failure], slow=False)}, workflow_run_id=1)
    harness.work_until_settled()
    for number in (2, 3):
        harness.upload({"r.xml": junit_report([], slow=False)}, workflow_run_id=number)
        harness.work_until_settled()
    failure_issues = [i for i in harness.issues() if "loopwatch:failure" in i["labels"]]
    assert failure_issues[0]["state"] == "open"  # two green runs are not enough
    harness.upload({"r.xml": junit_report([], slow=False)}, workflow_run_id=4)
    harness.work_until_settled()
    failure_issues = [i for i in harness.issues() if "loopwatch:failure" in i["labels"]]
    assert failure_issues[0]["state"] == "closed"
    with harness.session_factory() as session:
        cluster = session.scalars(select(Cluster)).one()
        assert (cluster.state, cluster.resolved_reason) == ("resolved", "green_runs")
        issue = session.scalars(select(GitHubIssue).where(GitHubIssue.key.startswith("cluster:")))
        assert issue.one().state == "closed"


def test_failures_config_errors_are_plain_words() -> None:
    result = load_config("failures:\n  open_issue_after: 5\n  window_runs: 3\n")
    assert "open_issue_after (5) cannot be more than window_runs (3)" in result.errors[0]
    result = load_config("failures:\n  max_new_issue_per_run: 2\n")
    assert "did you mean 'max_new_issues_per_run'" in result.errors[0]
    assert (
        load_config(
            "failures:\n  resolve_after_green_runs: 5\n"
        ).config.failures.resolve_after_green_runs
        == 5
    )


def test_two_writers_meeting_a_new_signature_share_one_cluster(
    session_factory: sessionmaker[Session],
) -> None:
    """The second writer waits on the first one's uncommitted row, then reads it."""
    with transaction(session_factory) as session:
        repo_id = _repository(session).id

    def create(session: Session) -> int:
        cluster, _ = create_cluster(
            session, repo_id, fingerprint="race", version=1, title="t", at=AT
        )
        return cluster.id

    first = session_factory()
    try:
        first_id = create(first)  # inserted, not committed yet
        with ThreadPoolExecutor(max_workers=1) as pool:
            second = pool.submit(lambda: _in_own_transaction(session_factory, create))
            first.commit()
            second_id = second.result(timeout=60)
    finally:
        first.close()
    assert first_id == second_id
    with session_factory() as session:
        assert len(session.scalars(select(Cluster)).all()) == 1


def _in_own_transaction(factory: sessionmaker[Session], work: Callable[[Session], int]) -> int:
    with transaction(factory) as session:
        return work(session)


def test_mute_and_unmute_are_recorded_once(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        repo = _repository(session)
        cluster, _ = create_cluster(session, repo.id, fingerprint="m", version=1, title="t", at=AT)
        cluster.state = "open"
        assert set_muted(session, cluster, muted=True, at=AT, actor="raj")
        assert not set_muted(session, cluster, muted=True, at=AT, actor="raj")
        assert cluster.state == "muted"
        assert set_muted(session, cluster, muted=False, at=AT, actor="raj")
        assert cluster.state == "open"
        session.flush()
        kinds = list(session.scalars(select(ClusterEvent.kind).order_by(ClusterEvent.id)))
        assert kinds == ["muted", "unmuted"]

"""Cluster rows: race-safe create, and the cluster history (events)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.adapters.store.models import Cluster, ClusterEvent

MAX_TEST_IDS = 200  # tests kept on a cluster row (the count of all comes from its results)


def insert_ignoring_conflict(session: Session, table: Any, values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: a concurrent writer's row wins, ours is dropped."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(table).values(**values).on_conflict_do_nothing())


def create_cluster(
    session: Session,
    repository_id: int,
    *,
    fingerprint: str,
    version: int,
    title: str,
    at: datetime,
) -> tuple[Cluster, bool]:
    """The cluster with ``fingerprint``, created if none; ``True`` when this call created it.

    Several workers may meet the same new signature at once: the insert ignores a conflict
    and everyone reads the one row that won. Which cluster a failure belongs to across
    signature versions is decided before (:mod:`bot.app.clusters.versions`).
    """
    found = session.scalar(
        select(Cluster).where(
            Cluster.repository_id == repository_id, Cluster.fingerprint == fingerprint
        )
    )
    if found is not None:
        return found, False
    insert_ignoring_conflict(
        session,
        Cluster.__table__,
        {
            "repository_id": repository_id,
            "fingerprint": fingerprint,
            "signature_version": version,
            "title": title,
            "labels": [],
            "state": "new",
            "flaky": False,
            "test_ids": [],
            "occurrences": 0,
            "runs_failed": 0,
            "flaky_runs": 0,
            "regressions": 0,
            "green_streaks": {},
            "created_at": at,
            "updated_at": at,
        },
    )
    cluster = session.scalars(
        select(Cluster)
        .where(Cluster.repository_id == repository_id, Cluster.fingerprint == fingerprint)
        .execution_options(populate_existing=True)
    ).one()
    created = cluster.last_applied_run_id is None and cluster.runs_failed == 0
    created = created and cluster.flaky_runs == 0
    return cluster, created


def record_event(
    session: Session,
    cluster: Cluster,
    kind: str,
    at: datetime,
    *,
    run_id: int | None = None,
    actor: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        ClusterEvent(
            cluster_id=cluster.id,
            at=at,
            kind=kind,
            run_id=run_id,
            actor=actor,
            details=details or {},
        )
    )

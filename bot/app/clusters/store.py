"""Cluster rows: race-safe get-or-create (aliases of other signature versions included)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.adapters.store.models import Cluster, ClusterAlias, ClusterEvent


def insert_ignoring_conflict(session: Session, table: Any, values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: a concurrent writer's row wins, ours is dropped."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(table).values(**values).on_conflict_do_nothing())


def find_cluster(
    session: Session, repository_id: int, fingerprints: Mapping[int, str]
) -> Cluster | None:
    """The cluster of any of ``fingerprints`` (one per signature version), newest first."""
    for _, fingerprint in sorted(fingerprints.items(), reverse=True):
        cluster = session.scalar(
            select(Cluster).where(
                Cluster.repository_id == repository_id, Cluster.fingerprint == fingerprint
            )
        )
        if cluster is not None:
            return cluster
        alias = session.scalar(
            select(ClusterAlias).where(
                ClusterAlias.repository_id == repository_id,
                ClusterAlias.fingerprint == fingerprint,
            )
        )
        if alias is not None:
            return session.get_one(Cluster, alias.cluster_id)
    return None


def get_or_create_cluster(
    session: Session,
    repository_id: int,
    *,
    fingerprint: str,
    version: int,
    fingerprints: Mapping[int, str],
    title: str,
    at: datetime,
) -> tuple[Cluster, bool]:
    """The cluster for a signature, created if none; ``True`` when this call created it.

    Several workers may meet the same new signature at once: the insert ignores a conflict
    and everyone reads the one row that won. A cluster found under another version's
    fingerprint gets an alias for this one, so versions never split a cluster.
    """
    found = find_cluster(session, repository_id, {**fingerprints, version: fingerprint})
    if found is not None:
        if found.fingerprint != fingerprint:
            insert_ignoring_conflict(
                session,
                ClusterAlias.__table__,
                {
                    "repository_id": repository_id,
                    "fingerprint": fingerprint,
                    "signature_version": version,
                    "cluster_id": found.id,
                },
            )
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

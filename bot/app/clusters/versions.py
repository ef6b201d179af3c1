"""Which cluster a failure belongs to when clusters were made by several signature versions.

A cluster's ``fingerprint`` is its fingerprint under ``signature_version``; the fingerprints
it had under older versions are ``ClusterAlias`` rows. For a failure (its fingerprint under
every supported version, the current one last):

1. a cluster still on an older version is found by the failure's fingerprint **of that
   version** (the one it was made with) and moves to the current version: it gets the
   current fingerprint, its old one stays as an alias, its issue and history stay. If
   another cluster holds the current fingerprint already (the new version merges what the
   old one kept apart), it stays on its version and keeps receiving its failures;
2. otherwise the cluster holding the current fingerprint (or alias) is the one;
3. otherwise, if the failure's older fingerprint names a cluster that moved on under
   *another* current fingerprint, the new version tells them apart: a new cluster, and a
   ``split`` event on the old one (its issue says so once, see ``announce_splits``);
4. otherwise a new cluster.

So an upgrade never reopens, duplicates or orphans an issue by itself (docs/signatures.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.adapters.store.models import Cluster, ClusterAlias, ClusterEvent, FiveWhysRecord
from bot.app.clusters.store import create_cluster, insert_ignoring_conflict, record_event

UPGRADED = "signature_upgraded"
SPLIT = "split"  # on the older cluster: details name the cluster that took a part
SPLIT_FROM = "split_from"  # on the new cluster: details name the older one


@dataclass(frozen=True)
class Placement:
    cluster: Cluster
    created: bool = False
    split_from: Cluster | None = None  # the older cluster a new version told this apart from


def _on_version(
    session: Session, repository_id: int, version: int, fingerprint: str
) -> Cluster | None:
    return session.scalar(
        select(Cluster).where(
            Cluster.repository_id == repository_id,
            Cluster.fingerprint == fingerprint,
            Cluster.signature_version == version,
        )
    )


def _holder(session: Session, repository_id: int, fingerprint: str) -> Cluster | None:
    """The cluster whose fingerprint or alias is ``fingerprint``."""
    cluster = session.scalar(
        select(Cluster).where(
            Cluster.repository_id == repository_id, Cluster.fingerprint == fingerprint
        )
    )
    if cluster is not None:
        return cluster
    cluster_id = session.scalar(
        select(ClusterAlias.cluster_id).where(
            ClusterAlias.repository_id == repository_id, ClusterAlias.fingerprint == fingerprint
        )
    )
    return session.get_one(Cluster, cluster_id) if cluster_id is not None else None


def _alias(session: Session, cluster: Cluster, fingerprint: str, version: int) -> None:
    insert_ignoring_conflict(
        session,
        ClusterAlias.__table__,
        {
            "repository_id": cluster.repository_id,
            "fingerprint": fingerprint,
            "signature_version": version,
            "cluster_id": cluster.id,
        },
    )


def _move(session: Session, cluster: Cluster, version: int, fingerprint: str, at: datetime) -> None:
    """The cluster takes its fingerprint under ``version``; the old one stays an alias.

    A five-whys is stored under the cluster's fingerprint, so it moves along."""
    old_version, old_fingerprint = cluster.signature_version, cluster.fingerprint
    _alias(session, cluster, old_fingerprint, old_version)
    session.execute(
        update(FiveWhysRecord)
        .where(
            FiveWhysRecord.repository_id == cluster.repository_id,
            FiveWhysRecord.subject == f"cluster:{old_fingerprint}",
        )
        .values(subject=f"cluster:{fingerprint}")
    )
    cluster.fingerprint, cluster.signature_version = fingerprint, version
    details = {"from_version": old_version, "from": old_fingerprint, "to_version": version}
    record_event(session, cluster, UPGRADED, at, details=details)


def place_failure(
    session: Session,
    repository_id: int,
    *,
    version: int,
    fingerprints: Mapping[int, str],
    title: str,
    at: datetime,
) -> Placement:
    """The cluster of a failure with ``fingerprints`` (one per supported version) whose
    current version is ``version``; see the module docstring for the order."""
    current = fingerprints[version]
    older = sorted((v for v in fingerprints if v < version), reverse=True)
    for old in older:
        cluster = _on_version(session, repository_id, old, fingerprints[old])
        if cluster is None:
            continue
        if _holder(session, repository_id, current) is None:
            _move(session, cluster, version, current, at)
        return Placement(cluster)
    holder = _holder(session, repository_id, current)
    if holder is not None:
        return Placement(holder)
    split_from = None
    for old in older:
        split_from = _holder(session, repository_id, fingerprints[old])
        if split_from is not None:
            break
    cluster, created = create_cluster(
        session, repository_id, fingerprint=current, version=version, title=title, at=at
    )
    if created and split_from is not None:
        record_event(session, split_from, SPLIT, at, details={"cluster_id": cluster.id})
        record_event(session, cluster, SPLIT_FROM, at, details={"cluster_id": split_from.id})
        return Placement(cluster, True, split_from)
    return Placement(cluster, created)


def split_sources(session: Session, cluster_ids: list[int]) -> dict[int, int]:
    """new cluster id → the older cluster it was told apart from, for ``cluster_ids``."""
    if not cluster_ids:
        return {}
    events = session.scalars(
        select(ClusterEvent).where(
            ClusterEvent.cluster_id.in_(cluster_ids), ClusterEvent.kind == SPLIT_FROM
        )
    )
    return {event.cluster_id: int(event.details["cluster_id"]) for event in events}

"""Which cluster a failure goes to across signature versions (bot/app/clusters/versions.py),
on both databases: the rows a user's issues hang on."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import transaction
from bot.adapters.store.models import (
    Cluster,
    ClusterAlias,
    ClusterEvent,
    FiveWhysRecord,
    Repository,
)
from bot.app.clusters.versions import Placement, place_failure

AT = datetime(2026, 12, 7, 12, tzinfo=UTC)


def _repository(session: Session) -> int:
    repository = Repository(full_name="acme/shop")
    session.add(repository)
    session.flush()
    return repository.id


def _place(session: Session, repo: int, version: int, **fingerprints: str) -> Placement:
    by_version = {int(name.removeprefix("v")): fp for name, fp in fingerprints.items()}
    return place_failure(
        session, repo, version=version, fingerprints=by_version, title=f"t{version}", at=AT
    )


def _aliases(session: Session) -> dict[str, tuple[int, int]]:
    return {
        a.fingerprint: (a.cluster_id, a.signature_version)
        for a in session.scalars(select(ClusterAlias))
    }


def test_a_v1_cluster_moves_to_v2_when_seen_and_keeps_its_old_key(
    session_factory: sessionmaker[Session],
) -> None:
    with transaction(session_factory) as session:
        repo = _repository(session)
        old = _place(session, repo, 1, v1="a1").cluster
        session.add(
            FiveWhysRecord(repository_id=repo, subject="cluster:a1", cluster_id=old.id, record={})
        )
        moved = _place(session, repo, 2, v1="a1", v2="a2")
        assert moved.cluster.id == old.id and not moved.created and moved.split_from is None
        assert (old.fingerprint, old.signature_version) == ("a2", 2)
        assert _aliases(session) == {"a1": (old.id, 1)}
        # its five-whys moved along (it is stored under the cluster's fingerprint)
        assert session.scalars(select(FiveWhysRecord.subject)).all() == ["cluster:a2"]
        # found again by either fingerprint, and nothing else was made
        assert _place(session, repo, 2, v2="a2").cluster.id == old.id
        assert _place(session, repo, 2, v1="a1", v2="a2").cluster.id == old.id
        assert session.scalars(select(Cluster)).all() == [old]
        kinds = session.scalars(select(ClusterEvent.kind)).all()
        assert kinds == ["signature_upgraded"]


def test_a_v2_split_gets_a_new_cluster_and_the_old_one_an_event(
    session_factory: sessionmaker[Session],
) -> None:
    with transaction(session_factory) as session:
        repo = _repository(session)
        old = _place(session, repo, 1, v1="timeout").cluster
        _place(session, repo, 2, v1="timeout", v2="selenium")
        split = _place(session, repo, 2, v1="timeout", v2="requests")
        assert split.created and split.split_from is not None and split.split_from.id == old.id
        assert split.cluster.id != old.id and split.cluster.signature_version == 2
        again = _place(session, repo, 2, v1="timeout", v2="requests")
        assert again.cluster.id == split.cluster.id and again.split_from is None  # once
        events = [
            (e.cluster_id, e.kind, e.details)
            for e in session.scalars(select(ClusterEvent).order_by(ClusterEvent.id))
        ]
        assert events[1:] == [
            (old.id, "split", {"cluster_id": split.cluster.id}),
            (split.cluster.id, "split_from", {"cluster_id": old.id}),
        ]


def test_when_v2_merges_two_v1_clusters_each_keeps_its_failures(
    session_factory: sessionmaker[Session],
) -> None:
    """No issue is orphaned: the v1 cluster that cannot take the shared v2 fingerprint stays
    on version 1 and keeps receiving its own failures."""
    with transaction(session_factory) as session:
        repo = _repository(session)
        first = _place(session, repo, 1, v1="f1").cluster
        second = _place(session, repo, 1, v1="g1").cluster
        assert _place(session, repo, 2, v1="f1", v2="merged").cluster.id == first.id
        assert _place(session, repo, 2, v1="g1", v2="merged").cluster.id == second.id
        assert (second.fingerprint, second.signature_version) == ("g1", 1)
        assert _place(session, repo, 2, v1="g1", v2="merged").cluster.id == second.id
        assert len(session.scalars(select(Cluster)).all()) == 2


def test_under_version_1_a_newer_fingerprint_is_ignored(
    session_factory: sessionmaker[Session],
) -> None:
    """A release still on version 1 (v2 registered, not current) makes version 1 clusters."""
    with transaction(session_factory) as session:
        repo = _repository(session)
        made = _place(session, repo, 1, v1="a1", v2="a2").cluster
        assert (made.fingerprint, made.signature_version) == ("a1", 1)
        assert _aliases(session) == {}

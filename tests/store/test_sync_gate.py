"""A sync job writes only under its installation's lock and once its repository's runs are
processed; otherwise it queues itself again (coalesced) and writes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters import queue
from bot.adapters.queue import kinds
from bot.adapters.queue.kinds import RepositoryPayload
from bot.adapters.queue.sync_gate import SyncGate, processing_pending
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Campaign, Installation, Job, Repository, Run, utcnow

Factory = sessionmaker[Session]
GATE = SyncGate(debounce_s=2.0, max_wait_s=60.0)


def _repository(session: Session, name: str, installation_id: int | None) -> Repository:
    if installation_id is not None and session.get(Installation, installation_id) is None:
        session.add(Installation(id=installation_id, account_login="octo"))
        session.flush()
    repository = Repository(full_name=name, installation_id=installation_id)
    session.add(repository)
    session.flush()
    return repository


def _queued_run(session: Session, repository: Repository) -> int:
    campaign = Campaign(repository_id=repository.id, name="nightly")
    session.add(campaign)
    session.flush()
    run = Run(repository_id=repository.id, campaign_id=campaign.id)
    session.add(run)
    session.flush()
    kinds.defer_process_run(session, run_id=run.id, full_name=repository.full_name)
    return run.id


def _sync_jobs(session: Session, kind: str) -> list[Job]:
    return list(session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)))


def test_processing_counts_ready_and_running_runs_of_the_repository_only(
    session_factory: Factory,
) -> None:
    with transaction(session_factory) as session:
        shop = _repository(session, "octo/shop", 5)
        cart = _repository(session, "octo/cart", 5)
        _queued_run(session, cart)
        assert not processing_pending(session, shop.id, utcnow())
        assert processing_pending(session, cart.id, utcnow())
        job = session.scalars(select(Job).where(Job.kind == kinds.PROCESS_RUN)).one()
        job.run_at = utcnow() + timedelta(minutes=5)  # waiting for a retry: not counted
        assert not processing_pending(session, cart.id, utcnow())
        job.status = "running"
        assert processing_pending(session, cart.id, utcnow())


def test_a_sync_queued_before_the_installation_was_known_moves_to_its_lock(
    session_factory: Factory,
) -> None:
    with transaction(session_factory) as session:
        shop = _repository(session, "octo/shop", None)
        kinds.defer_check_sync(session, shop, delay=timedelta(0))
        [early] = _sync_jobs(session, kinds.SYNC_CHECKS)
        assert early.lock_key == "installation-unknown:octo/shop"
    job = queue.claim(session_factory, "w1", 30)
    assert job is not None
    with transaction(session_factory) as session:
        session.add(Installation(id=5, account_login="octo"))
        session.flush()
        session.get_one(Repository, shop.id).installation_id = 5  # resolved by the handler
        reason = GATE.hold_back(
            session,
            kind=job.kind,
            payload=RepositoryPayload.model_validate(job.payload),
            lock_key=job.lock_key,
            installation_id=5,
            now=utcnow(),
        )
        assert reason is not None and "installation:5" in reason
        again = [j for j in _sync_jobs(session, kinds.SYNC_CHECKS) if j.status == "queued"]
        assert [j.lock_key for j in again] == ["installation:5"]


def test_a_sync_waits_for_the_repository_runs_then_goes_after_the_longest_wait(
    session_factory: Factory,
) -> None:
    with transaction(session_factory) as session:
        shop = _repository(session, "octo/shop", 5)
        _queued_run(session, shop)
        kinds.defer_sync(session, shop, delay=timedelta(0))
    job = queue.claim(session_factory, "w1", 30, kinds=[kinds.SYNC_REPOSITORY])
    assert job is not None
    started = utcnow()
    with transaction(session_factory) as session:
        reason = GATE.hold_back(
            session,
            kind=job.kind,
            payload=RepositoryPayload.model_validate(job.payload),
            lock_key=job.lock_key,
            installation_id=5,
            now=started,
        )
        assert reason == "runs of the repository are still being processed"
        # A run finishing now queues a sync: it coalesces with the postponed one.
        kinds.defer_sync(session, shop, delay=timedelta(0))
        [pending] = [j for j in _sync_jobs(session, kinds.SYNC_REPOSITORY) if j.id != job.id]
        payload = RepositoryPayload.model_validate(pending.payload)
        assert payload.waiting_since == started
        assert pending.run_at > started + timedelta(seconds=1)
        # The runs keep coming: past max_wait_s the sync goes anyway.
        later = GATE.hold_back(
            session,
            kind=pending.kind,
            payload=payload,
            lock_key=pending.lock_key,
            installation_id=5,
            now=started + timedelta(seconds=61),
        )
        assert later is None


def test_a_sync_goes_at_once_when_no_run_of_its_repository_is_pending(
    session_factory: Factory,
) -> None:
    with transaction(session_factory) as session:
        shop = _repository(session, "octo/shop", 5)
        cart = _repository(session, "octo/cart", 5)
        _queued_run(session, cart)
        kinds.defer_sync(session, shop, delay=timedelta(0))
        [job] = _sync_jobs(session, kinds.SYNC_REPOSITORY)
        reason = GATE.hold_back(
            session,
            kind=job.kind,
            payload=RepositoryPayload.model_validate(job.payload),
            lock_key=job.lock_key,
            installation_id=5,
            now=utcnow(),
        )
        assert reason is None
        assert len(_sync_jobs(session, kinds.SYNC_REPOSITORY)) == 1

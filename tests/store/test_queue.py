"""Queue semantics on SQLite and PostgreSQL: outbox, dedupe, leases, locks, retries."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters import queue
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Job, JobLock, Repository, utcnow

NO_BACKOFF = queue.RetryPolicy(backoff_base_s=0.0, backoff_max_s=0.0)
Factory = sessionmaker[Session]


def job_count(factory: Factory) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


def load(factory: Factory, job_id: int) -> Job:
    with transaction(factory) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def add_job(factory: Factory, kind: str = "k", **kwargs: object) -> int:
    with transaction(factory) as session:
        job = queue.enqueue(session, kind, {"n": 1}, **kwargs)  # type: ignore[arg-type]
        assert job is not None
        return job.id


def test_job_is_committed_with_the_data_it_refers_to(session_factory: Factory) -> None:
    with transaction(session_factory) as session:
        session.add(Repository(full_name="o/r"))
        job = queue.enqueue(session, "process_run", {"run_id": 1}, lock_key="repo:o/r")
        assert job is not None and job.id is not None
    with transaction(session_factory) as session:
        stored = session.get(Job, job.id)
        assert stored is not None
        assert (stored.kind, stored.payload, stored.status) == (
            "process_run",
            {"run_id": 1},
            "queued",
        )


def test_rolled_back_transaction_leaves_no_job(session_factory: Factory) -> None:
    with pytest.raises(RuntimeError), transaction(session_factory) as session:
        session.add(Repository(full_name="o/r"))
        queue.enqueue(session, "process_run", {"run_id": 1})
        queue.enqueue(session, "sync", {}, dedupe_key="sync:o/r")
        raise RuntimeError("upload failed half-way")
    assert job_count(session_factory) == 0
    with transaction(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(Repository)) == 0


def test_dedupe_key_coalesces_pending_jobs(session_factory: Factory) -> None:
    first = add_job(session_factory, "sync", dedupe_key="sync:o/r")
    with transaction(session_factory) as session:
        assert queue.enqueue(session, "sync", {}, dedupe_key="sync:o/r") is None
    assert job_count(session_factory) == 1

    claimed = queue.claim(session_factory, "w1", lease_s=30)
    assert claimed is not None and claimed.id == first
    # Running jobs no longer hold the key: one new job can queue behind it.
    second = add_job(session_factory, "sync", dedupe_key="sync:o/r")
    with transaction(session_factory) as session:
        assert queue.enqueue(session, "sync", {}, dedupe_key="sync:o/r") is None
    assert second != first
    assert job_count(session_factory) == 2


def test_concurrent_enqueue_with_one_dedupe_key_adds_one_job(session_factory: Factory) -> None:
    results: list[Job | None] = []

    def enqueue_in_other_transaction() -> None:
        with transaction(session_factory) as other:
            results.append(queue.enqueue(other, "sync", {}, dedupe_key="burst"))

    with transaction(session_factory) as session:
        assert queue.enqueue(session, "sync", {}, dedupe_key="burst") is not None
        racer = threading.Thread(target=enqueue_in_other_transaction)
        racer.start()
        time.sleep(0.2)  # let the racer reach the database while this one is open
    racer.join(timeout=30)
    assert results == [None]
    assert job_count(session_factory) == 1


def test_backoff_ceiling_doubles_up_to_the_maximum() -> None:
    ceilings: list[float] = []

    def record(low: float, high: float) -> float:
        ceilings.append(high)
        return high

    for attempt in range(1, 8):
        queue.backoff_delay(attempt, base_s=2.0, max_s=50.0, uniform=record)
    assert ceilings == [2.0, 4.0, 8.0, 16.0, 32.0, 50.0, 50.0]


def test_backoff_has_full_jitter_within_bounds() -> None:
    delays = [queue.backoff_delay(4, base_s=1.0, max_s=100.0) for _ in range(500)]
    assert all(0.0 <= d <= 8.0 for d in delays)
    assert len({round(d, 6) for d in delays}) > 100  # jittered, not one fixed delay
    assert min(delays) < 2.0 < 6.0 < max(delays)


def test_failed_job_is_retried_after_a_backoff(session_factory: Factory) -> None:
    job_id = add_job(session_factory)
    slow = queue.RetryPolicy(backoff_base_s=100.0, backoff_max_s=1000.0)
    assert queue.claim(session_factory, "w1", lease_s=30) is not None
    before = utcnow()
    assert queue.fail(session_factory, job_id, "w1", "boom", retry=slow) == "queued"
    job = load(session_factory, job_id)
    assert job.status == "queued" and job.last_error == "boom" and job.attempts == 1
    assert before <= job.run_at <= utcnow() + timedelta(seconds=100)
    if job.run_at > utcnow():
        assert queue.claim(session_factory, "w1", lease_s=30) is None


def test_job_is_dead_after_max_attempts_and_can_be_retried(session_factory: Factory) -> None:
    job_id = add_job(session_factory, max_attempts=3)
    statuses = []
    for attempt in range(1, 4):
        job = queue.claim(session_factory, "w1", lease_s=30)
        assert job is not None and job.attempts == attempt
        statuses.append(
            queue.fail(session_factory, job_id, "w1", f"err {attempt}", retry=NO_BACKOFF)
        )
    assert statuses == ["queued", "queued", "dead"]
    assert queue.claim(session_factory, "w1", lease_s=30) is None
    dead = load(session_factory, job_id)
    assert dead.last_error == "err 3" and dead.finished_at is not None

    with transaction(session_factory) as session:
        assert [j.id for j in queue.list_jobs(session, status="dead")] == [job_id]
        assert queue.queue_stats(session) == {"queued": 0, "running": 0, "done": 0, "dead": 1}
        assert queue.retry_dead(session, job_id)
        assert not queue.retry_dead(session, job_id)  # no longer dead
    again = queue.claim(session_factory, "w1", lease_s=30)
    assert again is not None and again.id == job_id and again.attempts == 1


def test_permanent_failure_goes_straight_to_dead(session_factory: Factory) -> None:
    job_id = add_job(session_factory, max_attempts=5)
    assert queue.claim(session_factory, "w1", lease_s=30) is not None
    assert queue.fail(session_factory, job_id, "w1", "403", permanent=True) == "dead"
    assert load(session_factory, job_id).attempts == 1


def test_retry_at_reschedules_without_counting_an_attempt(session_factory: Factory) -> None:
    job_id = add_job(session_factory, max_attempts=1)
    for _ in range(3):  # more reschedules than max_attempts: never dead
        job = queue.claim(session_factory, "w1", lease_s=30)
        assert job is not None and job.attempts == 1
        at = utcnow() + timedelta(milliseconds=50)
        assert queue.reschedule(session_factory, job_id, "w1", at, "rate limited")
        rescheduled = load(session_factory, job_id)
        assert (rescheduled.status, rescheduled.attempts, rescheduled.run_at) == ("queued", 0, at)
        time.sleep(0.06)
    at = utcnow() + timedelta(hours=1)
    assert queue.claim(session_factory, "w1", lease_s=30) is not None
    assert queue.reschedule(session_factory, job_id, "w1", at, "rate limited")
    assert queue.claim(session_factory, "w1", lease_s=30) is None  # not before `at`


def test_expired_lease_is_reclaimed_and_counts_an_attempt(session_factory: Factory) -> None:
    job_id = add_job(session_factory, lock_key="repo:o/r")
    first = queue.claim(session_factory, "dead-worker", lease_s=0.2)
    assert first is not None and first.attempts == 1
    assert queue.claim(session_factory, "w2", lease_s=30) is None  # lease still valid
    time.sleep(0.3)
    second = queue.claim(session_factory, "w2", lease_s=30)
    assert second is not None and second.id == job_id and second.attempts == 2
    assert second.leased_by == "w2"
    # The old worker lost the job: it can neither extend nor finish it.
    assert not queue.heartbeat(session_factory, job_id, "dead-worker", lease_s=30)
    assert not queue.complete(session_factory, job_id, "dead-worker")
    assert queue.complete(session_factory, job_id, "w2")
    assert load(session_factory, job_id).status == "done"


def test_abandoned_job_at_max_attempts_is_dead(session_factory: Factory) -> None:
    job_id = add_job(session_factory, max_attempts=1, lock_key="repo:o/r")
    assert queue.claim(session_factory, "dead-worker", lease_s=0.1) is not None
    time.sleep(0.2)
    assert queue.claim(session_factory, "w2", lease_s=30) is None
    job = load(session_factory, job_id)
    assert job.status == "dead"
    assert job.last_error is not None and "stopped heartbeating" in job.last_error
    with transaction(session_factory) as session:
        assert session.scalar(select(func.count()).select_from(JobLock)) == 0


def test_heartbeat_keeps_the_lease(session_factory: Factory) -> None:
    job_id = add_job(session_factory, lock_key="repo:o/r")
    assert queue.claim(session_factory, "w1", lease_s=0.2) is not None
    assert queue.heartbeat(session_factory, job_id, "w1", lease_s=30)
    time.sleep(0.3)
    assert queue.claim(session_factory, "w2", lease_s=30) is None
    assert queue.heartbeat(session_factory, job_id, "w1", lease_s=30)


def test_lock_key_keeps_jobs_of_one_repository_apart(session_factory: Factory) -> None:
    a1 = add_job(session_factory, lock_key="repo:a")
    a2 = add_job(session_factory, lock_key="repo:a")
    b1 = add_job(session_factory, lock_key="repo:b")
    free = add_job(session_factory)

    claimed = [queue.claim(session_factory, f"w{i}", lease_s=30) for i in range(4)]
    assert [j.id if j else None for j in claimed] == [a1, b1, free, None]
    assert queue.complete(session_factory, a1, "w0")
    next_job = queue.claim(session_factory, "w4", lease_s=30)
    assert next_job is not None and next_job.id == a2


def test_claim_only_the_given_kinds(session_factory: Factory) -> None:
    add_job(session_factory, "webhook")
    wanted = add_job(session_factory, "process_run")
    job = queue.claim(session_factory, "w1", lease_s=30, kinds=["process_run"])
    assert job is not None and job.id == wanted
    assert queue.claim(session_factory, "w1", lease_s=30, kinds=["process_run"]) is None


def test_format_jobs_shows_a_readable_table(session_factory: Factory) -> None:
    job_id = add_job(session_factory, "process_run", lock_key="repo:o/r", max_attempts=1)
    assert queue.claim(session_factory, "w1", lease_s=30) is not None
    queue.fail(session_factory, job_id, "w1", "ValueError: bad\nreport", retry=NO_BACKOFF)
    with transaction(session_factory) as session:
        table = queue.format_jobs(queue.list_jobs(session))
    header, row = table.splitlines()
    assert header.split() == ["ID", "KIND", "STATUS", "TRIES", "LOCK", "WHEN", "LAST", "ERROR"]
    assert row.split()[:5] == [str(job_id), "process_run", "dead", "1/1", "repo:o/r"]
    assert row.endswith("ValueError: bad report")
    assert queue.format_jobs([]) == "no jobs"


def test_purge_done_removes_old_finished_jobs_only(session_factory: Factory) -> None:
    done_id = add_job(session_factory, "k")
    dead_id = add_job(session_factory, "k", max_attempts=1)
    queued_id = add_job(session_factory, "k")
    assert queue.claim(session_factory, "w", lease_s=30) is not None
    assert queue.complete(session_factory, done_id, "w")
    assert queue.claim(session_factory, "w", lease_s=30) is not None
    queue.fail(session_factory, dead_id, "w", "boom")
    with transaction(session_factory) as session:
        assert queue.purge_done(session, timedelta(hours=1)) == 0  # too recent
    time.sleep(0.05)
    with transaction(session_factory) as session:
        assert queue.purge_done(session, timedelta(milliseconds=10)) == 1
        remaining = {job.id for job in queue.list_jobs(session)}
    assert remaining == {dead_id, queued_id}

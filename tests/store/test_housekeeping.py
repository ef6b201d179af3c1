"""Queue housekeeping on SQLite and PostgreSQL: periodic slots, the daily purge, and the
retry limit a worker applies to jobs enqueued without one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters import queue
from bot.adapters.queue.configured import worker_from_settings
from bot.adapters.queue.housekeeping import PURGE_JOBS, housekeeping_schedule
from bot.adapters.queue.periodic import (
    PeriodicJob,
    Scheduler,
    format_schedule,
    schedule_status,
)
from bot.adapters.queue.worker import JobContext, Worker
from bot.adapters.settings import Settings
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Job, utcnow

Factory = sessionmaker[Session]
DAILY = PeriodicJob("report", timedelta(days=1))
NOON = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)


def jobs_of(factory: Factory, kind: str) -> list[Job]:
    with transaction(factory) as session:
        return list(session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)))


def add_finished(factory: Factory, status: str, finished: datetime | None) -> int:
    with transaction(factory) as session:
        job = Job(kind="k", payload={}, status=status, attempts=1, finished_at=finished)
        session.add(job)
        session.flush()
        return job.id


async def run_worker_until(worker: Worker, done: Callable[[], bool]) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        for _ in range(600):
            if await asyncio.to_thread(done):
                return
            await asyncio.sleep(0.05)
        pytest.fail("the worker did not get there in 30 s")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)


def test_slots_are_aligned_on_utc_boundaries() -> None:
    assert DAILY.slot_start(NOON) == datetime(2026, 12, 7, tzinfo=UTC)
    assert DAILY.next_slot(NOON) == datetime(2026, 12, 8, tzinfo=UTC)
    quarter = PeriodicJob("q", timedelta(minutes=15))
    assert quarter.slot_start(NOON) == datetime(2026, 12, 7, 12, 30, tzinfo=UTC)
    assert quarter.slot_start(NOON + timedelta(minutes=14)) == NOON
    with pytest.raises(ValueError, match="positive"):
        PeriodicJob("never", timedelta(0))


def test_a_slot_is_enqueued_once_even_after_its_job_ran(session_factory: Factory) -> None:
    first = Scheduler([DAILY])
    [job] = first.enqueue_due(session_factory, NOON)
    assert job.dedupe_key == "periodic:report:2026-12-07T00:00:00+00:00"
    assert job.run_at == datetime(2026, 12, 7, tzinfo=UTC)
    # Another worker (no memory of the slot) loses the race on the unique key.
    assert Scheduler([DAILY]).enqueue_due(session_factory, NOON) == []

    claimed = queue.claim(session_factory, "w1", lease_s=30)
    assert claimed is not None and claimed.dedupe_key == job.dedupe_key  # the key stays
    assert queue.complete(session_factory, job.id, "w1")
    late_starter = Scheduler([DAILY])
    assert late_starter.enqueue_due(session_factory, NOON + timedelta(hours=11)) == []
    assert len(jobs_of(session_factory, "report")) == 1

    [tomorrow] = late_starter.enqueue_due(session_factory, NOON + timedelta(days=1))
    assert tomorrow.dedupe_key == "periodic:report:2026-12-08T00:00:00+00:00"


def test_other_dedupe_keys_are_still_cleared_when_their_job_runs(
    session_factory: Factory,
) -> None:
    with transaction(session_factory) as session:
        assert queue.enqueue(session, "sync", {}, dedupe_key="sync:o/r") is not None
    claimed = queue.claim(session_factory, "w1", lease_s=30)
    assert claimed is not None and claimed.dedupe_key is None


@pytest.mark.anyio
async def test_worker_enqueues_its_schedule_and_runs_it_once_per_slot(
    session_factory: Factory,
) -> None:
    slots: list[dict[str, Any]] = []

    async def report(ctx: JobContext) -> None:
        slots.append(ctx.payload)

    def make_worker() -> Worker:
        schedule = [PeriodicJob("report", timedelta(days=1), {"scope": "all"})]
        return Worker(session_factory, {"report": report}, poll_s=0.05, schedule=schedule)

    await run_worker_until(make_worker(), lambda: len(slots) == 1)
    restarted = time.monotonic()  # a restart in the same slot: ten poll ticks, no new job
    await run_worker_until(make_worker(), lambda: time.monotonic() > restarted + 0.5)
    assert slots == [{"scope": "all"}]
    [job] = jobs_of(session_factory, "report")
    assert job.status == "done" and job.run_at == DAILY.slot_start(utcnow())


def test_a_scheduled_kind_needs_a_handler(session_factory: Factory) -> None:
    with pytest.raises(ValueError, match="report"):
        Worker(session_factory, {}, schedule=[DAILY])


def test_purge_deletes_only_old_done_jobs_in_batches(
    engine: Engine, session_factory: Factory
) -> None:
    long_ago = utcnow() - timedelta(days=30)
    old_done = [add_finished(session_factory, "done", long_ago) for _ in range(5)]
    recent_done = add_finished(session_factory, "done", utcnow() - timedelta(days=1))
    old_dead = add_finished(session_factory, "dead", long_ago)
    queued = add_finished(session_factory, "queued", None)

    deletes: list[str] = []

    def count_deletes(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM JOBS"):
            deletes.append(statement)

    event.listen(engine, "before_cursor_execute", count_deletes)
    try:
        with transaction(session_factory) as session:  # one batch: the oldest first
            assert queue.purge_done(session, timedelta(days=14), limit=2) == 2
        assert queue.purge_done_in_batches(session_factory, timedelta(days=14), 2) == 3
    finally:
        event.remove(engine, "before_cursor_execute", count_deletes)
    assert len(deletes) == 1 + 2  # batches of 2: 2 + 1 (a short batch ends the purge)

    with transaction(session_factory) as session:
        remaining = set(session.scalars(select(Job.id)))
    assert remaining == {recent_done, old_dead, queued}
    assert not remaining & set(old_done)


@pytest.mark.anyio
async def test_the_daily_purge_runs_on_a_production_worker(session_factory: Factory) -> None:
    old = [add_finished(session_factory, "done", utcnow() - timedelta(days=15)) for _ in range(3)]
    kept = add_finished(session_factory, "done", utcnow() - timedelta(days=13))
    settings = Settings(job_keep_days=14, job_poll_s=0.05, job_listen=False)
    worker = worker_from_settings(session_factory, {}, settings)

    def purged() -> bool:
        return [j.status for j in jobs_of(session_factory, PURGE_JOBS)] == ["done"]

    await run_worker_until(worker, purged)
    with transaction(session_factory) as session:
        left = set(session.scalars(select(Job.id).where(Job.kind == "k")))
    assert left == {kept} and not left & set(old)


def test_jobs_listing_shows_the_schedule(session_factory: Factory) -> None:
    with transaction(session_factory) as session:
        before = format_schedule(schedule_status(session, housekeeping_schedule(), NOON))
    assert before == (
        "periodic purge_jobs: every 1 d; no slot enqueued yet; next slot 2026-12-08 00:00 UTC"
    )
    [job] = Scheduler(housekeeping_schedule()).enqueue_due(session_factory, NOON)
    with transaction(session_factory) as session:
        after = format_schedule(schedule_status(session, housekeeping_schedule(), NOON))
    assert after == (
        f"periodic purge_jobs: every 1 d; last slot 2026-12-07 00:00 (job {job.id}, queued); "
        "next slot 2026-12-08 00:00 UTC"
    )


def test_jobs_without_their_own_limit_get_the_workers(session_factory: Factory) -> None:
    with transaction(session_factory) as session:
        job = queue.enqueue(session, "k", {})
        assert job is not None and job.max_attempts is None
    policy = queue.RetryPolicy(max_attempts=2, backoff_base_s=0.0, backoff_max_s=0.0)
    statuses = []
    for _ in range(2):
        assert queue.claim(session_factory, "w1", lease_s=30, retry=policy) is not None
        statuses.append(queue.fail(session_factory, job.id, "w1", "boom", retry=policy))
    assert statuses == ["queued", "dead"]
    with transaction(session_factory) as session:
        listing = queue.format_jobs(queue.list_jobs(session), policy)
    assert " 2/2 " in listing

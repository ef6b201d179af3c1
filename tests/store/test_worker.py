"""The worker loop on SQLite and PostgreSQL: outcomes, heartbeats, lease loss, stopping."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from structlog.testing import capture_logs

from bot.adapters import queue
from bot.adapters.queue.worker import Handler, JobContext, Worker
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Job, utcnow

pytestmark = pytest.mark.anyio
NO_BACKOFF = queue.RetryPolicy(backoff_base_s=0.0, backoff_max_s=0.0)
Factory = sessionmaker[Session]


def add_job(
    factory: Factory, kind: str, payload: dict[str, object] | None = None, **kw: object
) -> int:
    with transaction(factory) as session:
        job = queue.enqueue(session, kind, payload or {}, **kw)  # type: ignore[arg-type]
        assert job is not None
        return job.id


def load(factory: Factory, job_id: int) -> Job:
    with transaction(factory) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def make_worker(
    factory: Factory,
    handlers: dict[str, Handler],
    *,
    lease_s: float = 30.0,
    heartbeat_s: float = 5.0,
    poll_s: float = 0.05,
) -> Worker:
    return Worker(
        factory,
        handlers,
        worker_id="w-test",
        retry=NO_BACKOFF,
        lease_s=lease_s,
        heartbeat_s=heartbeat_s,
        poll_s=poll_s,
    )


async def test_handlers_get_the_job_and_jobs_end_done(session_factory: Factory) -> None:
    seen: list[tuple[str, dict[str, object], int]] = []

    async def record(ctx: JobContext) -> None:
        seen.append((ctx.kind, ctx.payload, ctx.attempt))

    ids = [add_job(session_factory, "record", {"n": n}) for n in range(3)]
    worker = make_worker(session_factory, {"record": record})
    with capture_logs() as logs:
        assert await worker.run_until_idle() == 3
    assert seen == [("record", {"n": n}, 1) for n in range(3)]
    assert [load(session_factory, i).status for i in ids] == ["done"] * 3
    started = [e for e in logs if e["event"] == "job.started"]
    assert [(e["job_id"], e["kind"], e["attempt"]) for e in started] == [
        (i, "record", 1) for i in ids
    ]


async def test_run_until_idle_stops_at_max_jobs(session_factory: Factory) -> None:
    async def noop(ctx: JobContext) -> None:
        return None

    for _ in range(3):
        add_job(session_factory, "noop")
    assert await make_worker(session_factory, {"noop": noop}).run_until_idle(max_jobs=2) == 2


async def test_failing_handler_is_retried_then_dead(session_factory: Factory) -> None:
    attempts: list[int] = []

    async def flaky(ctx: JobContext) -> None:
        attempts.append(ctx.attempt)
        raise ValueError(f"broken on attempt {ctx.attempt}")

    job_id = add_job(session_factory, "flaky", max_attempts=3)
    await make_worker(session_factory, {"flaky": flaky}).run_until_idle()
    job = load(session_factory, job_id)
    assert attempts == [1, 2, 3]
    assert job.status == "dead"
    assert job.last_error is not None
    assert job.last_error.startswith("ValueError: broken on attempt 3")


async def test_handler_succeeding_on_retry_is_done(session_factory: Factory) -> None:
    async def second_time_lucky(ctx: JobContext) -> None:
        if ctx.attempt == 1:
            raise ConnectionError("GitHub 502")

    job_id = add_job(session_factory, "sync")
    await make_worker(session_factory, {"sync": second_time_lucky}).run_until_idle()
    job = load(session_factory, job_id)
    assert (job.status, job.attempts) == ("done", 2)


async def test_retry_at_reschedules_without_an_attempt(session_factory: Factory) -> None:
    resume = utcnow() + timedelta(minutes=5)

    async def rate_limited(ctx: JobContext) -> None:
        raise queue.RetryAt(resume, "GitHub rate limit")

    job_id = add_job(session_factory, "sync", max_attempts=1)
    assert await make_worker(session_factory, {"sync": rate_limited}).run_until_idle() == 1
    job = load(session_factory, job_id)
    assert (job.status, job.attempts, job.run_at) == ("queued", 0, resume)
    assert job.last_error == "rescheduled: GitHub rate limit"


async def test_permanent_error_is_dead_at_once(session_factory: Factory) -> None:
    async def forbidden(ctx: JobContext) -> None:
        raise queue.PermanentJobError("403 Resource not accessible by integration")

    job_id = add_job(session_factory, "sync", max_attempts=5)
    await make_worker(session_factory, {"sync": forbidden}).run_until_idle()
    job = load(session_factory, job_id)
    assert (job.status, job.attempts) == ("dead", 1)
    assert job.last_error is not None and "Resource not accessible" in job.last_error


async def test_a_kind_the_worker_does_not_handle_waits_for_one_that_does(
    session_factory: Factory,
) -> None:
    """A rolling deploy: an older worker leaves a new kind's job queued, untouched."""
    ran: list[int] = []

    async def noop(ctx: JobContext) -> None:
        return None

    async def mystery(ctx: JobContext) -> None:
        ran.append(ctx.job_id)

    job_id = add_job(session_factory, "mystery")
    assert await make_worker(session_factory, {"noop": noop}).run_until_idle() == 0
    job = load(session_factory, job_id)
    assert (job.status, job.attempts, job.last_error) == ("queued", 0, None)
    assert await make_worker(session_factory, {"mystery": mystery}).run_until_idle() == 1
    assert ran == [job_id] and load(session_factory, job_id).status == "done"


async def test_heartbeat_keeps_a_long_job_from_being_taken(session_factory: Factory) -> None:
    others: list[Job | None] = []

    async def long_job(ctx: JobContext) -> None:
        for _ in range(4):
            await asyncio.sleep(0.25)  # 1 s in all: twice the lease
            others.append(await asyncio.to_thread(queue.claim, session_factory, "w-2", 30.0))

    job_id = add_job(session_factory, "long", lock_key="repo:o/r")
    worker = make_worker(session_factory, {"long": long_job}, lease_s=0.5, heartbeat_s=0.1)
    await worker.run_until_idle()
    assert others == [None] * 4
    job = load(session_factory, job_id)
    assert (job.status, job.attempts) == ("done", 1)


async def test_lost_lease_cancels_the_handler(session_factory: Factory) -> None:
    cancelled = asyncio.Event()

    async def stuck(ctx: JobContext) -> None:
        # Another worker takes the job over (as if this one had stalled past its lease).
        with transaction(session_factory) as session:
            session.execute(update(Job).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
        taken = await asyncio.to_thread(queue.claim, session_factory, "w-2", 30.0)
        assert taken is not None
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    job_id = add_job(session_factory, "stuck")
    worker = make_worker(session_factory, {"stuck": stuck}, lease_s=1.0, heartbeat_s=0.1)
    with capture_logs() as logs:
        await asyncio.wait_for(worker.run_until_idle(), timeout=20)
    assert cancelled.is_set()
    job = load(session_factory, job_id)
    assert (job.status, job.leased_by, job.attempts) == ("running", "w-2", 2)
    assert any(e["event"] == "job.lease_lost" for e in logs)


async def test_stop_finishes_the_current_job_first(session_factory: Factory) -> None:
    stop = asyncio.Event()
    finished: list[int] = []

    async def slow(ctx: JobContext) -> None:
        stop.set()  # a SIGTERM arrives while the job runs
        await asyncio.sleep(0.2)
        finished.append(ctx.job_id)

    first = add_job(session_factory, "slow")
    second = add_job(session_factory, "slow")
    await asyncio.wait_for(make_worker(session_factory, {"slow": slow}).run(stop), timeout=20)
    assert finished == [first]
    assert load(session_factory, first).status == "done"
    assert load(session_factory, second).status == "queued"


async def test_a_heartbeat_slower_than_the_lease_is_corrected(session_factory: Factory) -> None:
    async def noop(ctx: JobContext) -> None:
        return None

    with capture_logs() as logs:
        worker = make_worker(session_factory, {"noop": noop}, lease_s=3.0, heartbeat_s=10.0)
    assert worker.heartbeat_s == 1.0
    assert [e["event"] for e in logs] == ["worker.heartbeat_too_slow"]

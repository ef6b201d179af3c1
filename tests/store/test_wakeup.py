"""LISTEN/NOTIFY: an idle PostgreSQL worker picks a new job up at once, not after its poll
interval; the notification is sent at commit; a lost or refused listener costs only
latency (the worker polls, and reconnects)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from structlog.testing import capture_logs

from bot.adapters import queue
from bot.adapters.queue.wakeup import JobWakeup, listen_conninfo
from bot.adapters.queue.worker import JobContext, Worker
from bot.adapters.store.db import make_engine, make_session_factory, transaction
from bot.adapters.store.schema import upgrade_to_head

Factory = sessionmaker[Session]
# Far longer than any pickup the tests accept: a job seen sooner was not found by polling.
SLOW_POLL_S = 30.0
PROMPT_S = 5.0


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    upgrade_to_head(pg_url)
    engine = make_engine(pg_url)
    try:
        yield engine
    finally:
        engine.dispose()


class Recorder:
    """A handler that notes when each job ran."""

    def __init__(self) -> None:
        self.ran_at: dict[int, float] = {}

    async def __call__(self, ctx: JobContext) -> None:
        self.ran_at[ctx.job_id] = time.monotonic()


def enqueue(factory: Factory) -> tuple[int, float]:
    with transaction(factory) as session:
        job = queue.enqueue(session, "record", {})
        assert job is not None
    return job.id, time.monotonic()


async def until(condition: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def running(worker: Worker) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)  # stopping does not wait for the poll


def slow_polling_worker(factory: Factory, recorder: Recorder, wakeup: JobWakeup) -> Worker:
    return Worker(factory, {"record": recorder}, poll_s=SLOW_POLL_S, wakeup=wakeup)


@pytest.mark.anyio
@pytest.mark.postgres
async def test_a_notified_worker_picks_a_new_job_up_long_before_its_poll(
    pg_engine: Engine,
) -> None:
    factory = make_session_factory(pg_engine)
    conninfo = listen_conninfo(pg_engine)
    assert conninfo is not None
    wakeup, recorder = JobWakeup(conninfo), Recorder()
    async with running(slow_polling_worker(factory, recorder, wakeup)):
        await until(lambda: wakeup.listening, "the worker to listen")
        await asyncio.sleep(0.2)  # the worker is idle again, in its 30 s poll wait
        for _ in range(2):
            job_id, enqueued = await asyncio.to_thread(enqueue, factory)
            await until(lambda: job_id in recorder.ran_at, "the job to run")  # noqa: B023
            assert recorder.ran_at[job_id] - enqueued < PROMPT_S


@pytest.mark.postgres
def test_notify_is_sent_when_the_enqueuing_transaction_commits(pg_engine: Engine) -> None:
    factory = make_session_factory(pg_engine)
    conninfo = listen_conninfo(pg_engine)
    assert conninfo is not None
    with psycopg.connect(conninfo, autocommit=True) as listener:
        listener.execute(f"LISTEN {queue.NOTIFY_CHANNEL}")
        with pytest.raises(RuntimeError), transaction(factory) as session:
            queue.enqueue(session, "record", {})
            raise RuntimeError("rolled back")
        assert list(listener.notifies(timeout=0.5)) == []
        with transaction(factory) as session:
            queue.enqueue(session, "record", {})
            queue.enqueue(session, "record", {})
            assert list(listener.notifies(timeout=0.3)) == []  # not before the commit
        notes = list(listener.notifies(timeout=2, stop_after=1))
        assert [n.channel for n in notes] == [queue.NOTIFY_CHANNEL]


@pytest.mark.anyio
@pytest.mark.postgres
async def test_the_listener_reconnects_after_losing_its_connection(pg_engine: Engine) -> None:
    factory = make_session_factory(pg_engine)
    conninfo = listen_conninfo(pg_engine)
    assert conninfo is not None
    wakeup, recorder = JobWakeup(conninfo, reconnect_s=0.2), Recorder()
    with capture_logs() as logs:
        async with running(slow_polling_worker(factory, recorder, wakeup)):
            await until(lambda: wakeup.listening, "the worker to listen")
            with psycopg.connect(conninfo, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()"
                )
            await until(lambda: any(e["event"] == "worker.listen_failed" for e in logs), "a drop")
            await until(lambda: wakeup.listening, "the worker to listen again")
            job_id, enqueued = await asyncio.to_thread(enqueue, factory)
            await until(lambda: job_id in recorder.ran_at, "the job to run")
            assert recorder.ran_at[job_id] - enqueued < PROMPT_S


@pytest.mark.anyio
async def test_a_worker_whose_listen_fails_still_polls(session_factory: Factory) -> None:
    # Nothing listens on port 9 (discard): the connection is refused and retried.
    wakeup = JobWakeup("postgresql://nobody@127.0.0.1:9/none", reconnect_s=0.1)
    recorder = Recorder()
    worker = Worker(session_factory, {"record": recorder}, poll_s=0.1, wakeup=wakeup)
    with capture_logs() as logs:
        async with running(worker):
            job_id, _ = await asyncio.to_thread(enqueue, session_factory)
            await until(lambda: job_id in recorder.ran_at, "the polling worker to run the job")
            assert not wakeup.listening
    failures = [e for e in logs if e["event"] == "worker.listen_failed"]
    assert failures and "127.0.0.1" in failures[0]["error"]

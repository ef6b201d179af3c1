"""A worker process for the multi-process tests: ``python -m tests.store.worker_process``.

Its handlers write ``start``/``end`` rows into ``job_events`` (ids in commit order on
both databases), so the test can check that each job ran once and that jobs sharing a
lock key never overlapped. SIGTERM/SIGINT stop it gracefully, as in production.
``--every S`` schedules a periodic ``tick`` job (handled like ``record``) every S seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import time
from datetime import timedelta

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, insert

from bot.adapters.logs import configure_logging
from bot.adapters.queue import RetryPolicy
from bot.adapters.queue.periodic import PeriodicJob
from bot.adapters.queue.worker import JobContext, Worker
from bot.adapters.store.db import make_engine, make_session_factory, transaction

events_metadata = MetaData()
job_events = Table(
    "job_events",
    events_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", Integer, nullable=False),
    Column("lock_key", String(255)),
    Column("attempt", Integer, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("event", String(8), nullable=False),
    Column("at", Float, nullable=False),  # wall clock (time.time()), for printed timings
)


def _record(ctx: JobContext, event: str) -> None:
    with transaction(ctx.session_factory) as session:
        session.execute(
            insert(job_events).values(
                job_id=ctx.job_id,
                lock_key=ctx.lock_key,
                attempt=ctx.attempt,
                pid=os.getpid(),
                event=event,
                at=time.time(),
            )
        )


async def record(ctx: JobContext) -> None:
    """Start, a short random pause, end."""
    await asyncio.to_thread(_record, ctx, "start")
    await asyncio.sleep(random.uniform(0, float(ctx.payload.get("max_sleep_s", 0.01))))
    await asyncio.to_thread(_record, ctx, "end")


async def block_first_attempt(ctx: JobContext) -> None:
    """Hang on the first attempt (until the process is killed); finish on a retry."""
    await asyncio.to_thread(_record, ctx, "start")
    if ctx.attempt == 1:
        await asyncio.sleep(3600)
    await asyncio.to_thread(_record, ctx, "end")


async def hog_the_loop(ctx: JobContext) -> None:
    """Block the event loop (a synchronous sleep of ``hold_s``) on the first attempt: the
    heartbeat thread must keep the lease meanwhile."""
    await asyncio.to_thread(_record, ctx, "start")
    if ctx.attempt == 1:
        time.sleep(float(ctx.payload["hold_s"]))  # noqa: ASYNC251 - blocking on purpose
    await asyncio.to_thread(_record, ctx, "end")


async def main(args: argparse.Namespace) -> None:
    factory = make_session_factory(make_engine(args.url))
    worker = Worker(
        factory,
        {"record": record, "block": block_first_attempt, "hog": hog_the_loop, "tick": record},
        worker_id=f"test-worker-{os.getpid()}",
        lease_s=args.lease,
        heartbeat_s=args.heartbeat,
        poll_s=args.poll,
        retry=RetryPolicy(backoff_base_s=0.1, backoff_max_s=0.5),
        schedule=[PeriodicJob("tick", timedelta(seconds=args.every))] if args.every else [],
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("ready", flush=True)
    await worker.run(stop)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--lease", type=float, default=1.0)
    parser.add_argument("--heartbeat", type=float, default=0.2)
    parser.add_argument("--poll", type=float, default=0.02)
    parser.add_argument("--every", type=float, default=0.0)
    configure_logging("json", "INFO")
    asyncio.run(main(parser.parse_args(sys.argv[1:])))

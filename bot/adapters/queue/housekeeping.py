"""The queue's own periodic work: ``purge_jobs`` deletes old ``done`` jobs once a day.

Done jobs are kept ``LOOPWATCH_JOB_KEEP_DAYS`` (for ``loopwatch jobs`` and for looking
back at what ran), then deleted in batches of :data:`~bot.adapters.queue.PURGE_BATCH`,
one short transaction each. Dead jobs are never purged: they wait for an operator
(``loopwatch jobs --retry ID``, or a ``DELETE`` when they are not worth retrying).
``job_locks`` needs no purge (a row lives while its job runs).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.adapters import queue
from bot.adapters.queue.periodic import PeriodicJob
from bot.adapters.queue.worker import Handler, JobContext

PURGE_JOBS = "purge_jobs"
PURGE_EVERY = timedelta(days=1)


def housekeeping_schedule() -> list[PeriodicJob]:
    """What every production worker schedules (its slots start at midnight UTC)."""
    return [PeriodicJob(PURGE_JOBS, PURGE_EVERY, lock_key=f"queue:{PURGE_JOBS}")]


def make_purge_handler(keep_done: timedelta, batch_size: int = queue.PURGE_BATCH) -> Handler:
    """The ``purge_jobs`` handler: done jobs finished more than ``keep_done`` ago go."""

    async def purge_jobs(ctx: JobContext) -> None:
        deleted = await asyncio.to_thread(
            queue.purge_done_in_batches, ctx.session_factory, keep_done, batch_size
        )
        ctx.log.info("jobs.purged", deleted=deleted, keep_days=keep_done / timedelta(days=1))

    return purge_jobs

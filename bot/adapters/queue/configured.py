"""The production worker, configured from settings (the queue itself reads no settings).

Besides the caller's handlers it gets the queue's housekeeping (the daily ``purge_jobs``),
the retry policy of ``LOOPWATCH_JOB_MAX_ATTEMPTS`` and ``LOOPWATCH_JOB_BACKOFF_*``, and on
PostgreSQL a LISTEN connection (unless ``LOOPWATCH_JOB_LISTEN=false``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.queue import RetryPolicy
from bot.adapters.queue.housekeeping import PURGE_JOBS, housekeeping_schedule, make_purge_handler
from bot.adapters.queue.wakeup import JobWakeup, listen_conninfo
from bot.adapters.queue.worker import Handler, Worker
from bot.adapters.settings import Settings


def worker_from_settings(
    session_factory: sessionmaker[Session], handlers: Mapping[str, Handler], settings: Settings
) -> Worker:
    engine: Engine = session_factory.kw["bind"]
    conninfo = listen_conninfo(engine) if settings.job_listen else None
    keep_done = timedelta(days=settings.job_keep_days)
    return Worker(
        session_factory,
        {**handlers, PURGE_JOBS: make_purge_handler(keep_done)},
        worker_id=settings.worker_id,
        lease_s=settings.job_lease_s,
        heartbeat_s=settings.job_heartbeat_s,
        poll_s=settings.job_poll_s,
        retry=retry_policy(settings),
        schedule=housekeeping_schedule(),
        wakeup=JobWakeup(conninfo) if conninfo else None,
    )


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.job_max_attempts,
        backoff_base_s=settings.job_backoff_base_s,
        backoff_max_s=settings.job_backoff_max_s,
    )

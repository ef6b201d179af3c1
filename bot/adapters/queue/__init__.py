"""Durable jobs in the database (a transactional outbox).

A job is added to the caller's session (:func:`enqueue`), so it commits or rolls back
with the data it refers to. Workers :func:`claim` ready jobs under a lease, extend it with
:func:`heartbeat`, and finish with :func:`complete`, :func:`fail` (retry with exponential
backoff and full jitter; ``dead`` after ``max_attempts``) or :func:`reschedule` (a
:class:`RetryAt` from the handler: later, without counting an attempt).

States: ``queued`` -> ``running`` -> ``done`` | ``queued`` (retry) | ``dead``. A running job
whose lease expired (its worker stopped heartbeating) is claimable again; that run
counted as an attempt. ``attempts`` counts starts, so it is incremented at claim time.

Exclusivity: a job with a ``lock_key`` runs only while it holds the ``job_locks`` row of
that key, taken in the claim transaction; an expired lock row is taken over. PostgreSQL
claims with ``FOR UPDATE SKIP LOCKED``; SQLite serializes claims with ``BEGIN IMMEDIATE``.

Nothing here reads settings: the worker passes its :class:`RetryPolicy` (a job enqueued
without ``max_attempts`` stores NULL and gets the policy's limit of whoever runs it). On
PostgreSQL, enqueueing a ready job also sends ``NOTIFY loopwatch_jobs`` (delivered at
commit), which wakes idle workers (:mod:`bot.adapters.queue.wakeup`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import is_postgresql, transaction
from bot.adapters.store.models import Job, JobLock, utcnow
from bot.core.text import one_line

JOB_STATUSES = ("queued", "running", "done", "dead")
# How many ready jobs one claim looks at before giving up (all of them lock-blocked).
CLAIM_CANDIDATES = 20
MAX_ERROR_CHARS = 8_000
# The PostgreSQL channel a ready job is announced on (empty payload, so PostgreSQL folds
# the notifications of one transaction into one).
NOTIFY_CHANNEL = "loopwatch_jobs"
# Dedupe keys in this namespace mark a periodic job's time slot: unlike other keys they
# are kept when the job runs, so the slot is enqueued once (see periodic.py).
SLOT_KEY_PREFIX = "periodic:"
PURGE_BATCH = 1_000


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often a job is tried and how long a worker waits between tries.

    ``max_attempts`` applies to jobs enqueued without their own (their column is NULL).
    The defaults are the settings' defaults (``LOOPWATCH_JOB_MAX_ATTEMPTS`` and
    ``LOOPWATCH_JOB_BACKOFF_*``); workers pass the configured values.
    """

    max_attempts: int = 20
    backoff_base_s: float = 2.0
    backoff_max_s: float = 600.0

    def attempts_allowed(self, job: Job) -> int:
        return job.max_attempts if job.max_attempts is not None else self.max_attempts


class RetryAt(Exception):
    """Raised by a handler: run this job again at ``at``, without counting a failure.

    For waits that are nobody's fault, e.g. a GitHub rate limit until its reset time.
    """

    def __init__(self, at: datetime, reason: str = "") -> None:
        super().__init__(f"retry at {at.isoformat()}: {reason}" if reason else at.isoformat())
        self.at = at
        self.reason = reason


class PermanentJobError(Exception):
    """Raised by a handler when retrying cannot help: the job goes straight to dead."""


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    lock_key: str | None = None,
    dedupe_key: str | None = None,
    run_at: datetime | None = None,
    max_attempts: int | None = None,
) -> Job | None:
    """Add a job to the caller's transaction; flushed, so ``job.id`` is set.

    With a ``dedupe_key`` that a queued job already has, add nothing and return None
    (race-safe: ``INSERT ... ON CONFLICT DO NOTHING``). Keys are cleared when a job starts
    running, so a burst coalesces into one pending job queued behind the running one
    (except slot keys, ``periodic:…``, which stay: see :data:`SLOT_KEY_PREFIX`).
    Without ``max_attempts`` the running worker's :class:`RetryPolicy` decides.
    """
    now = utcnow()
    values: dict[str, Any] = {
        "kind": kind,
        "payload": payload,
        "lock_key": lock_key,
        "dedupe_key": dedupe_key,
        "status": "queued",
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_at": run_at or now,
        "created_at": now,
    }
    if dedupe_key is None:
        job: Job | None = Job(**values)
        session.add(job)
        session.flush()
    else:
        dialect_insert = postgresql.insert if is_postgresql(session) else sqlite.insert
        statement = (
            dialect_insert(Job)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[Job.dedupe_key])
            .returning(Job.id)
        )
        job_id = session.execute(statement).scalar_one_or_none()
        job = None if job_id is None else session.get(Job, job_id)
    if job is not None and job.run_at <= now:
        notify_workers(session)
    return job


def notify_workers(session: Session) -> None:
    """Wake idle workers when this transaction commits (PostgreSQL; nothing on SQLite)."""
    if is_postgresql(session):
        session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))


def claim(
    factory: sessionmaker[Session],
    worker_id: str,
    lease_s: float,
    kinds: Iterable[str] | None = None,
    *,
    retry: RetryPolicy = RetryPolicy(),
) -> Job | None:
    """Lease the oldest ready job whose lock key is free; None when there is none."""
    kinds = list(kinds) if kinds is not None else None
    with transaction(factory) as session:
        now = utcnow()
        expires = now + timedelta(seconds=lease_s)
        for job in _ready_candidates(session, now, kinds):
            if job.status == "running" and job.attempts >= retry.attempts_allowed(job):
                _bury_abandoned(session, job, now, retry.attempts_allowed(job))
                continue
            if job.lock_key is not None and not _take_lock(
                session, job.lock_key, job.id, now, expires
            ):
                continue
            job.status = "running"
            job.attempts += 1
            job.leased_by = worker_id
            job.lease_expires_at = expires
            job.heartbeat_at = now
            if not is_slot_key(job.dedupe_key):
                job.dedupe_key = None
            return job
    return None


def is_slot_key(dedupe_key: str | None) -> bool:
    return dedupe_key is not None and dedupe_key.startswith(SLOT_KEY_PREFIX)


def _ready_candidates(session: Session, now: datetime, kinds: list[str] | None) -> Sequence[Job]:
    lock_held_by_another = exists().where(
        JobLock.lock_key == Job.lock_key,
        JobLock.expires_at > now,
        JobLock.job_id != Job.id,
    )
    statement = (
        select(Job)
        .where(
            or_(
                and_(Job.status == "queued", Job.run_at <= now),
                and_(Job.status == "running", Job.lease_expires_at < now),
            ),
            ~lock_held_by_another,
        )
        .order_by(Job.run_at, Job.id)
        .limit(CLAIM_CANDIDATES)
    )
    if kinds is not None:
        statement = statement.where(Job.kind.in_(kinds))
    if is_postgresql(session):
        statement = statement.with_for_update(skip_locked=True, of=Job)
    return session.scalars(statement).all()


def _take_lock(
    session: Session, lock_key: str, job_id: int, now: datetime, expires: datetime
) -> bool:
    """Insert the lock row, or take it over when expired (or already ours)."""
    dialect_insert = postgresql.insert if is_postgresql(session) else sqlite.insert
    statement = (
        dialect_insert(JobLock)
        .values(lock_key=lock_key, job_id=job_id, expires_at=expires)
        .on_conflict_do_update(
            index_elements=[JobLock.lock_key],
            set_={"job_id": job_id, "expires_at": expires},
            where=or_(JobLock.expires_at <= now, JobLock.job_id == job_id),
        )
        .returning(JobLock.lock_key)
    )
    return session.execute(statement).first() is not None


def _bury_abandoned(session: Session, job: Job, now: datetime, attempts_allowed: int) -> None:
    job.status = "dead"
    job.finished_at = now
    job.lease_expires_at = None
    job.last_error = (
        f"worker {job.leased_by} stopped heartbeating (lease expired) on attempt "
        f"{job.attempts} of {attempts_allowed}"
        + (f"; earlier error: {job.last_error}" if job.last_error else "")
    )[:MAX_ERROR_CHARS]
    session.execute(delete(JobLock).where(JobLock.job_id == job.id))


def heartbeat(factory: sessionmaker[Session], job_id: int, worker_id: str, lease_s: float) -> bool:
    """Extend the lease (and the lock); False if this worker no longer holds the job."""
    try:
        with transaction(factory) as session:
            now = utcnow()
            expires = now + timedelta(seconds=lease_s)
            row = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running", Job.leased_by == worker_id)
                .values(lease_expires_at=expires, heartbeat_at=now)
                .returning(Job.lock_key)
                .execution_options(synchronize_session=False)
            ).first()
            if row is None:
                return False
            if row.lock_key is not None:
                lock = session.execute(
                    update(JobLock)
                    .where(JobLock.lock_key == row.lock_key, JobLock.job_id == job_id)
                    .values(expires_at=expires)
                    .returning(JobLock.lock_key)
                    .execution_options(synchronize_session=False)
                ).first()
                if lock is None:
                    raise _LeaseLost
            return True
    except _LeaseLost:
        return False


class _LeaseLost(Exception):
    pass


def _leased_job(session: Session, job_id: int, worker_id: str) -> Job | None:
    statement = select(Job).where(
        Job.id == job_id, Job.status == "running", Job.leased_by == worker_id
    )
    if is_postgresql(session):
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def _release(session: Session, job: Job) -> None:
    job.lease_expires_at = None
    session.execute(delete(JobLock).where(JobLock.job_id == job.id))


def complete(factory: sessionmaker[Session], job_id: int, worker_id: str) -> bool:
    """Mark the job done and release its lock; False if the lease was lost."""
    with transaction(factory) as session:
        job = _leased_job(session, job_id, worker_id)
        if job is None:
            return False
        job.status = "done"
        job.finished_at = utcnow()
        _release(session, job)
        return True


def backoff_delay(
    attempt: int,
    base_s: float,
    max_s: float,
    uniform: Callable[[float, float], float] = random.uniform,
) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(max, base * 2^(attempt-1))]."""
    ceiling = min(max_s, base_s * 2.0 ** min(max(attempt - 1, 0), 60))
    return uniform(0.0, ceiling)


def fail(
    factory: sessionmaker[Session],
    job_id: int,
    worker_id: str,
    error: str,
    *,
    permanent: bool = False,
    retry: RetryPolicy = RetryPolicy(),
) -> str | None:
    """Record a failed attempt: back to ``queued`` after a backoff, or ``dead``.

    Returns the job's new status, or None if this worker no longer held the job.
    """
    with transaction(factory) as session:
        job = _leased_job(session, job_id, worker_id)
        if job is None:
            return None
        now = utcnow()
        job.last_error = error[:MAX_ERROR_CHARS]
        if permanent or job.attempts >= retry.attempts_allowed(job):
            job.status = "dead"
            job.finished_at = now
        else:
            delay = backoff_delay(job.attempts, retry.backoff_base_s, retry.backoff_max_s)
            job.status = "queued"
            job.run_at = now + timedelta(seconds=delay)
        _release(session, job)
        return job.status


def reschedule(
    factory: sessionmaker[Session], job_id: int, worker_id: str, at: datetime, reason: str
) -> bool:
    """Queue the job again at ``at`` without counting this attempt (see :class:`RetryAt`)."""
    with transaction(factory) as session:
        job = _leased_job(session, job_id, worker_id)
        if job is None:
            return False
        job.status = "queued"
        job.run_at = at
        job.attempts = max(job.attempts - 1, 0)
        job.last_error = f"rescheduled: {reason}"[:MAX_ERROR_CHARS] if reason else None
        _release(session, job)
        return True


def list_jobs(session: Session, status: str | None = None, limit: int = 50) -> list[Job]:
    """Newest first, optionally only one status."""
    statement = select(Job).order_by(Job.id.desc()).limit(limit)
    if status is not None:
        statement = statement.where(Job.status == status)
    return list(session.scalars(statement))


def retry_dead(session: Session, job_id: int) -> bool:
    """Queue a dead job again with a fresh set of attempts; False if it is not dead."""
    job = session.get(Job, job_id)
    if job is None or job.status != "dead":
        return False
    job.status = "queued"
    job.attempts = 0
    job.run_at = utcnow()
    job.finished_at = None
    job.leased_by = None
    session.flush()
    notify_workers(session)
    return True


def purge_done(session: Session, older_than: timedelta, *, limit: int | None = None) -> int:
    """Delete jobs that finished ``done`` more than ``older_than`` ago, at most ``limit``
    (oldest first); return how many. Dead jobs are kept (an operator retries them).

    Job locks need no purge: a lock row lives while its job runs (deleted when the job
    finishes, fails or is rescheduled, and with the job by ``ON DELETE CASCADE``).
    """
    cutoff = utcnow() - older_than
    doomed = (
        select(Job.id)
        .where(Job.status == "done", Job.finished_at < cutoff)
        .order_by(Job.id)
        .limit(limit)
    )
    deleted = session.execute(
        delete(Job)
        .where(Job.id.in_(doomed.scalar_subquery()))
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    return len(deleted.all())


def purge_done_in_batches(
    factory: sessionmaker[Session], older_than: timedelta, batch_size: int = PURGE_BATCH
) -> int:
    """:func:`purge_done` one short transaction per ``batch_size`` jobs, until none is left
    (no long lock on a big table); return how many were deleted."""
    total = 0
    while True:
        with transaction(factory) as session:
            deleted = purge_done(session, older_than, limit=batch_size)
        total += deleted
        if deleted < batch_size:
            return total


def queue_stats(session: Session) -> dict[str, int]:
    """Number of jobs per status (every status present, zero included)."""
    counts = dict.fromkeys(JOB_STATUSES, 0)
    rows = session.execute(select(Job.status, func.count()).group_by(Job.status))
    for status, count in rows:
        counts[status] = count
    return counts


def format_jobs(jobs: Sequence[Job], retry: RetryPolicy = RetryPolicy()) -> str:
    """A plain-text table for ``loopwatch jobs`` (``retry``: the workers' policy)."""
    if not jobs:
        return "no jobs"
    header = ("ID", "KIND", "STATUS", "TRIES", "LOCK", "WHEN", "LAST ERROR")
    rows = [header]
    for job in jobs:
        when = job.finished_at if job.status in ("done", "dead") else job.run_at
        rows.append(
            (
                str(job.id),
                job.kind,
                job.status,
                f"{job.attempts}/{retry.attempts_allowed(job)}",
                job.lock_key or "-",
                when.strftime("%Y-%m-%d %H:%M:%S") if when else "-",
                one_line(job.last_error or "", 60) or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)

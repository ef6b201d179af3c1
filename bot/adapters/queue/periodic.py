"""Periodic jobs: a schedule that any worker may enqueue, each time slot exactly once.

Time is cut into slots of ``every`` (aligned on the Unix epoch, UTC: a daily job's slots
start at midnight UTC). When a worker sees a new slot it enqueues the job with the dedupe
key ``periodic:<kind>:<slot start ISO>``, ``run_at`` the slot start. The key's unique
index makes this race-safe across workers and processes (``INSERT … ON CONFLICT DO
NOTHING``), and the queue keeps slot keys when the job runs (other keys are cleared), so a
worker that starts late in a slot cannot enqueue it a second time.

A slot key lives as long as its job: done jobs are purged after ``LOOPWATCH_JOB_KEEP_DAYS``
(at least one day), so an interval must not be longer than that. A slot in which no
worker ran is skipped, not caught up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters import queue
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Job, utcnow

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """A job of ``kind`` enqueued once every ``every`` (``payload`` and ``lock_key`` as for
    :func:`~bot.adapters.queue.enqueue`)."""

    kind: str
    every: timedelta
    payload: Mapping[str, Any] = field(default_factory=dict)
    lock_key: str | None = None

    def __post_init__(self) -> None:
        if self.every <= timedelta(0):
            raise ValueError(f"periodic job {self.kind!r}: the interval must be positive")

    def slot_start(self, now: datetime) -> datetime:
        """The start of the slot ``now`` falls in."""
        return EPOCH + ((now - EPOCH) // self.every) * self.every

    def next_slot(self, now: datetime) -> datetime:
        return self.slot_start(now) + self.every

    def slot_key(self, slot: datetime) -> str:
        return f"{self.key_prefix}{slot.isoformat()}"

    def slot_of(self, job: Job) -> datetime | None:
        """The slot a job of this schedule was enqueued for (None: not a slot job)."""
        key = job.dedupe_key
        if key is None or not key.startswith(self.key_prefix):
            return None
        return datetime.fromisoformat(key.removeprefix(self.key_prefix))

    @property
    def key_prefix(self) -> str:
        """``periodic:<kind>:``, followed in a slot key by the slot start."""
        return f"{queue.SLOT_KEY_PREFIX}{self.kind}:"


def enqueue_slot(session: Session, periodic: PeriodicJob, slot: datetime) -> Job | None:
    """Enqueue the slot's job in the caller's transaction; None if it already exists."""
    return queue.enqueue(
        session,
        periodic.kind,
        dict(periodic.payload),
        lock_key=periodic.lock_key,
        dedupe_key=periodic.slot_key(slot),
        run_at=slot,
    )


class Scheduler:
    """One worker's view of a schedule: asks the database only when a slot begins.

    :meth:`enqueue_due` costs nothing between slots (the last slot seen per kind is kept
    in memory), so the worker may call it on every poll tick.
    """

    def __init__(self, schedule: Sequence[PeriodicJob]) -> None:
        kinds = [periodic.kind for periodic in schedule]
        if len(set(kinds)) != len(kinds):
            raise ValueError(f"a kind is scheduled twice: {kinds}")
        self.schedule = tuple(schedule)
        self._seen: dict[str, datetime] = {}

    def enqueue_due(self, factory: sessionmaker[Session], now: datetime | None = None) -> list[Job]:
        """Enqueue the current slot of each job whose slot this worker has not seen yet;
        return the jobs this call created (a slot another worker took is not one)."""
        due = self._due(now or utcnow())
        if not due:
            return []
        with transaction(factory) as session:
            created = [job for p, slot in due if (job := enqueue_slot(session, p, slot))]
        for periodic, slot in due:  # after the commit: a failed attempt is tried again
            self._seen[periodic.kind] = slot
        return created

    def is_due(self, now: datetime | None = None) -> bool:
        """Whether a slot began that this worker has not enqueued (no database access)."""
        return bool(self._due(now or utcnow()))

    def _due(self, now: datetime) -> list[tuple[PeriodicJob, datetime]]:
        return [
            (periodic, periodic.slot_start(now))
            for periodic in self.schedule
            if self._seen.get(periodic.kind) != periodic.slot_start(now)
        ]

    def seconds_until_next_slot(self, now: datetime | None = None) -> float | None:
        """How long until the next slot begins (None without a schedule)."""
        now = now or utcnow()
        upcoming = [periodic.next_slot(now) for periodic in self.schedule]
        return max((min(upcoming) - now).total_seconds(), 0.0) if upcoming else None


@dataclass(frozen=True, slots=True)
class PeriodicStatus:
    """For ``loopwatch jobs``: a scheduled job, its latest slot's job (if any), the next slot."""

    periodic: PeriodicJob
    latest: Job | None
    next_slot: datetime


def schedule_status(
    session: Session, schedule: Sequence[PeriodicJob], now: datetime | None = None
) -> list[PeriodicStatus]:
    now = now or utcnow()
    statuses = []
    for periodic in schedule:
        is_slot_job = Job.dedupe_key.startswith(periodic.key_prefix, autoescape=True)
        latest = session.scalars(
            select(Job)
            .where(Job.kind == periodic.kind, is_slot_job)
            .order_by(Job.id.desc())
            .limit(1)
        ).first()
        statuses.append(PeriodicStatus(periodic, latest, periodic.next_slot(now)))
    return statuses


def format_schedule(statuses: Sequence[PeriodicStatus]) -> str:
    """One line per scheduled job: ``periodic purge_jobs: every 1 d; last slot …; next …``."""
    lines = []
    for status in statuses:
        periodic, latest = status.periodic, status.latest
        slot = None if latest is None else periodic.slot_of(latest)
        if latest is None or slot is None:
            last = "no slot enqueued yet"
        else:
            last = f"last slot {_minute(slot)} (job {latest.id}, {latest.status})"
        lines.append(
            f"periodic {periodic.kind}: every {_interval(periodic.every)}; {last}; "
            f"next slot {_minute(status.next_slot)} UTC"
        )
    return "\n".join(lines)


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _interval(every: timedelta) -> str:
    seconds = int(every.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"

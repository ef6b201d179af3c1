"""When a sync job may write: under its installation's lock, once its repository's burst of
runs has been processed.

Why a gate: a sync's dedupe key is cleared when it starts running, so the next run's
``defer_sync`` queues a new one behind it. With one worker that is harmless: the worker
takes the oldest ready job first, so it processes the whole burst (uploaded earlier)
before the debounced sync. With N workers an idle one takes the sync as soon as its
debounce ends, half-way through the burst, and every run processed meanwhile queues
another: a burst that one worker turns into 2 syncs and 7 writes became dozens of each.
So a sync that finds a ``process_run`` of its repository ready or running writes nothing
and queues itself again one debounce later (coalesced with the sync the run will queue),
like the one worker that would still be busy with that run. The wait is bounded by
``max_wait_s`` from the first postponement (kept in the payload): a repository whose
runs never stop arriving still gets synced, and an in-progress check run still shows for
a run that takes longer than that.

A sync queued before its repository's installation was known holds a key of its own
(:func:`bot.adapters.queue.kinds.sync_lock`); it is queued again under the
installation's key instead of writing beside that installation's other syncs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.adapters.queue.kinds import (
    PROCESS_RUN,
    RepositoryPayload,
    enqueue_sync,
    installation_lock,
    sync_job_key,
)
from bot.adapters.store.models import Job, Repository, Run


@dataclass(frozen=True, slots=True)
class SyncGate:
    """``debounce_s``: how long a held-back sync waits before it looks again;
    ``max_wait_s``: how long at most it waits for the repository's runs."""

    debounce_s: float
    max_wait_s: float

    def hold_back(
        self,
        session: Session,
        *,
        kind: str,
        payload: RepositoryPayload,
        lock_key: str | None,
        installation_id: int,
        now: datetime,
    ) -> str | None:
        """None: sync now. Else why the job was queued again instead (it writes nothing)."""
        repository = session.get_one(Repository, payload.repository_id)
        expected = installation_lock(installation_id)
        if lock_key != expected:
            enqueue_sync(
                session,
                repository,
                kind=kind,
                delay=timedelta(0),
                waiting_since=payload.waiting_since,
            )
            return f"queued again under {expected} (was {lock_key})"
        if not processing_pending(session, repository.id, now):
            return None
        since = payload.waiting_since or now
        if (now - since).total_seconds() >= self.max_wait_s:
            return None
        self._postpone(session, repository, kind, since)
        return "runs of the repository are still being processed"

    def _postpone(
        self, session: Session, repository: Repository, kind: str, since: datetime
    ) -> None:
        queued = enqueue_sync(
            session,
            repository,
            kind=kind,
            delay=timedelta(seconds=self.debounce_s),
            waiting_since=since,
        )
        if queued is not None:
            return
        # A run just queued a sync: it stands for this one, and waits no longer than we would.
        pending = session.scalars(
            select(Job).where(Job.dedupe_key == sync_job_key(repository.id, kind))
        ).first()
        if pending is not None and "waiting_since" not in pending.payload:
            pending.payload = {**pending.payload, "waiting_since": since.isoformat()}


def processing_pending(session: Session, repository_id: int, now: datetime) -> bool:
    """Whether a ``process_run`` of the repository is ready to run or running (one waiting
    for a retry later does not count: the sync must not wait on a failing run)."""
    run_id = Job.payload["run_id"].as_integer()
    statement = (
        select(Job.id)
        .join(Run, Run.id == run_id)
        .where(
            Job.kind == PROCESS_RUN,
            or_(Job.status == "running", and_(Job.status == "queued", Job.run_at <= now)),
            Run.repository_id == repository_id,
        )
        .limit(1)
    )
    return session.scalars(statement).first() is not None

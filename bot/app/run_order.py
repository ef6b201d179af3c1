"""Order of runs (docs/design.md): a campaign's runs are folded into cluster state in
upload order (``runs.id`` within the campaign).

A run whose campaign has an earlier run still to be processed (its ``process_run`` job
queued, retried or rescheduled) waits for it, at most ``run_order_wait_s``. A run that
did not wait (its earlier run's job is dead, or the wait ran out) is folded; the earlier
run, when it comes, is *late*: its results, check run and session-log line are kept, and it
changes no cluster. A run is folded once (``runs.folded_at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.adapters.queue.kinds import PROCESS_RUN, repository_lock
from bot.adapters.store.models import Job, Run

# How long after the earlier run's job is due a waiting run looks again.
AFTER_BLOCKER = timedelta(milliseconds=200)
LIVE_JOB = ("queued", "running")


@dataclass(frozen=True, slots=True)
class Blocker:
    """An earlier run of the campaign whose job is still to run, and when it is due."""

    run_id: int
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Wait:
    """The run waits: its job is due again at ``until``, for the reason given."""

    until: datetime
    reason: str


def earlier_pending_run(session: Session, run: Run, full_name: str) -> Blocker | None:
    """The nearest earlier run of ``run``'s campaign that is not processed yet and whose
    ``process_run`` job is alive (queued or running); a run whose job is dead holds
    nothing back."""
    earlier = set(
        session.scalars(
            select(Run.id).where(
                Run.campaign_id == run.campaign_id, Run.id < run.id, Run.status == "queued"
            )
        )
    )
    if not earlier:  # the usual case: one indexed query, no job is read
        return None
    jobs = session.scalars(
        select(Job).where(
            Job.kind == PROCESS_RUN,
            Job.status.in_(LIVE_JOB),
            Job.lock_key == repository_lock(full_name),
        )
    )
    due: dict[int, datetime] = {}
    for job in jobs:
        run_id = (job.payload or {}).get("run_id")
        if isinstance(run_id, int) and run_id in earlier:
            at = max(job.run_at, job.lease_expires_at or job.run_at)
            due[run_id] = min(due.get(run_id, at), at)
    if not due:
        return None
    nearest = max(due)
    return Blocker(nearest, due[nearest])


def order_wait(
    session: Session, run: Run, full_name: str, campaign: str, *, now: datetime, max_wait_s: float
) -> Wait | None:
    """Whether ``run`` must wait for an earlier run (and records it on the run, so the
    status API can say so); None: process it now."""
    blocker = earlier_pending_run(session, run, full_name)
    since = run.waiting_since or now
    if blocker is None or now - since >= timedelta(seconds=max_wait_s):
        run.waiting_for_run_id = None
        return None
    run.waiting_for_run_id, run.waiting_since = blocker.run_id, since
    until = min(max(blocker.due_at, now) + AFTER_BLOCKER, since + timedelta(seconds=max_wait_s))
    return Wait(until, f"waiting for run #{blocker.run_id} of campaign {campaign}")


def later_folded_run(session: Session, run: Run) -> int | None:
    """The first later run of the campaign already folded: ``run`` is late if there is one."""
    return session.scalar(
        select(func.min(Run.id)).where(
            Run.campaign_id == run.campaign_id, Run.id > run.id, Run.folded_at.is_not(None)
        )
    )


def waiting_text(run: Run) -> str | None:
    """What the run's status says while it waits (None: it does not)."""
    if run.status != "queued" or run.waiting_for_run_id is None:
        return None
    since = run.waiting_since.isoformat() if run.waiting_since else "now"
    return (
        f"waiting for run #{run.waiting_for_run_id} of its campaign (since {since}): a "
        "campaign's runs are analysed in upload order"
    )

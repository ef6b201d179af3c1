"""The worker loop: claim a job, run its handler while heartbeating, record the outcome.

Handlers are ``async def handler(ctx: JobContext) -> None``. Returning means done;
raising :class:`~bot.adapters.queue.RetryAt` reschedules without counting an attempt;
:class:`~bot.adapters.queue.PermanentJobError` parks the job as dead; any other exception is a
failed attempt (retried with backoff, dead after ``max_attempts``). A worker claims only
the kinds it handles, so a job of a kind it does not know waits for a worker that does.

The lease is kept by a heartbeat **thread** (:class:`_LeaseKeeper`), not a task on the
handler's event loop: a handler that blocks the loop for a while (a big parse) does not
lose its job, so the lease can be short (``LOOPWATCH_JOB_LEASE_S``, 10 s) and a job whose
worker was SIGKILLed is taken over within seconds. Handlers should still run blocking
work with ``asyncio.to_thread``, so that a lost lease can cancel them.

Stopping (the ``stop`` event, set on SIGTERM/SIGINT by the CLI) finishes the current job
first. If the lease is lost anyway (another worker took the job over), the handler is
cancelled and its outcome is not recorded.

Between jobs the worker enqueues its schedule's periodic jobs when a slot begins
(:mod:`bot.adapters.queue.periodic`). Idle, it sleeps ``poll_s`` (never past the next
slot), or less when a :class:`~bot.adapters.queue.wakeup.JobWakeup` hears a NOTIFY.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters import queue
from bot.adapters.logs import capped, get_logger
from bot.adapters.queue.periodic import PeriodicJob, Scheduler
from bot.adapters.queue.wakeup import JobWakeup
from bot.adapters.store.models import Job

MAX_TRACEBACK_CHARS = 4_000
MAX_MESSAGE_CHARS = 2_000


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a handler gets: the job, the database, and a logger bound to the job."""

    job_id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    session_factory: sessionmaker[Session]
    log: structlog.stdlib.BoundLogger
    max_attempts: int = 1
    lock_key: str | None = None


Handler = Callable[[JobContext], Awaitable[None]]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(slots=True)
class _Lease:
    lost: bool = field(default=False)


class Worker:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        handlers: Mapping[str, Handler],
        *,
        worker_id: str | None = None,
        lease_s: float = 10.0,
        heartbeat_s: float = 2.0,
        poll_s: float = 0.5,
        retry: queue.RetryPolicy = queue.RetryPolicy(),
        schedule: Sequence[PeriodicJob] = (),
        wakeup: JobWakeup | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.handlers = dict(handlers)
        unhandled = sorted({p.kind for p in schedule} - set(self.handlers))
        if unhandled:
            raise ValueError(f"scheduled job kinds without a handler: {', '.join(unhandled)}")
        self.worker_id = worker_id or default_worker_id()
        self.log = get_logger("loopwatch.worker").bind(worker_id=self.worker_id)
        if heartbeat_s >= lease_s:
            # A heartbeat slower than the lease would lose every job: beat 3 times a lease.
            self.log.warning("worker.heartbeat_too_slow", heartbeat_s=heartbeat_s, lease_s=lease_s)
            heartbeat_s = lease_s / 3
        self.lease_s = lease_s
        self.heartbeat_s = heartbeat_s
        self.poll_s = poll_s
        self.retry = retry
        self.scheduler = Scheduler(schedule)
        self.wakeup = wakeup

    async def run(self, stop: asyncio.Event) -> None:
        """Process jobs until ``stop`` is set; the job in hand is finished first."""
        self.log.info("worker.started", kinds=sorted(self.handlers))
        if self.wakeup is not None:
            self.wakeup.start()
        try:
            while not stop.is_set():
                if self.wakeup is not None:
                    self.wakeup.event.clear()  # before looking: a later NOTIFY wakes us
                await self._enqueue_periodic()
                try:
                    processed = await self.run_once()
                except Exception:
                    # The database may be briefly unreachable: keep polling rather than die.
                    self.log.exception("worker.poll_failed")
                    processed = False
                if not processed:
                    await self._idle(stop)
        finally:
            if self.wakeup is not None:
                await self.wakeup.stop()
        self.log.info("worker.stopped")

    async def _enqueue_periodic(self) -> None:
        if not self.scheduler.is_due():
            return
        try:
            created = await asyncio.to_thread(self.scheduler.enqueue_due, self.session_factory)
        except Exception:
            self.log.exception("worker.schedule_failed")  # tried again on the next tick
            return
        for job in created:
            self.log.info("job.scheduled", job_id=job.id, kind=job.kind, slot=job.dedupe_key)

    async def _idle(self, stop: asyncio.Event) -> None:
        """Wait ``poll_s`` (at most until the next slot), until ``stop`` or a wakeup."""
        timeout = self.poll_s
        until_slot = self.scheduler.seconds_until_next_slot()
        if until_slot is not None:
            timeout = min(timeout, until_slot + 0.01)
        waits = [asyncio.ensure_future(stop.wait())]
        if self.wakeup is not None:
            waits.append(asyncio.ensure_future(self.wakeup.event.wait()))
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def run_until_idle(self, max_jobs: int | None = None) -> int:
        """Process ready jobs until there are none (or ``max_jobs``); return how many."""
        done = 0
        while max_jobs is None or done < max_jobs:
            if not await self.run_once():
                break
            done += 1
        return done

    async def run_once(self) -> bool:
        """Claim and process one ready job; False when none is ready."""
        # Only kinds this worker handles: during a rolling deploy an older worker leaves a
        # new kind's jobs queued for the newer ones instead of failing them.
        job = await asyncio.to_thread(
            lambda: queue.claim(
                self.session_factory,
                self.worker_id,
                self.lease_s,
                self.handlers,
                retry=self.retry,
            )
        )
        if job is None:
            return False
        with structlog.contextvars.bound_contextvars(
            job_id=job.id, kind=job.kind, attempt=job.attempts
        ):
            await self._process(job)
        return True

    async def _process(self, job: Job) -> None:
        log = self.log.bind(job_id=job.id, kind=job.kind, attempt=job.attempts)
        handler = self.handlers.get(job.kind)
        if handler is None:
            known = ", ".join(sorted(self.handlers)) or "none"
            error = f"no handler for job kind {job.kind!r} (this worker handles: {known})"
            log.error("job.unknown_kind", error=error)
            await self._fail(job, error, log, permanent=True)
            return

        context = JobContext(
            job_id=job.id,
            kind=job.kind,
            payload=dict(job.payload),
            attempt=job.attempts,
            session_factory=self.session_factory,
            log=log,
            max_attempts=self.retry.attempts_allowed(job),
            lock_key=job.lock_key,
        )
        log.info("job.started", lock_key=job.lock_key)
        started = time.monotonic()
        lease = _Lease()
        handler_task = asyncio.create_task(_call(handler, context))
        keeper = _LeaseKeeper(self, job.id, handler_task, lease, log)
        keeper.start()
        try:
            await handler_task
        except asyncio.CancelledError:
            if not lease.lost:
                raise
            log.warning("job.lease_lost", detail="another worker took the job over")
        except queue.RetryAt as retry:
            reason = retry.reason or str(retry)
            if await asyncio.to_thread(
                queue.reschedule, self.session_factory, job.id, self.worker_id, retry.at, reason
            ):
                log.info("job.rescheduled", run_at=retry.at.isoformat(), reason=reason)
            else:
                log.warning("job.lease_lost", detail="rescheduled after another worker took over")
        except queue.PermanentJobError as exc:
            log.error("job.failed_permanently", error=_describe(exc))
            await self._fail(job, _describe(exc, with_traceback=True), log, permanent=True)
        except Exception as exc:
            # The bounded traceback text, not exc_info: a renderer would print the whole
            # exception (and a console renderer every local) whatever its size.
            log.warning("job.failed", error=_describe(exc, with_traceback=True))
            await self._fail(job, _describe(exc, with_traceback=True), log)
        else:
            if await asyncio.to_thread(
                queue.complete, self.session_factory, job.id, self.worker_id
            ):
                log.info("job.done", duration_s=round(time.monotonic() - started, 3))
            else:
                log.warning("job.lease_lost", detail="finished after another worker took over")
        finally:
            keeper.stop()
            await asyncio.to_thread(keeper.join)

    async def _fail(self, job: Job, error: str, log: Any, *, permanent: bool = False) -> None:
        status = await asyncio.to_thread(
            lambda: queue.fail(
                self.session_factory,
                job.id,
                self.worker_id,
                error,
                permanent=permanent,
                retry=self.retry,
            )
        )
        max_attempts = self.retry.attempts_allowed(job)
        if status == "dead":
            log.error("job.dead", attempts=job.attempts, max_attempts=max_attempts)
        elif status == "queued":
            log.info("job.retry_scheduled", attempts=job.attempts, max_attempts=max_attempts)
        else:
            log.warning("job.lease_lost", detail="failed after another worker took over")


class _LeaseKeeper(threading.Thread):
    """Extends one job's lease every ``heartbeat_s`` from its own thread; when the lease is
    lost (another worker took the job over), marks it and cancels the handler's task."""

    def __init__(
        self,
        worker: Worker,
        job_id: int,
        handler_task: asyncio.Task[None],
        lease: _Lease,
        log: Any,
    ) -> None:
        super().__init__(name=f"lease-keeper-{job_id}", daemon=True)
        self._worker = worker
        self._job_id = job_id
        self._handler_task = handler_task
        self._loop = asyncio.get_running_loop()
        self._lease = lease
        self._log = log
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()

    def run(self) -> None:
        worker = self._worker
        while not self._stopped.wait(worker.heartbeat_s):
            try:
                held = queue.heartbeat(
                    worker.session_factory, self._job_id, worker.worker_id, worker.lease_s
                )
            except Exception:
                self._log.warning("job.heartbeat_failed", exc_info=True)
                continue
            if held or self._stopped.is_set():
                continue
            self._lease.lost = True
            with contextlib.suppress(RuntimeError):  # the loop closed: nothing to cancel
                self._loop.call_soon_threadsafe(self._handler_task.cancel)
            return


async def _call(handler: Handler, context: JobContext) -> None:
    await handler(context)


def _describe(exc: BaseException, *, with_traceback: bool = False) -> str:
    """The error as one bounded text: a database error can quote a statement of megabytes
    (issue 18 logged 4 MB per failure), so the message and the traceback are capped."""
    summary = capped(f"{type(exc).__name__}: {exc}", MAX_MESSAGE_CHARS)
    if not with_traceback:
        return summary
    frames = traceback.format_exception(exc)
    # The last line repeats the (uncapped) message: the frames, then the capped summary.
    trace = "".join(capped(frame, MAX_MESSAGE_CHARS) for frame in frames[:-1])
    return f"{summary}\n{trace[-MAX_TRACEBACK_CHARS:]}"

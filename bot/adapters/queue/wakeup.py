"""Wake an idle worker as soon as a job is enqueued (PostgreSQL ``LISTEN``/``NOTIFY``).

:func:`~bot.adapters.queue.enqueue` sends ``NOTIFY loopwatch_jobs`` in the enqueuing
transaction, so PostgreSQL delivers it at commit. :class:`JobWakeup` listens on its own
psycopg connection (not one from the SQLAlchemy pool: a pooled connection would be handed
to other work) in a background task on the worker's event loop (psycopg's async
connection, so nothing blocks the loop), and sets :attr:`JobWakeup.event` on every
notification. The worker still polls every ``job_poll_s``: a lost connection costs
latency, never a job. The task reconnects after ``reconnect_s`` and, once listening
again, wakes the worker (a job may have been enqueued while nobody listened).
"""

from __future__ import annotations

import asyncio
import contextlib

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from bot.adapters.logs import get_logger
from bot.adapters.queue import NOTIFY_CHANNEL


def listen_conninfo(engine: Engine) -> str | None:
    """A psycopg connection string for ``engine``'s database; None unless PostgreSQL."""
    if engine.dialect.name != "postgresql":
        return None
    url = make_url(engine.url.render_as_string(hide_password=False))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class JobWakeup:
    """``LISTEN loopwatch_jobs`` on a dedicated connection; :attr:`event` is set on NOTIFY.

    ``check_s``: how long the connection may stay silent before a ``SELECT 1`` checks it
    (a connection dropped without a word would otherwise never raise).
    """

    def __init__(self, conninfo: str, *, reconnect_s: float = 5.0, check_s: float = 60.0) -> None:
        self.conninfo = conninfo
        self.reconnect_s = reconnect_s
        self.check_s = check_s
        self.event = asyncio.Event()
        self.listening = False
        self.log = get_logger("loopwatch.worker.wakeup")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen_forever(), name="job-wakeup")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.listening = False

    async def _listen_forever(self) -> None:
        while True:
            try:
                await self._listen()
            except (psycopg.Error, OSError) as exc:
                self.log.warning(
                    "worker.listen_failed",
                    error=f"{type(exc).__name__}: {exc}".strip(),
                    retry_in_s=self.reconnect_s,
                )
            finally:
                self.listening = False
            await asyncio.sleep(self.reconnect_s)

    async def _listen(self) -> None:
        connection = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        async with connection:
            await connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self.listening = True
            self.log.info("worker.listening", channel=NOTIFY_CHANNEL)
            self.event.set()  # whatever was enqueued while nobody listened
            while True:
                async for _ in connection.notifies(timeout=self.check_s):
                    self.event.set()
                await connection.execute("SELECT 1")

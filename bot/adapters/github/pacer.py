"""One path for writes per installation: serialized and paced, across all workers.

GitHub's secondary rate limits punish bursts of content-creating calls. Like octokit's
throttling plugin, every mutating call of one installation goes through here one at a
time, at least ``write_pause_s`` after the previous one ended, and calls that notify
people (new issues, comments) at least ``notify_pause_s`` after the previous such call.

GitHub counts per installation, not per process, so with a database
(``session_factory``) the lane's state lives in the ``write_lanes`` row of the
installation, which every worker process shares (:mod:`bot.adapters.store.write_lanes`):

1. *take*: one short transaction locks the row (``SELECT … FOR UPDATE`` on PostgreSQL,
   ``BEGIN IMMEDIATE`` on SQLite), and either marks it held by this process for at most
   ``hold_s`` and commits, or commits nothing and says how long to wait (the pause still
   runs, or another process's call is in flight): we sleep *outside* any transaction and
   ask again;
2. the GitHub call, with no transaction open;
3. *release*: one short transaction sets the next allowed times from the moment the call
   ended and clears the hold.

Why not hold a row lock or an advisory lock across the call: a GitHub call can take up to
the client timeout (and longer under a slow 5xx), and a transaction or connection pinned
for that long holds a pool connection per waiting job, blocks ``VACUUM`` and, on SQLite,
the one writer lock every other job needs; a process killed mid-call would keep a session
lock until PostgreSQL notices the dead socket. Here each transaction touches one row of
one table and never waits on anything else while holding it, so it cannot take part in a
deadlock; a process that dies mid-call leaves a hold that expires after ``hold_s`` (at
least twice the GitHub timeout, so a live call is never presumed dead). Waiters poll
(every ``busy_poll_s`` while a call is in flight, else exactly when the pause ends);
across processes the order is whoever asks first, which is fair enough for a handful of
workers.

Inside one process an ``asyncio.Lock`` per lane still orders the calls (cheap, and it
keeps one process's jobs from polling the database against each other). Without a
database (tests, tools) the lane is in memory only. Clock and sleep are injectable so
tests need not wait; the default clock is the wall clock, which all processes share
(hosts are expected to be NTP-synchronized: a skew of a few milliseconds shortens or
lengthens a pause by as much).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.logs import get_logger
from bot.adapters.settings import Settings
from bot.adapters.store import write_lanes

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")

log = get_logger(__name__)

BUSY_POLL_S = 0.05  # how often to look again while another process's call is in flight
MIN_HOLD_S = 10.0


@dataclass
class _Lane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_write: float | None = None
    last_notify: float | None = None


def hold_for(github_timeout_s: float) -> float:
    """How long a call may hold a lane before it is presumed dead: twice the timeout."""
    return max(MIN_HOLD_S, 2 * github_timeout_s)


class WritePacer:
    """Serializes and spaces out mutating GitHub calls, per installation."""

    def __init__(
        self,
        write_pause_s: float = 1.0,
        notify_pause_s: float = 3.0,
        *,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        session_factory: sessionmaker[Session] | None = None,
        hold_s: float = 60.0,
        busy_poll_s: float = BUSY_POLL_S,
    ) -> None:
        self.write_pause_s = write_pause_s
        self.notify_pause_s = notify_pause_s
        self._clock = clock
        self._sleep = sleep
        self._factory = session_factory
        self._hold_s = hold_s
        self._busy_poll_s = busy_poll_s
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._lanes: dict[int | str, _Lane] = {}
        self.writes = 0

    @classmethod
    def from_settings(
        cls, settings: Settings, session_factory: sessionmaker[Session] | None = None
    ) -> WritePacer:
        """The worker's pacer; with ``session_factory`` it is shared by all processes."""
        return cls(
            settings.write_pause_s,
            settings.notify_pause_s,
            session_factory=session_factory,
            hold_s=hold_for(settings.github_timeout_s),
        )

    def _lane(self, installation: int | str) -> _Lane:
        lane = self._lanes.get(installation)
        if lane is None:
            lane = self._lanes[installation] = _Lane()
        return lane

    def _wait_needed(self, lane: _Lane, notify: bool) -> float:
        now = self._clock()
        wait = 0.0
        if lane.last_write is not None:
            wait = lane.last_write + self.write_pause_s - now
        if notify and lane.last_notify is not None:
            wait = max(wait, lane.last_notify + self.notify_pause_s - now)
        return max(wait, 0.0)

    async def _take(self, lane: _Lane, key: str, notify: bool) -> None:
        if self._factory is None:
            wait = self._wait_needed(lane, notify)
            if wait > 0:
                await self._sleep(wait)
            return
        while True:
            turn = await asyncio.to_thread(
                write_lanes.take,
                self._factory,
                key,
                self._holder,
                now=self._clock(),
                notify=notify,
                hold_s=self._hold_s,
            )
            if turn.taken:
                return
            await self._sleep(min(turn.wait_s, self._busy_poll_s) if turn.busy else turn.wait_s)

    async def _release(self, key: str, ended: float, notify: bool) -> None:
        if self._factory is None:
            return
        try:
            await asyncio.to_thread(
                write_lanes.release,
                self._factory,
                key,
                self._holder,
                ended=ended,
                write_pause_s=self.write_pause_s,
                notify_pause_s=self.notify_pause_s if notify else None,
            )
        except Exception:
            # The call's own outcome matters more; the hold expires after hold_s.
            log.warning("pacer.release_failed", lane=key, exc_info=True)

    @asynccontextmanager
    async def write(self, installation: int | str, *, notify: bool = False) -> AsyncIterator[None]:
        """Hold the installation's write lane for one mutating call.

        The pause is counted from the end of the previous call, whether it succeeded or
        not (a failed write still counts against GitHub's limits).
        """
        lane = self._lane(installation)
        key = f"installation:{installation}" if isinstance(installation, int) else installation
        async with lane.lock:
            await self._take(lane, key, notify)
            try:
                yield
            finally:
                self.writes += 1
                lane.last_write = self._clock()
                if notify:
                    lane.last_notify = lane.last_write
                await self._release(key, lane.last_write, notify)

    async def call(
        self,
        installation: int | str,
        make_call: Callable[[], Awaitable[T]],
        *,
        notify: bool = False,
    ) -> T:
        """Run one mutating call through the installation's lane."""
        async with self.write(installation, notify=notify):
            return await make_call()

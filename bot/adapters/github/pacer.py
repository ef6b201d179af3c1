"""One path for writes per installation: serialized and paced.

GitHub's secondary rate limits punish bursts of content-creating calls. Like octokit's
throttling plugin, every mutating call of one installation goes through here one at a
time, at least ``write_pause_s`` after the previous one, and calls that notify people
(new issues, comments) at least ``notify_pause_s`` after the previous such call.
Across processes the job queue gives sync jobs a lock key per installation; in a process
this lock does the same. Clock and sleep are injectable so tests need not wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from bot.adapters.settings import Settings

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")


@dataclass
class _Lane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_write: float | None = None
    last_notify: float | None = None


class WritePacer:
    """Serializes and spaces out mutating GitHub calls, per installation."""

    def __init__(
        self,
        write_pause_s: float = 1.0,
        notify_pause_s: float = 3.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.write_pause_s = write_pause_s
        self.notify_pause_s = notify_pause_s
        self._clock = clock
        self._sleep = sleep
        self._lanes: dict[int | str, _Lane] = {}
        self.writes = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> WritePacer:
        return cls(settings.write_pause_s, settings.notify_pause_s)

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

    @asynccontextmanager
    async def write(self, installation: int | str, *, notify: bool = False) -> AsyncIterator[None]:
        """Hold the installation's write lane for one mutating call.

        The pause is counted from the end of the previous call, whether it succeeded or
        not (a failed write still counts against GitHub's limits).
        """
        lane = self._lane(installation)
        async with lane.lock:
            wait = self._wait_needed(lane, notify)
            if wait > 0:
                await self._sleep(wait)
            try:
                yield
            finally:
                self.writes += 1
                lane.last_write = self._clock()
                if notify:
                    lane.last_notify = lane.last_write

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

"""An in-process transport that keeps the client's read timeout, as a real server would.

``httpx.ASGITransport`` ignores timeouts: a delayed request simply takes longer. Over a
socket the client gives up after its timeout while the server goes on and stores the
write (a *late write*). This transport does the same in-process: the app runs in its own
task; when the read timeout passes first the caller gets ``httpx.ReadTimeout`` and the
request goes on. For tests that must not depend on timing, :meth:`hold` makes matching
requests time out at once (as if the timeout had passed) and wait, unseen by the
sandbox, until :meth:`settle` lets them through: the sandbox stores them late.
:meth:`settle` also waits until every abandoned request has finished.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx


class TimeoutASGITransport(httpx.AsyncBaseTransport):
    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app)
        self._running: set[asyncio.Task[httpx.Response]] = set()
        self._holds: list[tuple[str, re.Pattern[str]]] = []
        self._gate = asyncio.Event()
        self.abandoned = 0

    def hold(self, method: str, path_regex: str, count: int = 1) -> None:
        """Hold the next ``count`` matching requests until :meth:`settle` (late writes)."""
        self._holds.extend([(method.upper(), re.compile(path_regex))] * count)

    def _take_hold(self, request: httpx.Request) -> bool:
        for index, (method, pattern) in enumerate(self._holds):
            if request.method == method and pattern.search(request.url.path):
                del self._holds[index]
                return True
        return False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = (request.extensions.get("timeout") or {}).get("read")
        held = timeout is not None and self._take_hold(request)
        task = asyncio.ensure_future(self._run(request, self._gate if held else None))
        self._running.add(task)
        task.add_done_callback(self._finished)
        done, _ = await asyncio.wait({task}, timeout=0 if held else timeout)
        if not done:
            self.abandoned += 1
            raise httpx.ReadTimeout("sandbox: no answer within the read timeout", request=request)
        return task.result()

    async def _run(self, request: httpx.Request, gate: asyncio.Event | None) -> httpx.Response:
        if gate is not None:
            await gate.wait()
        return await self._inner.handle_async_request(request)

    def _finished(self, task: asyncio.Task[httpx.Response]) -> None:
        self._running.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: an abandoned request's failure is nobody's

    async def settle(self) -> None:
        """Let held requests through and wait until every request has finished."""
        self._gate.set()
        while self._running:
            await asyncio.wait(set(self._running))
        self._gate = asyncio.Event()

    async def aclose(self) -> None:
        """Nothing to close; held requests stay held (githubkit closes its client, and so
        this transport, after every call)."""

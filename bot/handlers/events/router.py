"""A tiny event router in the manner of gidgethub's ``routing.Router``.

Handlers register for an event, optionally narrowed to one action::

    @router.register("installation", action="created")
    async def on_installation_created(ctx: EventContext) -> None: ...

``dispatch`` runs every handler registered for the event with no action, then those for
the event's action, in registration order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import structlog
from anyio import to_thread
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import transaction

if TYPE_CHECKING:
    from githubkit import GitHub

    from bot.adapters.github.pacer import WritePacer

T = TypeVar("T")


@dataclass(frozen=True)
class EventContext:
    """One delivery, as a handler sees it."""

    event: str
    action: str | None
    payload: dict[str, Any]
    delivery_id: str
    session_factory: sessionmaker[Session]
    log: Any = field(default_factory=lambda: structlog.get_logger("bot.handlers.events"))
    # The delivery's installation, and a client for it (None: the worker has no GitHub App,
    # as in unit tests; handlers then do without what only GitHub can tell them).
    installation_id: int | None = None
    github: Callable[[int], GitHub[Any]] | None = None
    web_url: str = "https://github.com"
    pacer: WritePacer | None = None  # the worker's write lane per installation
    permission_ttl_s: float = 60.0  # how long a person's permission is trusted

    async def in_transaction(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one database transaction, off the event loop."""

        def run() -> T:
            with transaction(self.session_factory) as session:
                return work(session)

        return await to_thread.run_sync(run)


EventHandler = Callable[[EventContext], Awaitable[None]]


class EventRouter:
    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str | None], list[EventHandler]] = {}

    def register(
        self, event: str, *, action: str | None = None
    ) -> Callable[[EventHandler], EventHandler]:
        def decorator(handler: EventHandler) -> EventHandler:
            self.add(handler, event, action=action)
            return handler

        return decorator

    def add(self, handler: EventHandler, event: str, *, action: str | None = None) -> None:
        self._handlers.setdefault((event, action), []).append(handler)

    def events(self) -> set[str]:
        """Every event some handler is registered for."""
        return {event for event, _ in self._handlers}

    def handlers_for(self, event: str, action: str | None) -> list[EventHandler]:
        found = list(self._handlers.get((event, None), []))
        if action is not None:
            found += self._handlers.get((event, action), [])
        return found

    async def dispatch(self, ctx: EventContext) -> int:
        """Run the matching handlers; the number that ran (0: nothing handles this event)."""
        handlers = self.handlers_for(ctx.event, ctx.action)
        for handler in handlers:
            await handler(ctx)
        return len(handlers)


router = EventRouter()

"""The worker's job handlers by kind: each handler module registers its factory.

``@handles(PROCESS_RUN)`` on ``def make(services) -> Handler`` in the module that does the
work; the worker's composition root (``bot.service``) imports the handler packages and
asks for the dict, so no module names another's handler.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.adapters.queue.worker import Handler
from bot.app.services import Services

HandlerFactory = Callable[[Services], Handler]

_FACTORIES: dict[str, HandlerFactory] = {}


def handles(kind: str) -> Callable[[HandlerFactory], HandlerFactory]:
    """Register the decorated factory as the maker of ``kind``'s handler."""

    def register(factory: HandlerFactory) -> HandlerFactory:
        known = _FACTORIES.get(kind)
        if known is not None and known is not factory:
            raise ValueError(f"two handlers for the job kind {kind!r}")
        _FACTORIES[kind] = factory
        return factory

    return register


def make_handlers(services: Services) -> dict[str, Handler]:
    """One handler per registered kind, sharing ``services``."""
    return {kind: make(services) for kind, make in sorted(_FACTORIES.items())}

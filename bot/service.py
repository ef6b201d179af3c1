"""The worker's composition root: its job handlers, built from settings.

Importing the handler packages registers every job kind's handler (``bot.handlers.registry``).
"""

from __future__ import annotations

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.queue.configured import worker_from_settings
from bot.adapters.queue.worker import Handler, Worker
from bot.adapters.settings import Settings
from bot.adapters.store.db import make_engine, make_session_factory
from bot.app.services import Services
from bot.handlers import events, jobs  # noqa: F401  (importing them registers their handlers)
from bot.handlers.registry import make_handlers


def build_handlers(services: Services) -> dict[str, Handler]:
    return make_handlers(services)


def build_worker(
    settings: Settings,
    session_factory: sessionmaker[Session] | None = None,
    *,
    github_transport: httpx.AsyncBaseTransport | None = None,
) -> Worker:
    """A worker with every job handler; ``github_transport`` reaches an in-process sandbox."""
    if session_factory is None:
        session_factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    services = Services(settings, session_factory, github_transport)
    # Retries, the daily purge and LISTEN come with the queue's configured worker.
    return worker_from_settings(session_factory, build_handlers(services), settings)

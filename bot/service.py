"""Wiring: the worker's job handlers, built from settings (dependencies in one place)."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.github.client import GitHubClients
from bot.adapters.github.pacer import WritePacer
from bot.adapters.queue.configured import worker_from_settings
from bot.adapters.queue.worker import Handler, Worker
from bot.adapters.settings import Settings


@dataclass(slots=True)
class Services:
    """What the job handlers share: settings, the database, the GitHub App, the pacer.

    One per worker process: the pacer and the installation-token cache live here.
    """

    settings: Settings
    session_factory: sessionmaker[Session]
    github_transport: httpx.AsyncBaseTransport | None = None
    _github: GitHubClients | None = field(default=None, init=False)
    _pacer: WritePacer | None = field(default=None, init=False)

    def github(self) -> GitHubClients:
        """The App's clients (built on first use, so a worker starts without GitHub)."""
        if self._github is None:
            self._github = GitHubClients(self.settings, async_transport=self.github_transport)
        return self._github

    def pacer(self) -> WritePacer:
        if self._pacer is None:
            self._pacer = WritePacer.from_settings(self.settings)
        return self._pacer


def build_handlers(services: Services) -> dict[str, Handler]:
    from bot.handlers.events.jobs import make_webhook_handler
    from bot.handlers.jobs.five_whys_draft import DRAFT_FIVE_WHYS, make_draft_handler
    from bot.handlers.jobs.ingest_artifacts import INGEST_ARTIFACTS, make_ingest_artifacts_handler
    from bot.handlers.jobs.process_run import make_process_run_handler
    from bot.handlers.jobs.sync import make_check_sync_handler, make_sync_handler
    from bot.handlers.jobs.unmute import UNMUTE_DUE, make_unmute_handler

    return {
        "process_run": make_process_run_handler(services),
        "sync_repository": make_sync_handler(services),
        "sync_checks": make_check_sync_handler(services),
        "webhook": make_webhook_handler(services),
        UNMUTE_DUE: make_unmute_handler(services),
        DRAFT_FIVE_WHYS: make_draft_handler(services),
        INGEST_ARTIFACTS: make_ingest_artifacts_handler(services),
    }


def build_worker(
    settings: Settings,
    session_factory: sessionmaker[Session] | None = None,
    *,
    github_transport: httpx.AsyncBaseTransport | None = None,
) -> Worker:
    """A worker with every job handler; ``github_transport`` reaches an in-process sandbox."""
    from bot.adapters.store.db import make_engine, make_session_factory

    if session_factory is None:
        session_factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    services = Services(settings, session_factory, github_transport)
    # Retries, the daily purge and LISTEN come with the queue's configured worker.
    return worker_from_settings(session_factory, build_handlers(services), settings)

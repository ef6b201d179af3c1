"""What the worker's job handlers share: settings, the database, the GitHub App, the pacer."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.github.client import GitHubClients
from bot.adapters.github.pacer import WritePacer
from bot.adapters.settings import Settings


@dataclass(slots=True)
class Services:
    """One per worker process: the pacer and the installation-token cache live here."""

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
            # Paced in the database: GitHub's limit is per installation, not per process.
            self._pacer = WritePacer.from_settings(self.settings, self.session_factory)
        return self._pacer

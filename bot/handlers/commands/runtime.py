"""The commands' side of a webhook: from an ``issue_comment`` or ``pull_request_review``
delivery to :func:`bot.handlers.commands.dispatch.handle_commands`, with real ports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from anyio import to_thread
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.github.client import split_full_name
from bot.adapters.github.config_file import fetch_repo_file
from bot.adapters.github.pacer import WritePacer
from bot.adapters.store.db import transaction
from bot.core.config.loader import load_config
from bot.handlers.commands.dispatch import Deps, Handled, Incoming, handle_commands
from bot.handlers.commands.github_port import GitHubkitPort

T = TypeVar("T")


@dataclass(frozen=True)
class SessionStore:
    """The store port: one transaction per call, off the event loop."""

    factory: sessionmaker[Session]

    async def run(self, work: Callable[[Any], T]) -> T:
        def in_transaction() -> T:
            with transaction(self.factory) as session:
                return work(session)

        return await to_thread.run_sync(in_transaction)


async def run_for_event(
    incoming: Incoming,
    *,
    factory: sessionmaker[Session],
    gh: Any,
    pacer: WritePacer,
    lane: int | str,
    web_url: str,
    permission_ttl: timedelta,
) -> Handled:
    """Read the repository's config (commands, prefix) and run the comment's commands."""
    owner, repo = split_full_name(incoming.full_name)
    text = await fetch_repo_file(gh, owner, repo)
    loaded = load_config(text)
    deps = Deps(
        store=SessionStore(factory),
        github=GitHubkitPort(gh, incoming.full_name, pacer, lane),
        config=loaded.config,
        config_errors=list(loaded.errors),
        web_url=web_url,
        permission_ttl=permission_ttl,
    )
    return await handle_commands(incoming, deps)

"""A person's repository permission: asked of GitHub, remembered briefly in the database
(shared by every worker), so a comment with five commands asks once."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.adapters.store.models import PermissionGrant
from bot.handlers.commands.spec import GitHubPort, Level, StorePort


def _cached(
    session: Session, repository_id: int, login: str, now: datetime, ttl: timedelta
) -> Level | None:
    row = session.get(PermissionGrant, (repository_id, login.lower()))
    if row is None or row.fetched_at + ttl <= now:
        return None
    try:
        return Level.parse(row.level)
    except ValueError:
        return None


def _remember(
    session: Session, repository_id: int, login: str, level: Level, now: datetime
) -> None:
    row = session.get(PermissionGrant, (repository_id, login.lower()))
    if row is None:
        session.add(
            PermissionGrant(
                repository_id=repository_id, login=login.lower(), level=level.name, fetched_at=now
            )
        )
    else:
        row.level, row.fetched_at = level.name, now


async def permission_of(
    store: StorePort,
    github: GitHubPort,
    repository_id: int,
    login: str,
    *,
    now: datetime,
    ttl: timedelta,
) -> Level:
    """The cached level while fresh, else GitHub's answer (then cached)."""
    cached = await store.run(lambda s: _cached(s, repository_id, login, now, ttl))
    if cached is not None:
        return cached
    level = await github.permission(login)
    if ttl > timedelta(0):
        with suppress(IntegrityError):  # another worker cached it at the same moment
            await store.run(lambda s: _remember(s, repository_id, login, level, now))
    return level

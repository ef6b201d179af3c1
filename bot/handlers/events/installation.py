"""``installation`` and ``installation_repositories``: which repositories the App serves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.adapters.store.models import Repository, utcnow
from bot.handlers.events.repos import (
    mark_repository_removed,
    parse_timestamp,
    upsert_installation,
    upsert_repository,
)
from bot.handlers.events.router import EventContext, router


def _repositories(payload: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = payload.get(key)
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def _installation_id(payload: dict[str, Any]) -> int | None:
    data = payload.get("installation")
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


@router.register("installation", action="created")
@router.register("installation", action="new_permissions_accepted")
async def on_installation_created(ctx: EventContext) -> None:
    def work(session: Session) -> tuple[int | None, int]:
        installation = upsert_installation(session, ctx.payload)
        if installation is None:
            return None, 0
        installation.deleted_at = None
        repos = _repositories(ctx.payload, "repositories")
        for data in repos:
            upsert_repository(session, data, installation.id)
        return installation.id, len(repos)

    installation_id, count = await ctx.in_transaction(work)
    ctx.log.info("installation recorded", installation_id=installation_id, repositories=count)


@router.register("installation", action="deleted")
async def on_installation_deleted(ctx: EventContext) -> None:
    def work(session: Session) -> int | None:
        installation = upsert_installation(session, ctx.payload)
        if installation is None:
            return None
        now = utcnow()
        installation.deleted_at = now
        session.execute(
            update(Repository)
            .where(Repository.installation_id == installation.id, Repository.removed_at.is_(None))
            .values(removed_at=now)
        )
        return installation.id

    installation_id = await ctx.in_transaction(work)
    ctx.log.info("installation deleted", installation_id=installation_id)


@router.register("installation", action="suspend")
@router.register("installation", action="unsuspend")
async def on_installation_suspension(ctx: EventContext) -> None:
    suspended = ctx.action == "suspend"

    def work(session: Session) -> int | None:
        installation = upsert_installation(session, ctx.payload)
        if installation is None:
            return None
        if suspended:
            data = ctx.payload.get("installation") or {}
            installation.suspended_at = parse_timestamp(data.get("suspended_at")) or utcnow()
        else:
            installation.suspended_at = None
        return installation.id

    installation_id = await ctx.in_transaction(work)
    ctx.log.info(
        "installation suspended" if suspended else "installation unsuspended",
        installation_id=installation_id,
    )


@router.register("installation_repositories", action="added")
async def on_repositories_added(ctx: EventContext) -> None:
    def work(session: Session) -> list[str]:
        installation = upsert_installation(session, ctx.payload)
        installation_id = installation.id if installation else None
        names = []
        for data in _repositories(ctx.payload, "repositories_added"):
            repo = upsert_repository(session, data, installation_id)
            if repo is not None:
                names.append(repo.full_name)
        return names

    names = await ctx.in_transaction(work)
    ctx.log.info("repositories added", installation_id=_installation_id(ctx.payload), names=names)


@router.register("installation_repositories", action="removed")
async def on_repositories_removed(ctx: EventContext) -> None:
    def work(session: Session) -> list[str]:
        upsert_installation(session, ctx.payload)
        names = []
        for data in _repositories(ctx.payload, "repositories_removed"):
            repo = mark_repository_removed(session, data)
            if repo is not None:
                names.append(repo.full_name)
        return names

    names = await ctx.in_transaction(work)
    ctx.log.info("repositories removed", installation_id=_installation_id(ctx.payload), names=names)

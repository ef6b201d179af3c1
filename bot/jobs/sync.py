"""The ``sync_repository`` job: make GitHub match the repository's desired state."""

from __future__ import annotations

import structlog

from bot.github.sync import sync_repository
from bot.jobs.repo_config import resolve_installation
from bot.queue import PermanentJobError
from bot.service import Services
from bot.worker import Handler, JobContext


def make_sync_handler(services: Services) -> Handler:
    async def sync(ctx: JobContext) -> None:
        repository_id = int(ctx.payload["repository_id"])
        installation_id = await resolve_installation(services, repository_id)
        if installation_id is None:
            raise PermanentJobError(
                f"repository {repository_id}: the GitHub App is not installed there; "
                "the issues will be created once it is (an installation event queues a sync)"
            )
        with structlog.contextvars.bound_contextvars(
            repository_id=repository_id, installation=installation_id
        ):
            report = await sync_repository(
                services.session_factory,
                repository_id,
                services.github().installation(installation_id),
                services.pacer(),
                bot_login=f"{services.settings.app_slug}[bot]",
            )
        ctx.log.info(
            "repository_synced",
            repository=report.repository,
            created=report.issues_created,
            recovered=report.issues_recovered,
            updated=report.issues_updated,
            unchanged=len(report.issues_unchanged),
            comments=report.comments_posted,
            writes=report.writes,
            failed=report.failed,
        )

    return sync

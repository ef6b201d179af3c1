"""The ``sync_repository`` job: make GitHub match the repository's desired state."""

from __future__ import annotations

import asyncio

import structlog
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.adapters.github.checks_sync import sync_check_runs
from bot.adapters.github.late_writes import LateWrites
from bot.adapters.github.sync import sync_repository
from bot.adapters.queue import PermanentJobError
from bot.adapters.queue.kinds import SYNC_CHECKS, SYNC_REPOSITORY, RepositoryPayload, defer_render
from bot.adapters.queue.sync_gate import SyncGate
from bot.adapters.queue.worker import Handler, JobContext
from bot.adapters.store.db import transaction
from bot.adapters.store.models import (
    Campaign,
    Cluster,
    GitHubIssue,
    Repository,
    Run,
    TestResult,
    utcnow,
)
from bot.app.repo_config import resolve_installation
from bot.app.services import Services
from bot.handlers.registry import handles


async def _installation(services: Services, repository_id: int) -> int:
    installation_id = await resolve_installation(services, repository_id)
    if installation_id is None:
        raise PermanentJobError(
            f"repository {repository_id}: the GitHub App is not installed there; its issues "
            "and check runs are made once it is (an installation event queues a sync)"
        )
    return installation_id


def _held_back(services: Services, ctx: JobContext, installation_id: int) -> bool:
    """Whether the job was queued again rather than run now (``sync_gate.py``)."""
    gate = SyncGate(services.settings.sync_debounce_s, services.settings.sync_max_wait_s)
    with transaction(services.session_factory) as session:
        reason = gate.hold_back(
            session,
            kind=ctx.kind,
            payload=RepositoryPayload.read(ctx),
            lock_key=ctx.lock_key,
            installation_id=installation_id,
            now=utcnow(),
        )
    if reason is not None:
        ctx.log.info("sync_held_back", reason=reason)
    return reason is not None


@handles(SYNC_REPOSITORY)
def make_sync_handler(services: Services) -> Handler:
    async def sync(ctx: JobContext) -> None:
        repository_id = RepositoryPayload.read(ctx).repository_id
        installation_id = await _installation(services, repository_id)
        if await asyncio.to_thread(_held_back, services, ctx, installation_id):
            return
        with structlog.contextvars.bound_contextvars(
            repository_id=repository_id, installation=installation_id
        ):
            try:
                report = await sync_repository(
                    services.session_factory,
                    repository_id,
                    services.github().installation(installation_id),
                    services.pacer(),
                    bot_login=f"{services.settings.app_slug}[bot]",
                    late_writes=LateWrites.from_settings(services.settings),
                    on_numbered=queue_renders,
                )
            finally:
                # Check runs do not wait for an issue GitHub refuses (nor the reverse).
                checks = await sync_check_runs(
                    services.session_factory,
                    repository_id,
                    services.github().installation(installation_id),
                    services.pacer(),
                    late_writes=LateWrites.from_settings(services.settings),
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
            check_runs_created=checks.created,
            check_runs_updated=checks.updated,
            annotations=checks.annotations,
            check_run_writes=checks.writes,
        )

    return sync


@handles(SYNC_CHECKS)
def make_check_sync_handler(services: Services) -> Handler:
    """``sync_checks``: only the check runs (an upload was accepted, its run is pending)."""

    async def sync_checks(ctx: JobContext) -> None:
        repository_id = RepositoryPayload.read(ctx).repository_id
        installation_id = await _installation(services, repository_id)
        if await asyncio.to_thread(_held_back, services, ctx, installation_id):
            return
        checks = await sync_check_runs(
            services.session_factory,
            repository_id,
            services.github().installation(installation_id),
            services.pacer(),
            late_writes=LateWrites.from_settings(services.settings),
        )
        ctx.log.info(
            "check_runs_synced",
            created=checks.created,
            updated=checks.updated,
            writes=checks.writes,
        )

    return sync_checks


def queue_renders(session: Session, repository_id: int, issue_id: int) -> None:
    """What was rendered before an issue had its number could not link to it: queue the
    renders that put the links in (from stored results; nothing parsed or folded again).
    Called in the transaction that stores the number, so a crash cannot lose them.

    * every campaign's tracking issue (coalesced per campaign);
    * the check run and failure issues of each run that may have been rendered without the
      number: for a failure issue the latest runs that failed in its cluster, for a
      tracking issue the campaign's latest runs. Which runs these are does not depend on
      when the number arrived, so the end state does not either.
    """
    repository = session.get_one(Repository, repository_id)
    campaigns = session.scalars(
        select(Run.campaign_id)
        .where(Run.repository_id == repository_id, Run.status == "processed")
        .distinct()
    ).all()
    for campaign_id in sorted(campaigns):
        defer_render(session, campaign_id=campaign_id, full_name=repository.full_name)
    for campaign_id, run_id in _runs_rendered_without(session, repository_id, issue_id):
        defer_render(
            session,
            campaign_id=campaign_id,
            full_name=repository.full_name,
            run_id=run_id,
            only_run=True,
        )


RUNS_RELINKED = 50  # the latest runs re-rendered when an issue gets its number


def _runs_rendered_without(
    session: Session, repository_id: int, issue_id: int
) -> list[tuple[int, int]]:
    key = session.get_one(GitHubIssue, issue_id).key
    processed: list[ColumnElement[bool]] = [
        Run.repository_id == repository_id,
        Run.status == "processed",
    ]
    if key.startswith("cluster:"):
        cluster = session.scalars(
            select(Cluster).where(Cluster.repository_id == repository_id, Cluster.issue_key == key)
        ).first()
        if cluster is None:
            return []
        failed_in = select(TestResult.run_id).where(TestResult.cluster_id == cluster.id)
        where = [*processed, Run.id.in_(failed_in)]
        if cluster.first_seen_run_id is not None:
            # Runs before the cluster was born showed its failures under another cluster
            # (an older signature version's), with that one's link: they stay as they were.
            where.append(Run.id >= cluster.first_seen_run_id)
    else:
        name = key.removeprefix("campaign:")
        campaign_id = session.scalar(
            select(Campaign.id).where(
                Campaign.repository_id == repository_id, Campaign.name == name
            )
        )
        if campaign_id is None:
            return []
        where = [*processed, Run.campaign_id == campaign_id]
    rows = session.execute(
        select(Run.campaign_id, Run.id).where(*where).order_by(Run.id.desc()).limit(RUNS_RELINKED)
    ).all()
    return sorted((campaign_id, run_id) for campaign_id, run_id in rows)

"""What follows a command that changed state: the session log of the campaigns
involved, the failure issue's desired state, the tracking issues, a sync.

Called by the dispatcher after a command's change (and by the ``unmute_due`` job), in one
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.adapters.queue.kinds import defer_render, defer_sync
from bot.adapters.store.models import Cluster, Repository, Run, SessionLogEntry, TestResult
from bot.app.clusters.issues import write_failure_issue
from bot.core.config.repo import RepoConfig

MAX_CAMPAIGNS = 20


def campaigns_of_cluster(session: Session, cluster_id: int) -> list[int]:
    """The campaigns whose runs saw the cluster, most recent first."""
    rows = session.execute(
        select(Run.campaign_id, func.max(Run.id).label("latest"))
        .join(TestResult, TestResult.run_id == Run.id)
        .where(TestResult.cluster_id == cluster_id)
        .group_by(Run.campaign_id)
        .order_by(func.max(Run.id).desc())
        .limit(MAX_CAMPAIGNS)
    ).all()
    return [int(row[0]) for row in rows]


def log_to_campaigns(
    session: Session, campaign_ids: Sequence[int], at: datetime, text: str
) -> None:
    for campaign_id in campaign_ids:
        session.add(SessionLogEntry(campaign_id=campaign_id, at=at, kind="command", text=text))


def refresh_tracking_issues(
    session: Session, repository: Repository, campaign_ids: Sequence[int]
) -> None:
    """Render the campaigns' tracking issues again, from stored results."""
    for campaign_id in campaign_ids:
        defer_render(session, campaign_id=campaign_id, full_name=repository.full_name)


def echo_change(
    session: Session,
    repository: Repository,
    *,
    at: datetime,
    text: str,
    config: RepoConfig,
    web_url: str,
    cluster: Cluster | None = None,
    campaign_id: int | None = None,
) -> None:
    """Everything a change to a cluster (or a campaign) brings along: the failure issue
    rendered again, a session-log line in each campaign involved, their tracking issues
    refreshed, and a sync."""
    campaign_ids: list[int] = [campaign_id] if campaign_id is not None else []
    if cluster is not None:
        write_failure_issue(session, cluster, repository, config.failures, web_url)
        campaign_ids = campaigns_of_cluster(session, cluster.id)
    log_to_campaigns(session, campaign_ids, at, text)
    refresh_tracking_issues(session, repository, campaign_ids)
    queue_sync(session, repository)


def queue_sync(session: Session, repository: Repository) -> None:
    defer_sync(session, repository, delay=timedelta(0))

"""What the commented issue is to Loopwatch: a failure issue, a tracking issue, a pull
request or any other issue (looked up in the database by number, never by search)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.store.models import Campaign, Cluster, GitHubIssue
from bot.handlers.commands.spec import Subject, Where

CLUSTER_PREFIX = "cluster:"
CAMPAIGN_PREFIX = "campaign:"


def find_subject(
    session: Session,
    repository_id: int,
    number: int,
    *,
    title: str,
    author: str | None,
    is_pull_request: bool,
) -> Subject:
    row = session.scalar(
        select(GitHubIssue).where(
            GitHubIssue.repository_id == repository_id, GitHubIssue.number == number
        )
    )
    plain = Where.PULL_REQUEST if is_pull_request else Where.ISSUE
    if row is None:
        return Subject(plain, number, title, author)
    if row.key.startswith(CLUSTER_PREFIX):
        cluster = session.scalar(
            select(Cluster).where(
                Cluster.repository_id == repository_id, Cluster.issue_key == row.key
            )
        )
        if cluster is not None:
            return Subject(Where.CLUSTER, number, title, author, row.key, cluster_id=cluster.id)
    if row.key.startswith(CAMPAIGN_PREFIX):
        name = row.key.removeprefix(CAMPAIGN_PREFIX)
        campaign = session.scalar(
            select(Campaign).where(Campaign.repository_id == repository_id, Campaign.name == name)
        )
        if campaign is not None:
            return Subject(
                Where.CAMPAIGN,
                number,
                title,
                author,
                row.key,
                campaign_id=campaign.id,
                campaign_name=campaign.name,
            )
    return Subject(plain, number, title, author, row.key)

"""``issues``: note what people do to the issues the bot keeps.

Only issues the bot keeps (a ``GitHubIssue`` row) matter. Closing or reopening a tracking
issue by hand is a notable event: it goes into the campaign's session log. The desired
state of a tracking issue is not changed here; the sync decides what to do about it.
Closing or reopening a failure issue (``cluster:<fingerprint>``) resolves or reopens its
cluster, and the desired state follows the person (``bot/app/clusters/people.py``). The
webhook does not say what closed the issue: the handler then asks the issue's events for
the closing commit and its merged pull request (``bot/app/clusters/closing.py``), records them
on the resolution and renders the failure issue again. If GitHub cannot be asked, the
resolution stands without them (logged).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.github.client import split_full_name
from bot.adapters.github.errors import GitHubPermanentError
from bot.adapters.queue.kinds import defer_sync
from bot.adapters.store.models import Campaign, GitHubIssue, Repository, SessionLogEntry, utcnow
from bot.app.clusters.closing import Closing, fetch_closing
from bot.app.clusters.issues import rewrite_failure_issue_body
from bot.app.clusters.people import (
    CLUSTER_KEY_PREFIX,
    cluster_closed_by_person_at,
    cluster_issue_changed_by_person,
    record_closing,
)
from bot.handlers.events.repos import parse_timestamp, remember_repository
from bot.handlers.events.router import EventContext, router
from bot.handlers.events.senders import is_bot, sender_login

CAMPAIGN_KEY_PREFIX = "campaign:"
_LOGGED_ACTIONS = {"closed": "closed", "reopened": "reopened"}


@dataclass(frozen=True)
class IssueEvent:
    action: str
    number: int | None
    tracked_key: str | None  # the GitHubIssue key when the bot keeps this issue
    logged: bool  # a session log entry was written
    # A person's close resolved a cluster at this time: ask GitHub what closed the issue.
    closing_at: datetime | None = None
    repository_id: int | None = None


def _session_log_text(action: str, login: str | None, number: int) -> str:
    who = f"`{login}`" if login else "someone"  # no @: the log must not ping anyone
    return f"Tracking issue #{number} {_LOGGED_ACTIONS[action]} by {who}"


def _record(session: Session, payload: dict[str, Any], action: str) -> IssueEvent:
    repo = remember_repository(session, payload)
    issue_data = payload.get("issue")
    issue: dict[str, Any] = issue_data if isinstance(issue_data, dict) else {}
    number = issue.get("number")
    if repo is None or not isinstance(number, int):
        return IssueEvent(action, None, None, logged=False)
    tracked = session.scalar(
        select(GitHubIssue).where(
            GitHubIssue.repository_id == repo.id, GitHubIssue.number == number
        )
    )
    if tracked is None:
        return IssueEvent(action, number, None, logged=False)
    if action not in _LOGGED_ACTIONS or is_bot(payload.get("sender")):
        return IssueEvent(action, number, tracked.key, logged=False)
    if tracked.key.startswith(CLUSTER_KEY_PREFIX):
        at = (
            parse_timestamp(issue.get("closed_at") if action == "closed" else None)
            or parse_timestamp(issue.get("updated_at"))
            or utcnow()
        )
        changed = cluster_issue_changed_by_person(
            session,
            tracked,
            action,
            login=sender_login(payload),
            at=at,
            state_reason=issue.get("state_reason"),
        )
        ask = action == "closed" and cluster_closed_by_person_at(session, tracked, at) is not None
        return IssueEvent(
            action,
            number,
            tracked.key,
            logged=changed,
            closing_at=at if ask else None,
            repository_id=repo.id,
        )
    if not tracked.key.startswith(CAMPAIGN_KEY_PREFIX):
        return IssueEvent(action, number, tracked.key, logged=False)
    campaign = session.scalar(
        select(Campaign).where(
            Campaign.repository_id == repo.id,
            Campaign.name == tracked.key.removeprefix(CAMPAIGN_KEY_PREFIX),
        )
    )
    if campaign is None:
        return IssueEvent(action, number, tracked.key, logged=False)
    at = (
        parse_timestamp(issue.get("closed_at") if action == "closed" else issue.get("updated_at"))
        or utcnow()
    )
    kind = f"issue_{action}"
    duplicate = session.scalar(
        select(SessionLogEntry.id).where(
            SessionLogEntry.campaign_id == campaign.id,
            SessionLogEntry.kind == kind,
            SessionLogEntry.at == at,
        )
    )
    if duplicate is None:
        session.add(
            SessionLogEntry(
                campaign_id=campaign.id,
                at=at,
                kind=kind,
                text=_session_log_text(action, sender_login(payload), number),
            )
        )
    return IssueEvent(action, number, tracked.key, logged=duplicate is None)


async def _ask_what_closed(ctx: EventContext, number: int, at: datetime) -> Closing | None:
    repository = ctx.payload.get("repository")
    full_name = repository.get("full_name") if isinstance(repository, dict) else None
    if ctx.github is None or ctx.installation_id is None or not isinstance(full_name, str):
        return None
    try:
        client = ctx.github(ctx.installation_id)
    except GitHubPermanentError as exc:
        ctx.log.warning("closing_commit_unknown", issue=number, error=str(exc))
        return None
    owner, repo = split_full_name(full_name)
    return await fetch_closing(client, owner, repo, number, at)


def _record_closing(
    session: Session,
    repository_id: int,
    number: int,
    at: datetime,
    closing: Closing | None,
    web_url: str,
) -> bool:
    """Add what closed the issue to the cluster's resolution and render its issue again;
    ``True`` when the failure issue has to be synced."""
    row = session.scalar(
        select(GitHubIssue).where(
            GitHubIssue.repository_id == repository_id, GitHubIssue.number == number
        )
    )
    cluster = cluster_closed_by_person_at(session, row, at) if row is not None else None
    if cluster is None:
        return False  # recorded already, or superseded by a later close or reopen
    if closing is not None:
        record_closing(session, cluster, at, closing)
    repository = session.get_one(Repository, repository_id)
    if not rewrite_failure_issue_body(session, cluster, repository, web_url):
        return False
    defer_sync(session, repository, delay=timedelta(0))
    return True


@router.register("issues")
async def on_issue(ctx: EventContext) -> None:
    action = ctx.action or ""
    result = await ctx.in_transaction(lambda session: _record(session, ctx.payload, action))
    if result.tracked_key is None:
        ctx.log.debug("issue event on an issue the bot does not keep", number=result.number)
        return
    at, repository_id, number = result.closing_at, result.repository_id, result.number
    if at is not None and repository_id is not None and number is not None:
        closing = await _ask_what_closed(ctx, number, at)
        synced = await ctx.in_transaction(
            lambda session: _record_closing(
                session, repository_id, number, at, closing, ctx.web_url
            )
        )
        ctx.log.info(
            "failure issue closed by a person",
            number=number,
            commit=closing.commit_sha if closing else None,
            pull_request=closing.pull_request if closing else None,
            closing_known=closing is not None,
            issue_rewritten=synced,
        )
    ctx.log.info(
        "tracked issue event",
        action=action,
        number=result.number,
        key=result.tracked_key,
        by=sender_login(ctx.payload),
        session_log=result.logged,
    )

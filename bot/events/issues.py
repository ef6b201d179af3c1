"""``issues``: note what people do to the issues the bot keeps.

Only issues the bot keeps (a ``GitHubIssue`` row) matter. Closing or reopening a tracking
issue by hand is a notable event: it goes into the campaign's session log. The desired
state of a tracking issue is not changed here; the sync decides what to do about it.
Closing or reopening a failure issue (``cluster:<fingerprint>``) resolves or reopens its
cluster, and the desired state follows the person (``bot/clusters/people.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clusters.people import CLUSTER_KEY_PREFIX, cluster_issue_changed_by_person
from bot.events.repos import parse_timestamp, remember_repository
from bot.events.router import EventContext, router
from bot.events.senders import is_bot, sender_login
from bot.store.models import Campaign, GitHubIssue, SessionLogEntry, utcnow

CAMPAIGN_KEY_PREFIX = "campaign:"
_LOGGED_ACTIONS = {"closed": "closed", "reopened": "reopened"}


@dataclass(frozen=True)
class IssueEvent:
    action: str
    number: int | None
    tracked_key: str | None  # the GitHubIssue key when the bot keeps this issue
    logged: bool  # a session log entry was written


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
        changed = cluster_issue_changed_by_person(
            session,
            tracked,
            action,
            login=sender_login(payload),
            at=parse_timestamp(issue.get("closed_at") if action == "closed" else None)
            or parse_timestamp(issue.get("updated_at"))
            or utcnow(),
            state_reason=issue.get("state_reason"),
        )
        return IssueEvent(action, number, tracked.key, logged=changed)
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


@router.register("issues")
async def on_issue(ctx: EventContext) -> None:
    action = ctx.action or ""
    result = await ctx.in_transaction(lambda session: _record(session, ctx.payload, action))
    if result.tracked_key is None:
        ctx.log.debug("issue event on an issue the bot does not keep", number=result.number)
        return
    ctx.log.info(
        "tracked issue event",
        action=action,
        number=result.number,
        key=result.tracked_key,
        by=sender_login(ctx.payload),
        session_log=result.logged,
    )

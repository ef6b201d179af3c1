"""Webhook events in the worker: the router and each handler's effect on the database."""

from __future__ import annotations

from typing import Any

import pytest
import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.queue import PermanentJobError
from bot.adapters.queue.worker import JobContext
from bot.adapters.store.db import transaction
from bot.adapters.store.models import (
    Campaign,
    GitHubIssue,
    Installation,
    Repository,
    SessionLogEntry,
    WebhookDelivery,
)
from bot.adapters.tokens import get_or_create_repository
from bot.handlers.events import EventContext, EventRouter
from bot.handlers.events.jobs import handle_webhook_job, process_delivery


def ctx_for(
    factory: sessionmaker[Session], event: str, payload: dict[str, Any], delivery_id: str = "d"
) -> EventContext:
    return EventContext(
        event=event,
        action=payload.get("action"),
        payload=payload,
        delivery_id=delivery_id,
        session_factory=factory,
    )


# --- the router --------------------------------------------------------------------------


@pytest.mark.anyio
async def test_router_runs_event_handlers_then_action_handlers(
    session_factory: sessionmaker[Session],
) -> None:
    router = EventRouter()
    seen: list[str] = []

    @router.register("issues", action="closed")
    async def on_closed(ctx: EventContext) -> None:
        seen.append("closed")

    @router.register("issues")
    async def on_any(ctx: EventContext) -> None:
        seen.append("any")

    @router.register("issue_comment")
    async def on_comment(ctx: EventContext) -> None:
        seen.append("comment")

    assert await router.dispatch(ctx_for(session_factory, "issues", {"action": "closed"})) == 2
    assert seen == ["any", "closed"]
    seen.clear()
    assert await router.dispatch(ctx_for(session_factory, "issues", {"action": "opened"})) == 1
    assert seen == ["any"]
    assert await router.dispatch(ctx_for(session_factory, "push", {})) == 0


# --- installations -----------------------------------------------------------------------


def installation_payload(action: str, **extra: Any) -> dict[str, Any]:
    return {
        "action": action,
        "installation": {"id": 11, "account": {"login": "Octo-Org", "type": "Organization"}},
        "sender": {"login": "ana", "type": "User"},
        **extra,
    }


def repo_data(github_id: int, full_name: str) -> dict[str, Any]:
    return {"id": github_id, "full_name": full_name, "name": full_name.split("/")[1]}


@pytest.mark.anyio
async def test_installation_lifecycle_keeps_rows(session_factory: sessionmaker[Session]) -> None:
    from bot.handlers.events import router

    # A repository first seen through an upload token (no GitHub id yet).
    with transaction(session_factory) as session:
        get_or_create_repository(session, "octo-org/widgets")

    created = installation_payload(
        "created",
        repositories=[repo_data(1, "Octo-Org/Widgets"), repo_data(2, "Octo-Org/Gadgets")],
    )
    await router.dispatch(ctx_for(session_factory, "installation", created))
    with session_factory() as session:
        installation = session.get(Installation, 11)
        assert installation is not None and installation.account_login == "Octo-Org"
        repos = session.scalars(select(Repository).order_by(Repository.full_name)).all()
        assert [(r.full_name, r.github_id, r.installation_id) for r in repos] == [
            ("octo-org/gadgets", 2, 11),
            ("octo-org/widgets", 1, 11),  # the existing row, now linked
        ]

    await router.dispatch(ctx_for(session_factory, "installation", installation_payload("suspend")))
    with session_factory() as session:
        assert session.get(Installation, 11).suspended_at is not None  # type: ignore[union-attr]
    await router.dispatch(
        ctx_for(session_factory, "installation", installation_payload("unsuspend"))
    )
    with session_factory() as session:
        assert session.get(Installation, 11).suspended_at is None  # type: ignore[union-attr]

    removed = installation_payload(
        "removed", repositories_removed=[repo_data(2, "octo-org/gadgets")]
    )
    await router.dispatch(ctx_for(session_factory, "installation_repositories", removed))
    added = installation_payload("added", repositories_added=[repo_data(3, "octo-org/new")])
    await router.dispatch(ctx_for(session_factory, "installation_repositories", added))
    with session_factory() as session:
        state = {
            r.full_name: (r.installation_id, r.removed_at is not None)
            for r in session.scalars(select(Repository))
        }
    assert state == {
        "octo-org/widgets": (11, False),
        "octo-org/gadgets": (11, True),
        "octo-org/new": (11, False),
    }

    await router.dispatch(ctx_for(session_factory, "installation", installation_payload("deleted")))
    with session_factory() as session:
        assert session.get(Installation, 11).deleted_at is not None  # type: ignore[union-attr]
        assert all(r.removed_at is not None for r in session.scalars(select(Repository)))


@pytest.mark.anyio
async def test_renamed_repository_keeps_its_row(session_factory: sessionmaker[Session]) -> None:
    from bot.handlers.events import router

    created = installation_payload("created", repositories=[repo_data(1, "octo-org/old")])
    await router.dispatch(ctx_for(session_factory, "installation", created))
    added = installation_payload("added", repositories_added=[repo_data(1, "octo-org/renamed")])
    await router.dispatch(ctx_for(session_factory, "installation_repositories", added))
    with session_factory() as session:
        names = session.scalars(select(Repository.full_name)).all()
    assert names == ["octo-org/renamed"]


# --- issues ------------------------------------------------------------------------------


def issue_payload(action: str, number: int, sender: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": action,
        "issue": {
            "number": number,
            "closed_at": "2026-11-29T12:00:00Z" if action == "closed" else None,
            "updated_at": "2026-11-29T12:30:00Z",
        },
        "repository": repo_data(1, "octo-org/widgets"),
        "installation": {"id": 11},
        "sender": sender,
    }


def track_campaign_issue(factory: sessionmaker[Session], number: int) -> int:
    with transaction(factory) as session:
        repo = get_or_create_repository(session, "octo-org/widgets")
        campaign = Campaign(repository_id=repo.id, name="staging-e2e")
        session.add(campaign)
        session.add(
            GitHubIssue(
                repository_id=repo.id,
                key="campaign:staging-e2e",
                title="E2E staging",
                body="",
                desired_hash="h",
                number=number,
            )
        )
        session.flush()
        return campaign.id


def log_entries(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    with factory() as session:
        rows = session.scalars(select(SessionLogEntry).order_by(SessionLogEntry.id))
        return [(row.kind, row.text) for row in rows]


@pytest.mark.anyio
async def test_closing_a_tracking_issue_goes_into_the_session_log(
    session_factory: sessionmaker[Session],
) -> None:
    from bot.handlers.events import router

    track_campaign_issue(session_factory, 132)
    ana = {"login": "ana", "type": "User"}
    closed = issue_payload("closed", 132, ana)
    await router.dispatch(ctx_for(session_factory, "issues", closed))
    await router.dispatch(ctx_for(session_factory, "issues", closed))  # processed twice
    await router.dispatch(ctx_for(session_factory, "issues", issue_payload("reopened", 132, ana)))
    await router.dispatch(ctx_for(session_factory, "issues", issue_payload("edited", 132, ana)))
    assert log_entries(session_factory) == [
        ("issue_closed", "Tracking issue #132 closed by `ana`"),
        ("issue_reopened", "Tracking issue #132 reopened by `ana`"),
    ]


@pytest.mark.anyio
async def test_issues_the_bot_does_not_keep_or_bot_actions_leave_no_log(
    session_factory: sessionmaker[Session],
) -> None:
    from bot.handlers.events import router

    track_campaign_issue(session_factory, 132)
    human = {"login": "ana", "type": "User"}
    bot = {"login": "loopwatch[bot]", "type": "Bot"}
    await router.dispatch(ctx_for(session_factory, "issues", issue_payload("closed", 7, human)))
    await router.dispatch(ctx_for(session_factory, "issues", issue_payload("closed", 132, bot)))
    assert log_entries(session_factory) == []


# --- issue comments ----------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("user", "recorded"),
    [
        ({"login": "ana", "type": "User"}, True),
        ({"login": "loopwatch[bot]", "type": "Bot"}, False),
        ({"login": "renovate[bot]", "type": "User"}, False),
    ],
)
async def test_comments_by_bots_are_ignored(
    session_factory: sessionmaker[Session], user: dict[str, Any], recorded: bool
) -> None:
    from bot.handlers.events import router

    payload = {
        "action": "created",
        "issue": {"number": 5},
        "comment": {"id": 1, "body": "/mute", "user": user},
        "repository": repo_data(1, "octo-org/widgets"),
        "installation": {"id": 11},
        "sender": user,
    }
    await router.dispatch(ctx_for(session_factory, "issue_comment", payload))
    with session_factory() as session:
        repo = session.scalar(select(Repository))
    # A human's comment also tells us which installation serves the repository.
    assert (repo is not None and repo.installation_id == 11) == recorded


# --- the webhook job ---------------------------------------------------------------------


def store_delivery(factory: sessionmaker[Session], event: str, payload: dict[str, Any]) -> None:
    with transaction(factory) as session:
        session.add(
            WebhookDelivery(
                delivery_id="job-1",
                event=event,
                action=payload.get("action"),
                payload=payload,
            )
        )


def job_context(factory: sessionmaker[Session], payload: dict[str, Any]) -> JobContext:
    return JobContext(
        job_id=1,
        kind="webhook",
        payload=payload,
        attempt=1,
        session_factory=factory,
        log=structlog.get_logger("test"),
    )


@pytest.mark.anyio
async def test_webhook_job_dispatches_once_and_marks_processed(
    session_factory: sessionmaker[Session],
) -> None:
    track_campaign_issue(session_factory, 132)
    store_delivery(session_factory, "issues", issue_payload("closed", 132, {"login": "ana"}))
    await handle_webhook_job(job_context(session_factory, {"delivery_id": "job-1"}))
    with session_factory() as session:
        delivery = session.get(WebhookDelivery, "job-1")
        assert delivery is not None and delivery.processed_at is not None
        # Someone deletes the log line; a second run of the job must not add it back.
        for entry in session.scalars(select(SessionLogEntry)):
            session.delete(entry)
        session.commit()
    assert await process_delivery(session_factory, "job-1") is False
    assert log_entries(session_factory) == []


@pytest.mark.anyio
async def test_webhook_job_for_a_missing_delivery_is_permanent(
    session_factory: sessionmaker[Session],
) -> None:
    with pytest.raises(PermanentJobError, match="not in the database"):
        await handle_webhook_job(job_context(session_factory, {"delivery_id": "nope"}))
    with pytest.raises(PermanentJobError, match="no delivery_id"):
        await handle_webhook_job(job_context(session_factory, {}))

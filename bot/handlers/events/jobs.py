"""The worker's ``webhook`` job: load a stored delivery, dispatch it, mark it processed.

A delivery already processed does nothing, so a job run twice (a lost lease, a retry
after a crash between dispatch and the mark) changes nothing twice; the handlers are
idempotent as well for the window between the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from anyio import to_thread
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.logs import get_logger
from bot.adapters.queue import PermanentJobError
from bot.adapters.queue.kinds import WEBHOOK, WebhookPayload
from bot.adapters.queue.worker import Handler, JobContext
from bot.adapters.store.db import transaction
from bot.adapters.store.models import WebhookDelivery, utcnow
from bot.app.services import Services
from bot.handlers.events.router import EventContext, EventRouter, router
from bot.handlers.registry import handles

if TYPE_CHECKING:
    from githubkit import GitHub

    from bot.adapters.github.pacer import WritePacer


@dataclass(frozen=True)
class _Stored:
    event: str
    action: str | None
    installation_id: int | None
    repository: str | None
    payload: dict[str, Any]
    processed: bool


def _load(factory: sessionmaker[Session], delivery_id: str) -> _Stored | None:
    with transaction(factory) as session:
        row = session.get(WebhookDelivery, delivery_id)
        if row is None:
            return None
        return _Stored(
            row.event,
            row.action,
            row.installation_id,
            row.repository,
            dict(row.payload),
            row.processed_at is not None,
        )


def _mark_processed(factory: sessionmaker[Session], delivery_id: str) -> None:
    with transaction(factory) as session:
        row = session.get(WebhookDelivery, delivery_id)
        if row is not None and row.processed_at is None:
            row.processed_at = utcnow()


async def process_delivery(
    factory: sessionmaker[Session],
    delivery_id: str,
    *,
    events: EventRouter = router,
    log: Any = None,
    github: Callable[[int], GitHub[Any]] | None = None,
    web_url: str = "https://github.com",
    pacer: WritePacer | None = None,
    permission_ttl_s: float = 60.0,
) -> bool:
    """Dispatch one stored delivery; False when it was already processed."""
    stored = await to_thread.run_sync(_load, factory, delivery_id)
    if stored is None:
        raise PermanentJobError(f"webhook delivery {delivery_id} is not in the database")
    log = (log or get_logger("bot.handlers.events")).bind(
        delivery_id=delivery_id,
        event=stored.event,
        action=stored.action,
        installation_id=stored.installation_id,
        repository=stored.repository,
    )
    if stored.processed:
        log.info("webhook delivery already processed")
        return False
    ctx = EventContext(
        event=stored.event,
        action=stored.action,
        payload=stored.payload,
        delivery_id=delivery_id,
        session_factory=factory,
        log=log,
        installation_id=stored.installation_id,
        github=github,
        web_url=web_url,
        pacer=pacer,
        permission_ttl_s=permission_ttl_s,
    )
    handled = await events.dispatch(ctx)
    if handled == 0:
        log.debug("no handler for this event")
    await to_thread.run_sync(_mark_processed, factory, delivery_id)
    return True


async def handle_webhook_job(
    ctx: JobContext,
    *,
    github: Callable[[int], GitHub[Any]] | None = None,
    web_url: str = "https://github.com",
    pacer: WritePacer | None = None,
    permission_ttl_s: float = 60.0,
) -> None:
    """The worker's handler for ``webhook`` jobs (``payload={"delivery_id": …}``)."""
    await process_delivery(
        ctx.session_factory,
        WebhookPayload.read(ctx).delivery_id,
        log=ctx.log,
        github=github,
        web_url=web_url,
        pacer=pacer,
        permission_ttl_s=permission_ttl_s,
    )


@handles(WEBHOOK)
def make_webhook_handler(services: Services) -> Handler:
    """``handle_webhook_job`` with the worker's GitHub App (handlers may read from GitHub)."""

    def installation_client(installation_id: int) -> GitHub[Any]:
        return services.github().installation(installation_id)

    async def webhook(ctx: JobContext) -> None:
        await handle_webhook_job(
            ctx,
            github=installation_client,
            web_url=services.settings.github_web_url,
            pacer=services.pacer(),
            permission_ttl_s=services.settings.command_permission_ttl_s,
        )

    return webhook

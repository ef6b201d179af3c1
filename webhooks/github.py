"""``POST /webhooks/github``: verify the signature, store the delivery, enqueue, answer 202.

Nothing here calls GitHub: the worker handles the delivery (``bot.handlers.events``). A redelivery
(same ``X-GitHub-Delivery``) is answered 200 ``duplicate`` and enqueues nothing; the
primary key on ``webhook_deliveries`` settles a race between two copies arriving at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from githubkit.webhooks import verify
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.adapters.logs import get_logger
from bot.adapters.queue.kinds import defer_webhook
from bot.adapters.settings import Settings
from bot.adapters.store.db import transaction
from bot.adapters.store.models import WebhookDelivery, utcnow
from webhooks.deps import get_session_factory, get_settings
from webhooks.errors import ApiError

router = APIRouter()
log = get_logger(__name__)

_MAX_HEADER = 64  # delivery ids are UUIDs; event names are short


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    event: str
    action: str | None
    installation_id: int | None
    repository: str | None  # lower-cased owner/name
    payload: dict[str, Any]


def _check_signature(settings: Settings, body: bytes, signature: str | None) -> None:
    secret = settings.webhook_secret_value
    if not secret:
        raise ApiError(
            503,
            "webhooks are not accepted: this server has no webhook secret "
            "(set LOOPWATCH_WEBHOOK_SECRET to the App's webhook secret)",
        )
    if not signature:
        raise ApiError(
            401, "missing X-Hub-Signature-256 header: the delivery must be signed by GitHub"
        )
    # githubkit would fall back to SHA-1 for other prefixes; only SHA-256 is accepted here.
    if not signature.startswith("sha256=") or not verify(secret, body, signature):
        raise ApiError(
            401,
            "the X-Hub-Signature-256 signature does not match the body "
            "(is LOOPWATCH_WEBHOOK_SECRET the App's webhook secret?)",
        )


def _header(request: Request, name: str) -> str:
    value = request.headers.get(name, "").strip()
    if not value:
        raise ApiError(400, f"missing {name} header (is this a GitHub webhook delivery?)")
    if len(value) > _MAX_HEADER:
        raise ApiError(400, f"the {name} header is too long")
    return value


def _as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_delivery(delivery_id: str, event: str, body: bytes) -> Delivery:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, f"the webhook body is not valid JSON ({exc})") from exc
    except RecursionError as exc:
        raise ApiError(400, "the webhook body is nested too deeply") from exc
    if not isinstance(payload, dict):
        raise ApiError(400, "the webhook body must be a JSON object")
    action = payload.get("action")
    installation = payload.get("installation")
    repository = payload.get("repository")
    full_name = repository.get("full_name") if isinstance(repository, dict) else None
    return Delivery(
        delivery_id=delivery_id,
        event=event,
        action=action[:64] if isinstance(action, str) else None,
        installation_id=_as_int(installation.get("id")) if isinstance(installation, dict) else None,
        repository=full_name.lower()[:255] if isinstance(full_name, str) else None,
        payload=payload,
    )


def _already_stored(session: Session, delivery_id: str) -> bool:
    return session.get(WebhookDelivery, delivery_id) is not None


def store_delivery(
    factory: sessionmaker[Session], delivery: Delivery, *, enqueue_job: bool
) -> bool:
    """Store the delivery (and its ``webhook`` job); False when it was already stored."""
    try:
        with transaction(factory) as session:
            if _already_stored(session, delivery.delivery_id):
                return False
            session.add(
                WebhookDelivery(
                    delivery_id=delivery.delivery_id,
                    event=delivery.event,
                    action=delivery.action,
                    installation_id=delivery.installation_id,
                    repository=delivery.repository,
                    payload=delivery.payload,
                    processed_at=None if enqueue_job else utcnow(),
                )
            )
            session.flush()
            if enqueue_job:
                defer_webhook(
                    session,
                    delivery_id=delivery.delivery_id,
                    repository=delivery.repository,
                    installation_id=delivery.installation_id,
                )
            return True
    except IntegrityError:
        # The same delivery arrived twice at once and the other copy won the primary key.
        return False


@router.post("/webhooks/github")
async def receive_github_webhook(
    request: Request,
    settings: Settings = Depends(get_settings),
    factory: sessionmaker[Session] = Depends(get_session_factory),
) -> JSONResponse:
    body = await request.body()
    _check_signature(settings, body, request.headers.get("x-hub-signature-256"))
    delivery = parse_delivery(
        _header(request, "x-github-delivery"), _header(request, "x-github-event"), body
    )
    is_ping = delivery.event == "ping"
    stored = await run_in_threadpool(store_delivery, factory, delivery, enqueue_job=not is_ping)
    bound = log.bind(
        delivery_id=delivery.delivery_id,
        event=delivery.event,
        action=delivery.action,
        installation_id=delivery.installation_id,
        repository=delivery.repository,
    )
    if not stored:
        bound.info("webhook redelivered; already stored")
        return JSONResponse({"status": "duplicate", "delivery_id": delivery.delivery_id})
    if is_ping:
        bound.info(
            "webhook ping", zen=delivery.payload.get("zen"), hook_id=delivery.payload.get("hook_id")
        )
        return JSONResponse({"status": "pong", "delivery_id": delivery.delivery_id})
    bound.info("webhook queued")
    return JSONResponse({"status": "queued", "delivery_id": delivery.delivery_id}, status_code=202)

"""Signed webhook deliveries to the configured receiver, shaped like GitHub's."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

import httpx

from loopwatch_sandbox.objects import Objects, iso, node_id
from loopwatch_sandbox.state import Repo, SandboxState, User, utcnow


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event_payload(
    state: SandboxState, repo: Repo, action: str, sender: User, objects: dict[str, Any]
) -> dict[str, Any]:
    """``{"action", <objects>, "repository", "sender", "installation"}`` as GitHub sends it."""
    render = Objects(state)
    payload: dict[str, Any] = {"action": action, **objects}
    payload["repository"] = render.repo(repo)
    if repo.owner.type == "Organization":
        payload["organization"] = render.user(repo.owner)
    payload["sender"] = render.user(sender)
    if repo.installation_id is not None:
        payload["installation"] = {
            "id": repo.installation_id,
            "node_id": node_id("MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u", repo.installation_id),
        }
    return payload


async def deliver(state: SandboxState, event: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST one signed delivery; returns (and records) its id and the receiver's status."""
    config = state.config
    body = json.dumps(payload, separators=(",", ":")).encode()
    delivery_id = str(uuid.uuid4())
    headers = {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/sandbox",
        "x-github-event": event,
        "x-github-delivery": delivery_id,
        "x-github-hook-id": "1",
        "x-github-hook-installation-target-type": "integration",
        "x-github-hook-installation-target-id": str(config.app_id),
    }
    if config.webhook_secret:
        headers["x-hub-signature-256"] = signature(config.webhook_secret, body)
        headers["x-hub-signature"] = (
            "sha1=" + hmac.new(config.webhook_secret.encode(), body, hashlib.sha1).hexdigest()
        )
    record: dict[str, Any] = {
        "id": delivery_id,
        "event": event,
        "action": payload.get("action"),
        "delivered_at": iso(utcnow()),
        "status": None,
        "error": None,
    }
    if not config.webhook_url:
        record["error"] = "no webhook_url configured"
    else:
        try:
            async with httpx.AsyncClient(
                transport=config.webhook_transport, timeout=config.webhook_timeout_s
            ) as client:
                response = await client.post(config.webhook_url, content=body, headers=headers)
            record["status"] = response.status_code
        except httpx.HTTPError as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"
    state.deliveries.append({**record, "payload": payload})
    return record


async def emit_app_event(
    state: SandboxState, repo: Repo, event: str, action: str, objects: dict[str, Any]
) -> None:
    """Webhooks for what the App itself did (GitHub sends them; opt-in here)."""
    if state.config.webhooks_for_app_actions:
        await deliver(state, event, event_payload(state, repo, action, state.bot, objects))


def installation_payload(
    state: SandboxState, repo: Repo, first: bool
) -> tuple[str, dict[str, Any]]:
    """``installation created`` for an account's first repo, else ``installation_repositories``."""
    assert repo.installation_id is not None
    render = Objects(state)
    installation = render.installation(state.installations[repo.installation_id])
    brief = {
        "id": repo.id,
        "node_id": node_id("R", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
    }
    sender = render.user(repo.owner)
    if first:
        return "installation", {
            "action": "created",
            "installation": installation,
            "repositories": [brief],
            "requester": None,
            "sender": sender,
        }
    return "installation_repositories", {
        "action": "added",
        "installation": installation,
        "repository_selection": "selected",
        "repositories_added": [brief],
        "repositories_removed": [],
        "requester": None,
        "sender": sender,
    }

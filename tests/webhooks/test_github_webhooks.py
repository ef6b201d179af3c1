"""POST /webhooks/github: signature, storage, dedupe and enqueueing."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from githubkit.webhooks import sign
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.models import Job, WebhookDelivery
from tests.webhooks.conftest import count, make_settings, signed_headers
from webhooks.app import create_app

ISSUE_EVENT = {
    "action": "opened",
    "issue": {"number": 3, "title": "flaky"},
    "repository": {"id": 99, "full_name": "Octo-Org/Widgets"},
    "installation": {"id": 77},
    "sender": {"login": "ana", "type": "User"},
}


def post_event(
    client: TestClient,
    payload: dict[str, Any] | bytes,
    event: str = "issues",
    delivery_id: str = "d-1",
    headers: dict[str, str] | None = None,
) -> Any:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(
        "/webhooks/github",
        content=body,
        headers={**signed_headers(body, event, delivery_id), **(headers or {})},
    )


def test_signed_delivery_is_stored_and_enqueued(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    response = post_event(client, ISSUE_EVENT, delivery_id="72d3162e-cc78-11e3")
    assert response.status_code == 202
    assert response.json() == {"status": "queued", "delivery_id": "72d3162e-cc78-11e3"}
    with session_factory() as session:
        delivery = session.get(WebhookDelivery, "72d3162e-cc78-11e3")
        assert delivery is not None
        assert (delivery.event, delivery.action) == ("issues", "opened")
        assert (delivery.installation_id, delivery.repository) == (77, "octo-org/widgets")
        assert delivery.payload == ISSUE_EVENT
        assert delivery.processed_at is None
        jobs = session.scalars(select(Job)).all()
    assert [(j.kind, j.payload, j.lock_key) for j in jobs] == [
        ("webhook", {"delivery_id": "72d3162e-cc78-11e3"}, "repo:octo-org/widgets")
    ]


def test_delivery_without_repository_locks_on_the_installation(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    payload = {"action": "suspend", "installation": {"id": 5, "account": {"login": "o"}}}
    assert post_event(client, payload, event="installation").status_code == 202
    with session_factory() as session:
        job = session.scalars(select(Job)).one()
    assert job.lock_key == "installation:5"


def test_redelivery_is_stored_once_and_enqueued_once(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    first = post_event(client, ISSUE_EVENT)
    again = post_event(client, ISSUE_EVENT)
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "delivery_id": "d-1"}
    assert (count(session_factory, WebhookDelivery), count(session_factory, Job)) == (1, 1)


def test_redelivery_racing_past_the_lookup_is_stopped_by_the_primary_key(
    client: TestClient, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    from webhooks import github

    assert post_event(client, ISSUE_EVENT).status_code == 202
    monkeypatch.setattr(github, "_already_stored", lambda session, delivery_id: False)
    again = post_event(client, ISSUE_EVENT)
    assert again.json()["status"] == "duplicate"
    assert (count(session_factory, WebhookDelivery), count(session_factory, Job)) == (1, 1)


@pytest.mark.anyio
async def test_concurrent_copies_of_one_delivery_enqueue_once(
    app: FastAPI, session_factory: sessionmaker[Session]
) -> None:
    body = json.dumps(ISSUE_EVENT).encode()
    headers = signed_headers(body, "issues", "same-delivery")
    statuses: list[int] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

        async def one() -> None:
            response = await http.post("/webhooks/github", content=body, headers=headers)
            statuses.append(response.status_code)

        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(one)
    assert sorted(statuses) == [200, 200, 200, 200, 202]
    assert (count(session_factory, WebhookDelivery), count(session_factory, Job)) == (1, 1)


def test_ping_answers_200_and_is_stored_without_a_job(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    payload = {"zen": "Keep it logically awesome.", "hook_id": 1}
    response = post_event(client, payload, event="ping", delivery_id="ping-1")
    assert response.status_code == 200
    assert response.json() == {"status": "pong", "delivery_id": "ping-1"}
    with session_factory() as session:
        delivery = session.get(WebhookDelivery, "ping-1")
        assert delivery is not None and delivery.processed_at is not None
    assert count(session_factory, Job) == 0


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (None, "missing X-Hub-Signature-256"),
        ("sha256=" + "0" * 64, "does not match"),
        ("sha1=" + "0" * 40, "does not match"),
        ("garbage", "does not match"),
        (sign("not the secret", json.dumps(ISSUE_EVENT).encode()), "does not match"),
    ],
)
def test_unsigned_or_forged_delivery_is_401_and_not_stored(
    client: TestClient,
    session_factory: sessionmaker[Session],
    signature: str | None,
    message: str,
) -> None:
    body = json.dumps(ISSUE_EVENT).encode()
    headers = signed_headers(body, "issues", "d-forged")
    del headers["X-Hub-Signature-256"]
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    response = client.post("/webhooks/github", content=body, headers=headers)
    assert response.status_code == 401
    assert message in response.json()["error"]
    assert (count(session_factory, WebhookDelivery), count(session_factory, Job)) == (0, 0)


def test_body_changed_after_signing_is_401(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    body = json.dumps(ISSUE_EVENT).encode()
    headers = signed_headers(body, "issues", "d-tampered")
    response = client.post(
        "/webhooks/github", content=body.replace(b"ana", b"eve"), headers=headers
    )
    assert response.status_code == 401
    assert count(session_factory, WebhookDelivery) == 0


def test_no_webhook_secret_configured_is_503(session_factory: sessionmaker[Session]) -> None:
    app = create_app(make_settings(webhook_secret=None), session_factory)
    with TestClient(app) as client:
        response = post_event(client, ISSUE_EVENT)
    assert response.status_code == 503
    assert "LOOPWATCH_WEBHOOK_SECRET" in response.json()["error"]
    assert count(session_factory, WebhookDelivery) == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
    ],
)
def test_malformed_payload_is_400(
    client: TestClient, session_factory: sessionmaker[Session], body: bytes, message: str
) -> None:
    response = post_event(client, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert count(session_factory, WebhookDelivery) == 0


def test_overlong_delivery_id_is_400(client: TestClient) -> None:
    response = post_event(client, ISSUE_EVENT, delivery_id="d" * 65)
    assert response.status_code == 400
    assert "x-github-delivery header is too long" in response.json()["error"]


@pytest.mark.parametrize("missing", ["X-GitHub-Event", "X-GitHub-Delivery"])
def test_missing_github_headers_are_400(client: TestClient, missing: str) -> None:
    body = json.dumps(ISSUE_EVENT).encode()
    headers = signed_headers(body, "issues", "d-2")
    del headers[missing]
    response = client.post("/webhooks/github", content=body, headers=headers)
    assert response.status_code == 400
    assert missing.lower() in response.json()["error"].lower()


def test_payload_over_25_mb_is_413(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    body = b'{"pad": "' + b"x" * (25 * 1024 * 1024) + b'"}'
    response = post_event(client, body)
    assert response.status_code == 413
    assert count(session_factory, WebhookDelivery) == 0


def test_signature_uses_the_configured_secret(session_factory: sessionmaker[Session]) -> None:
    app = create_app(make_settings(webhook_secret=SecretStr("rotated")), session_factory)
    body = json.dumps(ISSUE_EVENT).encode()
    with TestClient(app) as client:
        old = client.post(
            "/webhooks/github", content=body, headers=signed_headers(body, "issues", "a")
        )
        new = client.post(
            "/webhooks/github",
            content=body,
            headers=signed_headers(body, "issues", "b", secret="rotated"),
        )
    assert (old.status_code, new.status_code) == (401, 202)

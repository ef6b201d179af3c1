"""Every real payload in the shared corpus is accepted, stored, queued and dispatched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.models import Installation, Job, WebhookDelivery
from bot.handlers.events.jobs import process_delivery
from tests.webhooks.conftest import signed_headers

pytestmark = pytest.mark.corpus


def corpus_payloads(corpus_dir: Path) -> list[tuple[str, Path]]:
    """(event, file) for every payload; the folder is the event name."""
    return [(path.parent.name, path) for path in sorted((corpus_dir / "webhooks").glob("*/*.json"))]


@pytest.mark.anyio
async def test_every_corpus_payload_is_accepted_and_dispatched(
    corpus_dir: Path, client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    payloads = corpus_payloads(corpus_dir)
    assert len(payloads) > 100  # the corpus holds 111 payload examples across 12 events
    for index, (event, path) in enumerate(payloads):
        body = path.read_bytes()  # as GitHub sent it: the signature covers these bytes
        delivery_id = f"corpus-{index}"
        response = client.post(
            "/webhooks/github", content=body, headers=signed_headers(body, event, delivery_id)
        )
        expected = 200 if event == "ping" else 202
        assert response.status_code == expected, f"{path}: {response.text}"
        await process_delivery(session_factory, delivery_id)

    with session_factory() as session:
        deliveries = session.scalars(select(WebhookDelivery)).all()
        jobs = session.scalars(select(Job)).all()
    assert len(deliveries) == len(payloads)
    assert all(d.processed_at is not None for d in deliveries)
    assert {d.event for d in deliveries} == {event for event, _ in payloads}
    pings = sum(1 for event, _ in payloads if event == "ping")
    assert len(jobs) == len(payloads) - pings
    with session_factory() as session:
        installations = set(session.scalars(select(Installation.id)))
    for event, path in payloads:
        if event.startswith("installation"):
            assert json.loads(path.read_bytes())["installation"]["id"] in installations
    stored = {d.delivery_id: d for d in deliveries}
    for index, (_, path) in enumerate(payloads):
        assert stored[f"corpus-{index}"].payload == json.loads(path.read_bytes())

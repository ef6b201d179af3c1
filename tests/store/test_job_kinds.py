"""Job kinds: each queues the payload and keys a running install has stored, and the
worker handles a job row written in that shape (queued before an upgrade)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters import queue
from bot.adapters.queue import kinds
from bot.adapters.settings import Settings
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Job, WebhookDelivery
from bot.app.services import Services
from bot.service import build_handlers, build_worker

Factory = sessionmaker[Session]
UNTIL = datetime(2026, 12, 31, 17, 30, 5, 120000, tzinfo=UTC)
RUN_FACTS = {
    "run_id": 99,
    "run_attempt": 2,
    "run_number": 12,
    "workflow_name": "CI",
    "workflow_path": ".github/workflows/ci.yml",
    "event": "push",
    "conclusion": "failure",
    "head_sha": "a" * 40,
    "head_branch": "main",
    "html_url": None,
    "pull_requests": [],
    "head_repository": "octo/app",
    "started_at": "2026-12-01T10:00:00Z",
    "finished_at": None,
}


@dataclass(frozen=True)
class Repo:
    id: int
    full_name: str
    installation_id: int | None


INSTALLED = Repo(3, "octo/app", 5)
NOT_INSTALLED = Repo(3, "octo/app", None)

# (what the product calls, then the job row it wrote before the kinds had models)
Deferral = Callable[[Session], None]
TODAYS_ROWS: list[tuple[str, Deferral, tuple[str, dict[str, Any], str | None, str | None]]] = [
    (
        "upload",
        lambda s: kinds.defer_process_run(s, run_id=7, full_name="octo/app"),
        ("process_run", {"run_id": 7}, "repo:octo/app", None),
    ),
    # Before issue 18 a refresh was ``process_run`` with the dedupe key ``refresh:<run>``;
    # such a row still queued re-renders an already processed run (tests/pipeline).
    (
        "render",
        lambda s: kinds.defer_render(s, campaign_id=2, full_name="octo/app"),
        ("render_campaign", {"campaign_id": 2, "run_id": None}, "repo:octo/app", "render:2"),
    ),
    (
        "render-check-run",
        lambda s: kinds.defer_render(s, campaign_id=2, full_name="octo/app", run_id=7),
        ("render_campaign", {"campaign_id": 2, "run_id": 7}, "repo:octo/app", "render:2:7"),
    ),
    (
        "sync",
        lambda s: kinds.defer_sync(s, INSTALLED, delay=timedelta(0)),
        ("sync_repository", {"repository_id": 3}, "installation:5", "sync:3"),
    ),
    (
        "sync-not-installed",
        lambda s: kinds.defer_sync(s, NOT_INSTALLED, delay=timedelta(0)),
        ("sync_repository", {"repository_id": 3}, "installation-unknown:octo/app", "sync:3"),
    ),
    (
        "check-sync",
        lambda s: kinds.defer_check_sync(s, INSTALLED, delay=timedelta(0)),
        ("sync_checks", {"repository_id": 3}, "installation:5", "sync-checks:3"),
    ),
    (
        "webhook-repository",
        lambda s: kinds.defer_webhook(
            s, delivery_id="d-1", repository="octo/app", installation_id=5
        ),
        ("webhook", {"delivery_id": "d-1"}, "repo:octo/app", None),
    ),
    (
        "webhook-installation",
        lambda s: kinds.defer_webhook(s, delivery_id="d-2", repository=None, installation_id=5),
        ("webhook", {"delivery_id": "d-2"}, "installation:5", None),
    ),
    (
        "webhook-neither",
        lambda s: kinds.defer_webhook(s, delivery_id="d-3", repository=None, installation_id=None),
        ("webhook", {"delivery_id": "d-3"}, None, None),
    ),
    (
        "unmute",
        lambda s: kinds.defer_unmute(s, cluster_id=4, full_name="octo/app", until=UNTIL),
        (
            "unmute_due",
            {"cluster_id": 4, "until": "2026-12-31T17:30:05.120000+00:00"},
            "repo:octo/app",
            "unmute:4:2026-12-31T17:30:05.120000+00:00",
        ),
    ),
    (
        "five-whys-draft",
        lambda s: kinds.defer_five_whys_draft(s, cluster_id=4, run_id=7, full_name="octo/app"),
        ("draft_five_whys", {"cluster_id": 4, "run_id": 7}, "repo:octo/app", "five-whys-draft:4:7"),
    ),
    (
        "ingest-artifacts",
        lambda s: kinds.defer_ingest_artifacts(s, INSTALLED, RUN_FACTS),
        (
            "ingest_artifacts",
            {"repository_id": 3, "run": RUN_FACTS},
            "repo:octo/app",
            "artifacts:3:99:2",
        ),
    ),
]


@pytest.mark.parametrize(
    ("defer", "row"), [(d, r) for _, d, r in TODAYS_ROWS], ids=[i for i, _, _ in TODAYS_ROWS]
)
def test_each_kind_queues_the_row_a_running_install_has(
    session_factory: Factory,
    defer: Deferral,
    row: tuple[str, dict[str, Any], str | None, str | None],
) -> None:
    with transaction(session_factory) as session:
        defer(session)
    with session_factory() as session:
        job = session.scalars(select(Job)).one()
        assert (job.kind, job.payload, job.lock_key, job.dedupe_key) == row


def test_a_mute_job_runs_when_the_mute_ends(session_factory: Factory) -> None:
    with transaction(session_factory) as session:
        kinds.defer_unmute(session, cluster_id=4, full_name="octo/app", until=UNTIL)
    with session_factory() as session:
        assert session.scalars(select(Job.run_at)).one() == UNTIL


def test_every_kind_has_a_handler_in_the_worker(session_factory: Factory) -> None:
    handlers = build_handlers(Services(Settings(), session_factory))
    assert sorted(handlers) == sorted(kinds.JOB_KINDS)


def add_row(factory: Factory, kind: str, payload: dict[str, Any]) -> int:
    """A job row as an older release wrote it: plain JSON, no model involved."""
    with transaction(factory) as session:
        job = queue.enqueue(session, kind, payload)
        assert job is not None
        return job.id


def outcome(factory: Factory, job_id: int) -> tuple[str, str | None]:
    with factory() as session:
        job = session.get_one(Job, job_id)
        return job.status, job.last_error


@pytest.mark.anyio
async def test_rows_queued_in_todays_shape_are_handled(session_factory: Factory) -> None:
    # Each names something that is gone, so its handler ends without calling GitHub.
    with transaction(session_factory) as session:
        session.add(
            WebhookDelivery(
                delivery_id="d-1",
                event="ping",
                action=None,
                installation_id=None,
                repository=None,
                payload={"zen": "Keep it simple."},
            )
        )
    ids = [
        add_row(session_factory, "process_run", {"run_id": 404}),
        add_row(session_factory, "unmute_due", {"cluster_id": 404, "until": UNTIL.isoformat()}),
        add_row(session_factory, "draft_five_whys", {"cluster_id": 404, "run_id": 404}),
        add_row(session_factory, "webhook", {"delivery_id": "d-1"}),
        add_row(session_factory, "render_campaign", {"campaign_id": 404}),
    ]
    worker = build_worker(Settings(), session_factory)
    assert await worker.run_until_idle() == len(ids)
    assert [outcome(session_factory, i) for i in ids] == [("done", None)] * len(ids)
    with session_factory() as session:
        assert session.get_one(WebhookDelivery, "d-1").processed_at is not None


@pytest.mark.anyio
async def test_a_payload_that_does_not_fit_goes_dead_at_once_saying_why(
    session_factory: Factory,
) -> None:
    missing = add_row(session_factory, "process_run", {})
    garbled = add_row(session_factory, "draft_five_whys", {"cluster_id": "four", "run_id": 7})
    worker = build_worker(Settings(), session_factory)
    assert await worker.run_until_idle() == 2
    status, error = outcome(session_factory, missing)
    assert status == "dead"
    assert error is not None
    assert error.startswith(
        f"PermanentJobError: process_run job {missing}: no run_id in its payload"
    )
    status, error = outcome(session_factory, garbled)
    assert status == "dead"
    assert error is not None
    assert f"draft_five_whys job {garbled}: cluster_id: Input should be a valid integer" in error

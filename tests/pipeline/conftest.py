"""In-process harness: sandbox + web app + worker wired by ASGI transports, on both DBs."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from loopwatch_sandbox.app import SandboxConfig, create_app
from loopwatch_sandbox.keys import generate_rsa_keypair
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.queue.worker import Worker
from bot.adapters.settings import Settings
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Job, utcnow
from bot.adapters.tokens import create_upload_token
from bot.service import build_worker
from webhooks.app import create_app as create_web_app

REPO = "acme/shop"
SETTLE_HORIZON = timedelta(minutes=1)
SECRET = "harness-secret"


@dataclass
class Harness:
    sandbox: TestClient
    web: TestClient
    worker: Worker
    session_factory: sessionmaker[Session]
    token: str

    def upload(
        self, files: dict[str, bytes], *, key: str | None = None, **metadata: Any
    ) -> dict[str, Any]:
        meta = {"repository": REPO, "campaign": "e2e", **metadata}
        headers = {"Authorization": f"Bearer {self.token}"}
        if key:
            headers["Idempotency-Key"] = key
        response = self.web.post(
            "/api/v1/runs",
            headers=headers,
            data={"metadata": json.dumps(meta)},
            files=[
                ("files", (name, content, "application/xml")) for name, content in files.items()
            ],
        )
        assert response.status_code in (200, 202), response.text
        return dict(response.json())

    def work(self) -> int:
        return asyncio.run(self.worker.run_until_idle())

    def work_until_settled(self, rounds: int = 200) -> int:
        """Run jobs, including those retried with backoff, until none is left to do
        (a job scheduled beyond ``SETTLE_HORIZON``, such as a mute's end, is not waited for)."""
        done = 0
        for _ in range(rounds):
            done += self.work()
            with self.session_factory() as session:
                pending = session.scalar(
                    select(func.count())
                    .select_from(Job)
                    .where(Job.status == "queued", Job.run_at <= utcnow() + SETTLE_HORIZON)
                )
            if not pending:
                return done
            time.sleep(0.02)
        raise AssertionError("jobs still queued")

    def state(self) -> dict[str, Any]:
        return dict(self.sandbox.get("/_sandbox/state").json())

    def issues(self) -> list[dict[str, Any]]:
        for repo in self.state()["repos"]:
            if repo["full_name"] == REPO:
                return list(repo["issues"])
        return []

    def writes(self) -> list[dict[str, Any]]:
        return list(self.sandbox.get("/_sandbox/requests", params={"mutating": "true"}).json())

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.sandbox.request(method, f"/_sandbox{path}", **kwargs)
        assert response.status_code < 400, response.text
        return response.json() if response.content else None


@pytest.fixture
def harness(session_factory: sessionmaker[Session], migrated_url: str) -> Iterator[Harness]:
    private_pem, public_pem = generate_rsa_keypair()
    settings = Settings(
        app_id=4242,
        private_key=private_pem,
        webhook_secret=SECRET,
        database_url=migrated_url,
        github_api_url="http://sandbox.test",
        write_pause_s=0,
        notify_pause_s=0,
        sync_debounce_s=0,
        job_backoff_base_s=0.01,
        job_backoff_max_s=0.05,
    )
    web_app = create_web_app(settings, session_factory)
    sandbox_app = create_app(
        SandboxConfig(
            app_id=4242,
            app_public_key_pem=public_pem,
            base_url="http://sandbox.test",
            webhook_url="http://web.test/webhooks/github",
            webhook_secret=SECRET,
            webhook_transport=httpx.ASGITransport(app=web_app),
        )
    )
    worker = build_worker(
        settings, session_factory, github_transport=httpx.ASGITransport(app=sandbox_app)
    )
    with transaction(session_factory) as session:
        token = create_upload_token(session, REPO)
    with TestClient(sandbox_app) as sandbox, TestClient(web_app) as web:
        sandbox.post("/_sandbox/repos", json={"full_name": REPO, "default_branch": "main"})
        yield Harness(sandbox, web, worker, session_factory, token)

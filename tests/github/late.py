"""A sandbox world whose client gives up after a short timeout while the sandbox goes on
(late writes), with a clock the late-write window is read from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from loopwatch_sandbox.app import SandboxConfig, create_app
from loopwatch_sandbox.transport import TimeoutASGITransport
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.github.checks_sync import CheckSyncReport, sync_check_runs
from bot.adapters.github.client import GitHubClients
from bot.adapters.github.late_writes import LateWrites
from bot.adapters.github.pacer import WritePacer
from bot.adapters.github.sync import SyncReport, sync_repository
from bot.adapters.settings import Settings
from bot.adapters.store.db import transaction
from bot.adapters.store.models import (
    Campaign,
    CheckRunRecord,
    GitHubComment,
    GitHubIssue,
    Installation,
    Repository,
)
from bot.app.checks.desired_checks import check_hash
from tests.github.conftest import APP_ID, FULL_NAME, INSTALLATION_ID

TIMEOUT_S = 5.0  # the client's timeout (held requests time out at once)
WINDOW = timedelta(seconds=60)


class Clock:
    """The clock the late-write window is read from; moves only when told."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class LateWorld:
    admin: httpx.AsyncClient
    transport: TimeoutASGITransport
    clients: GitHubClients
    factory: sessionmaker[Session]
    repository_id: int
    campaign_id: int
    clock: Clock

    @property
    def policy(self) -> LateWrites:
        return LateWrites(WINDOW, self.clock)

    async def sync(self) -> SyncReport:
        gh = self.clients.installation(INSTALLATION_ID)
        pacer = WritePacer(0, 0)
        return await sync_repository(
            self.factory, self.repository_id, gh, pacer, late_writes=self.policy
        )

    async def sync_checks(self) -> CheckSyncReport:
        gh = self.clients.installation(INSTALLATION_ID)
        return await sync_check_runs(
            self.factory, self.repository_id, gh, WritePacer(0, 0), late_writes=self.policy
        )

    async def fault(self, **fault: Any) -> None:
        (await self.admin.post("/_sandbox/faults", json=fault)).raise_for_status()

    async def repo_state(self) -> dict[str, Any]:
        state = (await self.admin.get("/_sandbox/state")).json()
        found: dict[str, Any] = next(r for r in state["repos"] if r["full_name"] == FULL_NAME)
        return found

    async def issues(self) -> list[dict[str, Any]]:
        return list((await self.repo_state())["issues"])

    async def check_runs(self) -> list[dict[str, Any]]:
        return list((await self.repo_state())["check_runs"])

    async def posts(self, path_end: str) -> list[int]:
        """Statuses of the POSTs sent to paths ending in ``path_end``."""
        requests = (await self.admin.get("/_sandbox/requests")).json()
        return [
            r["status"] for r in requests if r["method"] == "POST" and r["path"].endswith(path_end)
        ]

    def issue_row(self, key: str) -> GitHubIssue:
        row: GitHubIssue = self._row(GitHubIssue, key)
        return row

    def comment_row(self, key: str) -> GitHubComment:
        row: GitHubComment = self._row(GitHubComment, key)
        return row

    def check_row(self, key: str) -> CheckRunRecord:
        row: CheckRunRecord = self._row(CheckRunRecord, key)
        return row

    def _row(self, model: type[Any], key: str) -> Any:
        with self.factory() as session:
            row = session.scalars(select(model).where(model.key == key)).one()
            session.expunge(row)
            return row

    def desire_check(self, key: str, head_sha: str) -> None:
        with transaction(self.factory) as session:
            record = CheckRunRecord(
                repository_id=self.repository_id,
                campaign_id=self.campaign_id,
                key=key,
                head_sha=head_sha,
                name="Loopwatch / e2e",
                status="in_progress",
                title="Reading the test reports",
                summary="reading",
                annotations=[],
                sent_annotations=[],
                run_ids=[],
            )
            record.desired_hash = check_hash(record)
            session.add(record)


async def open_late_world(
    factory: sessionmaker[Session], app_keys: tuple[str, str]
) -> AsyncIterator[LateWorld]:
    private_pem, public_pem = app_keys
    sandbox = create_app(SandboxConfig(app_id=APP_ID, app_public_key_pem=public_pem))
    settings = Settings(
        app_id=APP_ID,
        private_key=private_pem,
        github_api_url="http://sandbox",
        app_slug="loopwatch",
        github_timeout_s=TIMEOUT_S,
    )
    transport = TimeoutASGITransport(sandbox)
    clients = GitHubClients(settings, async_transport=transport, read_retries=0)
    with transaction(factory) as session:
        session.add(Installation(id=INSTALLATION_ID, account_login="octo"))
        repository = Repository(full_name=FULL_NAME, installation_id=INSTALLATION_ID)
        session.add(repository)
        session.flush()
        campaign = Campaign(repository_id=repository.id, name="e2e")
        session.add(campaign)
        session.flush()
        ids = repository.id, campaign.id
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(sandbox), base_url="http://sandbox"
    ) as admin:
        created = await admin.post(
            "/_sandbox/repos", json={"full_name": FULL_NAME, "installation_id": INSTALLATION_ID}
        )
        created.raise_for_status()
        yield LateWorld(admin, transport, clients, factory, *ids, Clock())
        await transport.settle()

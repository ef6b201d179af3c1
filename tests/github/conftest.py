"""Fixtures for the GitHub side: anyio on asyncio, a fake clock/sleep for pacing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from githubkit import AppInstallationAuthStrategy, GitHub
from loopwatch_sandbox.app import SandboxConfig, create_app
from loopwatch_sandbox.keys import generate_rsa_keypair
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.github.client import GitHubClients
from bot.adapters.github.pacer import WritePacer
from bot.adapters.github.sync import SyncReport, sync_repository
from bot.adapters.settings import Settings
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Installation, Repository


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


# --- an in-process sandbox, a database and a repository the App is installed on -------


APP_ID = 31337
INSTALLATION_ID = 4242
FULL_NAME = "octo/widgets"


@pytest.fixture(scope="session")
def app_keys() -> tuple[str, str]:
    return generate_rsa_keypair()


@dataclass
class World:
    """A sandbox GitHub, the App's clients for it, and the bot's database."""

    sandbox: FastAPI
    admin: httpx.AsyncClient
    clients: GitHubClients
    gh: GitHub[AppInstallationAuthStrategy]
    factory: sessionmaker[Session]
    repository_id: int
    pacer: WritePacer

    async def sync(self, pacer: WritePacer | None = None) -> SyncReport:
        return await sync_repository(self.factory, self.repository_id, self.gh, pacer or self.pacer)

    async def requests(self, *, mutating: bool = False) -> list[dict[str, Any]]:
        params = {"mutating": "true"} if mutating else {}
        response = await self.admin.get("/_sandbox/requests", params=params)
        response.raise_for_status()
        return list(response.json())

    async def writes(self) -> list[str]:
        """The mutating API calls made so far, as ``METHOD path status``."""
        return [
            f"{r['method']} {r['path']} {r['status']}" for r in await self.requests(mutating=True)
        ]

    async def forget_requests(self) -> None:
        (await self.admin.delete("/_sandbox/requests")).raise_for_status()

    async def fault(self, **fault: Any) -> None:
        (await self.admin.post("/_sandbox/faults", json=fault)).raise_for_status()

    async def issues(self) -> list[dict[str, Any]]:
        state = (await self.admin.get("/_sandbox/state")).json()
        repo = next(r for r in state["repos"] if r["full_name"] == FULL_NAME)
        return list(repo["issues"])

    async def labels(self) -> dict[str, dict[str, Any]]:
        state = (await self.admin.get("/_sandbox/state")).json()
        repo = next(r for r in state["repos"] if r["full_name"] == FULL_NAME)
        return {label["name"]: label for label in repo["labels"]}


def make_world(
    session_factory: sessionmaker[Session],
    app_keys: tuple[str, str],
    **config: Any,
) -> tuple[FastAPI, GitHubClients, int]:
    private_pem, public_pem = app_keys
    sandbox = create_app(SandboxConfig(app_id=APP_ID, app_public_key_pem=public_pem, **config))
    settings = Settings(
        app_id=APP_ID,
        private_key=private_pem,
        github_api_url="http://sandbox",
        app_slug="loopwatch",
    )
    clients = GitHubClients(settings, async_transport=httpx.ASGITransport(sandbox), read_retries=0)
    with transaction(session_factory) as session:
        session.add(Installation(id=INSTALLATION_ID, account_login="octo"))
        repository = Repository(full_name=FULL_NAME, installation_id=INSTALLATION_ID)
        session.add(repository)
        session.flush()
        repository_id = repository.id
    return sandbox, clients, repository_id


async def open_world(
    session_factory: sessionmaker[Session], app_keys: tuple[str, str], **config: Any
) -> AsyncIterator[World]:
    sandbox, clients, repository_id = make_world(session_factory, app_keys, **config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(sandbox), base_url="http://sandbox"
    ) as admin:
        created = await admin.post(
            "/_sandbox/repos", json={"full_name": FULL_NAME, "installation_id": INSTALLATION_ID}
        )
        created.raise_for_status()
        yield World(
            sandbox,
            admin,
            clients,
            clients.installation(INSTALLATION_ID),
            session_factory,
            repository_id,
            WritePacer(0, 0),
        )


@pytest.fixture
async def world(
    session_factory: sessionmaker[Session], app_keys: tuple[str, str]
) -> AsyncIterator[World]:
    async for opened in open_world(session_factory, app_keys):
        yield opened

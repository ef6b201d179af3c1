"""A sandbox app per test, and githubkit clients that talk to it in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from githubkit import AppAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy
from loopwatch_sandbox import SandboxConfig, SandboxState, create_app, generate_rsa_keypair

APP_ID = 4242
BASE = "http://sandbox"
REPO = "acme/widgets"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    return generate_rsa_keypair()


@pytest.fixture
def config(keypair: tuple[str, str]) -> SandboxConfig:
    return SandboxConfig(
        app_id=APP_ID, app_slug="loopwatch", app_public_key_pem=keypair[1], base_url=BASE
    )


@pytest.fixture
def app(config: SandboxConfig) -> FastAPI:
    return create_app(config)


@pytest.fixture
def state(app: FastAPI) -> SandboxState:
    sandbox: SandboxState = app.state.sandbox
    return sandbox


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Plain HTTP client for the unauthenticated ``/_sandbox`` admin API."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE) as client:
        yield client


@dataclass
class Clients:
    app: GitHub[AppAuthStrategy]
    installation: GitHub  # type: ignore[type-arg]
    installation_id: int
    unchecked: GitHub  # type: ignore[type-arg]  # installation, no client-side body validation


@pytest.fixture
async def gh(app: FastAPI, admin: httpx.AsyncClient, keypair: tuple[str, str]) -> Clients:
    """``acme/widgets`` exists and is installed; githubkit clients as the App and installation."""
    created = await admin.post("/_sandbox/repos", json={"full_name": REPO})
    assert created.status_code == 201, created.text
    installation_id = created.json()["installation_id"]
    as_app = GitHub(
        AppAuthStrategy(APP_ID, keypair[0]),
        base_url=BASE,
        async_transport=httpx.ASGITransport(app),
        auto_retry=False,
        cache_strategy=MemCacheStrategy(),  # the default cache is process-wide
    )
    as_installation = as_app.with_auth(as_app.auth.as_installation(installation_id))
    unchecked = GitHub(
        AppAuthStrategy(APP_ID, keypair[0]).as_installation(installation_id),
        base_url=BASE,
        async_transport=httpx.ASGITransport(app),
        auto_retry=False,
        cache_strategy=MemCacheStrategy(),
        rest_api_validate_body=False,
    )
    return Clients(as_app, as_installation, installation_id, unchecked)

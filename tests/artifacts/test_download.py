"""Downloading an artifact from the sandbox: the token goes to the API, never to storage;
sizes and digests are checked; an expired artifact is a permanent error."""

from __future__ import annotations

import hashlib
import io
import zipfile

import httpx
import pytest
from fastapi import FastAPI
from githubkit import AppAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy
from loopwatch_sandbox import SandboxState

from bot.adapters.github.artifacts import ArtifactTooLarge, DigestMismatch, download_artifact
from bot.adapters.github.errors import GitHubPermanentError
from bot.core.artifacts.artifact_ref import ArtifactRef
from tests.sandbox.conftest import APP_ID, BASE, Clients
from tests.sandbox.conftest import admin as admin
from tests.sandbox.conftest import anyio_backend as anyio_backend
from tests.sandbox.conftest import app as app
from tests.sandbox.conftest import config as config
from tests.sandbox.conftest import gh as gh
from tests.sandbox.conftest import keypair as keypair
from tests.sandbox.conftest import state as state

pytestmark = pytest.mark.anyio
OWNER, NAME = "acme", "widgets"


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


async def _download(
    app: FastAPI, keypair: tuple[str, str], gh: Clients, artifact: ArtifactRef, max_bytes: int
) -> bytes:
    return await download_artifact(
        _no_redirects(app, keypair, gh),
        OWNER,
        NAME,
        artifact,
        max_bytes=max_bytes,
        storage_transport=httpx.ASGITransport(app),
    )


def _no_redirects(app: FastAPI, keypair: tuple[str, str], gh: Clients) -> GitHub:  # type: ignore[type-arg]
    return GitHub(
        AppAuthStrategy(APP_ID, keypair[0]).as_installation(gh.installation_id),
        base_url=BASE,
        async_transport=httpx.ASGITransport(app),
        follow_redirects=False,
        auto_retry=False,
        cache_strategy=MemCacheStrategy(),
    )


async def _artifact(admin: httpx.AsyncClient, data: bytes, **extra: object) -> ArtifactRef:
    import base64

    made = await admin.post(
        f"/_sandbox/repos/{OWNER}/{NAME}/actions/runs",
        json={
            "head_sha": "b" * 40,
            "artifacts": [
                {"name": "junit", "zip_base64": base64.b64encode(data).decode(), **extra}
            ],
        },
    )
    artifact = made.json()["artifacts"][0]
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    return ArtifactRef(artifact["id"], "junit", artifact["size"], digest)


async def test_downloads_through_the_redirect_without_the_token(
    app: FastAPI,
    admin: httpx.AsyncClient,
    gh: Clients,
    keypair: tuple[str, str],
    state: SandboxState,
) -> None:
    data = _zip({"report.xml": b"<testsuite/>"})
    artifact = await _artifact(admin, data)
    got = await _download(app, keypair, gh, artifact, 1_000_000)
    assert got == data
    assert state.blob_fetches == [{"key": state.blob_fetches[0]["key"], "authorization": False}]


async def test_a_listed_size_over_the_cap_is_refused_before_downloading(
    app: FastAPI,
    admin: httpx.AsyncClient,
    gh: Clients,
    keypair: tuple[str, str],
    state: SandboxState,
) -> None:
    artifact = await _artifact(admin, _zip({"report.xml": b"<testsuite/>" * 100}))
    with pytest.raises(ArtifactTooLarge):
        await _download(app, keypair, gh, artifact, artifact.size - 1)
    assert state.blob_fetches == []


async def test_a_body_longer_than_listed_is_cut_off_at_the_cap(
    app: FastAPI, admin: httpx.AsyncClient, gh: Clients, keypair: tuple[str, str]
) -> None:
    data = _zip({"report.xml": bytes(range(256)) * 2000})
    real = await _artifact(admin, data)
    lying = ArtifactRef(real.id, real.name, 10, real.digest)  # the listing claimed 10 bytes
    with pytest.raises(ArtifactTooLarge):
        await _download(app, keypair, gh, lying, 1000)


async def test_a_digest_mismatch_is_caught(
    app: FastAPI, admin: httpx.AsyncClient, gh: Clients, keypair: tuple[str, str]
) -> None:
    real = await _artifact(admin, _zip({"report.xml": b"<testsuite/>"}))
    swapped = ArtifactRef(real.id, real.name, real.size, "sha256:" + "0" * 64)
    with pytest.raises(DigestMismatch):
        await _download(app, keypair, gh, swapped, 1_000_000)


async def test_an_expired_artifact_is_a_permanent_error(
    app: FastAPI, admin: httpx.AsyncClient, gh: Clients, keypair: tuple[str, str]
) -> None:
    artifact = await _artifact(admin, _zip({"report.xml": b"<testsuite/>"}), expired=True)
    with pytest.raises(GitHubPermanentError) as failed:
        await _download(app, keypair, gh, artifact, 1_000_000)
    assert failed.value.status == 410

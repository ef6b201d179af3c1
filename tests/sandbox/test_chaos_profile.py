"""The random fault profile (``/_sandbox/chaos``): faults by kind, seeded, in the log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from githubkit.exception import RequestFailed
from loopwatch_sandbox import SandboxConfig, create_app

from tests.sandbox.conftest import BASE, Clients

pytestmark = pytest.mark.anyio
OWNER, NAME = "acme", "widgets"


async def _log(admin: httpx.AsyncClient) -> list[dict[str, Any]]:
    return list((await admin.get("/_sandbox/requests")).json())


async def test_error_after_store_keeps_the_write_and_logs_the_kind(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    await gh.installation.rest.repos.async_get(OWNER, NAME)  # the token, before the faults
    profile = {"seed": 3, "rate": 1.0, "kinds": ["error_after"]}
    assert (await admin.post("/_sandbox/chaos", json=profile)).status_code == 201
    with pytest.raises(RequestFailed) as failed:
        await gh.installation.rest.issues.async_create(OWNER, NAME, title="stored anyway")
    assert failed.value.response.status_code == 502
    summary = (await admin.delete("/_sandbox/chaos")).json()
    assert summary["injected"] == {"error_after": 1} and summary["calls"] == 1
    issues = (await admin.get("/_sandbox/state")).json()["repos"][0]["issues"]
    assert [i["title"] for i in issues] == ["stored anyway"]
    last = (await _log(admin))[-1]
    assert (last["path"], last["status"], last["fault"], last["fault_kind"]) == (
        f"/repos/{OWNER}/{NAME}/issues",
        502,
        True,
        "error_after",
    )
    assert (await admin.get("/_sandbox/chaos")).json() is None  # off again


async def test_secondary_limit_answers_403_with_a_short_retry_after(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    await gh.installation.rest.repos.async_get(OWNER, NAME)
    profile = {"seed": 1, "rate": 1.0, "kinds": ["secondary_limit"], "retry_after_s": [1, 2]}
    await admin.post("/_sandbox/chaos", json=profile)
    with pytest.raises(RequestFailed) as failed:
        await gh.installation.rest.issues.async_create(OWNER, NAME, title="refused")
    response = failed.value.response
    assert response.status_code == 403 and response.headers["retry-after"] in ("1", "2")
    await admin.delete("/_sandbox/chaos")
    assert (await admin.get("/_sandbox/state")).json()["repos"][0]["issues"] == []


async def test_timeout_commit_holds_the_answer_then_stores(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    await gh.installation.rest.repos.async_get(OWNER, NAME)
    profile = {"rate": 1.0, "kinds": ["timeout_commit"], "timeout_delay_s": [0.05, 0.05]}
    await admin.post("/_sandbox/chaos", json=profile)
    created = await gh.installation.rest.issues.async_create(OWNER, NAME, title="late")
    assert created.status_code == 201  # no client timeout here: the answer just came late
    assert (await _log(admin))[-1]["fault_kind"] == "timeout_commit"


async def _fault_kinds(keypair: tuple[str, str], seed: int) -> list[str | None]:
    """The kinds a fresh sandbox gives a fixed sequence of 40 calls under ``seed``."""
    app: FastAPI = create_app(SandboxConfig(app_id=1, app_public_key_pem=keypair[1], base_url=BASE))
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        await client.post("/_sandbox/repos", json={"full_name": f"{OWNER}/{NAME}"})
        profile = {"seed": seed, "rate": 0.5, "delay_s": [0, 0], "timeout_delay_s": [0, 0]}
        await client.post("/_sandbox/chaos", json=profile)
        for n in range(40):
            await client.get(f"/repos/{OWNER}/{NAME}/issues/{n % 4 + 1}")
        return [entry["fault_kind"] for entry in (await _log(client))]


async def test_the_same_seed_gives_the_same_faults(keypair: tuple[str, str]) -> None:
    first, again = await _fault_kinds(keypair, 7), await _fault_kinds(keypair, 7)
    other = await _fault_kinds(keypair, 8)
    assert first == again
    assert first != other
    faulted = [kind for kind in first if kind is not None]
    assert 8 <= len(faulted) <= 32  # about half of 40
    assert len(set(faulted)) >= 3  # several kinds, not one


async def test_a_bad_profile_is_refused(admin: httpx.AsyncClient) -> None:
    bad_kind = await admin.post("/_sandbox/chaos", json={"rate": 0.1, "kinds": ["meteor"]})
    assert bad_kind.status_code == 422 and "meteor" in bad_kind.json()["message"]
    bad_range = await admin.post("/_sandbox/chaos", json={"rate": 0.1, "delay_s": [2, 1]})
    assert bad_range.status_code == 422
    assert (await admin.get("/_sandbox/chaos")).json() is None

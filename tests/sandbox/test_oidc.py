"""The sandbox as GitHub Actions' OIDC issuer: discovery, JWKS, the runner endpoint, minting."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest
from loopwatch_sandbox import SandboxState

from tests.sandbox.conftest import BASE, REPO

pytestmark = pytest.mark.anyio
ISSUER = f"{BASE}/_sandbox/oidc"


@pytest.fixture
async def repo_id(admin: httpx.AsyncClient, state: SandboxState) -> int:
    created = await admin.post("/_sandbox/repos", json={"full_name": REPO})
    assert created.status_code == 201, created.text
    return state.repos[REPO].id


async def _decode(admin: httpx.AsyncClient, token: str, audience: str = "loopwatch") -> Any:
    """Verify as a relying party would: keys from the issuer's JWKS, RS256 only."""
    keys = jwt.PyJWKSet.from_dict((await admin.get("/_sandbox/oidc/.well-known/jwks")).json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=ISSUER)


async def test_discovery_names_the_issuer_and_its_keys(admin: httpx.AsyncClient) -> None:
    config = (await admin.get("/_sandbox/oidc/.well-known/openid-configuration")).json()
    assert config["issuer"] == ISSUER
    assert config["jwks_uri"] == f"{ISSUER}/.well-known/jwks"
    assert config["id_token_signing_alg_values_supported"] == ["RS256"]
    jwks = (await admin.get("/_sandbox/oidc/.well-known/jwks")).json()
    [key] = jwks["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert key["kid"] and "d" not in key  # public only


async def test_a_runner_job_gets_a_github_shaped_token(
    admin: httpx.AsyncClient, repo_id: int
) -> None:
    job = await admin.post(
        "/_sandbox/oidc/request-tokens",
        json={"repository": REPO, "workflow": "e2e", "run_id": 777, "sha": "b" * 40},
    )
    assert job.status_code == 201, job.text
    request_url, request_token = job.json()["request_url"], job.json()["request_token"]
    assert request_url == f"{ISSUER}/token?api-version=2.0"

    # As @actions/core asks: the request URL with &audience=…, the request token as bearer.
    answer = await admin.get(
        request_url + "&audience=loopwatch", headers={"Authorization": f"bearer {request_token}"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["count"] == 1
    claims = await _decode(admin, answer.json()["value"])
    assert claims["repository"] == REPO
    assert claims["repository_id"] == str(repo_id)  # GitHub sends ids as strings
    assert claims["repository_owner"] == "acme"
    assert claims["sub"] == f"repo:{REPO}:ref:refs/heads/main"
    assert (claims["workflow"], claims["run_id"], claims["run_attempt"]) == ("e2e", "777", "1")
    assert (claims["sha"], claims["event_name"], claims["ref"]) == (
        "b" * 40,
        "push",
        "refs/heads/main",
    )
    assert claims["exp"] - claims["iat"] == 300

    without_audience = await admin.get(
        request_url, headers={"Authorization": f"bearer {request_token}"}
    )
    assert (
        jwt.decode(without_audience.json()["value"], options={"verify_signature": False})["aud"]
        == "https://github.com/acme"
    )  # GitHub's default audience: the owner's URL


@pytest.mark.parametrize("authorization", [None, "bearer sbx_idreq_unknown", "token nope"])
async def test_the_runner_endpoint_needs_a_request_token(
    admin: httpx.AsyncClient, repo_id: int, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = await admin.get("/_sandbox/oidc/token?audience=loopwatch", headers=headers)
    assert answer.status_code == 401
    assert "ACTIONS_ID_TOKEN_REQUEST_TOKEN" in answer.json()["message"]


async def test_minted_tokens_for_tests(admin: httpx.AsyncClient, repo_id: int) -> None:
    async def mint(**options: Any) -> str:
        answer = await admin.post("/_sandbox/oidc/tokens", json={"repository": REPO, **options})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["token"])

    pull = await _decode(
        admin,
        await mint(event_name="pull_request", ref="refs/pull/5/merge", head_ref="feature"),
    )
    assert (pull["event_name"], pull["ref"], pull["head_ref"]) == (
        "pull_request",
        "refs/pull/5/merge",
        "feature",
    )
    with pytest.raises(jwt.ExpiredSignatureError):
        await _decode(admin, await mint(expired=True))
    forged = await mint(signed_by_other_key=True)
    with pytest.raises(jwt.InvalidSignatureError):  # the real kid, another key
        await _decode(admin, forged)
    with pytest.raises(jwt.InvalidAudienceError):
        await _decode(admin, await mint(audience="someone-else"))
    with pytest.raises(jwt.InvalidIssuerError):
        await _decode(admin, await mint(issuer="https://evil.example"))
    unknown = await admin.post("/_sandbox/oidc/tokens", json={"repository": "acme/nope"})
    assert unknown.status_code == 422


async def test_a_rotated_key_signs_and_both_stay_published(
    admin: httpx.AsyncClient, repo_id: int
) -> None:
    first = (await admin.post("/_sandbox/oidc/tokens", json={"repository": REPO})).json()
    rotated = (await admin.post("/_sandbox/oidc/rotate-key")).json()
    second = (await admin.post("/_sandbox/oidc/tokens", json={"repository": REPO})).json()
    assert jwt.get_unverified_header(second["token"])["kid"] == rotated["kid"]
    assert jwt.get_unverified_header(first["token"])["kid"] != rotated["kid"]
    jwks = (await admin.get("/_sandbox/oidc/.well-known/jwks")).json()
    assert len(jwks["keys"]) == 2
    for token in (first["token"], second["token"]):
        assert (await _decode(admin, token))["repository"] == REPO
    status = (await admin.get("/_sandbox/oidc")).json()
    assert status["jwks_fetches"] == 3
    assert status["tokens_issued"] == 2

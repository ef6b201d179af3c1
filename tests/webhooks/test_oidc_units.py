"""OIDC pieces on their own: claims → run metadata, and the JWKS cache's refetch rules."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from loopwatch_sandbox.app import SandboxConfig, create_app
from loopwatch_sandbox.keys import generate_rsa_keypair

from bot.adapters.oidc import GitHubOidcClaims, JwksCache, OidcError, looks_like_jwt
from webhooks.oidc_metadata import metadata_with_claims
from webhooks.run_metadata import RunMetadata

REPO = "acme/shop"
HEAD, MERGE = "a" * 40, "b" * 40


def claims(**values: Any) -> GitHubOidcClaims:
    base: dict[str, Any] = {
        "repository": REPO,
        "repository_id": "101",
        "workflow": "CI",
        "run_id": "900",
        "run_attempt": "3",
        "ref": "refs/heads/main",
        "sha": MERGE,
        "event_name": "push",
        "head_ref": "",
        "base_ref": "",
    }
    return GitHubOidcClaims.model_validate({**base, **values})


def test_claims_parse_githubs_strings_and_ignore_the_rest() -> None:
    parsed = claims(runner_environment="github-hosted", jti="x")
    assert (parsed.repository_id, parsed.run_id, parsed.run_attempt) == (101, 900, 3)


def test_a_push_takes_workflow_run_branch_and_sha_from_the_claims() -> None:
    sent = RunMetadata(
        repository=REPO,
        campaign="nightly",
        workflow="forged",
        workflow_run_id=1,
        run_attempt=1,
        branch="forged",
        commit_sha=HEAD,
        environment={"job": "e2e"},
    )
    merged = metadata_with_claims(sent, claims())
    assert (merged.workflow, merged.workflow_run_id, merged.run_attempt) == ("CI", 900, 3)
    assert (merged.branch, merged.commit_sha, merged.pull_request) == ("main", MERGE, None)
    assert (merged.campaign, merged.environment) == ("nightly", {"job": "e2e"})  # untouched


def test_a_pull_request_keeps_the_clients_head_sha_and_takes_the_head_branch() -> None:
    pull = claims(event_name="pull_request", ref="refs/pull/42/merge", head_ref="feature")
    merged = metadata_with_claims(RunMetadata(repository=REPO, commit_sha=HEAD), pull)
    assert (merged.pull_request, merged.branch, merged.commit_sha) == (42, "feature", HEAD)
    without_sha = metadata_with_claims(RunMetadata(repository=REPO), pull)
    assert without_sha.commit_sha == MERGE  # better than none


def test_a_tag_keeps_the_clients_branch() -> None:
    tagged = claims(ref="refs/tags/v1.2")
    merged = metadata_with_claims(RunMetadata(repository=REPO, branch="v1.2"), tagged)
    assert (merged.branch, merged.commit_sha) == ("v1.2", MERGE)


def test_empty_claims_change_nothing() -> None:
    bare = GitHubOidcClaims(repository=REPO, repository_id=1)
    sent = RunMetadata(repository=REPO, workflow="w", workflow_run_id=5, commit_sha=HEAD)
    assert metadata_with_claims(sent, bare) == sent


@pytest.mark.parametrize(
    ("token", "expected"),
    [("lw_abc-def_ghi", False), ("a.b.c", True), ("a.b.", True), ("a..c", False), ("a.b", False)],
)
def test_which_bearer_is_a_jwt(token: str, expected: bool) -> None:
    assert looks_like_jwt(token) is expected


# --- the JWKS cache against the sandbox issuer ------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def issuer() -> FastAPI:
    config = SandboxConfig(app_id=1, app_public_key_pem=generate_rsa_keypair()[1])
    return create_app(config)


async def _admin(issuer: FastAPI, method: str, path: str) -> Any:
    transport = httpx.ASGITransport(app=issuer)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        return (await client.request(method, f"/_sandbox/oidc{path}")).json()


@pytest.mark.anyio
async def test_the_cache_refetches_after_its_ttl_and_throttles_unknown_kids(
    issuer: FastAPI,
) -> None:
    clock = Clock()
    cache = JwksCache(
        "http://sandbox/_sandbox/oidc", 3600, transport=httpx.ASGITransport(app=issuer), clock=clock
    )
    first = (await _admin(issuer, "GET", "/.well-known/jwks"))["keys"][0]["kid"]
    await cache.key(first)
    await cache.key(first)
    assert cache.fetches == 1

    rotated = (await _admin(issuer, "POST", "/rotate-key"))["kid"]
    await cache.key(rotated)  # unknown: refetched at once
    assert cache.fetches == 2
    with pytest.raises(OidcError) as unknown:
        await cache.key("made-up")  # within 30 s of the last unknown-kid refetch: none
    assert (unknown.value.status, cache.fetches) == (401, 2)
    clock.now += 31
    with pytest.raises(OidcError):
        await cache.key("made-up")
    assert cache.fetches == 3

    clock.now += 3600
    await cache.key(first)  # expired: refetched
    assert cache.fetches == 4


@pytest.mark.anyio
async def test_a_failed_refresh_keeps_the_known_keys_but_503s_without_them(
    issuer: FastAPI,
) -> None:
    clock = Clock()
    reachable = True
    sandbox = httpx.ASGITransport(app=issuer)

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="bad gateway")

    cache = JwksCache(
        "http://sandbox/_sandbox/oidc",
        60,
        transport=lambda: sandbox if reachable else httpx.MockTransport(refuse),
        clock=clock,
    )
    kid = (await _admin(issuer, "GET", "/.well-known/jwks"))["keys"][0]["kid"]
    await cache.key(kid)
    reachable = False
    clock.now += 120
    assert (await cache.key(kid)).key_id == kid  # stale but known: still verifies
    fresh = JwksCache("http://sandbox/_sandbox/oidc", transport=httpx.MockTransport(refuse))
    with pytest.raises(OidcError) as down:
        await fresh.key(kid)
    assert down.value.status == 503 and "HTTP 502" in down.value.message

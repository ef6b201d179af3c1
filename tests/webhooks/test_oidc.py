"""Uploads authenticated by a GitHub Actions OIDC token, the sandbox playing the issuer.

The web app fetches the issuer's keys from the in-process sandbox (an ASGI transport);
tokens are minted by the sandbox's admin API or asked of its runner endpoint, as the CLI
does on a real runner.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from loopwatch_sandbox.app import SandboxConfig, create_app
from loopwatch_sandbox.keys import generate_rsa_keypair
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from bot.adapters.store.db import transaction
from bot.adapters.store.models import Installation, Repository, Run, utcnow
from bot.cli import app as cli_app
from bot.cli.upload import UploadError, metadata_from_environment, upload, upload_credential
from tests.webhooks.conftest import JUNIT, count, make_settings, post_run
from webhooks.app import create_app as create_web_app

SANDBOX = "http://sandbox.test"
ISSUER = f"{SANDBOX}/_sandbox/oidc"
SHOP, OTHER, STRANGER = "acme/shop", "acme/other", "acme/stranger"


@dataclass
class Stack:
    web: TestClient
    sandbox: TestClient
    factory: sessionmaker[Session]
    repo_ids: dict[str, int]  # sandbox (GitHub) ids

    def mint(self, repository: str = SHOP, **options: Any) -> str:
        answer = self.sandbox.post(
            "/_sandbox/oidc/tokens", json={"repository": repository, **options}
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["token"])

    def post(self, token: str, repository: str = SHOP, **meta: Any) -> httpx.Response:
        return post_run(self.web, token, {"repository": repository, "campaign": "ci", **meta})  # type: ignore[no-any-return]

    def jwks_fetches(self) -> int:
        return int(self.sandbox.get("/_sandbox/oidc").json()["jwks_fetches"])


@pytest.fixture
def stack(session_factory: sessionmaker[Session]) -> Iterator[Stack]:
    """Sandbox repos acme/shop, acme/other (both installed on Loopwatch) and acme/stranger."""
    web_app = create_web_app(make_settings(oidc_issuer=ISSUER), session_factory)
    sandbox_app = create_app(
        SandboxConfig(app_id=4242, app_public_key_pem=generate_rsa_keypair()[1], base_url=SANDBOX)
    )
    web_app.state.oidc_transport = httpx.ASGITransport(app=sandbox_app)
    with TestClient(sandbox_app) as sandbox, TestClient(web_app) as web:
        ids: dict[str, int] = {}
        for name in (SHOP, OTHER, STRANGER):
            created = sandbox.post("/_sandbox/repos", json={"full_name": name}).json()
            ids[name] = created["id"]
            installation_id = created["installation_id"]
        with transaction(session_factory) as session:
            session.add(Installation(id=installation_id, account_login="acme"))
            session.flush()
            for name in (SHOP, OTHER):
                session.add(
                    Repository(full_name=name, github_id=ids[name], installation_id=installation_id)
                )
        yield Stack(web, sandbox, session_factory, ids)


def _only_run(factory: sessionmaker[Session]) -> Run:
    with factory() as session:
        [run] = session.scalars(select(Run)).all()
        session.expunge(run)
        return run


def test_an_upload_with_the_jobs_oidc_token_is_stored_with_the_claims(stack: Stack) -> None:
    token = stack.mint(workflow="e2e", run_id=987654, run_attempt=2, sha="c" * 40)
    response = stack.post(
        token, workflow="forged", workflow_run_id=1, commit_sha="d" * 40, branch="nope"
    )
    assert response.status_code == 202, response.text
    run = _only_run(stack.factory)
    assert (run.workflow, run.workflow_run_id, run.run_attempt) == ("e2e", 987654, 2)
    assert (run.branch, run.commit_sha) == ("main", "c" * 40)
    status = stack.web.get(
        f"/api/v1/runs/{response.json()['run_id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert status.status_code == 200 and status.json()["repository"] == SHOP


def test_a_pull_request_keeps_the_clients_head_sha(stack: Stack) -> None:
    token = stack.mint(
        event_name="pull_request", ref="refs/pull/12/merge", head_ref="feature", sha="e" * 40
    )
    assert stack.post(token, commit_sha="f" * 40).status_code == 202
    run = _only_run(stack.factory)
    assert (run.pull_request, run.branch, run.commit_sha) == (12, "feature", "f" * 40)


def test_a_token_of_a_repository_without_loopwatch_is_403(stack: Stack) -> None:
    response = stack.post(stack.mint(STRANGER), repository=STRANGER)
    assert response.status_code == 403
    assert f"Loopwatch is not installed on {STRANGER}" in response.json()["error"]
    assert count(stack.factory, Run) == 0


def test_a_token_of_another_repository_cannot_write_to_shop(stack: Stack) -> None:
    for token in (stack.mint(OTHER), stack.mint(STRANGER)):
        response = stack.post(token, repository=SHOP)
        assert response.status_code == 403, response.text
    assert "this OIDC token is for acme/other" in stack.post(stack.mint(OTHER)).json()["error"]
    assert count(stack.factory, Run) == 0


def test_metadata_naming_another_repository_is_403_and_stores_nothing(stack: Stack) -> None:
    response = stack.post(stack.mint(SHOP), repository=OTHER)
    assert response.status_code == 403
    assert response.json()["field"] == "repository"
    assert "this OIDC token is for acme/shop" in response.json()["error"]
    assert count(stack.factory, Run) == 0


def test_a_recreated_repository_of_the_same_name_does_not_match(stack: Stack) -> None:
    token = stack.mint(repository_id=stack.repo_ids[SHOP] + 100_000)
    response = stack.post(token)
    assert response.status_code == 403
    assert "deleted and recreated" in response.json()["error"]


def test_a_removed_repository_is_403(stack: Stack) -> None:
    with transaction(stack.factory) as session:
        repo = session.scalar(select(Repository).where(Repository.full_name == SHOP))
        assert repo is not None
        repo.removed_at = utcnow()
    assert stack.post(stack.mint()).status_code == 403


def _unsigned(stack: Stack, alg: str) -> str:
    """A real token's header and claims, re-signed with ``alg`` (none, or HS256 keyed by
    the issuer's public JWK: the classic confusion)."""
    real = stack.mint()
    header = {**jwt.get_unverified_header(real), "alg": alg}
    claims = jwt.decode(real, options={"verify_signature": False})

    def part(value: dict[str, Any]) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=")

    signing_input = part(header) + b"." + part(claims)
    signature = b""
    if alg == "HS256":
        secret = stack.sandbox.get("/_sandbox/oidc/.well-known/jwks").content
        digest = hmac.new(secret, signing_input, hashlib.sha256).digest()
        signature = base64.urlsafe_b64encode(digest).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"expired": True}, "the OIDC token expired at 20"),
        ({"signed_by_other_key": True}, "signature does not verify"),
        ({"audience": "someone-else"}, "not 'loopwatch'"),
        ({"issuer": "https://token.actions.example"}, "issued by 'https://token.actions.example'"),
        ("none", "must be signed with RS256, not 'none'"),
        ("HS256", "must be signed with RS256, not 'HS256'"),
    ],
)
def test_a_bad_token_is_401(stack: Stack, options: dict[str, Any] | str, message: str) -> None:
    token = _unsigned(stack, options) if isinstance(options, str) else stack.mint(**options)
    response = stack.post(token)
    assert response.status_code == 401, response.text
    assert message in response.json()["error"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert count(stack.factory, Run) == 0


def test_the_issuers_keys_are_fetched_once_and_again_after_a_rotation(stack: Stack) -> None:
    for attempt in range(3):
        assert stack.post(stack.mint(), run_key=f"r{attempt}").status_code == 202
    assert stack.jwks_fetches() == 1
    stack.sandbox.post("/_sandbox/oidc/rotate-key")
    assert stack.post(stack.mint(), run_key="rotated").status_code == 202  # unknown kid
    assert stack.jwks_fetches() == 2
    assert stack.post(stack.mint(), run_key="after").status_code == 202
    assert stack.jwks_fetches() == 2


def test_an_unreachable_issuer_is_503(stack: Stack) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    stack.web.app.state.oidc_transport = httpx.MockTransport(refuse)  # type: ignore[attr-defined]
    response = stack.post(stack.mint())
    assert response.status_code == 503
    assert "could not fetch the OIDC issuer's keys" in response.json()["error"]


# --- the client, as on a runner ---------------------------------------------------------


def _runner_env(stack: Stack, **claims: Any) -> dict[str, str]:
    job = stack.sandbox.post(
        "/_sandbox/oidc/request-tokens", json={"repository": SHOP, **claims}
    ).json()
    return {
        "ACTIONS_ID_TOKEN_REQUEST_URL": job["request_url"],
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": job["request_token"],
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "Acme/Shop",
        "GITHUB_SHA": "1" * 40,
        "GITHUB_REF_NAME": "main",
        "GITHUB_WORKFLOW": "CI",
        "GITHUB_RUN_ID": "5",
    }


def test_the_client_uploads_with_the_runners_oidc_token(stack: Stack, tmp_path: Path) -> None:
    env = _runner_env(stack, workflow="nightly", run_id=4242, sha="2" * 40)
    report = tmp_path / "junit.xml"
    report.write_bytes(JUNIT)
    credential = upload_credential(None, "loopwatch", env, client=stack.sandbox)
    meta = {**metadata_from_environment(env), "campaign": "ci"}
    result = upload("http://testserver", credential, [report], meta, client=stack.web)
    assert result["status"] == "queued"
    run = _only_run(stack.factory)
    assert (run.workflow, run.workflow_run_id, run.commit_sha) == ("nightly", 4242, "2" * 40)

    wrong = upload_credential(None, "not-loopwatch", env, client=stack.sandbox)
    with pytest.raises(UploadError, match="request it with audience 'loopwatch'"):
        upload("http://testserver", wrong, [report], meta, client=stack.web)


def test_the_client_explains_a_refused_oidc_request(stack: Stack, tmp_path: Path) -> None:
    env = {**_runner_env(stack), "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "sbx_idreq_wrong"}
    with pytest.raises(UploadError, match="HTTP 401") as refused:
        upload_credential(None, "loopwatch", env, client=stack.sandbox)
    assert refused.value.status_code == 401
    assert upload_credential("lw_given", "loopwatch", env) == "lw_given"  # a token wins


def test_without_a_token_or_oidc_the_cli_says_what_to_add(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LOOPWATCH_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    report = tmp_path / "junit.xml"
    report.write_bytes(JUNIT)
    result = CliRunner().invoke(
        cli_app,
        ["upload", "--url", "http://127.0.0.1:9", "--repo", SHOP, str(report)],
    )
    assert result.exit_code == 1
    assert "--token" in result.output and "id-token: write" in result.output

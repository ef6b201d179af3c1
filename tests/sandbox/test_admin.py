"""The admin API: people commenting (signed webhooks), faults, the request log, state, pages."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, cast

import httpx
import jwt
import pytest
from fastapi import FastAPI, Request
from githubkit import webhooks
from githubkit.exception import RequestFailed
from githubkit_schemas.latest.models import IssueComment
from loopwatch_sandbox import SandboxState

from tests.sandbox.conftest import APP_ID, Clients

pytestmark = pytest.mark.anyio
OWNER, NAME = "acme", "widgets"
SECRET = "s3cret"


class Receiver:
    """A webhook receiver app that records what it got."""

    def __init__(self, status: int = 202) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Any:
            self.received.append((dict(request.headers), await request.body()))
            from fastapi.responses import Response

            return Response(status_code=status)


@pytest.fixture
def receiver(state: SandboxState) -> Receiver:
    receiver = Receiver()
    state.config.webhook_url = "http://receiver/hook"
    state.config.webhook_secret = SECRET
    state.config.webhook_transport = httpx.ASGITransport(receiver.app)
    return receiver


async def test_comment_as_user_sends_signed_issue_comment(
    gh: Clients, admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    answer = await admin.post(
        "/_sandbox/repos/acme/widgets/issues/1/comments", json={"user": "alice", "body": "/mute"}
    )
    assert answer.status_code == 201
    assert answer.json()["delivery"]["status"] == 202
    headers, body = receiver.received[0]
    assert headers["x-github-event"] == "issue_comment"
    assert headers["x-github-delivery"] == answer.json()["delivery"]["id"]
    assert webhooks.verify(SECRET, body, headers["x-hub-signature-256"])
    event = webhooks.parse("issue_comment", body)  # githubkit's own webhook models
    assert event.action == "created"
    payload = json.loads(body)
    assert payload["comment"]["user"]["login"] == "alice"
    assert payload["comment"]["user"]["type"] == "User"
    assert payload["installation"]["id"] == gh.installation_id
    listed = cast(
        "list[IssueComment]",
        (await gh.installation.rest.issues.async_list_comments(OWNER, NAME, 1)).parsed_data,
    )
    assert [c.user.login for c in listed if c.user] == ["alice"]


async def test_close_as_user_sends_issues_closed(
    gh: Clients, admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    answer = await admin.post("/_sandbox/repos/acme/widgets/issues/1/close", json={"user": "bob"})
    assert answer.status_code == 200
    headers, body = receiver.received[0]
    assert headers["x-github-event"] == "issues"
    event = webhooks.parse("issues", body)
    assert event.action == "closed"
    issue = (await gh.installation.rest.issues.async_get(OWNER, NAME, 1)).parsed_data
    assert issue.state == "closed" and issue.closed_by and issue.closed_by.login == "bob"


async def test_send_any_webhook(admin: httpx.AsyncClient, receiver: Receiver) -> None:
    answer = await admin.post("/_sandbox/webhooks", json={"event": "ping", "payload": {"zen": "x"}})
    assert answer.json()["status"] == 202
    headers, body = receiver.received[0]
    assert json.loads(body) == {"zen": "x"} and headers["x-github-event"] == "ping"


async def test_server_error_fault_then_recovery(gh: Clients, admin: httpx.AsyncClient) -> None:
    await admin.post(
        "/_sandbox/faults",
        json={"method": "POST", "path_regex": r"/issues$", "status": 502, "count": 1},
    )
    with pytest.raises(RequestFailed) as failed:
        await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    assert failed.value.response.status_code == 502
    state = (await admin.get("/_sandbox/state")).json()
    assert state["repos"][0]["issues"] == []
    assert (
        await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    ).status_code == 201


async def test_after_store_fault_loses_the_answer_not_the_write(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    await admin.post(
        "/_sandbox/faults", json={"path_regex": r"/issues$", "status": 502, "after_store": True}
    )
    with pytest.raises(RequestFailed):
        await gh.installation.rest.issues.async_create(OWNER, NAME, title="stored anyway")
    issues = (await admin.get("/_sandbox/state")).json()["repos"][0]["issues"]
    assert [i["title"] for i in issues] == ["stored anyway"]


async def test_secondary_rate_limit_fault(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    await admin.post("/_sandbox/faults", json={"path_regex": "/comments", "retry_after": 7})
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    response = await admin.post(
        "/repos/acme/widgets/issues/1/comments",
        json={"body": "x"},
        headers={"Authorization": f"token {await _token(gh, state)}"},
    )
    assert response.status_code == 403 and response.headers["retry-after"] == "7"
    assert "secondary rate limit" in response.json()["message"]


async def test_primary_rate_limit_fault(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    await admin.post(
        "/_sandbox/faults",
        json={"path_regex": "/issues", "status": 429, "rate_limit_reset": 1_900_000_000},
    )
    response = await admin.get(
        "/repos/acme/widgets/issues", headers={"Authorization": f"token {await _token(gh, state)}"}
    )
    assert response.status_code == 429
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers["x-ratelimit-reset"] == "1900000000"


async def test_request_log_counts_writes(gh: Clients, admin: httpx.AsyncClient) -> None:
    rest = gh.installation.rest.issues
    await rest.async_create(OWNER, NAME, title="t")
    await rest.async_get(OWNER, NAME, 1)
    await rest.async_update(OWNER, NAME, 1, body="b")
    writes = (await admin.get("/_sandbox/requests", params={"mutating": "true"})).json()
    assert [(w["method"], w["path"]) for w in writes] == [
        ("POST", "/repos/acme/widgets/issues"),
        ("PATCH", "/repos/acme/widgets/issues/1"),
    ]
    everything = (await admin.get("/_sandbox/requests")).json()
    assert any(r["path"].endswith("/access_tokens") for r in everything)
    await admin.delete("/_sandbox/requests")
    assert (await admin.get("/_sandbox/requests")).json() == []


async def test_state_dump_shape(gh: Clients, admin: httpx.AsyncClient) -> None:
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="t", labels=["x"])
    await admin.post(
        "/_sandbox/repos/acme/widgets/issues/1/comments", json={"user": "a", "body": "hi"}
    )
    state = (await admin.get("/_sandbox/state")).json()
    issue = state["repos"][0]["issues"][0]
    assert state["repos"][0]["full_name"] == "acme/widgets"
    assert {k: issue[k] for k in ("number", "title", "state", "labels", "user")} == {
        "number": 1,
        "title": "t",
        "state": "open",
        "labels": ["x"],
        "user": "loopwatch[bot]",
    }
    assert [(c["user"], c["body"], c["reactions"]) for c in issue["comments"]] == [("a", "hi", [])]
    await admin.post("/_sandbox/reset")
    assert (await admin.get("/_sandbox/state")).json() == {"repos": []}


async def test_issue_page_renders_markdown_and_escapes_unknown_html(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    body = (
        "<!-- loopwatch:start -->\n| a | b |\n|---|---|\n| 1 | ~~2~~ |\n\n"
        "<details><summary>log</summary>\n\nfolded\n\n</details>\n\n<script>alert(1)</script>\n"
    )
    issue = (
        await gh.installation.rest.issues.async_create(OWNER, NAME, title="t", body=body)
    ).parsed_data
    page = await admin.get(issue.html_url)
    assert page.status_code == 200
    assert "<table>" in page.text and "<s>2</s>" in page.text
    assert "<details><summary>log</summary>" in page.text
    assert "<!-- loopwatch:start -->" in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    index = await admin.get("/")
    assert "/acme/widgets/issues/1" in index.text


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": str(APP_ID), "iat": -60, "exp": 660},  # lives longer than 10 minutes
        {"iss": str(APP_ID), "iat": -700, "exp": -100},  # expired
        {"iss": "999", "iat": -60, "exp": 500},  # another app
    ],
)
async def test_bad_app_jwts_are_refused(
    admin: httpx.AsyncClient, keypair: tuple[str, str], claims: dict[str, Any]
) -> None:
    import time

    now = int(time.time())
    token = jwt.encode(
        {"iss": claims["iss"], "iat": now + claims["iat"], "exp": now + claims["exp"]},
        keypair[0],
        algorithm="RS256",
    )
    response = await admin.get("/app", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_jwt_signed_by_another_key_is_refused(admin: httpx.AsyncClient) -> None:
    from loopwatch_sandbox import generate_rsa_keypair

    other_private, _ = generate_rsa_keypair()
    token = jwt.encode({"iss": str(APP_ID), "iat": 0, "exp": 1}, other_private, algorithm="RS256")
    response = await admin.get("/app", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def _token(gh: Clients, state: SandboxState) -> str:
    """The installation token githubkit obtained (made by one call through it)."""
    await gh.installation.rest.repos.async_get(OWNER, NAME)
    return next(iter(state.tokens))


async def test_app_actions_send_webhooks_when_asked(
    gh: Clients, state: SandboxState, receiver: Receiver
) -> None:
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="quiet")
    assert receiver.received == []  # off by default
    state.config.webhooks_for_app_actions = True
    await gh.installation.rest.issues.async_create_comment(OWNER, NAME, 1, body="by the bot")
    headers, body = receiver.received[0]
    payload = json.loads(body)
    assert headers["x-github-event"] == "issue_comment"
    assert payload["sender"]["login"] == "loopwatch[bot]" and payload["sender"]["type"] == "Bot"
    assert payload["comment"]["performed_via_github_app"]["slug"] == "loopwatch"
    webhooks.parse("issue_comment", body)


async def test_installation_webhooks_on_request(
    admin: httpx.AsyncClient, receiver: Receiver
) -> None:
    for name in ("octo/one", "octo/two"):
        made = await admin.post(
            "/_sandbox/repos", json={"full_name": name, "send_installation_event": True}
        )
        assert made.json()["delivery"]["status"] == 202
    await admin.post("/_sandbox/repos", json={"full_name": "octo/quiet"})
    events = [(h["x-github-event"], json.loads(b)["action"]) for h, b in receiver.received]
    assert events == [("installation", "created"), ("installation_repositories", "added")]
    first = webhooks.parse("installation", receiver.received[0][1])
    assert first.installation.id == made.json()["installation_id"]
    webhooks.parse("installation_repositories", receiver.received[1][1])


async def test_githubkit_recognises_the_rate_limit_faults(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    from githubkit.exception import PrimaryRateLimitExceeded, SecondaryRateLimitExceeded

    await admin.post("/_sandbox/faults", json={"path_regex": "/issues$", "retry_after": 3})
    with pytest.raises(SecondaryRateLimitExceeded) as secondary:
        await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    assert secondary.value.retry_after == timedelta(0, 3)  # the Retry-After header
    await admin.post(
        "/_sandbox/faults", json={"path_regex": "/issues$", "rate_limit_reset": 30, "status": 429}
    )
    with pytest.raises(PrimaryRateLimitExceeded):
        await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    assert (
        await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    ).status_code == 201

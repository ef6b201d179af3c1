"""The body limit stops reading a hostile endless body and answers 413."""

from __future__ import annotations

import json
from typing import Any

import pytest

from webhooks.limits import BodySizeLimit


async def echo_length(scope: Any, receive: Any, send: Any) -> None:
    """A downstream app that reads the whole body (as a form parser would)."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


async def call(
    app: Any, headers: list[tuple[bytes, bytes]], chunks: int | None
) -> tuple[int, bytes, int]:
    """Send ``chunks`` 1 KiB chunks (None: never ending); status, body, bytes pulled."""
    pulled = 0
    sent: list[Any] = []

    async def receive() -> Any:
        nonlocal pulled
        if chunks is not None and pulled >= chunks * 1024:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += 1024
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/api/v1/runs", "headers": headers, "method": "POST"}
    await app(scope, receive, send)
    status = sent[0]["status"]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return status, body, pulled


@pytest.mark.anyio
async def test_endless_body_without_content_length_is_cut_off() -> None:
    app = BodySizeLimit(echo_length, lambda path: 10 * 1024)
    status, body, pulled = await call(app, [], chunks=None)
    assert status == 413
    assert json.loads(body)["limit_bytes"] == 10 * 1024
    assert pulled == 11 * 1024  # stopped at the first chunk past the limit


@pytest.mark.anyio
async def test_declared_length_over_the_limit_is_refused_before_reading() -> None:
    app = BodySizeLimit(echo_length, lambda path: 10 * 1024)
    status, _, pulled = await call(app, [(b"content-length", b"999999")], chunks=None)
    assert (status, pulled) == (413, 0)


@pytest.mark.anyio
async def test_body_within_the_limit_passes_through() -> None:
    app = BodySizeLimit(echo_length, lambda path: 10 * 1024)
    status, body, _ = await call(app, [], chunks=10)
    assert (status, body) == (200, b"10240")


@pytest.mark.anyio
async def test_lying_small_content_length_does_not_bypass_the_limit() -> None:
    app = BodySizeLimit(echo_length, lambda path: 10 * 1024)
    status, _, pulled = await call(app, [(b"content-length", b"10")], chunks=None)
    assert status == 413
    assert pulled == 11 * 1024

"""Request body limits enforced while the body streams in (with or without Content-Length).

The route never sees more than the limit: a declared Content-Length over it is refused
before reading, and a body without one is cut off as soon as the running count passes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# GitHub never delivers webhook payloads over 25 MB.
WEBHOOK_MAX_BYTES = 25 * 1024 * 1024
# Anything else (status queries, health) has no business sending a body.
DEFAULT_MAX_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


def _human(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    units = ["KiB", "MiB", "GiB", "TiB"]
    value /= 1024
    while value >= 1024 and len(units) > 1:
        value /= 1024
        units.pop(0)
    return f"{value:.4g} {units[0]}"


def too_large_message(limit: int) -> str:
    return (
        f"the request body is larger than this server accepts ({_human(limit)}); "
        "upload fewer or smaller report files per request, or ask the operator to raise "
        "LOOPWATCH_MAX_UPLOAD_BYTES"
    )


class BodySizeLimit:
    """ASGI middleware: answers 413 once a request body passes ``limit_for(path)`` bytes."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _send_413(send, limit)
            return

        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if response_started:
                raise
            await _send_413(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_413(send: Send, limit: int) -> None:
    body = json.dumps({"error": too_large_message(limit), "limit_bytes": limit}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

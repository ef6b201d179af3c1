"""Around every request: injected faults, rate-limit headers, request ids and the request log."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from loopwatch_sandbox.errors import GitHubError, error_response
from loopwatch_sandbox.state import Fault, SandboxState

API_PREFIXES = ("/repos/", "/app", "/installation", "/rate_limit", "/users/", "/user")
MUTATING = ("POST", "PATCH", "PUT", "DELETE")
TOKEN_PATH = re.compile(r"^/app/installations/\d+/access_tokens$")
RATE_LIMIT = 5000
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)

CallNext = Callable[[Request], Awaitable[Response]]


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def _take_fault(state: SandboxState, method: str, path: str) -> Fault | None:
    for fault in state.faults:
        if fault.method and fault.method.upper() != method:
            continue
        if re.search(fault.path_regex, path):
            fault.count -= 1
            if fault.count <= 0:
                state.faults.remove(fault)
            return fault
    return None


def _fault_response(fault: Fault, state: SandboxState) -> Response:
    assert fault.status is not None
    headers: dict[str, str] = {}
    message = fault.message
    if fault.retry_after is not None:
        headers["retry-after"] = str(fault.retry_after)
        message = message or SECONDARY_MESSAGE
    if fault.rate_limit_reset is not None:
        reset = fault.rate_limit_reset
        if reset < 1_000_000_000:  # seconds from now rather than an epoch
            reset = int(time.time()) + reset
        headers["x-ratelimit-remaining"] = "0"
        headers["x-ratelimit-reset"] = str(reset)
        message = message or "API rate limit exceeded for installation."
    default = {502: "Server Error", 500: "Server Error", 503: "Service Unavailable"}
    message = message or default.get(fault.status, "Sandbox injected fault")
    return error_response(GitHubError(fault.status, message, headers=headers))


def _rate_headers(state: SandboxState, request: Request, response: Response) -> None:
    identity = request.headers.get("authorization", "anonymous")
    used = state.rate_used.get(identity, 0) + 1
    state.rate_used[identity] = used
    defaults = {
        "x-ratelimit-limit": str(RATE_LIMIT),
        "x-ratelimit-remaining": str(max(0, RATE_LIMIT - used)),
        "x-ratelimit-reset": str(int(state.rate_reset_at.timestamp())),
        "x-ratelimit-used": str(used),
        "x-ratelimit-resource": "core",
    }
    for name, value in defaults.items():
        if name not in response.headers:
            response.headers[name] = value
    response.headers["x-github-request-id"] = uuid.uuid4().hex[:20].upper()
    response.headers.setdefault("x-github-api-version-selected", "2022-11-28")


def _fault_kind(fault: Fault | None) -> str | None:
    """The request log's name for what was done to the call (None: served normally)."""
    if fault is None:
        return None
    if fault.kind is not None:
        return fault.kind
    if fault.status is None:
        return "delay"
    return "error_after" if fault.after_store else f"status_{fault.status}"


async def _drain(response: Response) -> None:
    body = getattr(response, "body_iterator", None)
    if body is not None:
        async for _chunk in body:
            pass


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def github_middleware(request: Request, call_next: CallNext) -> Response:
        state: SandboxState = request.app.state.sandbox
        path = request.url.path
        if not is_api(path):
            return await call_next(request)
        arrived = time.time()  # when the request reached us: GitHub paces by arrival
        method = request.method.upper()
        fault = _take_fault(state, method, path)
        if fault is None and state.chaos is not None:
            fault = state.chaos.draw(method, path)
        if fault is not None and fault.delay_s:
            await request.body()  # read it now: the client may give up during the delay
            await asyncio.sleep(fault.delay_s)
        if fault is not None and fault.status is not None and not fault.after_store:
            response = _fault_response(fault, state)
        else:
            response = await call_next(request)
            if fault is not None and fault.status is not None:
                await _drain(response)
                response = _fault_response(fault, state)  # stored, but the answer is lost
        _rate_headers(state, request, response)
        state.requests.append(
            {
                "method": method,
                "path": path,
                "query": request.url.query,
                "status": response.status_code,
                "user_agent": request.headers.get("user-agent", ""),
                "mutating": method in MUTATING and not TOKEN_PATH.match(path),
                "fault": fault is not None and fault.status is not None,
                "at": arrived,
                "fault_kind": _fault_kind(fault),
            }
        )
        return response

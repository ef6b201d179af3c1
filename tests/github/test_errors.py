"""How GitHub's answers are classified: resume later, back off, or give up for good."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from githubkit import GitHub
from structlog.testing import capture_logs

from bot.adapters.github.errors import (
    GitHubPermanentError,
    GitHubRateLimited,
    GitHubTransientError,
    classify,
    github_errors,
)
from bot.adapters.queue import PermanentJobError, RetryAt

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def client(handler: Callable[[httpx.Request], httpx.Response]) -> GitHub[Any]:
    return GitHub(
        "ghs_test",
        base_url="https://github.example/api/v3",
        async_transport=httpx.MockTransport(handler),
        auto_retry=False,
        http_cache=False,
    )


def answer(
    status: int, message: str = "", **headers: str
) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"message": message}, headers=headers)

    return handler


async def failure_of(handler: Callable[[httpx.Request], httpx.Response]) -> BaseException:
    gh = client(handler)  # the REST namespace only holds a weak reference to the client
    with pytest.raises(Exception) as info:
        await gh.rest.issues.async_get("octo", "widgets", 1)
    return info.value


@pytest.mark.anyio
async def test_secondary_limit_with_retry_after_resumes_after_that_many_seconds() -> None:
    exc = await failure_of(
        answer(403, "You have exceeded a secondary rate limit.", **{"retry-after": "42"})
    )
    result = classify(exc, NOW)
    assert isinstance(result, GitHubRateLimited)
    assert isinstance(result, RetryAt)
    assert result.at == NOW + timedelta(seconds=42)
    assert result.secondary


@pytest.mark.anyio
async def test_secondary_limit_without_retry_after_waits_a_minute() -> None:
    exc = await failure_of(
        answer(
            403,
            "You have exceeded a secondary rate limit. Wait.",
            **{"x-ratelimit-remaining": "4000"},
        )
    )
    result = classify(exc, NOW)
    assert isinstance(result, GitHubRateLimited)
    assert result.at == NOW + timedelta(seconds=60)


@pytest.mark.anyio
async def test_primary_limit_resumes_one_second_after_the_reset() -> None:
    reset = NOW + timedelta(minutes=17)
    exc = await failure_of(
        answer(
            403,
            "API rate limit exceeded for installation.",
            **{"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(reset.timestamp()))},
        )
    )
    result = classify(exc, NOW)
    assert isinstance(result, GitHubRateLimited)
    assert result.at == reset + timedelta(seconds=1)
    assert not result.secondary


@pytest.mark.anyio
async def test_429_without_headers_waits_a_minute() -> None:
    result = classify(await failure_of(answer(429, "Too many requests")), NOW)
    assert isinstance(result, GitHubRateLimited)
    assert result.at == NOW + timedelta(seconds=60)


@pytest.mark.anyio
@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_are_transient(status: int) -> None:
    result = classify(await failure_of(answer(status, "Server Error")), NOW)
    assert isinstance(result, GitHubTransientError)
    assert not isinstance(result, PermanentJobError)
    assert str(status) in str(result)


@pytest.mark.anyio
async def test_timeouts_and_connection_errors_are_transient() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    assert isinstance(classify(await failure_of(timeout), NOW), GitHubTransientError)
    assert isinstance(classify(await failure_of(refused), NOW), GitHubTransientError)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "message"),
    [
        (403, "Resource not accessible by integration"),
        (401, "Bad credentials"),
        (404, "Not Found"),
        (410, "Issues are disabled for this repo"),
        (422, "Validation Failed"),
        (400, "Problems parsing JSON"),
    ],
)
async def test_refusals_are_permanent_and_say_what_github_said(status: int, message: str) -> None:
    result = classify(await failure_of(answer(status, message)), NOW)
    assert isinstance(result, GitHubPermanentError)
    assert isinstance(result, PermanentJobError)
    assert result.status == status
    assert message in str(result)
    assert "GET /api/v3/repos/octo/widgets/issues/1" in str(result)


@pytest.mark.anyio
async def test_github_errors_raises_the_classified_error_and_logs_one_line() -> None:
    gh = client(answer(403, "Resource not accessible by integration"))
    with (
        capture_logs() as logs,
        pytest.raises(GitHubPermanentError) as info,
        github_errors("sync", repository="o/w"),
    ):
        await gh.rest.issues.async_get("octo", "widgets", 1)
    assert "Resource not accessible by integration" in str(info.value)
    assert [(e["event"], e["repository"], e["log_level"]) for e in logs] == [
        ("github.permanent_error", "o/w", "error")
    ]
    assert "Resource not accessible by integration" in logs[0]["error"]


def test_anything_else_is_not_a_github_error() -> None:
    assert classify(ValueError("x"), NOW) is None

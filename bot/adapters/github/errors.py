"""What a failed GitHub call means for the job that made it.

* rate limited (secondary: 403/429 with ``retry-after`` or a "secondary rate limit"
  message; primary: ``x-ratelimit-remaining: 0``) → :class:`GitHubRateLimited`, a
  ``RetryAt``: the job is rescheduled at the time GitHub names, no attempt counted;
* 5xx, timeouts, connection errors → :class:`GitHubTransientError`: the queue backs off;
* 400, 401, 403 (``Resource not accessible by integration`` and the like), 404, 410, 422
  → :class:`GitHubPermanentError`: never retried, logged once in plain words.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from githubkit.exception import (
    AuthCredentialError,
    AuthExpiredError,
    GitHubException,
    RequestError,
    RequestFailed,
    RequestTimeout,
)

from bot.adapters.logs import get_logger
from bot.adapters.queue import PermanentJobError, RetryAt

log = get_logger(__name__)

SECONDARY_LIMIT_WAIT = timedelta(seconds=60)
PRIMARY_RESET_MARGIN = timedelta(seconds=1)


class GitHubRateLimited(RetryAt):
    """GitHub asked us to slow down; resume at ``at`` (no attempt counted)."""

    def __init__(self, at: datetime, message: str, *, secondary: bool) -> None:
        super().__init__(at, message)
        self.secondary = secondary
        self.message = message

    def __str__(self) -> str:
        kind = "secondary" if self.secondary else "primary"
        return f"GitHub {kind} rate limit: {self.message}; resume at {self.at.isoformat()}"


class GitHubTransientError(Exception):
    """A 5xx, timeout or connection error: worth retrying later with backoff."""


class GitHubPermanentError(PermanentJobError):
    """GitHub refused the call for a reason a retry will not fix."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _header(response: httpx.Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.strip() if isinstance(value, str) else None


def _error_message(response: httpx.Response) -> str:
    try:
        data: Any = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        message = str(data.get("message") or "")
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            details = "; ".join(
                str(e.get("message") or e.get("code") or e) if isinstance(e, dict) else str(e)
                for e in errors[:5]
            )
            message = f"{message} ({details})" if message else details
        return message
    return str(data)[:200]


def rate_limit_resume_at(response: httpx.Response, now: datetime) -> datetime | None:
    """When to call again if ``response`` is a rate-limit answer, else None."""
    if response.status_code not in (403, 429):
        return None
    retry_after = _header(response, "retry-after")
    if retry_after is not None:
        try:
            return now + timedelta(seconds=max(int(float(retry_after)), 0))
        except ValueError:
            return now + SECONDARY_LIMIT_WAIT
    if "secondary rate limit" in _error_message(response).lower():
        return now + SECONDARY_LIMIT_WAIT
    if _header(response, "x-ratelimit-remaining") == "0":
        reset = _header(response, "x-ratelimit-reset")
        try:
            reset_at = datetime.fromtimestamp(int(reset or ""), tz=UTC)
        except ValueError:
            return now + SECONDARY_LIMIT_WAIT
        return max(reset_at, now) + PRIMARY_RESET_MARGIN
    if response.status_code == 429:
        return now + SECONDARY_LIMIT_WAIT
    return None


def classify(exc: BaseException, now: datetime | None = None) -> Exception | None:
    """The job-level error for a githubkit/httpx failure, or None if it is not one."""
    now = now or datetime.now(UTC)
    if isinstance(exc, RequestFailed):
        response = exc.response.raw_response
        request = exc.request
        where = f"{request.method} {request.url.path}"
        message = _error_message(response)
        resume_at = rate_limit_resume_at(response, now)
        if resume_at is not None:
            secondary = _header(response, "x-ratelimit-remaining") != "0" or (
                "secondary rate limit" in message.lower()
            )
            return GitHubRateLimited(resume_at, f"{where}: {message}", secondary=secondary)
        status = response.status_code
        if status >= 500 or status in (408, 409):
            return GitHubTransientError(f"GitHub answered {status} to {where}: {message}")
        return GitHubPermanentError(f"GitHub answered {status} to {where}: {message}", status)
    if isinstance(exc, RequestTimeout):
        return GitHubTransientError(
            f"GitHub did not answer {exc.request.method} {exc.request.url.path} in time"
        )
    if isinstance(exc, RequestError):
        return GitHubTransientError(f"Could not reach GitHub: {exc.exc!r}")
    if isinstance(exc, httpx.TimeoutException | httpx.TransportError):
        return GitHubTransientError(f"Could not reach GitHub: {exc!r}")
    if isinstance(exc, AuthCredentialError | AuthExpiredError):
        return GitHubPermanentError(f"GitHub App credentials rejected: {exc}")
    if isinstance(exc, GitHubException):
        return GitHubTransientError(f"GitHub call failed: {exc!r}")
    return None


def is_status(exc: BaseException, *statuses: int) -> bool:
    """True when ``exc`` is a GitHub answer with one of ``statuses``."""
    return isinstance(exc, RequestFailed) and exc.response.status_code in statuses


@contextmanager
def github_errors(action: str, **context: Any) -> Iterator[None]:
    """Translate githubkit failures inside the block into job-level errors (logged once)."""
    try:
        yield
    except (GitHubException, httpx.HTTPError) as exc:
        translated = classify(exc)
        if translated is None:  # pragma: no cover - classify covers both bases
            raise
        if isinstance(translated, GitHubPermanentError):
            log.error("github.permanent_error", action=action, error=str(translated), **context)
        elif isinstance(translated, GitHubRateLimited):
            log.warning(
                "github.rate_limited",
                action=action,
                resume_at=translated.at.isoformat(),
                secondary=translated.secondary,
                **context,
            )
        else:
            log.warning("github.transient_error", action=action, error=str(translated), **context)
        raise translated from exc

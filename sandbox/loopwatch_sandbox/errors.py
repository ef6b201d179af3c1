"""GitHub-shaped error answers: ``{"message", "documentation_url", "status"}`` (+ ``errors``)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

DOCS = "https://docs.github.com/rest"


class GitHubError(Exception):
    """Raised anywhere in a route; rendered as GitHub renders its errors."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        body["documentation_url"] = DOCS
        body["status"] = str(self.status)
        return body


def not_found() -> GitHubError:
    return GitHubError(404, "Not Found")


def bad_credentials() -> GitHubError:
    return GitHubError(401, "Bad credentials")


def not_accessible() -> GitHubError:
    return GitHubError(403, "Resource not accessible by integration")


def invalid(resource: str, field: str, code: str = "invalid", **extra: Any) -> GitHubError:
    """422 Validation Failed with one ``errors`` entry (codes: missing_field, invalid, ...)."""
    error: dict[str, Any] = {"resource": resource, "field": field, "code": code, **extra}
    return GitHubError(422, "Validation Failed", errors=[error])


def error_response(error: GitHubError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


async def github_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GitHubError)
    return error_response(exc)


async def http_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """Unknown paths and methods answer like GitHub (``{"message": "Not Found"}``)."""
    assert isinstance(exc, HTTPException)
    message = {404: "Not Found", 405: "Not Found"}.get(exc.status_code, str(exc.detail))
    status = 404 if exc.status_code == 405 else exc.status_code
    return error_response(GitHubError(status, message))

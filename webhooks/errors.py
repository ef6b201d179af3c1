"""Errors as ``{"error": "...", "field": "..."}``: a message a person can act on."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.adapters.logs import get_logger

log = get_logger(__name__)


class ApiError(Exception):
    """Raised by a route to answer with a JSON error (and nothing stored)."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.field = field
        self.headers = headers
        self.extra = extra or {}


def error_body(message: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message}
    if field is not None:
        body["field"] = field
    return body


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in location)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    body = error_body(exc.message, exc.field) | exc.extra
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(
        error_body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own validation (path and query parameters) in the same shape."""
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    location = [part for part in first.get("loc", ()) if part not in ("body", "path", "query")]
    field = _field_path(location) or None
    message = f"{field}: {first.get('msg')}" if field else str(first.get("msg"))
    return JSONResponse(error_body(message, field), status_code=422)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug or an outage (e.g. the database): logged; every write here is transactional."""
    log.error("unhandled error", path=request.url.path, exc_info=exc)
    message = "internal server error; nothing was stored, so the request can be retried"
    return JSONResponse(error_body(message), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _unexpected_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)

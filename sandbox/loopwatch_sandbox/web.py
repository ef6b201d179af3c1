"""Request helpers shared by the REST routes: JSON bodies, pagination, query parsing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from loopwatch_sandbox.errors import GitHubError, invalid

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 30


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise GitHubError(400, "Problems parsing JSON") from exc
    if not isinstance(body, dict):
        raise GitHubError(400, "Problems parsing JSON")
    return body


def query_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise GitHubError(400, f"Invalid value for {name}: {raw!r}") from exc


def query_time(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise invalid("Issue", name) from exc


def json_response(content: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(content, status_code=status)


def paginate(request: Request, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """Slice one page with ``per_page``/``page`` and build GitHub's ``Link`` header."""
    per_page = max(1, min(query_int(request, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE))
    page = max(1, query_int(request, "page", 1))
    last = max(1, -(-len(items) // per_page))
    start = (page - 1) * per_page
    chunk = items[start : start + per_page]
    base = str(request.app.state.sandbox.config.root) + request.url.path
    params = {k: v for k, v in request.query_params.items() if k not in ("page", "per_page")}

    def link(number: int, rel: str) -> str:
        query = urlencode({**params, "per_page": per_page, "page": number})
        return f'<{base}?{query}>; rel="{rel}"'

    links = []
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(1, "first"), link(min(page - 1, last), "prev")]
    return chunk, ({"Link": ", ".join(links)} if links else {})


def page_response(request: Request, items: list[Any]) -> JSONResponse:
    chunk, headers = paginate(request, items)
    return JSONResponse(chunk, headers=headers)


def wrapped_page_response(request: Request, key: str, items: list[Any]) -> JSONResponse:
    """Lists GitHub wraps as ``{"total_count": n, key: [...]}`` (check runs, artifacts)."""
    chunk, headers = paginate(request, items)
    return JSONResponse({"total_count": len(items), key: chunk}, headers=headers)


def no_content() -> Response:
    return Response(status_code=204)

"""App endpoints (JWT): the App, its installations, installation access tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from loopwatch_sandbox.auth import installation_token, require_app
from loopwatch_sandbox.errors import GitHubError, invalid, not_found
from loopwatch_sandbox.objects import Objects, iso
from loopwatch_sandbox.web import json_body, json_response, page_response, wrapped_page_response

router = APIRouter()
LEVELS = {"read": 1, "write": 2, "admin": 3}


@router.get("/app")
async def get_app(request: Request) -> JSONResponse:
    state = require_app(request)
    return json_response(Objects(state).app())


@router.get("/app/installations")
async def list_installations(request: Request) -> JSONResponse:
    state = require_app(request)
    objects = Objects(state)
    items = sorted(state.installations.values(), key=lambda i: i.id)
    return page_response(request, [objects.installation(i) for i in items])


@router.get("/app/installations/{installation_id}")
async def get_installation(request: Request, installation_id: int) -> JSONResponse:
    state = require_app(request)
    if installation_id not in state.installations:
        raise not_found()
    return json_response(Objects(state).installation(state.installations[installation_id]))


@router.get("/repos/{owner}/{repo}/installation")
async def get_repo_installation(request: Request, owner: str, repo: str) -> JSONResponse:
    state = require_app(request)
    found = state.repo(owner, repo)
    if found.installation_id is None:
        raise not_found()
    return json_response(Objects(state).installation(state.installations[found.installation_id]))


@router.post("/app/installations/{installation_id}/access_tokens")
async def create_access_token(request: Request, installation_id: int) -> JSONResponse:
    state = require_app(request)
    installation = state.installations.get(installation_id)
    if installation is None:
        raise not_found()
    body = await json_body(request)
    permissions = _requested_permissions(body.get("permissions"), installation.permissions)
    repos = state.repos_of(installation_id)
    names = body.get("repositories")
    ids = body.get("repository_ids")
    limited: set[str] | None = None
    if names or ids:
        wanted = {str(n).lower() for n in names or []}
        chosen = [r for r in repos if r.name.lower() in wanted or r.id in (ids or [])]
        if len(chosen) < len(wanted) + len(ids or []):
            raise invalid("Installation", "repositories", "invalid")
        limited = {r.full_name.lower() for r in chosen}
        repos = chosen
    token = state.issue_token(installation_id, permissions, limited)
    objects = Objects(state)
    answer: dict[str, Any] = {
        "token": token.token,
        "expires_at": iso(token.expires_at),
        "permissions": token.permissions,
        "repository_selection": "selected",
    }
    if limited is not None:
        answer["repositories"] = [objects.repo(r) for r in repos]
    return json_response(answer, status=201)


def _requested_permissions(requested: Any, granted: dict[str, str]) -> dict[str, str] | None:
    if not requested:
        return None
    if not isinstance(requested, dict):
        raise invalid("Installation", "permissions")
    for name, level in requested.items():
        have = granted.get(str(name))
        if have is None or LEVELS.get(str(level), 9) > LEVELS.get(have, 0):
            raise GitHubError(
                422, "The permissions requested are not granted to this installation."
            )
    return {str(k): str(v) for k, v in requested.items()}


@router.get("/installation/repositories")
async def list_installation_repos(request: Request) -> JSONResponse:
    token = installation_token(request)
    state = request.app.state.sandbox
    objects = Objects(state)
    repos = [
        objects.repo(r)
        for r in state.repos_of(token.installation_id)
        if token.repositories is None or r.full_name.lower() in token.repositories
    ]
    return wrapped_page_response(request, "repositories", repos)

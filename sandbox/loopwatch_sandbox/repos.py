"""Repository, collaborator permission and contents endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from loopwatch_sandbox.auth import repo_access
from loopwatch_sandbox.errors import GitHubError, not_found
from loopwatch_sandbox.objects import Objects
from loopwatch_sandbox.state import Repo
from loopwatch_sandbox.web import json_response

router = APIRouter()

# GitHub's "permission" is the legacy level; "role_name" is the actual role.
LEGACY_LEVEL = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read"}


@router.get("/repos/{owner}/{repo}")
async def get_repo(request: Request, owner: str, repo: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    return json_response(Objects(access.state).repo(access.repo))


@router.get("/repos/{owner}/{repo}/collaborators/{username}/permission")
async def collaborator_permission(
    request: Request, owner: str, repo: str, username: str
) -> JSONResponse:
    access = repo_access(request, owner, repo)
    user = access.state.find_user(username)
    if user is None:
        raise GitHubError(404, f"{username} is not a user")
    role = access.repo.collaborators.get(user.login.lower())
    permission = LEGACY_LEVEL.get(role, "read") if role else "none"
    collaborator = {
        **Objects(access.state).user(user),
        "role_name": role or "none",
        "permissions": _permission_flags(role),
    }
    return json_response(
        {"permission": permission, "role_name": role or "none", "user": collaborator}
    )


def _permission_flags(role: str | None) -> dict[str, bool]:
    order = ["read", "triage", "write", "maintain", "admin"]
    rank = order.index(role) if role in order else -1
    return {
        "pull": rank >= 0,
        "triage": rank >= 1,
        "push": rank >= 2,
        "maintain": rank >= 3,
        "admin": rank >= 4,
    }


def _tree(repo: Repo, ref: str) -> dict[str, bytes]:
    tree = repo.files.get(ref)
    if tree is None:
        if ref == repo.default_branch:
            return {}
        raise GitHubError(404, f"No commit found for the ref {ref}")
    return tree


@router.get("/repos/{owner}/{repo}/contents/{path:path}")
async def get_contents(request: Request, owner: str, repo: str, path: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("contents")
    found = access.repo
    ref = request.query_params.get("ref") or found.default_branch
    tree = _tree(found, ref)
    path = path.strip("/")
    objects = Objects(access.state)
    if path in tree:
        return json_response(objects.content_file(found, ref, path, tree[path]))
    prefix = f"{path}/" if path else ""
    children: dict[str, str] = {}
    for file_path in tree:
        if file_path.startswith(prefix):
            head, _, rest = file_path[len(prefix) :].partition("/")
            children[prefix + head] = "dir" if rest else "file"
    if not children:
        raise not_found()
    return json_response(
        [
            objects.content_entry(found, ref, p, kind, tree.get(p, b""))
            for p, kind in sorted(children.items())
        ]
    )

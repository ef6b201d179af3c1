"""``GET /repos/{o}/{r}/compare/{base}...{head}`` over commits registered through the admin API."""

from __future__ import annotations

from collections import deque

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from loopwatch_sandbox.auth import repo_access
from loopwatch_sandbox.errors import GitHubError, not_found
from loopwatch_sandbox.objects import Objects
from loopwatch_sandbox.state import Repo
from loopwatch_sandbox.web import json_response

router = APIRouter()


def ancestry(repo: Repo, sha: str) -> list[str]:
    """``sha`` and its ancestors, nearest first (breadth-first over parents)."""
    seen: list[str] = []
    queue = deque([sha])
    while queue:
        current = queue.popleft()
        if current in seen or current not in repo.commits:
            continue
        seen.append(current)
        queue.extend(repo.commits[current].parents)
    return seen


@router.get("/repos/{owner}/{repo}/compare/{basehead:path}")
async def compare(request: Request, owner: str, repo: str, basehead: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("contents")
    found = access.repo
    base_ref, sep, head_ref = basehead.partition("...")
    if not sep:
        raise not_found()
    base, head = found.resolve_ref(base_ref), found.resolve_ref(head_ref)
    if base is None or head is None:
        raise not_found()
    base_line, head_line = ancestry(found, base.sha), ancestry(found, head.sha)
    merge_base_sha = next((s for s in head_line if s in base_line), None)
    if merge_base_sha is None:
        raise GitHubError(404, f"No common ancestor between {base_ref} and {head_ref}.")
    ahead = [found.commits[s] for s in head_line if s not in base_line]
    behind = [s for s in base_line if s not in head_line]
    status = (
        "identical"
        if not ahead and not behind
        else "ahead"
        if not behind
        else "behind"
        if not ahead
        else "diverged"
    )
    ahead.sort(key=lambda c: (c.created_at, head_line.index(c.sha) * -1))
    objects = Objects(access.state)
    root = f"{access.state.config.root}/{found.full_name}/compare/{basehead}"
    files = sorted({f for c in ahead for f in c.files})
    return json_response(
        {
            "url": f"{access.state.config.root}/repos/{found.full_name}/compare/{basehead}",
            "html_url": root,
            "permalink_url": root,
            "diff_url": f"{root}.diff",
            "patch_url": f"{root}.patch",
            "base_commit": objects.commit(found, base),
            "merge_base_commit": objects.commit(found, found.commits[merge_base_sha]),
            "status": status,
            "ahead_by": len(ahead),
            "behind_by": len(behind),
            "total_commits": len(ahead),
            "commits": [objects.commit(found, c) for c in ahead],
            "files": [objects.diff_entry(found, head.sha, f) for f in files],
        }
    )

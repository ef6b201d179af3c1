"""Issue comments."""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from loopwatch_sandbox.auth import repo_access
from loopwatch_sandbox.deliveries import emit_app_event
from loopwatch_sandbox.objects import Objects
from loopwatch_sandbox.state import Comment, Issue, Repo, SandboxState, User, utcnow
from loopwatch_sandbox.validation import required_text
from loopwatch_sandbox.web import json_body, json_response, no_content, page_response, query_time

router = APIRouter()


def add_comment(
    state: SandboxState, repo: Repo, issue: Issue, user: User, body: str, via_app: bool
) -> Comment:
    now = utcnow()
    comment = Comment(
        id=state.next_id(),
        issue_number=issue.number,
        user=user,
        body=body,
        created_at=now,
        updated_at=now,
        via_app=via_app,
    )
    repo.comments[comment.id] = comment
    issue.updated_at = now
    return comment


def _since_filtered(request: Request, comments: list[Comment]) -> list[Comment]:
    since = query_time(request, "since")
    if since is None:
        return comments
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    return [c for c in comments if c.updated_at >= since]


@router.get("/repos/{owner}/{repo}/issues/comments")
async def list_repo_comments(request: Request, owner: str, repo: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues")
    comments = _since_filtered(request, sorted(access.repo.comments.values(), key=lambda c: c.id))
    if request.query_params.get("direction", "asc") == "desc":
        comments.reverse()
    objects = Objects(access.state)
    return page_response(request, [objects.comment(access.repo, c) for c in comments])


@router.get("/repos/{owner}/{repo}/issues/comments/{comment_id:int}")
async def get_comment(request: Request, owner: str, repo: str, comment_id: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues")
    comment = access.repo.comment(comment_id)
    return json_response(Objects(access.state).comment(access.repo, comment))


@router.patch("/repos/{owner}/{repo}/issues/comments/{comment_id:int}")
async def update_comment(request: Request, owner: str, repo: str, comment_id: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues", "write")
    comment = access.repo.comment(comment_id)
    body = required_text(await json_body(request), "body", "IssueComment")
    if body != comment.body:
        comment.body, comment.updated_at = body, utcnow()
        payload = Objects(access.state).comment(access.repo, comment)
        issue = Objects(access.state).issue(access.repo, access.repo.issue(comment.issue_number))
        await emit_app_event(
            access.state,
            access.repo,
            "issue_comment",
            "edited",
            {"issue": issue, "comment": payload},
        )
    return json_response(Objects(access.state).comment(access.repo, comment))


@router.delete("/repos/{owner}/{repo}/issues/comments/{comment_id:int}")
async def delete_comment(request: Request, owner: str, repo: str, comment_id: int) -> Response:
    access = repo_access(request, owner, repo)
    access.require("issues", "write")
    access.repo.comment(comment_id)
    del access.repo.comments[comment_id]
    return no_content()


@router.get("/repos/{owner}/{repo}/issues/{number:int}/comments")
async def list_comments(request: Request, owner: str, repo: str, number: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues")
    access.repo.issue(number)
    comments = _since_filtered(request, access.repo.comments_of(number))
    objects = Objects(access.state)
    return page_response(request, [objects.comment(access.repo, c) for c in comments])


@router.post("/repos/{owner}/{repo}/issues/{number:int}/comments")
async def create_comment(request: Request, owner: str, repo: str, number: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues", "write")
    issue = access.repo.issue(number)
    text = required_text(await json_body(request), "body", "IssueComment")
    comment = add_comment(access.state, access.repo, issue, access.state.bot, text, via_app=True)
    objects = Objects(access.state)
    payload = objects.comment(access.repo, comment)
    await emit_app_event(
        access.state,
        access.repo,
        "issue_comment",
        "created",
        {"issue": objects.issue(access.repo, issue), "comment": payload},
    )
    return json_response(payload, status=201)

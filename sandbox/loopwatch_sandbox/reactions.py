"""Reactions on issues and issue comments (201 new; 200 when the same user already reacted so)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from loopwatch_sandbox.auth import RepoAccess, repo_access
from loopwatch_sandbox.errors import invalid
from loopwatch_sandbox.objects import REACTION_CONTENTS, Objects
from loopwatch_sandbox.state import Reaction, utcnow
from loopwatch_sandbox.web import json_body, json_response, page_response

router = APIRouter()


def _listed(request: Request, access: RepoAccess, reactions: list[Reaction]) -> JSONResponse:
    content = request.query_params.get("content")
    if content is not None and content not in REACTION_CONTENTS:
        raise invalid("Reaction", "content")
    chosen = [r for r in reactions if content is None or r.content == content]
    objects = Objects(access.state)
    return page_response(request, [objects.reaction(r) for r in chosen])


async def _react(request: Request, access: RepoAccess, reactions: list[Reaction]) -> JSONResponse:
    access.require("issues", "write")
    content = (await json_body(request)).get("content")
    if content not in REACTION_CONTENTS:
        raise invalid("Reaction", "content")
    actor = access.state.bot
    objects = Objects(access.state)
    for existing in reactions:
        if existing.user.login == actor.login and existing.content == content:
            return json_response(objects.reaction(existing), status=200)
    reaction = Reaction(id=access.state.next_id(), user=actor, content=content, created_at=utcnow())
    reactions.append(reaction)
    return json_response(objects.reaction(reaction), status=201)


@router.get("/repos/{owner}/{repo}/issues/comments/{comment_id:int}/reactions")
async def list_comment_reactions(
    request: Request, owner: str, repo: str, comment_id: int
) -> JSONResponse:
    access = repo_access(request, owner, repo)
    return _listed(request, access, access.repo.comment(comment_id).reactions)


@router.post("/repos/{owner}/{repo}/issues/comments/{comment_id:int}/reactions")
async def create_comment_reaction(
    request: Request, owner: str, repo: str, comment_id: int
) -> JSONResponse:
    access = repo_access(request, owner, repo)
    return await _react(request, access, access.repo.comment(comment_id).reactions)


@router.get("/repos/{owner}/{repo}/issues/{number:int}/reactions")
async def list_issue_reactions(
    request: Request, owner: str, repo: str, number: int
) -> JSONResponse:
    access = repo_access(request, owner, repo)
    return _listed(request, access, access.repo.issue(number).reactions)


@router.post("/repos/{owner}/{repo}/issues/{number:int}/reactions")
async def create_issue_reaction(
    request: Request, owner: str, repo: str, number: int
) -> JSONResponse:
    access = repo_access(request, owner, repo)
    return await _react(request, access, access.repo.issue(number).reactions)

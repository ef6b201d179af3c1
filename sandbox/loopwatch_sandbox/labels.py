"""Repository labels and the labels on an issue."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from loopwatch_sandbox.auth import repo_access
from loopwatch_sandbox.errors import GitHubError, invalid, not_found
from loopwatch_sandbox.issue_events import record_labels_added
from loopwatch_sandbox.objects import Objects
from loopwatch_sandbox.state import Label, Repo, SandboxState, utcnow
from loopwatch_sandbox.validation import MAX_LABELS, string_list, text_field
from loopwatch_sandbox.web import json_body, json_response, no_content, page_response

router = APIRouter()
COLOR = re.compile(r"^[0-9a-fA-F]{6}$")


def resolve(state: SandboxState, repo: Repo, raw: Any) -> list[int]:
    """Label ids for names given to an issue; unknown names become new labels, as on GitHub."""
    names = string_list(raw, "Issue", "labels")
    ids: list[int] = []
    for name in names:
        label = repo.label_by_name(name) or _create(state, repo, name, "ededed", None)
        if label.id not in ids:
            ids.append(label.id)
    if len(ids) > MAX_LABELS:
        raise invalid("Issue", "labels", "custom", message="Issues can have at most 100 labels")
    return ids


def _create(
    state: SandboxState, repo: Repo, name: str, color: str, description: str | None
) -> Label:
    label = Label(id=state.next_id(), name=name, color=color.lower(), description=description)
    repo.labels[label.id] = label
    return label


def _color(body: dict[str, Any], default: str) -> str:
    color = body.get("color", default)
    if not isinstance(color, str) or not COLOR.match(color.lstrip("#")):
        raise invalid("Label", "color")
    return color.lstrip("#").lower()


def _label(repo: Repo, name: str) -> Label:
    label = repo.label_by_name(name)
    if label is None:
        raise not_found()
    return label


@router.get("/repos/{owner}/{repo}/labels")
async def list_labels(request: Request, owner: str, repo: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    objects = Objects(access.state)
    labels = sorted(access.repo.labels.values(), key=lambda lb: lb.name.lower())
    return page_response(request, [objects.label(access.repo, lb) for lb in labels])


@router.post("/repos/{owner}/{repo}/labels")
async def create_label(request: Request, owner: str, repo: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues", "write")
    body = await json_body(request)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("Label", "name", "missing_field")
    if access.repo.label_by_name(name):
        raise invalid("Label", "name", "already_exists")
    description = text_field(body, "description", "Label", 100)
    label = _create(access.state, access.repo, name, _color(body, "ededed"), description)
    return json_response(Objects(access.state).label(access.repo, label), status=201)


@router.get("/repos/{owner}/{repo}/labels/{name:path}")
async def get_label(request: Request, owner: str, repo: str, name: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    return json_response(Objects(access.state).label(access.repo, _label(access.repo, name)))


@router.patch("/repos/{owner}/{repo}/labels/{name:path}")
async def update_label(request: Request, owner: str, repo: str, name: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues", "write")
    label = _label(access.repo, name)
    body = await json_body(request)
    new_name = body.get("new_name")
    if new_name is not None:
        if not isinstance(new_name, str) or not new_name.strip():
            raise invalid("Label", "name")
        other = access.repo.label_by_name(new_name)
        if other is not None and other.id != label.id:
            raise invalid("Label", "name", "already_exists")
        label.name = new_name
    if "color" in body:
        label.color = _color(body, label.color)
    if "description" in body:
        label.description = text_field(body, "description", "Label", 100)
    return json_response(Objects(access.state).label(access.repo, label))


@router.delete("/repos/{owner}/{repo}/labels/{name:path}")
async def delete_label(request: Request, owner: str, repo: str, name: str) -> Response:
    access = repo_access(request, owner, repo)
    access.require("issues", "write")
    label = _label(access.repo, name)
    del access.repo.labels[label.id]
    for issue in access.repo.issues.values():
        if label.id in issue.label_ids:
            issue.label_ids.remove(label.id)
    return no_content()


async def _labels_in_body(request: Request) -> Any:
    """GitHub takes ``{"labels": [...]}`` or a bare list of names."""
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        raise GitHubError(400, "Problems parsing JSON") from exc
    if isinstance(body, dict):
        return body.get("labels", [])
    return body


def _issue_labels(request: Request, owner: str, repo: str, number: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    issue = access.repo.issue(number)
    objects = Objects(access.state)
    labels = [access.repo.labels[i] for i in issue.label_ids if i in access.repo.labels]
    return page_response(request, [objects.label(access.repo, lb) for lb in labels])


@router.get("/repos/{owner}/{repo}/issues/{number:int}/labels")
async def list_issue_labels(request: Request, owner: str, repo: str, number: int) -> JSONResponse:
    return _issue_labels(request, owner, repo, number)


@router.post("/repos/{owner}/{repo}/issues/{number:int}/labels")
async def add_labels(request: Request, owner: str, repo: str, number: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues", "write")
    issue = access.repo.issue(number)
    added = resolve(access.state, access.repo, await _labels_in_body(request))
    merged = issue.label_ids + [i for i in added if i not in issue.label_ids]
    if len(merged) > MAX_LABELS:
        raise invalid("Issue", "labels", "custom", message="Issues can have at most 100 labels")
    if merged != issue.label_ids:
        before = issue.label_ids
        issue.label_ids, issue.updated_at = merged, utcnow()
        record_labels_added(access.state, access.repo, issue, before, access.state.bot)
    return _issue_labels(request, owner, repo, number)


@router.put("/repos/{owner}/{repo}/issues/{number:int}/labels")
async def set_labels(request: Request, owner: str, repo: str, number: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues", "write")
    issue = access.repo.issue(number)
    wanted = resolve(access.state, access.repo, await _labels_in_body(request))
    if wanted != issue.label_ids:
        before = issue.label_ids
        issue.label_ids, issue.updated_at = wanted, utcnow()
        record_labels_added(access.state, access.repo, issue, before, access.state.bot)
    return _issue_labels(request, owner, repo, number)


@router.delete("/repos/{owner}/{repo}/issues/{number:int}/labels")
async def clear_labels(request: Request, owner: str, repo: str, number: int) -> Response:
    access = repo_access(request, owner, repo)
    access.require("issues", "write")
    issue = access.repo.issue(number)
    if issue.label_ids:
        issue.label_ids, issue.updated_at = [], utcnow()
    return no_content()


@router.delete("/repos/{owner}/{repo}/issues/{number:int}/labels/{name:path}")
async def remove_label(
    request: Request, owner: str, repo: str, number: int, name: str
) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues", "write")
    issue = access.repo.issue(number)
    label = access.repo.label_by_name(name)
    if label is None or label.id not in issue.label_ids:
        raise GitHubError(404, "Label does not exist")
    issue.label_ids.remove(label.id)
    issue.updated_at = utcnow()
    return _issue_labels(request, owner, repo, number)

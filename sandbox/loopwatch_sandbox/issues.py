"""Issues: create, list (with GitHub's filters), get, update."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from loopwatch_sandbox import labels as label_ops
from loopwatch_sandbox.auth import repo_access
from loopwatch_sandbox.deliveries import emit_app_event
from loopwatch_sandbox.issue_events import record_issue_event, record_labels_added
from loopwatch_sandbox.objects import Objects
from loopwatch_sandbox.state import Issue, Repo, SandboxState, User, utcnow
from loopwatch_sandbox.validation import one_of, required_text, string_list, text_field
from loopwatch_sandbox.web import json_body, json_response, page_response, query_time

router = APIRouter()
STATES = ("open", "closed")
STATE_REASONS = ("completed", "not_planned", "reopened", "duplicate", None)


def _assignees(state: SandboxState, body: dict[str, Any]) -> list[User] | None:
    logins: list[str] | None = None
    if "assignees" in body and body["assignees"] is not None:
        logins = string_list(body["assignees"], "Issue", "assignees")
    elif "assignee" in body:
        logins = [body["assignee"]] if body["assignee"] else []
    if logins is None:
        return None
    users = [state.find_user(str(login)) for login in logins]
    return [u for u in users if u is not None]  # GitHub silently drops unassignable users


def set_state(issue: Issue, new_state: str, reason: str | None, actor: User) -> None:
    """Open or close like GitHub: closing records who and why; reopening says so."""
    now = utcnow()
    if new_state == "closed" and issue.state != "closed":
        issue.state, issue.closed_at, issue.closed_by = "closed", now, actor
        issue.state_reason = reason or "completed"
    elif new_state == "open" and issue.state != "open":
        issue.state, issue.closed_at, issue.state_reason = "open", None, "reopened"
    elif reason is not None:
        issue.state_reason = reason
    issue.updated_at = now


@router.post("/repos/{owner}/{repo}/issues")
async def create_issue(request: Request, owner: str, repo: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues", "write")
    body = await json_body(request)
    state, found = access.state, access.repo
    title = required_text(body, "title", "Issue", 256)
    text = text_field(body, "body", "Issue")
    label_ids = label_ops.resolve(state, found, body.get("labels") or [])
    now = utcnow()
    issue = Issue(
        id=state.next_id(),
        number=found.next_number,
        title=title,
        body=text,
        user=state.bot,
        created_at=now,
        updated_at=now,
        label_ids=label_ids,
        assignees=_assignees(state, body) or [],
        via_app=True,
    )
    found.next_number += 1
    found.issues[issue.number] = issue
    record_labels_added(state, found, issue, [], state.bot)
    payload = Objects(state).issue(found, issue)
    await emit_app_event(state, found, "issues", "opened", {"issue": payload})
    return json_response(payload, status=201)


@router.get("/repos/{owner}/{repo}/issues")
async def list_issues(request: Request, owner: str, repo: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues")
    found, q = access.repo, request.query_params
    wanted_state = one_of(q.get("state", "open"), ("open", "closed", "all"), "Issue", "state")
    issues = [i for i in found.issues.values() if wanted_state in ("all", i.state)]
    if creator := q.get("creator"):
        issues = [i for i in issues if i.user.login.lower() == creator.lower()]
    if assignee := q.get("assignee"):
        issues = [i for i in issues if _assigned(i, assignee)]
    if wanted := [n.strip().lower() for n in q.get("labels", "").split(",") if n.strip()]:
        issues = [i for i in issues if set(wanted) <= _label_names(found, i)]
    if since := query_time(request, "since"):
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        issues = [i for i in issues if i.updated_at >= since]
    issues = _sorted(found, issues, q.get("sort", "created"), q.get("direction", "desc"))
    objects = Objects(access.state)
    return page_response(request, [objects.issue(found, i) for i in issues])


def _assigned(issue: Issue, assignee: str) -> bool:
    if assignee == "none":
        return not issue.assignees
    if assignee == "*":
        return bool(issue.assignees)
    return any(u.login.lower() == assignee.lower() for u in issue.assignees)


def _label_names(repo: Repo, issue: Issue) -> set[str]:
    return {repo.labels[i].name.lower() for i in issue.label_ids if i in repo.labels}


def _sorted(repo: Repo, issues: list[Issue], sort: str, direction: str) -> list[Issue]:
    one_of(sort, ("created", "updated", "comments"), "Issue", "sort")
    one_of(direction, ("asc", "desc"), "Issue", "direction")

    def key(issue: Issue) -> tuple[datetime | int, int]:
        if sort == "updated":
            return issue.updated_at, issue.number
        if sort == "comments":
            return len(repo.comments_of(issue.number)), issue.number
        return issue.created_at, issue.number

    return sorted(issues, key=key, reverse=direction == "desc")


@router.get("/repos/{owner}/{repo}/issues/{number:int}")
async def get_issue(request: Request, owner: str, repo: str, number: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues")
    return json_response(Objects(access.state).issue(access.repo, access.repo.issue(number)))


@router.patch("/repos/{owner}/{repo}/issues/{number:int}")
async def update_issue(request: Request, owner: str, repo: str, number: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues", "write")
    state, found = access.state, access.repo
    issue = found.issue(number)
    body = await json_body(request)
    title = required_text(body, "title", "Issue", 256) if "title" in body else None
    text = text_field(body, "body", "Issue")
    new_state = one_of(body.get("state"), (*STATES, None), "Issue", "state")
    reason = one_of(body.get("state_reason"), STATE_REASONS, "Issue", "state_reason")
    label_ids = label_ops.resolve(state, found, body["labels"]) if "labels" in body else None
    assignees = _assignees(state, body)
    before = Objects(state).issue(found, issue)
    if title is not None:
        issue.title = title
    if "body" in body:
        issue.body = text
    if label_ids is not None:
        labels_before, issue.label_ids = issue.label_ids, label_ids
        record_labels_added(state, found, issue, labels_before, state.bot)
    if assignees is not None:
        issue.assignees = assignees
    if new_state is not None or reason is not None:
        was = issue.state
        set_state(issue, new_state or issue.state, reason, state.bot)
        if issue.state != was:
            record_issue_event(
                state, issue, "closed" if issue.state == "closed" else "reopened", state.bot
            )
    after = Objects(state).issue(found, issue)
    if after != before:
        issue.updated_at = utcnow()
        after = Objects(state).issue(found, issue)
        if new_state and before["state"] != new_state:
            action = "closed" if new_state == "closed" else "reopened"
            await emit_app_event(state, found, "issues", action, {"issue": after})
        else:
            await emit_app_event(state, found, "issues", "edited", {"issue": after})
    return json_response(after)

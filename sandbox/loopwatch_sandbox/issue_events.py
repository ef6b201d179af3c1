"""Issue events and the pull requests of a commit, in GitHub's shapes.

``GET /repos/{o}/{r}/issues/{n}/events`` lists ``closed``/``reopened``/``labeled`` events as
issues change; a ``closed`` event carries ``commit_id``/``commit_url`` when a commit or a
merged pull request closed the issue. ``GET /repos/{o}/{r}/commits/{sha}/pulls`` lists the
merged pull requests whose merge commit that is.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from loopwatch_sandbox.auth import repo_access
from loopwatch_sandbox.objects import Objects, iso, node_id
from loopwatch_sandbox.state import (
    Issue,
    IssueEventRecord,
    PullRequest,
    Repo,
    SandboxState,
    User,
    utcnow,
)
from loopwatch_sandbox.web import json_response, page_response

router = APIRouter()


def record_issue_event(
    state: SandboxState,
    issue: Issue,
    event: str,
    actor: User,
    *,
    commit_id: str | None = None,
    label_name: str | None = None,
    label_color: str | None = None,
) -> IssueEventRecord:
    record = IssueEventRecord(
        id=state.next_id(),
        event=event,
        actor=actor,
        created_at=issue.closed_at if event == "closed" and issue.closed_at else utcnow(),
        commit_id=commit_id,
        label_name=label_name,
        label_color=label_color,
    )
    issue.events.append(record)
    return record


def record_labels_added(
    state: SandboxState, repo: Repo, issue: Issue, before: list[int], actor: User
) -> None:
    """A ``labeled`` event for each label ``issue`` has now and did not have ``before``."""
    for label_id in issue.label_ids:
        label = repo.labels.get(label_id)
        if label_id not in before and label is not None:
            record_issue_event(
                state, issue, "labeled", actor, label_name=label.name, label_color=label.color
            )


def issue_event_object(objects: Objects, repo: Repo, record: IssueEventRecord) -> dict[str, Any]:
    root = objects.root
    commit_url = (
        f"{root}/repos/{repo.full_name}/commits/{record.commit_id}" if record.commit_id else None
    )
    body: dict[str, Any] = {
        "id": record.id,
        "node_id": node_id("IE", record.id),
        "url": f"{root}/repos/{repo.full_name}/issues/events/{record.id}",
        "actor": objects.user(record.actor),
        "event": record.event,
        "commit_id": record.commit_id,
        "commit_url": commit_url,
        "created_at": iso(record.created_at),
        "performed_via_github_app": None,
    }
    if record.event == "closed":
        body["state_reason"] = "completed"
    if record.label_name is not None:
        body["label"] = {"name": record.label_name, "color": record.label_color}
    return body


def pull_request_object(objects: Objects, repo: Repo, pull: PullRequest) -> dict[str, Any]:
    """A ``pull-request-simple`` of a merged pull request into the default branch."""
    root, name = objects.root, repo.full_name
    api = f"{root}/repos/{name}/pulls/{pull.number}"
    html = f"{root}/{name}/pull/{pull.number}"
    base_ref = {
        "label": f"{repo.owner.login}:{repo.default_branch}",
        "ref": repo.default_branch,
        "repo": objects.repo(repo),
        "sha": pull.merge_commit_sha,
        "user": objects.user(repo.owner),
    }
    links = {
        key: {"href": href}
        for key, href in {
            "comments": f"{root}/repos/{name}/issues/{pull.number}/comments",
            "commits": f"{api}/commits",
            "statuses": f"{root}/repos/{name}/statuses/{pull.merge_commit_sha}",
            "html": html,
            "issue": f"{root}/repos/{name}/issues/{pull.number}",
            "review_comments": f"{api}/comments",
            "review_comment": f"{root}/repos/{name}/pulls/comments{{/number}}",
            "self": api,
        }.items()
    }
    return {
        "url": api,
        "id": pull.id,
        "node_id": node_id("PR", pull.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": f"{root}/repos/{name}/issues/{pull.number}",
        "commits_url": f"{api}/commits",
        "review_comments_url": f"{api}/comments",
        "review_comment_url": f"{root}/repos/{name}/pulls/comments{{/number}}",
        "comments_url": f"{root}/repos/{name}/issues/{pull.number}/comments",
        "statuses_url": f"{root}/repos/{name}/statuses/{pull.merge_commit_sha}",
        "number": pull.number,
        "state": "closed",
        "locked": False,
        "title": pull.title,
        "user": objects.user(pull.user),
        "body": None,
        "labels": [],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": iso(pull.created_at),
        "updated_at": iso(pull.merged_at),
        "closed_at": iso(pull.merged_at),
        "merged_at": iso(pull.merged_at),
        "merge_commit_sha": pull.merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": {**base_ref, "label": f"{pull.user.login}:fix-{pull.number}"}
        | {"ref": f"fix-{pull.number}"},
        "base": base_ref,
        "_links": links,
        "author_association": objects.association(repo, pull.user),
        "auto_merge": None,
        "draft": False,
    }


@router.get("/repos/{owner}/{repo}/issues/{number:int}/events")
async def list_issue_events(request: Request, owner: str, repo: str, number: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("issues")
    found = access.repo
    objects = Objects(access.state)
    events = found.issue(number).events
    return page_response(request, [issue_event_object(objects, found, e) for e in events])


@router.get("/repos/{owner}/{repo}/commits/{sha}/pulls")
async def list_commit_pulls(request: Request, owner: str, repo: str, sha: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("contents")
    found = access.repo
    objects = Objects(access.state)
    pulls = [p for p in found.pulls.values() if p.merge_commit_sha.startswith(sha)]
    if len(sha) < 7:
        pulls = []
    return json_response([pull_request_object(objects, found, p) for p in pulls])

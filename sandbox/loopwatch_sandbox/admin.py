"""The admin API under ``/_sandbox/``: set the world up and act as people (with webhooks)."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from loopwatch_sandbox.actions import workflow_run_of
from loopwatch_sandbox.auth import sandbox
from loopwatch_sandbox.comments import add_comment
from loopwatch_sandbox.deliveries import deliver, event_payload, installation_payload
from loopwatch_sandbox.errors import GitHubError, not_found
from loopwatch_sandbox.issue_events import record_issue_event
from loopwatch_sandbox.issues import set_state
from loopwatch_sandbox.labels import resolve
from loopwatch_sandbox.objects import Objects
from loopwatch_sandbox.state import (
    Artifact,
    Commit,
    Issue,
    PullRequest,
    Reaction,
    Repo,
    SandboxState,
    User,
    WorkflowRun,
    utcnow,
)
from loopwatch_sandbox.validation import MAX_BODY

router = APIRouter(prefix="/_sandbox")
Role = Literal["admin", "maintain", "write", "triage", "read"]


class RepoIn(BaseModel):
    full_name: str
    default_branch: str = "main"
    installation_id: int | None = None
    installed: bool = True
    private: bool = True
    # Deliver the installation webhook GitHub would send (off: most tests don't want it).
    send_installation_event: bool = False


class FileIn(BaseModel):
    path: str
    content: str
    ref: str | None = None
    encoding: Literal["utf-8", "base64"] = "utf-8"


class UserIn(BaseModel):
    login: str
    type: Literal["User", "Bot", "Organization"] = "User"


class CollaboratorIn(BaseModel):
    permission: Role


class IssueIn(BaseModel):
    user: str
    title: str
    body: str | None = None
    labels: list[str] = Field(default_factory=list)


class CommentIn(BaseModel):
    user: str
    body: str = Field(max_length=MAX_BODY)


class CloseIn(BaseModel):
    user: str
    state_reason: Literal["completed", "not_planned", "duplicate"] = "completed"
    # Closed by a commit, or by merging this pull request (its merge commit: ``commit_id``,
    # made up when not given); the issue's ``closed`` event then names the commit.
    commit_id: str | None = Field(default=None, pattern="^[0-9a-f]{40}$")
    pull_request: int | None = Field(default=None, ge=1)
    pull_request_title: str | None = None


class ReactionIn(BaseModel):
    user: str
    content: Literal["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]


class RerequestIn(BaseModel):
    user: str


class CommitIn(BaseModel):
    message: str = "commit"
    sha: str | None = None
    parents: list[str] | None = None  # default: the branch's head
    branch: str | None = None  # default: the default branch
    author: str = "octocat"
    files: list[str] = Field(default_factory=list)


class ArtifactIn(BaseModel):
    name: str
    files: dict[str, str] = Field(default_factory=dict)  # zipped for you
    zip_base64: str | None = None  # or the zip itself
    expired: bool = False


class WorkflowRunIn(BaseModel):
    head_sha: str
    head_branch: str = "main"
    name: str = "CI"
    path: str = ".github/workflows/ci.yml"
    event: str = "push"
    conclusion: str = "success"
    pull_request: int | None = None  # a fork's pull request is left out of the payload
    actor: str = "octocat"
    artifacts: list[ArtifactIn] = Field(default_factory=list)
    # Send the ``workflow_run`` ``completed`` webhook GitHub sends when a run ends.
    deliver: bool = False


class AttemptIn(BaseModel):
    """A re-run: the next attempt of a workflow run, with the artifacts it uploaded."""

    conclusion: str = "success"
    artifacts: list[ArtifactIn] = Field(default_factory=list)
    deliver: bool = True


@router.post("/repos", status_code=201)
async def create_repo(request: Request, body: RepoIn) -> dict[str, Any]:
    state = sandbox(request)
    owner = body.full_name.partition("/")[0].lower()
    first = not any(r.owner.login.lower() == owner for r in state.repos.values())
    repo = state.create_repo(
        body.full_name, body.default_branch, body.installation_id, body.installed, body.private
    )
    answer: dict[str, Any] = {
        "id": repo.id,
        "full_name": repo.full_name,
        "installation_id": repo.installation_id,
        "html_url": f"{state.config.root}/{repo.full_name}",
    }
    if body.send_installation_event and repo.installation_id is not None:
        event, payload = installation_payload(state, repo, first)
        answer["delivery"] = await deliver(state, event, payload)
    return answer


@router.put("/repos/{owner}/{repo}/files")
async def put_file(request: Request, owner: str, repo: str, body: FileIn) -> dict[str, Any]:
    found = sandbox(request).repo(owner, repo)
    data = base64.b64decode(body.content) if body.encoding == "base64" else body.content.encode()
    ref = body.ref or found.default_branch
    found.files.setdefault(ref, {})[body.path.strip("/")] = data
    return {"path": body.path.strip("/"), "ref": ref, "size": len(data)}


@router.post("/users", status_code=201)
async def create_user(request: Request, body: UserIn) -> dict[str, Any]:
    user = sandbox(request).ensure_user(body.login, body.type)
    return {"login": user.login, "id": user.id, "type": user.type}


@router.put("/repos/{owner}/{repo}/collaborators/{login}")
async def set_collaborator(
    request: Request, owner: str, repo: str, login: str, body: CollaboratorIn
) -> dict[str, Any]:
    state = sandbox(request)
    user = state.ensure_user(login)
    state.repo(owner, repo).collaborators[user.login.lower()] = body.permission
    return {"login": user.login, "permission": body.permission}


@router.post("/repos/{owner}/{repo}/issues", status_code=201)
async def open_issue_as(request: Request, owner: str, repo: str, body: IssueIn) -> dict[str, Any]:
    """A person opens an issue (sends an ``issues`` ``opened`` webhook)."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    user = state.ensure_user(body.user)
    now = utcnow()
    issue = Issue(
        id=state.next_id(),
        number=found.next_number,
        title=body.title,
        body=body.body,
        user=user,
        created_at=now,
        updated_at=now,
        label_ids=resolve(state, found, body.labels),
    )
    found.next_number += 1
    found.issues[issue.number] = issue
    payload = Objects(state).issue(found, issue)
    delivery = await deliver(
        state, "issues", event_payload(state, found, "opened", user, {"issue": payload})
    )
    return {"issue": payload, "delivery": delivery}


@router.post("/repos/{owner}/{repo}/issues/{number:int}/comments", status_code=201)
async def comment_as(
    request: Request, owner: str, repo: str, number: int, body: CommentIn
) -> dict[str, Any]:
    """A person comments; an ``issue_comment`` ``created`` webhook is delivered."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    issue = found.issue(number)
    user = state.ensure_user(body.user)
    comment = add_comment(state, found, issue, user, body.body, via_app=False)
    objects = Objects(state)
    payload = event_payload(
        state,
        found,
        "created",
        user,
        {"issue": objects.issue(found, issue), "comment": objects.comment(found, comment)},
    )
    delivery = await deliver(state, "issue_comment", payload)
    return {"comment": objects.comment(found, comment), "delivery": delivery}


@router.post("/repos/{owner}/{repo}/issues/comments/{comment_id:int}/edit")
async def edit_comment_as(
    request: Request, owner: str, repo: str, comment_id: int, body: CommentIn
) -> dict[str, Any]:
    """The author rewrites a comment; ``issue_comment`` ``edited`` (with the old body)."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    comment = found.comment(comment_id)
    user = state.ensure_user(body.user)
    if user.login.lower() != comment.user.login.lower():
        raise GitHubError(403, f"{user.login} cannot edit a comment by {comment.user.login}")
    issue = found.issue(comment.issue_number)
    old_body = comment.body
    comment.body = body.body
    comment.updated_at = issue.updated_at = utcnow()
    objects = Objects(state)
    content = {
        "changes": {"body": {"from": old_body}},
        "issue": objects.issue(found, issue),
        "comment": objects.comment(found, comment),
    }
    payload = event_payload(state, found, "edited", user, content)
    delivery = await deliver(state, "issue_comment", payload)
    return {"comment": content["comment"], "delivery": delivery}


@router.post("/repos/{owner}/{repo}/issues/{number:int}/edit")
async def edit_as(
    request: Request, owner: str, repo: str, number: int, body: CommentIn
) -> dict[str, Any]:
    """A person rewrites the issue body; an ``issues`` ``edited`` webhook is delivered."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    issue = found.issue(number)
    user = state.ensure_user(body.user)
    old_body = issue.body
    issue.body = body.body
    issue.updated_at = utcnow()
    payload = Objects(state).issue(found, issue)
    changes = {"changes": {"body": {"from": old_body or ""}}, "issue": payload}
    delivery = await deliver(state, "issues", event_payload(state, found, "edited", user, changes))
    return {"issue": payload, "delivery": delivery}


@router.post("/repos/{owner}/{repo}/issues/{number:int}/close")
async def close_as(
    request: Request, owner: str, repo: str, number: int, body: CloseIn
) -> dict[str, Any]:
    """A person closes the issue; an ``issues`` ``closed`` webhook is delivered."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    issue = found.issue(number)
    user = state.ensure_user(body.user)
    was_open = issue.state != "closed"
    set_state(issue, "closed", body.state_reason, user)
    commit_id = _closing_commit(state, found, number, body, user)
    if was_open:
        record_issue_event(state, issue, "closed", user, commit_id=commit_id)
    payload = Objects(state).issue(found, issue)
    delivery = await deliver(
        state, "issues", event_payload(state, found, "closed", user, {"issue": payload})
    )
    return {"issue": payload, "delivery": delivery, "commit_id": commit_id}


def _closing_commit(
    state: SandboxState, repo: Repo, number: int, body: CloseIn, user: User
) -> str | None:
    """The commit that closed the issue; with ``pull_request``, record that PR as merged."""
    commit_id = body.commit_id
    if body.pull_request is None:
        return commit_id
    if commit_id is None:
        seed = f"{repo.full_name}:pull:{body.pull_request}:closes:{number}"
        commit_id = hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()
    now = utcnow()
    opened = repo.pulls.get(body.pull_request)
    if opened is not None and opened.has_issue:  # a pull request a person opened: merge it
        opened.merge_commit_sha, opened.merged_at, opened.state = commit_id, now, "closed"
        set_state(repo.issue(opened.number), "closed", None, user)
        return commit_id
    repo.pulls[body.pull_request] = PullRequest(
        id=state.next_id(),
        number=body.pull_request,
        title=body.pull_request_title or f"Fix #{number}",
        user=user,
        merge_commit_sha=commit_id,
        created_at=now,
        merged_at=now,
    )
    return commit_id


@router.post("/repos/{owner}/{repo}/issues/comments/{comment_id:int}/reactions", status_code=201)
async def react_as(
    request: Request, owner: str, repo: str, comment_id: int, body: ReactionIn
) -> dict[str, Any]:
    state = sandbox(request)
    comment = state.repo(owner, repo).comment(comment_id)
    user = state.ensure_user(body.user)
    reaction = Reaction(id=state.next_id(), user=user, content=body.content, created_at=utcnow())
    comment.reactions.append(reaction)
    return Objects(state).reaction(reaction)


@router.post("/repos/{owner}/{repo}/check-runs/{run_id:int}/rerequest")
async def rerequest_check_run_as(
    request: Request, owner: str, repo: str, run_id: int, body: RerequestIn
) -> dict[str, Any]:
    """A person presses "Re-run" on a check run; a ``check_run`` ``rerequested`` webhook is
    delivered (``pull_requests`` empty for a fork's pull request, as on GitHub)."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    run = found.check_runs.get(run_id)
    if run is None:
        raise not_found()
    user = state.ensure_user(body.user)
    check_run = Objects(state).check_run_event(found, run)
    payload = event_payload(state, found, "rerequested", user, {"check_run": check_run})
    return {"check_run": check_run, "delivery": await deliver(state, "check_run", payload)}


@router.post("/repos/{owner}/{repo}/commits", status_code=201)
async def add_commit(request: Request, owner: str, repo: str, body: CommitIn) -> dict[str, Any]:
    """Record a commit (for ``compare``); it becomes the head of its branch."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    branch = body.branch or found.default_branch
    parents = body.parents
    if parents is None:
        parents = [found.branches[branch]] if branch in found.branches else []
    sha = (
        body.sha
        or hashlib.sha1(
            f"{found.full_name}:{len(found.commits)}:{body.message}".encode(), usedforsecurity=False
        ).hexdigest()
    )
    found.commits[sha] = Commit(sha, body.message, parents, body.author, utcnow(), body.files)
    found.branches[branch] = sha
    return {"sha": sha, "branch": branch, "parents": parents}


@router.post("/repos/{owner}/{repo}/actions/runs", status_code=201)
async def add_workflow_run(
    request: Request, owner: str, repo: str, body: WorkflowRunIn
) -> dict[str, Any]:
    """A finished workflow run with artifacts (``files`` are zipped for you); with
    ``deliver``, the ``workflow_run`` ``completed`` webhook."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    number = 1 + sum(1 for r in found.workflow_runs.values() if r.path == body.path)
    run = WorkflowRun(
        state.next_id(),
        body.head_sha,
        body.head_branch,
        body.name,
        path=body.path,
        event=body.event,
        conclusion=body.conclusion,
        run_number=number,
        pull_request=body.pull_request,
        actor=body.actor,
    )
    found.workflow_runs[run.id] = run
    made = _add_artifacts(state, found, run, body.artifacts)
    answer: dict[str, Any] = {"run_id": run.id, "run_attempt": 1, "artifacts": made}
    if body.deliver:
        answer["delivery"] = await _deliver_run(state, found, run)
    return answer


@router.post("/repos/{owner}/{repo}/actions/runs/{run_id:int}/attempts", status_code=201)
async def add_attempt(
    request: Request, owner: str, repo: str, run_id: int, body: AttemptIn
) -> dict[str, Any]:
    """The run's next attempt ends (a re-run), with the artifacts that attempt uploaded."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    run = workflow_run_of(found, run_id)
    run.run_attempt += 1
    run.conclusion = body.conclusion
    run.updated_at = utcnow()
    made = _add_artifacts(state, found, run, body.artifacts)
    answer: dict[str, Any] = {"run_id": run.id, "run_attempt": run.run_attempt, "artifacts": made}
    if body.deliver:
        answer["delivery"] = await _deliver_run(state, found, run)
    return answer


@router.post("/repos/{owner}/{repo}/actions/runs/{run_id:int}/deliveries", status_code=201)
async def redeliver_run(request: Request, owner: str, repo: str, run_id: int) -> dict[str, Any]:
    """Send the run's ``workflow_run`` ``completed`` webhook (again), as of its latest attempt."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    return {"delivery": await _deliver_run(state, found, workflow_run_of(found, run_id))}


def _add_artifacts(
    state: SandboxState, repo: Repo, run: WorkflowRun, specs: list[ArtifactIn]
) -> list[dict[str, Any]]:
    made = []
    for spec in specs:
        data = base64.b64decode(spec.zip_base64) if spec.zip_base64 else _zip(spec.files)
        now = utcnow()
        expires = now - timedelta(days=1) if spec.expired else now + timedelta(days=90)
        artifact = Artifact(
            state.next_id(), run.id, spec.name, data, now, expires, run_attempt=run.run_attempt
        )
        repo.artifacts[artifact.id] = artifact
        made.append({"id": artifact.id, "name": artifact.name, "size": len(data)})
    return made


async def _deliver_run(state: SandboxState, repo: Repo, run: WorkflowRun) -> dict[str, Any]:
    objects = Objects(state)
    sender = state.find_user(run.actor) or repo.owner
    payload = event_payload(
        state,
        repo,
        "completed",
        sender,
        {"workflow_run": objects.workflow_run(repo, run), "workflow": objects.workflow(repo, run)},
    )
    return await deliver(state, "workflow_run", payload)


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()

"""Pull requests: the REST reads, and people opening and reviewing them (admin API).

On GitHub a pull request is also an issue: it takes the next issue number, its issue carries
a ``pull_request`` link, and comments on it are issue comments (``issue_comment`` webhooks).
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from loopwatch_sandbox.auth import repo_access, sandbox
from loopwatch_sandbox.deliveries import deliver, event_payload
from loopwatch_sandbox.errors import GitHubError
from loopwatch_sandbox.objects import Objects
from loopwatch_sandbox.state import Issue, PullRequest, Repo, Review, SandboxState, User, utcnow
from loopwatch_sandbox.validation import MAX_BODY, one_of
from loopwatch_sandbox.web import json_response, page_response

router = APIRouter()
people = APIRouter(prefix="/_sandbox")

REVIEW_STATES = {
    "COMMENT": "COMMENTED",
    "APPROVE": "APPROVED",
    "REQUEST_CHANGES": "CHANGES_REQUESTED",
}


class PullIn(BaseModel):
    user: str
    title: str = Field(min_length=1, max_length=256)
    body: str | None = Field(default=None, max_length=MAX_BODY)
    head_sha: str | None = Field(default=None, pattern="^[0-9a-f]{40}$")
    head_branch: str | None = None  # default: patch-<number>
    base_branch: str | None = None  # default: the repository's default branch ("main")
    from_fork: bool = False


class ReviewIn(BaseModel):
    user: str
    body: str = Field(default="", max_length=MAX_BODY)
    event: Literal["COMMENT", "APPROVE", "REQUEST_CHANGES"] = "COMMENT"


class ReviewEditIn(BaseModel):
    user: str
    body: str = Field(max_length=MAX_BODY)


def made_up_sha(*parts: object) -> str:
    seed = ":".join(str(p) for p in parts)
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


# REST ----------------------------------------------------------------------------------


@router.get("/repos/{owner}/{repo}/pulls")
async def list_pulls(request: Request, owner: str, repo: str) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("pull_requests")
    wanted = one_of(
        request.query_params.get("state", "open"), ("open", "closed", "all"), "PullRequest", "state"
    )
    pulls = sorted(access.repo.pulls.values(), key=lambda p: p.number, reverse=True)
    objects = Objects(access.state)
    rendered = [objects.pull_request(access.repo, p) for p in pulls]
    head = request.query_params.get("head")  # "user:ref", as GitHub filters
    chosen = [
        p
        for p in rendered
        if wanted in ("all", p["state"]) and (head is None or _same_label(p["head"]["label"], head))
    ]
    return page_response(request, chosen)


def _same_label(label: str, wanted: str) -> bool:
    owner, _, ref = label.partition(":")
    wanted_owner, _, wanted_ref = wanted.partition(":")
    return owner.lower() == wanted_owner.lower() and (not wanted_ref or ref == wanted_ref)


@router.get("/repos/{owner}/{repo}/pulls/{number:int}")
async def get_pull(request: Request, owner: str, repo: str, number: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("pull_requests")
    pull = access.repo.pull(number)
    return json_response(Objects(access.state).pull_request(access.repo, pull))


@router.get("/repos/{owner}/{repo}/pulls/{number:int}/reviews")
async def list_reviews(request: Request, owner: str, repo: str, number: int) -> JSONResponse:
    access = repo_access(request, owner, repo)
    access.require("pull_requests")
    pull = access.repo.pull(number)
    objects = Objects(access.state)
    return page_response(
        request, [objects.review(access.repo, pull, r) for r in pull.reviews.values()]
    )


# people (admin API) -------------------------------------------------------------------


def open_pull(state: SandboxState, repo: Repo, user: User, spec: PullIn) -> PullRequest:
    """Store the pull request and its issue under the next free number."""
    number = repo.next_number
    while number in repo.issues or number in repo.pulls:  # merged PRs an admin close recorded
        number += 1
    repo.next_number = number + 1
    now = utcnow()
    head_ref = spec.head_branch or f"patch-{number}"
    head_sha = spec.head_sha or repo.branches.get(head_ref) or made_up_sha(repo.full_name, head_ref)
    repo.issues[number] = Issue(
        id=state.next_id(),
        number=number,
        title=spec.title,
        body=spec.body,
        user=user,
        created_at=now,
        updated_at=now,
        is_pull_request=True,
    )
    pull = PullRequest(
        id=state.next_id(),
        number=number,
        title=spec.title,
        user=user,
        merge_commit_sha=made_up_sha(repo.full_name, "pull", number, "merge"),
        created_at=now,
        body=spec.body,
        head_sha=head_sha,
        head_ref=head_ref,
        base_ref=spec.base_branch or repo.default_branch,
        from_fork=spec.from_fork,
        fork_repo_id=state.next_id() if spec.from_fork else 0,
        state="open",
        has_issue=True,
    )
    repo.pulls[number] = pull
    return pull


@people.post("/repos/{owner}/{repo}/pulls", status_code=201)
async def open_pull_as(request: Request, owner: str, repo: str, body: PullIn) -> dict[str, Any]:
    """A person opens a pull request; a ``pull_request`` ``opened`` webhook is delivered."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    user = state.ensure_user(body.user)
    pull = open_pull(state, found, user, body)
    payload = Objects(state).pull_request(found, pull)
    objects = {"number": pull.number, "pull_request": payload}
    event = event_payload(state, found, "opened", user, objects)
    return {"pull_request": payload, "delivery": await deliver(state, "pull_request", event)}


@people.post("/repos/{owner}/{repo}/pulls/{number:int}/reviews", status_code=201)
async def review_as(
    request: Request, owner: str, repo: str, number: int, body: ReviewIn
) -> dict[str, Any]:
    """A person submits a review; a ``pull_request_review`` ``submitted`` webhook is delivered."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    pull = found.pull(number)
    user = state.ensure_user(body.user)
    if body.event != "COMMENT" and user.login.lower() == pull.user.login.lower():
        verb = "approve" if body.event == "APPROVE" else "request changes on"
        raise GitHubError(422, f"Unprocessable Entity: Can not {verb} your own pull request")
    if body.event != "APPROVE" and not body.body.strip():
        raise GitHubError(422, f"Unprocessable Entity: Review body is required for {body.event}")
    review = Review(
        id=state.next_id(),
        user=user,
        body=body.body,
        state=REVIEW_STATES[body.event],
        commit_id=pull.head_sha or pull.merge_commit_sha,
        submitted_at=utcnow(),
    )
    pull.reviews[review.id] = review
    return await _deliver_review(state, found, pull, review, "submitted", {})


@people.post("/repos/{owner}/{repo}/pulls/{number:int}/reviews/{review_id:int}/edit")
async def edit_review_as(
    request: Request, owner: str, repo: str, number: int, review_id: int, body: ReviewEditIn
) -> dict[str, Any]:
    """The reviewer rewrites the review body; ``pull_request_review`` ``edited`` is delivered."""
    state = sandbox(request)
    found = state.repo(owner, repo)
    pull = found.pull(number)
    review = pull.reviews.get(review_id)
    if review is None:
        raise GitHubError(404, "Not Found")
    user = state.ensure_user(body.user)
    if user.login.lower() != review.user.login.lower():
        raise GitHubError(403, f"{user.login} cannot edit a review by {review.user.login}")
    old_body, review.body = review.body, body.body
    changes = {"changes": {"body": {"from": old_body}}}
    return await _deliver_review(state, found, pull, review, "edited", changes)


async def _deliver_review(
    state: SandboxState,
    repo: Repo,
    pull: PullRequest,
    review: Review,
    action: str,
    extra: dict[str, Any],
) -> dict[str, Any]:
    objects = Objects(state)
    answer = objects.review(repo, pull, review)
    hooked = {**answer, "state": review.state.lower()}  # webhooks spell the state in lower case
    content = {**extra, "review": hooked, "pull_request": objects.pull_request(repo, pull)}
    payload = event_payload(state, repo, action, review.user, content)
    return {"review": answer, "delivery": await deliver(state, "pull_request_review", payload)}

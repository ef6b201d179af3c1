"""People on pull requests and edited comments (admin API): state, webhooks, githubkit models."""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest
from githubkit.exception import RequestFailed
from githubkit.webhooks import parse_obj
from githubkit_schemas.latest.models import (
    IssueComment,
    IssuePropPullRequest,
    PullRequestReview,
    PullRequestSimple,
    SimpleInstallation,
    WebhookIssueCommentCreated,
    WebhookIssueCommentEdited,
    WebhookPullRequestOpened,
    WebhookPullRequestReviewEdited,
    WebhookPullRequestReviewSubmitted,
)
from loopwatch_sandbox import SandboxState

from tests.sandbox.conftest import Clients

pytestmark = pytest.mark.anyio
OWNER, NAME = "acme", "widgets"
ADMIN = f"/_sandbox/repos/{OWNER}/{NAME}"
HEAD_SHA = "c0ffee00" * 5


def last_delivery(state: SandboxState) -> dict[str, Any]:
    delivery: dict[str, Any] = state.deliveries[-1]
    return delivery


async def open_pull(admin: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    spec = {"user": "alice", "title": "Fix the flaky socket", **fields}
    answer = await admin.post(f"{ADMIN}/pulls", json=spec)
    assert answer.status_code == 201, answer.text
    pull: dict[str, Any] = answer.json()["pull_request"]
    return pull


async def comment(admin: httpx.AsyncClient, number: int, user: str, body: str) -> int:
    answer = await admin.post(
        f"{ADMIN}/issues/{number}/comments", json={"user": user, "body": body}
    )
    assert answer.status_code == 201, answer.text
    comment_id: int = answer.json()["comment"]["id"]
    return comment_id


# edited comments -------------------------------------------------------------------------


async def test_the_author_edits_a_comment_and_issue_comment_edited_carries_the_old_body(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    comment_id = await comment(admin, 1, "alice", "/mute")
    answer = await admin.post(
        f"{ADMIN}/issues/comments/{comment_id}/edit",
        json={"user": "alice", "body": "/mute\n/flaky"},
    )
    assert answer.status_code == 200, answer.text
    stored = await gh.installation.rest.issues.async_get_comment(OWNER, NAME, comment_id)
    assert stored.parsed_data.body == "/mute\n/flaky"
    delivery = last_delivery(state)
    assert (delivery["event"], delivery["action"]) == ("issue_comment", "edited")
    payload = delivery["payload"]
    assert payload["changes"] == {"body": {"from": "/mute"}}
    assert payload["comment"]["body"] == "/mute\n/flaky"
    assert payload["sender"]["login"] == "alice"
    event = parse_obj("issue_comment", payload)
    assert isinstance(event, WebhookIssueCommentEdited)
    assert event.changes.body and event.changes.body.from_ == "/mute"
    assert event.issue.number == 1 and not event.issue.pull_request


async def test_editing_someone_elses_comment_is_refused(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="t")
    comment_id = await comment(admin, 1, "alice", "/mute")
    delivered = len(state.deliveries)
    answer = await admin.post(
        f"{ADMIN}/issues/comments/{comment_id}/edit", json={"user": "mallory", "body": "/resolve"}
    )
    assert answer.status_code == 403
    assert answer.json()["message"] == "mallory cannot edit a comment by alice"
    stored = await gh.installation.rest.issues.async_get_comment(OWNER, NAME, comment_id)
    assert stored.parsed_data.body == "/mute"
    assert len(state.deliveries) == delivered


async def test_editing_an_unknown_comment_is_404(gh: Clients, admin: httpx.AsyncClient) -> None:
    answer = await admin.post(f"{ADMIN}/issues/comments/999/edit", json={"user": "a", "body": "x"})
    assert answer.status_code == 404
    answer = await admin.post(
        "/_sandbox/repos/acme/nope/issues/comments/1/edit", json={"user": "a", "body": "x"}
    )
    assert answer.status_code == 404


# pull requests -----------------------------------------------------------------------------


async def test_a_pull_request_is_an_issue_with_the_next_number(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="an issue first")
    opened = await open_pull(admin, body="Fixes #1", head_sha=HEAD_SHA, head_branch="fix-socket")
    assert opened["number"] == 2
    issue = (await gh.installation.rest.issues.async_get(OWNER, NAME, 2)).parsed_data
    assert issue.title == "Fix the flaky socket" and issue.body == "Fixes #1"
    assert issue.pull_request is not None
    assert isinstance(issue.pull_request, IssuePropPullRequest)
    assert issue.pull_request.url == "http://sandbox/repos/acme/widgets/pulls/2"
    assert issue.pull_request.html_url == "http://sandbox/acme/widgets/pull/2"
    assert issue.pull_request.diff_url == "http://sandbox/acme/widgets/pull/2.diff"
    assert issue.pull_request.merged_at is None
    plain = (await gh.installation.rest.issues.async_get(OWNER, NAME, 1)).parsed_data
    assert not plain.pull_request
    pull = (await gh.installation.rest.pulls.async_get(OWNER, NAME, 2)).parsed_data
    assert (pull.number, pull.state, pull.merged, pull.user.login) == (2, "open", False, "alice")
    assert (pull.head.sha, pull.head.ref, pull.base.ref) == (HEAD_SHA, "fix-socket", "main")
    assert pull.head.repo is not None and pull.head.repo.full_name == "acme/widgets"
    next_issue = await gh.installation.rest.issues.async_create(OWNER, NAME, title="after")
    assert next_issue.parsed_data.number == 3


async def test_opening_a_pull_request_delivers_pull_request_opened(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    await open_pull(admin, head_sha=HEAD_SHA)
    delivery = last_delivery(state)
    assert (delivery["event"], delivery["action"]) == ("pull_request", "opened")
    payload = delivery["payload"]
    assert payload["number"] == 1 and payload["sender"]["login"] == "alice"
    event = parse_obj("pull_request", payload)
    assert isinstance(event, WebhookPullRequestOpened)
    assert event.pull_request.head.sha == HEAD_SHA
    assert event.pull_request.head.ref == "patch-1"
    assert event.pull_request.base.ref == "main"
    assert isinstance(event.installation, SimpleInstallation)
    assert event.installation is not None and event.installation.id == gh.installation_id


async def test_a_fork_pull_request_has_its_head_in_the_fork(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    await open_pull(admin, user="outsider", from_fork=True, base_branch="release")
    pull = (await gh.installation.rest.pulls.async_get(OWNER, NAME, 1)).parsed_data
    assert pull.head.repo is not None
    assert (pull.head.repo.full_name, pull.head.repo.fork) == ("outsider/widgets", True)
    assert pull.head.label == "outsider:patch-1"
    assert (pull.base.repo.full_name, pull.base.ref) == ("acme/widgets", "release")
    assert pull.author_association == "NONE"


async def test_comments_on_a_pull_request_carry_issue_pull_request(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    await open_pull(admin)
    comment_id = await comment(admin, 1, "bob", "/rerun")
    created = last_delivery(state)
    assert (created["event"], created["action"]) == ("issue_comment", "created")
    assert created["payload"]["issue"]["pull_request"]["url"].endswith("/pulls/1")
    event = parse_obj("issue_comment", created["payload"])
    assert isinstance(event, WebhookIssueCommentCreated) and event.issue.pull_request
    await admin.post(
        f"{ADMIN}/issues/comments/{comment_id}/edit", json={"user": "bob", "body": "/rerun\n/help"}
    )
    edited = parse_obj("issue_comment", last_delivery(state)["payload"])
    assert isinstance(edited, WebhookIssueCommentEdited) and edited.issue.pull_request
    listed = await gh.installation.rest.issues.async_list_comments(OWNER, NAME, 1)
    comments = cast("list[IssueComment]", listed.parsed_data)
    assert [c.body for c in comments] == ["/rerun\n/help"]


async def test_list_pulls_filters_by_state(gh: Clients, admin: httpx.AsyncClient) -> None:
    await open_pull(admin, title="first")
    await open_pull(admin, title="second")
    listed = await gh.installation.rest.pulls.async_list(OWNER, NAME, state="open")
    assert [p.title for p in cast("list[PullRequestSimple]", listed.parsed_data)] == [
        "second",
        "first",
    ]
    closed = await gh.installation.rest.pulls.async_list(OWNER, NAME, state="closed")
    assert closed.parsed_data == []


async def test_closing_an_issue_by_an_opened_pull_request_merges_it(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    await gh.installation.rest.issues.async_create(OWNER, NAME, title="bug")
    await open_pull(admin, body="Fixes #1")
    closed = await admin.post(f"{ADMIN}/issues/1/close", json={"user": "ana", "pull_request": 2})
    assert closed.status_code == 200, closed.text
    answer = await gh.installation.rest.pulls.async_get(OWNER, NAME, 2)
    assert (answer.parsed_data.state, answer.parsed_data.merged) == ("closed", True)
    # the raw body: this API version's PullRequest schema leaves merge_commit_sha out
    assert answer.raw_response.json()["merge_commit_sha"] == closed.json()["commit_id"]
    issue = (await gh.installation.rest.issues.async_get(OWNER, NAME, 2)).parsed_data
    assert issue.state == "closed" and issue.pull_request and issue.pull_request.merged_at


async def test_unknown_pull_requests_are_404(gh: Clients, admin: httpx.AsyncClient) -> None:
    with pytest.raises(RequestFailed) as failed:
        await gh.installation.rest.pulls.async_get(OWNER, NAME, 7)
    assert failed.value.response.status_code == 404
    review = {"user": "bob", "body": "hm", "event": "COMMENT"}
    assert (await admin.post(f"{ADMIN}/pulls/7/reviews", json=review)).status_code == 404
    edit = {"user": "bob", "body": "hm"}
    assert (await admin.post(f"{ADMIN}/pulls/7/reviews/1/edit", json=edit)).status_code == 404
    missing_repo = {"user": "bob", "title": "t"}
    answer = await admin.post("/_sandbox/repos/acme/nope/pulls", json=missing_repo)
    assert answer.status_code == 404


# reviews -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "rest_state"),
    [("COMMENT", "COMMENTED"), ("APPROVE", "APPROVED"), ("REQUEST_CHANGES", "CHANGES_REQUESTED")],
)
async def test_a_review_delivers_pull_request_review_submitted(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState, event: str, rest_state: str
) -> None:
    await open_pull(admin, head_sha=HEAD_SHA)
    answer = await admin.post(
        f"{ADMIN}/pulls/1/reviews", json={"user": "bob", "body": "/mute for 7d", "event": event}
    )
    assert answer.status_code == 201, answer.text
    delivery = last_delivery(state)
    assert (delivery["event"], delivery["action"]) == ("pull_request_review", "submitted")
    payload = delivery["payload"]
    assert payload["review"]["state"] == rest_state.lower()
    assert payload["review"]["body"] == "/mute for 7d"
    assert payload["review"]["commit_id"] == HEAD_SHA
    assert payload["pull_request"]["number"] == 1
    parsed = parse_obj("pull_request_review", payload)
    assert isinstance(parsed, WebhookPullRequestReviewSubmitted)
    assert parsed.review.user and parsed.review.user.login == "bob"
    reviews = await gh.installation.rest.pulls.async_list_reviews(OWNER, NAME, 1)
    listed = cast("list[PullRequestReview]", reviews.parsed_data)
    assert [(r.state, r.body) for r in listed] == [(rest_state, "/mute for 7d")]


async def test_the_author_cannot_approve_their_own_pull_request(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    await open_pull(admin)
    own = {"user": "alice", "body": "", "event": "APPROVE"}
    answer = await admin.post(f"{ADMIN}/pulls/1/reviews", json=own)
    assert answer.status_code == 422
    assert "your own pull request" in answer.json()["message"]
    empty = {"user": "bob", "body": " ", "event": "COMMENT"}
    assert (await admin.post(f"{ADMIN}/pulls/1/reviews", json=empty)).status_code == 422


async def test_the_reviewer_edits_a_review_and_others_may_not(
    gh: Clients, admin: httpx.AsyncClient, state: SandboxState
) -> None:
    await open_pull(admin)
    submitted = await admin.post(
        f"{ADMIN}/pulls/1/reviews", json={"user": "bob", "body": "/flaky", "event": "COMMENT"}
    )
    review_id = submitted.json()["review"]["id"]
    edit_path = f"{ADMIN}/pulls/1/reviews/{review_id}/edit"
    refused = await admin.post(edit_path, json={"user": "alice", "body": "/resolve"})
    assert refused.status_code == 403
    assert refused.json()["message"] == "alice cannot edit a review by bob"
    answer = await admin.post(edit_path, json={"user": "bob", "body": "/flaky\n/status"})
    assert answer.status_code == 200, answer.text
    delivery = last_delivery(state)
    assert (delivery["event"], delivery["action"]) == ("pull_request_review", "edited")
    assert delivery["payload"]["changes"] == {"body": {"from": "/flaky"}}
    parsed = parse_obj("pull_request_review", delivery["payload"])
    assert isinstance(parsed, WebhookPullRequestReviewEdited)
    assert parsed.changes.body and parsed.changes.body.from_ == "/flaky"
    reviews = await gh.installation.rest.pulls.async_list_reviews(OWNER, NAME, 1)
    assert [r.body for r in cast("list[PullRequestReview]", reviews.parsed_data)] == [
        "/flaky\n/status"
    ]
    unknown = await admin.post(
        f"{ADMIN}/pulls/1/reviews/999/edit", json={"user": "bob", "body": "x"}
    )
    assert unknown.status_code == 404


async def test_the_pull_request_page_is_its_issue_page_marked(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    opened = await open_pull(admin, title="Retry the socket")
    page = await admin.get(opened["html_url"].removeprefix("http://sandbox"))
    assert page.status_code == 200
    assert "Pull request" in page.text and "Retry the socket" in page.text


async def test_closing_the_issue_of_a_pull_request_closes_the_pull_request(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    await open_pull(admin)
    await gh.installation.rest.issues.async_update(OWNER, NAME, 1, state="closed")
    pull = (await gh.installation.rest.pulls.async_get(OWNER, NAME, 1)).parsed_data
    assert (pull.state, pull.merged) == ("closed", False) and pull.closed_at is not None
    closed = await gh.installation.rest.pulls.async_list(OWNER, NAME, state="closed")
    assert [p.number for p in cast("list[PullRequestSimple]", closed.parsed_data)] == [1]

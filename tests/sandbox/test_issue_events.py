"""Issue events (closed/reopened/labeled, with the closing commit) and a commit's PRs,
read through githubkit's own models."""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest
from githubkit_schemas.v2026_03_10.models import IssueEvent, LabeledIssueEvent, PullRequestSimple
from pydantic import TypeAdapter

from tests.sandbox.conftest import Clients

pytestmark = pytest.mark.anyio
OWNER, NAME = "acme", "widgets"
MERGE_SHA = "a1b2c3d4" * 5


async def _events(gh: Clients, number: int) -> list[IssueEvent]:
    answer = await gh.installation.rest.issues.async_list_events(OWNER, NAME, number)
    return TypeAdapter(list[IssueEvent]).validate_python(answer.json())


async def _new_issue(gh: Clients, labels: list[str] | None = None) -> int:
    created = await gh.installation.rest.issues.async_create(
        OWNER, NAME, title="boom", labels=labels or []
    )
    return created.parsed_data.number


async def test_closing_by_a_merged_pull_request_names_the_commit_and_the_pr(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    number = await _new_issue(gh)
    closed = await admin.post(
        f"/_sandbox/repos/{OWNER}/{NAME}/issues/{number}/close",
        json={"user": "ana", "pull_request": 140, "commit_id": MERGE_SHA},
    )
    assert closed.status_code == 200, closed.text
    events = await _events(gh, number)
    assert [(e.event, e.commit_id) for e in events] == [("closed", MERGE_SHA)]
    assert events[0].actor is not None and events[0].actor.login == "ana"
    assert events[0].commit_url and events[0].commit_url.endswith(f"/commits/{MERGE_SHA}")

    pulls = await gh.installation.rest.repos.async_list_pull_requests_associated_with_commit(
        OWNER, NAME, MERGE_SHA
    )
    parsed = pulls.parsed_data  # githubkit validates pull-request-simple
    assert [(p.number, p.title, p.state) for p in parsed] == [(140, "Fix #1", "closed")]
    assert isinstance(parsed[0], PullRequestSimple) and parsed[0].merged_at is not None


async def test_a_plain_close_has_no_commit_and_reopen_and_labels_are_events(
    gh: Clients, admin: httpx.AsyncClient
) -> None:
    number = await _new_issue(gh, labels=["bug"])
    await admin.post(f"/_sandbox/repos/{OWNER}/{NAME}/issues/{number}/close", json={"user": "bo"})
    await gh.installation.rest.issues.async_update(OWNER, NAME, number, state="open")
    await gh.installation.rest.issues.async_add_labels(OWNER, NAME, number, labels=["flaky"])
    events = await _events(gh, number)
    assert [(e.event, e.commit_id) for e in events] == [
        ("labeled", None),
        ("closed", None),
        ("reopened", None),
        ("labeled", None),
    ]
    labeled = await gh.installation.rest.issues.async_list_events(OWNER, NAME, number)
    last = LabeledIssueEvent.model_validate(cast(Any, labeled.json())[-1])
    assert last.label.name == "flaky"


async def test_a_commit_without_pull_requests_has_none(gh: Clients) -> None:
    pulls = await gh.installation.rest.repos.async_list_pull_requests_associated_with_commit(
        OWNER, NAME, "f" * 40
    )
    assert pulls.parsed_data == []

"""What closed a failure issue: the closing commit and its merged PR, from the issue's
events, on the resolution, in the issue body and in the regression comment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapters.store.models import Cluster, ClusterEvent
from bot.app.clusters.closing import closing_commit, merged_pull_request
from tests.clusters.test_scenario import WS_1011, _failure_issues, _run
from tests.pipeline.conftest import REPO, Harness

MERGE_SHA = "a1b2c3d4e5" * 4
CLOSED_AT = datetime(2025, 9, 11, 10, 20, tzinfo=UTC)


def _closed(at: str, commit: str | None) -> dict[str, Any]:
    return {"event": "closed", "created_at": at, "commit_id": commit}


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], None),
        ([{"event": "labeled", "created_at": "2025-09-11T10:20:00Z", "commit_id": "f" * 40}], None),
        ([_closed("2025-09-11T10:20:00Z", None)], None),
        ([_closed("2025-09-11T10:20:00Z", MERGE_SHA)], MERGE_SHA),
        # closed by a commit, reopened, closed by hand: the close at the webhook's time
        (
            [_closed("2025-09-01T08:00:00Z", "b" * 40), _closed("2025-09-11T10:20:00Z", None)],
            None,
        ),
        (
            [_closed("2025-09-11T10:20:00Z", MERGE_SHA), _closed("2025-09-12T08:00:00Z", None)],
            MERGE_SHA,
        ),
        # no close at that time (clocks differ): the latest close
        (
            [_closed("2025-09-01T08:00:00Z", None), _closed("2025-09-11T10:21:00Z", "c" * 40)],
            "c" * 40,
        ),
    ],
)
def test_closing_commit(events: list[dict[str, Any]], expected: str | None) -> None:
    assert closing_commit(events, CLOSED_AT) == expected


@pytest.mark.parametrize(
    ("pulls", "expected"),
    [
        ([], None),
        ([{"number": 7, "merged_at": None}], None),  # an open PR that contains the commit
        ([{"number": 7, "merged_at": None}, {"number": 140, "merged_at": "2025-09-11"}], 140),
    ],
)
def test_merged_pull_request(pulls: list[dict[str, Any]], expected: int | None) -> None:
    assert merged_pull_request(pulls) == expected


def _resolution(h: Harness) -> tuple[str | None, str | None, int | None]:
    with h.session_factory() as session:
        cluster = session.scalars(select(Cluster)).one()
        return cluster.resolved_by, cluster.resolved_commit, cluster.resolved_pull_request


def test_closed_by_a_merged_pr_is_shown_on_the_issue_and_the_regression(
    harness: Harness,
) -> None:
    h = harness
    _run(h, [WS_1011], 1)
    number = _failure_issues(h)[0]["number"]
    close = {"user": "ana", "pull_request": 140, "commit_id": MERGE_SHA}
    h.admin("POST", f"/repos/{REPO}/issues/{number}/close", json=close)
    h.work_until_settled()
    assert _resolution(h) == ("ana", MERGE_SHA, 140)
    issue = _failure_issues(h)[0]
    assert issue["state"] == "closed"
    assert "PR #140" in issue["body"] and MERGE_SHA[:7] in issue["body"]

    writes = len(h.writes())
    h.admin("POST", f"/repos/{REPO}/issues/{number}/close", json=close)  # redelivered
    h.work_until_settled()
    assert len(h.writes()) == writes  # nothing changes twice
    with h.session_factory() as session:
        resolved = session.scalars(select(ClusterEvent).where(ClusterEvent.kind == "resolved"))
        assert [e.details["closed_by"] for e in resolved] == [
            {"commit": MERGE_SHA, "pull_request": 140}
        ]

    for run in range(2, 5):
        _run(h, [], run)
    _run(h, [WS_1011], 5)
    comments = [c["body"] for c in _failure_issues(h)[0]["comments"]]
    assert len(comments) == 1
    assert "ana" in comments[0] and "140" in comments[0] and MERGE_SHA[:7] in comments[0]


def test_closed_by_a_commit_without_a_pr(harness: Harness) -> None:
    h = harness
    _run(h, [WS_1011], 1)
    number = _failure_issues(h)[0]["number"]
    close = {"user": "ana", "commit_id": MERGE_SHA}
    h.admin("POST", f"/repos/{REPO}/issues/{number}/close", json=close)
    h.work_until_settled()
    assert _resolution(h) == ("ana", MERGE_SHA, None)
    body = _failure_issues(h)[0]["body"]
    assert f"commit {MERGE_SHA[:7]}" in body and "PR #" not in body


def test_closed_by_hand_names_no_commit(harness: Harness) -> None:
    h = harness
    _run(h, [WS_1011], 1)
    number = _failure_issues(h)[0]["number"]
    h.admin("POST", f"/repos/{REPO}/issues/{number}/close", json={"user": "ana"})
    h.work_until_settled()
    assert _resolution(h) == ("ana", None, None)
    body = _failure_issues(h)[0]["body"]
    assert "`ana` closed the issue" in body and "PR #" not in body


def test_github_not_answering_does_not_lose_the_resolution(harness: Harness) -> None:
    h = harness
    _run(h, [WS_1011], 1)
    number = _failure_issues(h)[0]["number"]
    fault = {"method": "GET", "path_regex": r"/events$", "status": 404, "count": 10}
    h.admin("POST", "/faults", json=fault)
    close = {"user": "ana", "pull_request": 140, "commit_id": MERGE_SHA}
    h.admin("POST", f"/repos/{REPO}/issues/{number}/close", json=close)
    h.work_until_settled()
    assert _resolution(h) == ("ana", None, None)
    with h.session_factory() as session:
        assert session.scalars(select(Cluster)).one().state == "resolved"
    assert _failure_issues(h)[0]["state"] == "closed"

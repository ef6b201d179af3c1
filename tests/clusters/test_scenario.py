"""Issue #4's scenario on the in-process sandbox: a failure issue, closed by a person,
green runs, the failure again → one regression comment; flaky failures stay quiet."""

from __future__ import annotations

from typing import Any

from loopwatch_sandbox.demo.fixtures import (
    WS_1011_MESSAGE,
    WS_1011_TRACE,
    DemoFailure,
    junit_report,
)
from sqlalchemy import select

from bot.adapters.store.models import Cluster, ClusterEvent
from tests.pipeline.conftest import REPO, Harness

TEST = "tests/e2e/staging/test_3_agent_pipeline_staging.py::test_pipeline_websocket_events"
WS_1011 = DemoFailure(TEST, WS_1011_MESSAGE, WS_1011_TRACE)
OTHER_TEST = (
    "tests/e2e/test_real_agent_context_isolation.py::test_context_isolation_concurrent_users"
)
KEY_ERROR = DemoFailure(OTHER_TEST, "KeyError: 'tenant'", "x.py:3: in f\nE   KeyError: 'tenant'")


def _run(h: Harness, failures: list[DemoFailure], number: int, sha: str | None = None) -> None:
    h.upload(
        {"r.xml": junit_report(failures, slow=False)},
        workflow_run_id=number,
        branch="main",
        commit_sha=sha or f"{number:040x}",
        environment={"region": "us" if number < 10 else "eu"},
    )
    h.work_until_settled()


def _failure_issues(h: Harness) -> list[dict[str, Any]]:
    return [i for i in h.issues() if "loopwatch:failure" in i["labels"]]


def _tracking_issue(h: Harness) -> dict[str, Any]:
    return next(i for i in h.issues() if "key=campaign:" in i["body"])


def test_fixed_failure_comes_back_once_with_the_facts(harness: Harness) -> None:
    h = harness
    _run(h, [WS_1011], 1)
    issues = _failure_issues(h)
    assert len(issues) == 1
    issue = issues[0]
    assert "1011" in issue["title"] and issue["state"] == "open"

    h.admin("POST", f"/repos/{REPO}/issues/{issue['number']}/close", json={"user": "ana"})
    h.work_until_settled()
    with h.session_factory() as session:
        cluster = session.scalars(select(Cluster)).one()
        assert (cluster.state, cluster.resolved_by) == ("resolved", "ana")
    # A redelivered `closed` webhook changes nothing twice.
    h.admin("POST", f"/repos/{REPO}/issues/{issue['number']}/close", json={"user": "ana"})
    h.work_until_settled()
    assert _failure_issues(h)[0]["state"] == "closed"  # the sync did not reopen it

    for number in range(2, 7):
        _run(h, [], number)
    assert _failure_issues(h)[0]["state"] == "closed"

    _run(h, [WS_1011], 10)
    issue = _failure_issues(h)[0]
    assert issue["state"] == "open"
    assert "regression" in issue["labels"]
    comments = [c["body"] for c in issue["comments"]]
    assert len(comments) == 1
    comment = comments[0]
    assert "ana" in comment and "test_pipeline_websocket_events" in comment
    green, back = f"{6:040x}", f"{10:040x}"
    assert f"compare/{green}...{back}" in comment  # the commit range since the last green run
    assert "region" in comment  # the environment changed: us → eu
    tracking = _tracking_issue(h)
    assert len(tracking["comments"]) == 1 and "Regression" in tracking["comments"][0]["body"]
    assert "Regression:" in tracking["body"]  # the session log line

    for number in range(11, 21):
        _run(h, [WS_1011], number)
    issue = _failure_issues(h)[0]
    assert len(issue["comments"]) == 1
    assert len(_tracking_issue(h)["comments"]) == 1
    assert len(_failure_issues(h)) == 1
    with h.session_factory() as session:
        cluster = session.scalars(select(Cluster)).one()
        assert cluster.regressions == 1 and cluster.runs_failed == 12
        kinds = session.scalars(select(ClusterEvent.kind).where(ClusterEvent.kind == "regressed"))
        assert list(kinds) == ["regressed"]


def test_a_flaky_failure_opens_no_issue(harness: Harness) -> None:
    h = harness
    _run(h, [], 1, sha="a" * 40)
    _run(h, [KEY_ERROR], 2, sha="a" * 40)  # failed on a commit where it passed: flaky
    assert _failure_issues(h) == []
    with h.session_factory() as session:
        cluster = session.scalars(select(Cluster)).one()
        assert cluster.flaky and cluster.runs_failed == 0 and cluster.issue_key is None
    assert "flaky" in _tracking_issue(h)["body"].lower()


def test_one_new_issue_per_run_the_rest_listed(harness: Harness) -> None:
    h = harness
    _run(h, [WS_1011, KEY_ERROR], 1)
    assert len(_failure_issues(h)) == 1
    body = _tracking_issue(h)["body"]
    assert "KeyError" in body and "no issue yet" in body
    _run(h, [WS_1011, KEY_ERROR], 2)
    assert len(_failure_issues(h)) == 2


def test_a_failure_that_then_passes_on_its_commit_is_flaky(harness: Harness) -> None:
    h = harness
    sha = "b" * 40
    _run(h, [WS_1011], 1, sha=sha)
    issue = _failure_issues(h)[0]
    assert "flaky" not in issue["labels"]
    _run(h, [], 2, sha=sha)  # the same commit passes: that failure was flaky
    _run(h, [], 3, sha=sha)  # once per commit
    issue = _failure_issues(h)[0]
    assert "flaky" in issue["labels"] and "regression" not in issue["labels"]
    assert issue["state"] == "open" and issue["comments"] == []
    with h.session_factory() as session:
        cluster = session.scalars(select(Cluster)).one()
        assert cluster.flaky and cluster.flaky_runs == 1 and cluster.regressions == 0
        marked = session.scalars(select(ClusterEvent).where(ClusterEvent.kind == "marked_flaky"))
        assert [e.details["commit"] for e in marked] == [sha]


def test_a_pass_on_another_commit_does_not_make_a_failure_flaky(harness: Harness) -> None:
    h = harness
    _run(h, [WS_1011], 1, sha="c" * 40)
    _run(h, [], 2, sha="d" * 40)
    assert "flaky" not in _failure_issues(h)[0]["labels"]
    with h.session_factory() as session:
        assert not session.scalars(select(Cluster)).one().flaky

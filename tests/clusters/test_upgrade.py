"""Upgrading a running install from signature version 1 to 2, on both databases and the
sandbox: a database full of version 1 clusters made by real runs, then version 2 runs.

Same issue numbers, one split note, no reopen beyond the regression rules, no duplicate.
"""

from __future__ import annotations

from typing import Any

from loopwatch_sandbox.demo.fixtures import (
    SUITES,
    WS_1011_MESSAGE,
    WS_1011_TRACE,
    DemoFailure,
    junit_report,
)
from loopwatch_sandbox.demo.upgrade_scene import READ_TIMEOUT as DEMO_READ_TIMEOUT
from loopwatch_sandbox.demo.upgrade_scene import SELENIUM_WAIT
from sqlalchemy import select

from bot.adapters.store.models import Cluster, ClusterAlias, ClusterEvent, GitHubComment
from bot.core.reports import parse_report
from bot.core.reports.model import TestCase
from bot.core.signatures import compute as registry
from bot.core.signatures import fingerprints_for_versions
from tests.clusters.signature_versions import Versions
from tests.pipeline.conftest import REPO, Harness

CONFIG = "failures:\n  max_new_issues_per_run: 10\n"
# The demo's upgrade scene plays the same two timeouts: one cluster under v1, two under v2.
SELENIUM, READ_TIMEOUT = SELENIUM_WAIT, DEMO_READ_TIMEOUT
WS_1011 = DemoFailure(
    "tests/e2e/staging/test_3_agent_pipeline_staging.py::test_pipeline_websocket_events",
    WS_1011_MESSAGE,
    WS_1011_TRACE,
)
KEY_ERROR = DemoFailure(
    "tests/e2e/test_real_agent_context_isolation.py::test_context_isolation_concurrent_users",
    "KeyError: 'tenant'",
    "x.py:3: in f\nE   KeyError: 'tenant'",
)


def _case(failure: DemoFailure) -> TestCase:
    (case,) = parse_report(junit_report([failure], slow=False), path="r.xml").failures
    return case


def _fingerprints(failure: DemoFailure) -> dict[int, str]:
    return fingerprints_for_versions(_case(failure))


def _title(failure: DemoFailure, version: int) -> str:
    return registry._VERSIONS[version](_case(failure), ()).title


# The KeyError's suite does not run after the upgrade: its cluster is never seen again.
WITHOUT_KEY_ERROR = frozenset(SUITES) - {KEY_ERROR.test.partition("::")[0]}


def _run(
    h: Harness, failures: list[DemoFailure], number: int, only: frozenset[str] | None = None
) -> None:
    h.upload(
        {"r.xml": junit_report(failures, slow=False, only=only)},
        workflow_run_id=number,
        branch="main",
        commit_sha=f"{number:040x}",
    )
    h.work_until_settled()


def _failure_issues(h: Harness) -> dict[int, dict[str, Any]]:
    return {i["number"]: i for i in h.issues() if "loopwatch:failure" in i["labels"]}


def _issue_of(h: Harness, cluster: Cluster) -> dict[str, Any]:
    (issue,) = [i for i in h.issues() if f"key={cluster.issue_key}" in i["body"]]
    return issue


def _prepare(h: Harness) -> None:
    h.admin(
        "PUT", f"/repos/{REPO}/files", json={"path": ".github/loopwatch.yml", "content": CONFIG}
    )


def test_texts_differ_between_the_versions(versions: Versions) -> None:
    """The premise of the scenario: one cluster under version 1, two under version 2."""
    selenium, read_timeout = _fingerprints(SELENIUM), _fingerprints(READ_TIMEOUT)
    assert selenium[1] == read_timeout[1]
    assert selenium[2] != read_timeout[2]


def test_v1_clusters_move_to_v2_as_they_are_seen(harness: Harness, versions: Versions) -> None:
    h = harness
    _prepare(h)
    _run(h, [SELENIUM, READ_TIMEOUT, WS_1011, KEY_ERROR], 1)
    before = _failure_issues(h)
    assert len(before) == 3  # Timeout (both texts), the 1011, the KeyError
    with h.session_factory() as session:
        clusters = {c.title: c for c in session.scalars(select(Cluster))}
    timeout, ws, key_error = (
        clusters["Timeout"],
        clusters[next(t for t in clusters if "1011" in t)],
        clusters["KeyError: 'tenant'"],
    )
    assert {c.signature_version for c in clusters.values()} == {1}
    ws_issue = _issue_of(h, ws)
    h.admin("POST", f"/repos/{REPO}/issues/{ws_issue['number']}/close", json={"user": "ana"})
    h.work_until_settled()

    versions.use(2)  # the new release is deployed
    _run(h, [SELENIUM, WS_1011], 2, WITHOUT_KEY_ERROR)
    _run(
        h, [READ_TIMEOUT], 3, WITHOUT_KEY_ERROR
    )  # its version 1 cluster moved on under another fingerprint
    _run(h, [SELENIUM, READ_TIMEOUT, WS_1011], 4, WITHOUT_KEY_ERROR)  # nothing new

    after = _failure_issues(h)
    assert set(before) < set(after) and len(after) == 4  # the old numbers, one new issue
    (new_number,) = set(after) - set(before)
    with h.session_factory() as session:
        rows = {c.id: c for c in session.scalars(select(Cluster))}
        aliases = {
            a.fingerprint: (a.cluster_id, a.signature_version)
            for a in session.scalars(select(ClusterAlias))
        }
        events = [
            (e.cluster_id, e.kind, e.details)
            for e in session.scalars(select(ClusterEvent).order_by(ClusterEvent.id))
        ]
        comments = session.scalars(select(GitHubComment)).all()
    selenium, read_timeout = _fingerprints(SELENIUM), _fingerprints(READ_TIMEOUT)
    moved = rows[timeout.id]
    assert (moved.signature_version, moved.fingerprint) == (2, selenium[2])
    assert moved.title == _title(SELENIUM, 2) != _title(SELENIUM, 1)  # version 2's title
    assert aliases[timeout.fingerprint] == (timeout.id, 1)  # the old key is still found
    (split,) = [c for c in rows.values() if c.fingerprint == read_timeout[2]]
    assert split.id not in (timeout.id, ws.id, key_error.id) and split.signature_version == 2
    assert [(cid, d) for cid, kind, d in events if kind == "split"] == [
        (timeout.id, {"cluster_id": split.id})
    ]
    assert READ_TIMEOUT.test not in moved.test_ids
    assert rows[ws.id].signature_version == 2 and rows[ws.id].regressions == 1
    assert (rows[key_error.id].signature_version, rows[key_error.id].fingerprint) == (
        1,
        key_error.fingerprint,
    )
    assert rows[key_error.id].state == key_error.state  # as it was
    assert [kind for cid, kind, _ in events if kind == "regressed"] == ["regressed"]

    # On the sandbox: the timeout issue says so once, naming the new issue; the 1011's
    # issue came back by the regression rules (one comment); the KeyError's is untouched.
    timeout_issue = after[_issue_of(h, moved)["number"]]
    assert timeout_issue["number"] in before and timeout_issue["state"] == "open"
    history = timeout_issue["body"].replace("\u200b", "")  # its history says so too
    assert "grouped by signature version 2 from now on" in history
    assert f"tells some of its failures apart: they go to #{new_number}" in history
    notes = [c["body"] for c in timeout_issue["comments"]]
    assert len(notes) == 1
    assert "Signature version 2 tells apart" in notes[0] and f"#{new_number}" in notes[0]
    assert _title(READ_TIMEOUT, 2) in notes[0] and "test_real_tool_usage" in notes[0]
    assert (
        after[ws_issue["number"]]["state"] == "open"
        and len(after[ws_issue["number"]]["comments"]) == 1
    )
    assert _title(READ_TIMEOUT, 2) in after[new_number]["title"]
    assert after[new_number]["comments"] == []
    key_issue = after[_issue_of(h, rows[key_error.id])["number"]]
    assert key_issue["state"] == "open" and key_issue["comments"] == []
    assert len([c for c in comments if c.key.startswith("split:")]) == 1


def test_two_v2_groups_in_one_run_split_their_v1_cluster_once(
    harness: Harness, versions: Versions
) -> None:
    h = harness
    _prepare(h)
    _run(h, [SELENIUM, READ_TIMEOUT], 1)
    (old_number,) = _failure_issues(h)
    versions.use(2)
    _run(h, [SELENIUM, READ_TIMEOUT], 2)
    _run(h, [SELENIUM, READ_TIMEOUT], 3)
    issues = _failure_issues(h)
    assert len(issues) == 2 and old_number in issues
    (new_number,) = set(issues) - {old_number}
    (note,) = issues[old_number]["comments"]
    assert f"#{new_number}" in note["body"]
    assert issues[new_number]["comments"] == []
    with h.session_factory() as session:
        assert {c.signature_version for c in session.scalars(select(Cluster))} == {2}
        kinds = [e.kind for e in session.scalars(select(ClusterEvent))]
    assert kinds.count("split") == 1 and kinds.count("split_from") == 1
    assert "reopened" not in kinds and "regressed" not in kinds


RESPONSE_503 = DemoFailure(
    "tests/e2e/test_real_agent_tool_execution.py::test_real_tool_usage",
    "AssertionError: assert 503 == 200",
    "    def test_real_tool_usage():\n>       assert response.status_code == 200\n"
    "E       AssertionError: assert 503 == 200\n"
    "E        +  where 503 = <Response [503]>.status_code\n\n"
    "tests/e2e/test_real_agent_tool_execution.py:14: AssertionError",
)
EXPECTED_503 = DemoFailure(
    "tests/e2e/staging/test_5_response_streaming_staging.py::test_streaming_chunks",
    "AssertionError: expected 200, got 503",
    "tests/e2e/staging/test_5_response_streaming_staging.py:9: in test_streaming_chunks\n"
    "E   AssertionError: expected 200, got 503",
)


def test_when_v2_merges_two_v1_clusters_each_issue_keeps_its_failures(
    harness: Harness, versions: Versions
) -> None:
    """Both seen in one run after the upgrade: each old cluster keeps its own failures (the
    second stays on version 1), no issue is orphaned, merged away or duplicated."""
    response, expected = _fingerprints(RESPONSE_503), _fingerprints(EXPECTED_503)
    assert response[1] != expected[1] and response[2] == expected[2]  # the premise
    h = harness
    _prepare(h)
    _run(h, [RESPONSE_503, EXPECTED_503], 1)
    before = _failure_issues(h)
    assert len(before) == 2
    versions.use(2)
    _run(h, [RESPONSE_503, EXPECTED_503], 2)
    _run(h, [RESPONSE_503, EXPECTED_503], 3)
    after = _failure_issues(h)
    assert set(after) == set(before)
    assert all(issue["comments"] == [] and issue["state"] == "open" for issue in after.values())
    with h.session_factory() as session:
        clusters = {c.fingerprint: c for c in session.scalars(select(Cluster))}
    assert len(clusters) == 2
    moved, kept = clusters[response[2]], clusters[expected[1]]
    assert (moved.signature_version, kept.signature_version) == (2, 1)
    assert moved.runs_failed == kept.runs_failed == 3  # every run reached both
    assert moved.test_ids == [RESPONSE_503.test] and kept.test_ids == [EXPECTED_503.test]


def test_a_repository_pin_holds_version_1_until_it_is_lifted(harness: Harness) -> None:
    """``signature_version: 1`` in the repository's config: the install runs version 2,
    this repository keeps version 1 clusters; lifting the pin upgrades them as they are seen."""
    h = harness

    def configure(text: str) -> None:
        h.admin(
            "PUT", f"/repos/{REPO}/files", json={"path": ".github/loopwatch.yml", "content": text}
        )

    configure(CONFIG + "signature_version: 1\n")
    _run(h, [SELENIUM, READ_TIMEOUT], 1)
    with h.session_factory() as session:
        pinned = session.scalars(select(Cluster)).all()
    assert [(c.title, c.signature_version) for c in pinned] == [("Timeout", 1)]
    (before,) = _failure_issues(h)

    configure(CONFIG)  # the pin is lifted: the newest version from the next run on
    _run(h, [SELENIUM, READ_TIMEOUT], 2)
    with h.session_factory() as session:
        clusters = session.scalars(select(Cluster).order_by(Cluster.id)).all()
    assert [c.signature_version for c in clusters] == [2, 2]
    assert clusters[0].id == pinned[0].id  # the same cluster, moved on
    after = _failure_issues(h)
    assert before in after and len(after) == 2
    notes = [c["body"] for c in after[before]["comments"]]
    assert len(notes) == 1 and "Signature version 2 tells apart" in notes[0]
    # the split-off test's earlier failure went along: each issue lists only its own tests
    assert after[before]["title"].endswith("in test_pipeline_end_to_end")
    (other,) = [n for n in after if n != before]
    assert after[other]["title"].endswith("in test_real_tool_usage")

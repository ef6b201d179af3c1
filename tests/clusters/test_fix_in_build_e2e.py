"""A regression only when the fix is in the build, on the in-process sandbox (both
databases): commits registered in the sandbox so the compare API answers with real
ancestry; comment counts on the failure issue, events and cluster rows, check-run text."""

from __future__ import annotations

from typing import Any

from loopwatch_sandbox.demo.fixtures import junit_report
from sqlalchemy import select

from bot.adapters.store.models import Cluster, ClusterEvent, CommitContainment
from tests.clusters.test_scenario import WS_1011, _failure_issues
from tests.pipeline.conftest import REPO, Harness

CONFIG = "failures:\n  only_branches: [main, release-1, hotfix]\n"


def sha(name: str) -> str:
    return name.encode().hex().ljust(40, "0")[:40]


def _history(h: Harness) -> None:
    """main: c1 → c2 (the fix, merged as PR #141) → c3 → c4 → c5;
    release-1 branches off c1 (before the fix): r1; hotfix off c3: h1."""
    h.admin(
        "PUT", f"/repos/{REPO}/files", json={"path": ".github/loopwatch.yml", "content": CONFIG}
    )
    for name in ("c1", "c2", "c3", "c4", "c5"):
        h.admin("POST", f"/repos/{REPO}/commits", json={"sha": sha(name), "message": name})
    h.admin(
        "POST",
        f"/repos/{REPO}/commits",
        json={"sha": sha("r1"), "message": "r1", "branch": "release-1", "parents": [sha("c1")]},
    )
    h.admin(
        "POST",
        f"/repos/{REPO}/commits",
        json={"sha": sha("h1"), "message": "h1", "branch": "hotfix", "parents": [sha("c3")]},
    )


def _run(h: Harness, failing: bool, commit: str, *, number: int, branch: str = "main") -> None:
    h.upload(
        {"r.xml": junit_report([WS_1011] if failing else [], slow=False)},
        workflow_run_id=number,
        branch=branch,
        commit_sha=sha(commit),
    )
    h.work_until_settled()


def _regression_comments(h: Harness) -> list[str]:
    issue = _failure_issues(h)[0]
    return [
        c["body"] for c in issue["comments"] if "loopwatch:comment key=regression:" in c["body"]
    ]


def _events(h: Harness) -> list[str]:
    with h.session_factory() as session:
        return list(session.scalars(select(ClusterEvent.kind).order_by(ClusterEvent.id)))


def _cluster(h: Harness) -> tuple[str, str | None, int, int]:
    with h.session_factory() as session:
        cluster = session.scalars(select(Cluster)).one()
        return cluster.state, cluster.resolved_commit, cluster.regressions, cluster.runs_failed


def _check(h: Harness, commit: str) -> dict[str, Any]:
    for repo in h.state()["repos"]:
        if repo["full_name"] == REPO:
            (check,) = [c for c in repo["check_runs"] if c["head_sha"] == sha(commit)]
            return dict(check)
    raise AssertionError("no repository")


def _compares(h: Harness) -> int:
    return sum(1 for r in h.sandbox.get("/_sandbox/requests").json() if "/compare/" in r["path"])


def test_pr_closed_cluster_fails_on_a_branch_without_the_merge_commit(harness: Harness) -> None:
    h = harness
    _history(h)
    _run(h, True, "c1", number=1)
    number = _failure_issues(h)[0]["number"]
    close = {"user": "ana", "pull_request": 141, "commit_id": sha("c2")}
    h.admin("POST", f"/repos/{REPO}/issues/{number}/close", json=close)
    h.work_until_settled()
    assert _cluster(h)[:2] == ("resolved", sha("c2"))

    # The release branch was cut before the merge: a known failure, not a regression.
    _run(h, True, "r1", branch="release-1", number=2)
    issue = _failure_issues(h)[0]
    assert issue["state"] == "closed" and _regression_comments(h) == []
    state, fix, regressions, runs_failed = _cluster(h)
    assert (state, fix, regressions, runs_failed) == ("resolved", sha("c2"), 0, 2)
    assert "fix_not_in_build" in _events(h) and "regressed" not in _events(h)
    check = _check(h, "r1")
    assert "1 known failure (fix not in this build)" in check["output"]["title"]
    assert f"fix {sha('c2')[:7]} not in this build" in check["output"]["summary"]
    (annotation,) = check["annotations"]
    assert annotation["annotation_level"] == "warning"
    assert f"Known failure, fix {sha('c2')[:7]} not in this build" in annotation["message"]
    assert f"known failure, fix {sha('c2')[:7]} not in this build" in issue["body"]
    tracking = next(i for i in h.issues() if "key=campaign:" in i["body"])
    assert "its fix " + sha("c2")[:7] + " is not in this build" in tracking["body"]
    with h.session_factory() as session:
        (row,) = session.scalars(select(CommitContainment)).all()
        assert (row.fix_sha, row.build_sha, row.contained, row.status) == (
            sha("c2"),
            sha("r1"),
            False,
            "diverged",
        )

    # The same build again (a re-run): the answer comes from the database.
    asked = _compares(h)
    _run(h, True, "r1", branch="release-1", number=3)
    assert _compares(h) == asked and _regression_comments(h) == []

    # main after the merge contains the fix: the regression, once.
    _run(h, True, "c3", number=4)
    issue = _failure_issues(h)[0]
    assert issue["state"] == "open" and len(_regression_comments(h)) == 1
    (comment,) = _regression_comments(h)
    assert f"**The fix is in this build:** {sha('c3')[:7]} contains {sha('c2')[:7]}." in comment
    assert _cluster(h)[0] == "regressed" and _events(h).count("regressed") == 1
    assert "1 regression" in _check(h, "c3")["output"]["title"]


def test_green_run_fix_is_the_first_green_build(harness: Harness) -> None:
    h = harness
    _history(h)
    _run(h, True, "c1", number=1)
    for number, commit in enumerate(("c2", "c3", "c4"), start=2):
        _run(h, False, commit, number=number)
    state, fix, _, _ = _cluster(h)
    assert (state, fix) == ("resolved", sha("c2"))  # the first green run, not the third
    with h.session_factory() as session:
        resolved = session.scalars(
            select(ClusterEvent).where(ClusterEvent.kind == "resolved")
        ).one()
        assert resolved.details["commit"] == sha("c2")

    _run(h, True, "r1", branch="release-1", number=5)  # cut before c2
    assert _regression_comments(h) == [] and _cluster(h)[0] == "resolved"

    # h1 contains c2 (but not c4, the third green run): a regression.
    _run(h, True, "h1", branch="hotfix", number=6)
    assert len(_regression_comments(h)) == 1 and _cluster(h)[0] == "regressed"


def test_unknown_commit_counts_as_a_regression(harness: Harness) -> None:
    """A commit GitHub does not know (force-pushed away): 404 → unknown → conservative."""
    h = harness
    _history(h)
    _run(h, True, "c1", number=1)
    number = _failure_issues(h)[0]["number"]
    close = {"user": "ana", "pull_request": 141, "commit_id": sha("c2")}
    h.admin("POST", f"/repos/{REPO}/issues/{number}/close", json=close)
    h.work_until_settled()
    _run(h, True, "gone", number=2)  # never registered in the sandbox
    assert len(_regression_comments(h)) == 1 and _cluster(h)[0] == "regressed"
    (comment,) = _regression_comments(h)
    assert f"GitHub could not compare {sha('c2')[:7]} with {sha('gone')[:7]}" in comment
    assert "counts as a regression to be safe" in comment
    assert "fix_not_in_build" not in _events(h)
    with h.session_factory() as session:  # an unknown answer is not kept
        assert session.scalars(select(CommitContainment)).all() == []


def test_rate_limited_compare_is_retried_then_answered(harness: Harness) -> None:
    h = harness
    _history(h)
    _run(h, True, "c1", number=1)
    number = _failure_issues(h)[0]["number"]
    close = {"user": "ana", "pull_request": 141, "commit_id": sha("c2")}
    h.admin("POST", f"/repos/{REPO}/issues/{number}/close", json=close)
    h.work_until_settled()
    fault = {"method": "GET", "path_regex": r"/compare/", "status": 502, "count": 1}
    h.admin("POST", "/faults", json=fault)
    _run(h, True, "r1", branch="release-1", number=2)
    assert _compares(h) == 2  # refused once with a 502, asked again by the retried job
    assert _regression_comments(h) == [] and _cluster(h)[0] == "resolved"
    assert "fix_not_in_build" in _events(h)


def test_pull_request_branch_without_the_fix_shows_a_known_failure(harness: Harness) -> None:
    """A branch not rebased onto the fix: its run moves nothing (not a steering branch),
    and its check run calls the failure known, not new."""
    h = harness
    _history(h)
    h.admin(
        "POST",
        f"/repos/{REPO}/commits",
        json={"sha": sha("f1"), "message": "f1", "branch": "feature", "parents": [sha("c1")]},
    )
    _run(h, True, "c1", number=1)
    number = _failure_issues(h)[0]["number"]
    close = {"user": "ana", "pull_request": 141, "commit_id": sha("c2")}
    h.admin("POST", f"/repos/{REPO}/issues/{number}/close", json=close)
    h.work_until_settled()
    _run(h, False, "c3", number=2)  # main's latest run, the check's base
    _run(h, True, "f1", branch="feature", number=3)
    assert _regression_comments(h) == [] and _cluster(h)[0] == "resolved"
    assert _events(h).count("fix_not_in_build") == 1
    title = _check(h, "f1")["output"]["title"]
    assert title.startswith("1 known failure (fix not in this build)") and "new" not in title

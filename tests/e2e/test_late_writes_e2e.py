"""Two workers on PostgreSQL while GitHub stores creates after the client gave up (late
writes): one issue per key, one comment per key, one check run per commit (issue 18)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from loopwatch_sandbox.demo.fixtures import DEMO_CONFIG, FAILING_RUN_1, junit_report
from sqlalchemy import func, select

from bot.adapters.github.body import extract_comment_key, extract_key
from bot.adapters.store.db import make_engine, make_session_factory
from bot.adapters.store.models import Job
from tests.e2e.conftest import REPO, Stack, wait_for

pytestmark = pytest.mark.e2e

COMMITS = [f"{n:x}" * 40 for n in (1, 2, 3)]
LATE = {"method": "POST", "delay_s": 2.5}  # stored 2.5 s in; the client gives up after 1 s


def _upload(stack: Stack, token: str, name: str, commit: str) -> None:
    report = stack.workdir / f"{name}.xml"
    report.write_bytes(junit_report(FAILING_RUN_1))
    result = stack.cli(
        "upload", "--url", stack.web_url, "--token", token, "--repo", REPO,
        "--campaign", "late-writes", "--commit", commit, "--branch", "main",
        "--no-progress", str(report),
    )  # fmt: skip
    assert json.loads(result.stdout)["status"] == "queued"


def _jobs(stack: Stack, *statuses: str) -> int:
    factory = make_session_factory(make_engine(stack.env["LOOPWATCH_DATABASE_URL"]))
    with factory() as session:
        return int(
            session.scalar(select(func.count()).select_from(Job).where(Job.status.in_(statuses)))
            or 0
        )


@pytest.mark.parametrize("db_kind", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_workers_make_each_late_committed_create_once(stack: Stack) -> None:
    config = {"path": ".github/loopwatch.yml", "content": DEMO_CONFIG}
    stack.admin("PUT", f"/repos/{REPO}/files", json=config)
    token = stack.cli("token", "create", "--repo", REPO).stdout.strip()
    for path, count in (
        (f"^/repos/{REPO}/issues$", 2),
        (r"/issues/\d+/comments$", 1),  # the reply to the command
        (f"^/repos/{REPO}/check-runs$", 2),
    ):
        stack.admin("POST", "/faults", json={**LATE, "path_regex": path, "count": count})
    stack.env["LOOPWATCH_GITHUB_TIMEOUT_S"] = "1"
    stack.env["LOOPWATCH_LATE_WRITE_WINDOW_S"] = "4"
    stack.start_worker("worker-1")
    stack.start_worker("worker-2")

    for n, commit in enumerate(COMMITS):
        _upload(stack, token, f"run-{n}", commit)
    tracking = wait_for(
        lambda: next((i for i in stack.issues() if "late-writes" in i["title"]), None),
        "the tracking issue",
    )
    stack.admin(
        "POST",
        f"/repos/{REPO}/issues/{tracking['number']}/comments",
        json={"user": "acme", "body": "/help"},
    )
    wait_for(lambda: _jobs(stack, "queued", "running") == 0, "the workers to settle", 120)
    wait_for(
        lambda: any(c["user"] == "loopwatch[bot]" for i in stack.issues() for c in i["comments"]),
        "the reply to the command",
    )
    wait_for(lambda: _jobs(stack, "queued", "running") == 0, "the workers to settle", 120)

    issues = stack.issues()
    issue_keys = Counter(extract_key(i["body"]) for i in issues if i["user"] == "loopwatch[bot]")
    assert "campaign:late-writes" in issue_keys and set(issue_keys.values()) == {1}, issue_keys
    comment_keys = Counter(
        extract_comment_key(c["body"])
        for i in issues
        for c in i["comments"]
        if c["user"] == "loopwatch[bot]"
    )
    assert comment_keys and set(comment_keys.values()) == {1}, comment_keys
    check_runs = stack.admin("GET", "/state")["repos"]
    runs = next(r for r in check_runs if r["full_name"] == REPO)["check_runs"]
    assert Counter(r["head_sha"] for r in runs) == dict.fromkeys(COMMITS, 1)
    faults_left = stack.admin("GET", "/faults")
    assert faults_left == []  # every late create happened
    assert _jobs(stack, "dead") == 0

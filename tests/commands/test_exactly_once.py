"""A comment's commands run once, however often GitHub delivers it: two worker processes,
PostgreSQL, the sandbox and the web app as their own processes, 12 deliveries of one
comment (GitHub redelivers, and a redelivery of a lost answer gets a new id)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.adapters.store.db import make_engine, make_session_factory
from bot.adapters.store.models import CommandInvocation, GitHubIssue, Job
from tests.commands.conftest import JUNIT_1011
from tests.e2e.conftest import REPO, Stack, stack, wait_for  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e
DELIVERIES = 12


@pytest.fixture
def db_url(pg_url: str) -> str:
    """PostgreSQL only: several worker processes need a real server."""
    return pg_url


def test_a_comment_delivered_many_times_runs_its_commands_once(stack: Stack) -> None:  # noqa: F811
    token = stack.cli("token", "create", "--repo", REPO).stdout.strip()
    stack.start_worker("worker-1")
    stack.start_worker("worker-2")
    report = stack.workdir / "report.xml"
    report.write_bytes(JUNIT_1011)
    stack.cli(
        "upload", "--url", stack.web_url, "--token", token, "--repo", REPO, "--no-progress",
        "--campaign", "nightly", "--branch", "main", str(report),
    )  # fmt: skip
    factory = make_session_factory(make_engine(stack.env["LOOPWATCH_DATABASE_URL"]))

    def idle() -> bool:
        with factory() as session:
            busy = session.scalar(
                select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running")))
            )
            return not busy

    def failure_issue() -> int | None:
        with factory() as session:
            return session.scalar(
                select(GitHubIssue.number).where(GitHubIssue.key.startswith("cluster:"))
            )

    number = wait_for(failure_issue, "the failure issue")
    stack.admin("POST", "/users", json={"login": "wes"})
    stack.admin("PUT", f"/repos/{REPO}/collaborators/wes", json={"permission": "write"})
    made = stack.admin(
        "POST", f"/repos/{REPO}/issues/{number}/comments", json={"user": "wes", "body": "/help"}
    )
    delivered = next(
        d for d in stack.admin("GET", "/deliveries") if d["id"] == made["delivery"]["id"]
    )
    with ThreadPoolExecutor(max_workers=DELIVERIES) as pool:
        answers = list(
            pool.map(
                lambda _: (
                    stack.post_webhook(
                        "issue_comment", str(uuid.uuid4()), delivered["payload"]
                    ).status_code
                ),
                range(DELIVERIES),
            )
        )
    assert answers == [202] * DELIVERIES
    wait_for(idle, "every delivery handled", timeout_s=120)
    issue = next(i for i in stack.issues() if i["number"] == number)
    replies = [c for c in issue["comments"] if c["user"].endswith("[bot]")]
    assert len(replies) == 1 and "| `/help` | anyone |" in replies[0]["body"]
    (comment,) = [c for c in issue["comments"] if c["id"] == made["comment"]["id"]]
    assert comment["reactions"] == ["eyes", "+1"]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(CommandInvocation)) == 1
        webhook_jobs = session.scalar(
            select(func.count()).select_from(Job).where(Job.kind == "webhook")
        )
        assert webhook_jobs == DELIVERIES + 1
        dead = session.scalar(select(func.count()).select_from(Job).where(Job.status == "dead"))
        assert dead == 0

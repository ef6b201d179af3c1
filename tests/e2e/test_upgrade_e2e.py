"""The v1 → v2 upgrade over real HTTP: a worker of the release on signature version 1
fills the database and the sandbox, then a worker of the release on version 2 takes over.

What people see on GitHub: the same issue numbers, one split note, the fixed failure that
came back reopened by the regression rules only, no duplicate issue.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from loopwatch_sandbox.demo.fixtures import DemoFailure, junit_report
from sqlalchemy import func, select

from bot.adapters.store.db import make_engine, make_session_factory
from bot.adapters.store.models import Cluster, Job
from tests.clusters.test_upgrade import READ_TIMEOUT, SELENIUM, WS_1011
from tests.e2e.conftest import REPO, Stack, wait_for
from tests.plugins.env import REPO_ROOT

pytestmark = pytest.mark.e2e
CONFIG = "failures:\n  max_new_issues_per_run: 10\n"


def _start_worker(stack: Stack, version: int) -> None:
    log = (stack.workdir / f"worker-v{version}.log").open("ab")
    stack.processes[f"worker-v{version}"] = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.versioned_worker", str(version), "worker"],
        env=stack.env,
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _stop_worker(stack: Stack, version: int) -> None:
    process = stack.processes.pop(f"worker-v{version}")
    process.terminate()
    process.wait(timeout=30)


def _settled(stack: Stack) -> None:
    factory = make_session_factory(make_engine(stack.env["LOOPWATCH_DATABASE_URL"]))

    def idle() -> bool:
        with factory() as session:
            busy = (
                select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running")))
            )
            return not session.scalar(busy)

    wait_for(idle, "the worker to finish its jobs")


def _upload(stack: Stack, token: str, number: int, failures: list[DemoFailure]) -> None:
    report = stack.workdir / f"run-{number}.xml"
    report.write_bytes(junit_report(failures, slow=False))
    stack.cli(
        "upload", "--url", stack.web_url, "--token", token, "--repo", REPO,
        "--campaign", "e2e", "--commit", f"{number:040x}", "--branch", "main",
        "--no-progress", str(report),
    )  # fmt: skip
    _settled(stack)


def _failure_issues(stack: Stack) -> dict[int, dict[str, Any]]:
    return {i["number"]: i for i in stack.issues() if "loopwatch:failure" in i["labels"]}


def test_upgrade_keeps_every_issue_and_says_so_once(stack: Stack) -> None:
    stack.admin(
        "PUT", f"/repos/{REPO}/files", json={"path": ".github/loopwatch.yml", "content": CONFIG}
    )
    token = stack.cli("token", "create", "--repo", REPO).stdout.strip()
    _start_worker(stack, 1)
    _upload(stack, token, 1, [SELENIUM, READ_TIMEOUT, WS_1011])
    before = _failure_issues(stack)
    assert len(before) == 2  # "Timeout" (both texts) and the 1011
    (ws_number,) = [n for n, i in before.items() if "1011" in i["title"]]
    (timeout_number,) = set(before) - {ws_number}
    stack.admin("POST", f"/repos/{REPO}/issues/{ws_number}/close", json={"user": "ana"})
    _settled(stack)
    _stop_worker(stack, 1)

    _start_worker(stack, 2)  # the new release
    _upload(stack, token, 2, [SELENIUM, WS_1011])
    _upload(stack, token, 3, [READ_TIMEOUT])
    _upload(stack, token, 4, [SELENIUM, READ_TIMEOUT, WS_1011])

    after = _failure_issues(stack)
    assert len(after) == 3 and set(before) < set(after)
    (new_number,) = set(after) - set(before)
    notes = [c["body"] for c in after[timeout_number]["comments"]]
    assert len(notes) == 1 and f"now go to #{new_number}" in notes[0]
    assert after[timeout_number]["state"] == "open"
    assert after[ws_number]["state"] == "open"  # came back: the regression rules, as before
    assert len(after[ws_number]["comments"]) == 1
    assert after[new_number]["comments"] == []
    factory = make_session_factory(make_engine(stack.env["LOOPWATCH_DATABASE_URL"]))
    with factory() as session:
        assert {c.signature_version for c in session.scalars(select(Cluster))} == {2}

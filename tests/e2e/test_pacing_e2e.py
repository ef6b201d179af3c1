"""Two worker processes on PostgreSQL pace one installation's writes as one would, and a
burst of runs costs them the same writes as it costs one worker.

The same burst goes to two installations of one stack: ``acme`` (one worker) and
``beta`` (two workers), each with two repositories, most runs in one of them, so that
with two workers one is idle while the other still processes the burst (the case where
a sync used to run half-way and every later run queued another).
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import httpx
import pytest
from loopwatch_sandbox.demo.fixtures import DEMO_CONFIG, FAILING_RUN_1, junit_report
from sqlalchemy import func, select

from bot.adapters.store.db import make_engine, make_session_factory
from bot.adapters.store.models import Job
from tests.e2e.conftest import REPO, Stack, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

WRITE_PAUSE_S = 0.3
NOTIFY_PAUSE_S = 0.5
# The sandbox stamps a request when its middleware sees it; the pacer measures the pause
# from the moment the previous answer was back in the worker, which is after the
# previous request's stamp, so the stamped gaps can only be longer than the pause,
# except for how late the sandbox's own event loop got to each request (milliseconds;
# tens on a loaded machine). That scheduling delay is the tolerance.
STAMP_TOLERANCE_S = 0.05
BURST = {"shop": 6, "cart": 2}  # runs per repository
COMMIT = "9f1c2ab" + "0" * 33


@pytest.fixture
def db_kind() -> str:
    """Exactly-once across processes is a PostgreSQL promise: run on it only."""
    return "postgres"


def _repositories(owner: str) -> list[str]:
    return [f"{owner}/{name}" for name in BURST]


def _prepare(stack: Stack, owner: str) -> dict[str, str]:
    tokens = {}
    for full_name in _repositories(owner):
        if full_name != REPO:
            stack.admin("POST", "/repos", json={"full_name": full_name, "default_branch": "main"})
        stack.admin(
            "PUT",
            f"/repos/{full_name}/files",
            json={"path": ".github/loopwatch.yml", "content": DEMO_CONFIG},
        )
        tokens[full_name] = stack.cli("token", "create", "--repo", full_name).stdout.strip()
    return tokens


def _upload_burst(stack: Stack, tokens: dict[str, str]) -> None:
    report = junit_report(FAILING_RUN_1)
    for full_name, token in tokens.items():
        for n in range(BURST[full_name.split("/")[1]]):
            metadata = {
                "repository": full_name,
                "campaign": "golden-path-staging",
                "commit_sha": COMMIT,
                "branch": "main",
                "run_key": f"burst-{n}",
            }
            response = httpx.post(
                f"{stack.web_url}/api/v1/runs",
                headers={"Authorization": f"Bearer {token}"},
                data={"metadata": json.dumps(metadata)},
                files=[("files", ("report.xml", report, "application/xml"))],
                timeout=30,
            )
            assert response.status_code == 202, response.text


def _settled(stack: Stack) -> None:
    """Wait (a deadline, generous for a loaded machine) until no job is queued or running."""
    engine = make_engine(stack.env["LOOPWATCH_DATABASE_URL"])
    factory = make_session_factory(engine)

    def idle() -> bool:
        with factory() as session:
            busy = (
                select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running")))
            )
            return not session.scalar(busy)

    try:
        wait_for(idle, "the workers to finish their jobs", timeout_s=300)
    finally:
        engine.dispose()


def _writes_of(stack: Stack, owner: str) -> list[dict[str, Any]]:
    return [w for w in stack.writes() if w["path"].startswith(f"/repos/{owner}/")]


def _what(write: dict[str, Any], owner: str) -> str:
    """A write without its owner and object ids: ``POST /repos/cart/check-runs``."""
    path = re.sub(r"/\d+", "/N", write["path"].replace(f"/repos/{owner}/", "/repos/"))
    return f"{write['method']} {path}"


def _stop(stack: Stack, name: str) -> None:
    process = stack.processes.pop(name)
    process.terminate()
    process.wait(timeout=30)


def test_two_workers_pace_an_installation_and_a_burst_costs_what_it_costs_one(
    stack: Stack,
) -> None:
    stack.env["LOOPWATCH_WRITE_PAUSE_S"] = str(WRITE_PAUSE_S)
    stack.env["LOOPWATCH_NOTIFY_PAUSE_S"] = str(NOTIFY_PAUSE_S)
    acme, beta = _prepare(stack, "acme"), _prepare(stack, "beta")

    _upload_burst(stack, acme)
    stack.start_worker("solo")
    _settled(stack)
    _stop(stack, "solo")

    _upload_burst(stack, beta)
    stack.start_worker("worker-1")
    stack.start_worker("worker-2")
    _settled(stack)

    one_worker, two_workers = _writes_of(stack, "acme"), _writes_of(stack, "beta")
    print(f"writes: one worker {len(one_worker)}, two workers {len(two_workers)}")
    assert len(one_worker) >= 4  # issues, labels and a check run were written
    # Every create exactly as with one worker (no duplicate, none lost). Updates may
    # differ in number: a render that links a new issue number lands before or after the
    # check run's first write depending on timing (known gap, see the closing note of
    # issue 18: the burst's write count is not yet independent of the number of workers).
    creates = [w for w in two_workers if w["method"] == "POST"]
    assert sorted(_what(w, "beta") for w in creates) == sorted(
        _what(w, "acme") for w in one_worker if w["method"] == "POST"
    )
    assert {_what(w, "beta") for w in two_workers} == {_what(w, "acme") for w in one_worker}

    stamps = sorted(w["at"] for w in two_workers)
    gaps = [later - earlier for earlier, later in itertools.pairwise(stamps)]
    span = stamps[-1] - stamps[0]
    print(f"two workers: {len(stamps)} writes in {span:.2f} s, shortest gap {min(gaps):.3f} s")
    assert min(gaps) >= WRITE_PAUSE_S - STAMP_TOLERANCE_S, gaps
    issues = {
        owner: sorted(
            (r.split("/")[1], i["title"], i["state"])
            for r in _repositories(owner)
            for i in stack.issues(r)
        )
        for owner in ("acme", "beta")
    }
    assert len(issues["acme"]) >= 2 * len(BURST)  # a tracking issue and failure issues each
    assert issues["beta"] == issues["acme"]

"""Realistic cluster views modelled on the seed loop (#132): the WebSocket 1011 failure that
``ana`` fixed with PR #140 and that came back on b2c3d4e after five green runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.render.clusters import (
    AffectedTest,
    ClusterView,
    RegressionView,
    Resolution,
    RunRef,
)

REPO = "https://github.com/netra-systems/netra-apex"
CAMPAIGN = "golden-path-data-agent"
T0 = datetime(2025, 9, 10, 17, 45, tzinfo=UTC)
PHASE_1 = "Data agent pipeline validation"
WS_TEST = "tests/e2e/staging/test_3_agent_pipeline_staging.py::test_pipeline_websocket_events"
DATA_TEST = "tests/e2e/test_real_agent_data_helper_comprehensive.py::test_data_helper_lifecycle"

WS_MESSAGE = (
    "websockets.exceptions.ConnectionClosedError: received 1011 (internal error) "
    "keepalive ping timeout; then sent 1011 (internal error) keepalive ping timeout"
)
WS_TRACE = "\n".join(
    [
        "Traceback (most recent call last):",
        '  File "tests/e2e/staging/test_3_agent_pipeline_staging.py", line 142, '
        "in test_pipeline_websocket_events",
        "    events = await collect_events(ws, expected=5, timeout=60)",
        '  File "tests/e2e/helpers/websocket.py", line 58, in collect_events',
        "    message = await asyncio.wait_for(ws.recv(), timeout=remaining)",
        '  File "/usr/lib/python3.11/asyncio/tasks.py", line 479, in wait_for',
        "    return fut.result()",
        '  File ".venv/lib/python3.11/site-packages/websockets/legacy/protocol.py", '
        "line 568, in recv",
        "    await self.ensure_open()",
        '  File ".venv/lib/python3.11/site-packages/websockets/legacy/protocol.py", '
        "line 948, in ensure_open",
        "    raise self.connection_closed_exc()",
        WS_MESSAGE,
    ]
)


def run(run_id: int, hours: float, sha: str) -> RunRef:
    return RunRef(
        run_id=run_id,
        at=T0 + timedelta(hours=hours),
        commit_sha=sha,
        branch="main",
        url=f"{REPO}/actions/runs/176123456{run_id:02d}",
        campaign=CAMPAIGN,
    )


FIRST = run(2, 0, "5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e")
LAST_GREEN = run(9, 88, "e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3")
CAME_BACK = run(10, 112, "b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1")

RESOLVED = Resolution(
    at=datetime(2025, 9, 11, 10, 20, tzinfo=UTC),
    by="ana",
    reason="issue_closed",
    commit_sha="a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0",
    pull_request=140,
    pull_request_title="Fix middleware order",
)

ENV_BEFORE = {"ENVIRONMENT": "staging", "REGION": "us-central1", "WS_AUTH_MODE": "jwt"}
ENV_AFTER = {"ENVIRONMENT": "staging", "REGION": "us-central1", "WS_AUTH_MODE": "session"}


def ws_1011_view() -> ClusterView:
    """The 1011 cluster right after it came back (state regressed)."""
    return ClusterView(
        key="cluster:9b1e4c07d2a35f18",
        fingerprint="9b1e4c07d2a35f18",
        signature_version=1,
        title="WebSocket closed 1011 (internal error)",
        family="websocket-close",
        kind="computed",
        state="regressed",
        severity="high",
        tests=[
            AffectedTest(
                test_id=WS_TEST,
                phase=PHASE_1,
                campaign=CAMPAIGN,
                occurrences=4,
                last_outcome="failed",
            ),
            AffectedTest(
                test_id=DATA_TEST,
                phase=PHASE_1,
                campaign=CAMPAIGN,
                occurrences=2,
                last_outcome="errored",
            ),
        ],
        campaigns=[CAMPAIGN],
        first_seen=FIRST,
        last_seen=CAME_BACK,
        occurrences=6,
        runs_failed=4,
        runs_seen=10,
        sample_message=WS_MESSAGE,
        sample_trace=WS_TRACE,
        environments=[ENV_BEFORE, ENV_AFTER],
        resolution=RESOLVED,
        history=[
            (T0, "New: first failed in run 2 on 5d6e7f8 (main)"),
            (
                T0 + timedelta(hours=2, minutes=7),
                "Open: failed again in run 4 on 9f1c2ab; issue opened",
            ),
            (RESOLVED.at, "Resolved: issue closed by ana via PR #140 (Fix middleware order)"),
            (LAST_GREEN.at, "5 consecutive green runs since the fix (runs 5–9)"),
            (CAME_BACK.at, "Regressed: failed again in run 10 on b2c3d4e (main)"),
        ],
        tracking_issue_url=f"{REPO}/issues/132",
    )


def flaky_view() -> ClusterView:
    """A flaky cluster: passed on retry, so counted but never a regression comment."""
    test = "tests/e2e/test_real_agent_execution_complete_lifecycle.py::test_agent_completed_event"
    return ClusterView(
        key="cluster:4c2d9e81aa7b3f60",
        fingerprint="4c2d9e81aa7b3f60",
        signature_version=1,
        title="Timeout waiting for WebSocket event agent_completed",
        family="timeout",
        kind="computed",
        state="open",
        flaky=True,
        tests=[
            AffectedTest(
                test_id=test,
                phase="Complex multi-agent coordination",
                campaign=CAMPAIGN,
                occurrences=3,
                last_outcome="flaky",
            )
        ],
        campaigns=[CAMPAIGN],
        first_seen=run(3, 1, "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"),
        last_seen=CAME_BACK,
        occurrences=3,
        runs_failed=3,
        runs_seen=9,
        sample_message="TimeoutError: no 'agent_completed' event within <duration> (got 4 of 5)",
        environments=[ENV_AFTER],
        history=[(T0 + timedelta(hours=1), "New: failed, then passed on retry in run 3")],
        tracking_issue_url=f"{REPO}/issues/132",
    )


def regression_view() -> RegressionView:
    return RegressionView(
        cluster=ws_1011_view(),
        run=CAME_BACK,
        tests=[
            replace(ws_1011_view().tests[0], occurrences=1),
            replace(ws_1011_view().tests[1], occurrences=1),
        ],
        phases=[PHASE_1],
        resolved=RESOLVED,
        last_green=LAST_GREEN,
        commit_range=(LAST_GREEN.commit_sha or "", CAME_BACK.commit_sha or ""),
        compare_url=f"{REPO}/compare/e4f5a6b...b2c3d4e",
        environment_diff=[("WS_AUTH_MODE", "jwt", "session")],
        previous_fix="Fix SessionMiddleware order (Session → CORS → Auth → GCP Context)",
        green_runs_before=5,
        fix_did_not_hold=True,
    )

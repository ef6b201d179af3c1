"""Demo data modelled on the seed loop: four phases of e2e staging suites (pytest JUnit)."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

DEMO_REPO = "netra-systems/netra-apex"
DEMO_CAMPAIGN = "golden-path-staging"

DEMO_CONFIG = """\
# .github/loopwatch.yml — what Loopwatch keeps for this repository
campaigns:
  golden-path-staging:
    title: "Golden path e2e staging loop: {campaign}"
    mission: >-
      Execute comprehensive e2e staging tests until ALL tests pass, focusing on the
      least covered areas (data agent pipeline first).
    strategy: >-
      Real staging services only (no mocks); each session runs the least-covered
      phase next and fixes what it finds before moving on.
    focus_areas: [Data agent pipeline, WebSocket events, Context isolation]
    business_impact: $200K+ MRR depends on the golden path's optimization recommendations
    owners: [ana, rob]
    goal:
      description: all 17 golden-path tests pass in every phase, 3 runs in a row
      tests_passing: 17
      criteria_green_runs: 3
    links:
      - {label: Staging dashboard, url: "https://grafana.example.com/d/golden-path"}
    labels:
      - name: loopwatch
        color: "5319e7"
        description: Kept by Loopwatch
      - name: e2e-staging
        color: "0e8a16"
    phases:
      - name: "Phase 1: Data agent pipeline"
        priority: 1
        tests:
          - "tests/e2e/test_real_agent_data_helper_comprehensive.py*"
          - "tests/e2e/test_real_agent_execution_order_validation.py*"
          - "tests/e2e/staging/test_3_agent_pipeline_staging.py*"
      - name: "Phase 2: Multi-agent coordination"
        priority: 2
        tests:
          - "tests/e2e/staging/test_4_agent_orchestration_staging.py*"
          - "tests/e2e/test_real_agent_handoff_complex.py*"
          - "tests/e2e/test_real_agent_execution_complete_lifecycle.py*"
      - name: "Phase 3: Tools and state"
        priority: 3
        tests:
          - "tests/e2e/test_real_agent_tool_execution.py*"
          - "tests/e2e/test_real_agent_context_isolation.py*"
          - "tests/e2e/staging/test_5_response_streaming_staging.py*"
      - name: "Phase 4: Business value"
        priority: 4
        tests:
          - "tests/e2e/journeys/*"
          - "tests/e2e/staging/test_10_critical_path_staging.py*"
          - "tests/e2e/test_real_agent_optimization_recommendations.py*"
    criteria:
      - name: "Data agent executes BEFORE the optimization agent"
        tests: ["*execution_order*"]
      - name: "All 5 critical WebSocket events delivered"
        tests: ["*websocket_events*"]
      - name: "No context bleeding between concurrent users"
        tests: ["*context_isolation*"]
      - name: "Staging suites talk to real services (30 s or more each)"
        kind: min_duration
        min_duration: 30s
        tests: ["tests/e2e/staging/*"]
# Reports CI already keeps as workflow-run artifacts: no upload step, no secret.
artifacts:
  names: ["*junit*", "*ctrf*"]
  campaigns:
    nightly.yml: nightly-smoke
"""

SUITES: dict[str, list[str]] = {
    "tests/e2e/test_real_agent_data_helper_comprehensive.py": [
        "test_data_helper_lifecycle",
        "test_data_helper_caching",
        "test_data_helper_websocket_events",
    ],
    "tests/e2e/test_real_agent_execution_order_validation.py": [
        "test_execution_order_data_before_optimization",
        "test_execution_order_reporting_last",
    ],
    "tests/e2e/staging/test_3_agent_pipeline_staging.py": [
        "test_pipeline_end_to_end",
        "test_pipeline_websocket_events",
    ],
    "tests/e2e/staging/test_4_agent_orchestration_staging.py": [
        "test_orchestration_handoffs",
        "test_orchestration_parallel",
    ],
    "tests/e2e/test_real_agent_handoff_complex.py": ["test_handoff_data_to_optimization"],
    "tests/e2e/test_real_agent_execution_complete_lifecycle.py": ["test_full_lifecycle"],
    "tests/e2e/test_real_agent_tool_execution.py": ["test_real_tool_usage"],
    "tests/e2e/test_real_agent_context_isolation.py": ["test_context_isolation_concurrent_users"],
    "tests/e2e/staging/test_5_response_streaming_staging.py": ["test_streaming_chunks"],
    "tests/e2e/journeys/test_cold_start_first_time_user_journey.py": ["test_cold_start_journey"],
    "tests/e2e/staging/test_10_critical_path_staging.py": ["test_critical_path"],
    "tests/e2e/test_real_agent_optimization_recommendations.py": ["test_recommendations"],
}

# Phases 1 and 3: the loop's focus after the 1011 came back (runs 6 to 8).
FOCUS = frozenset(
    {
        "tests/e2e/test_real_agent_data_helper_comprehensive.py",
        "tests/e2e/test_real_agent_execution_order_validation.py",
        "tests/e2e/staging/test_3_agent_pipeline_staging.py",
        "tests/e2e/test_real_agent_tool_execution.py",
        "tests/e2e/test_real_agent_context_isolation.py",
        "tests/e2e/staging/test_5_response_streaming_staging.py",
    }
)

WS_1011_TRACE = """\
tests/e2e/staging/test_3_agent_pipeline_staging.py:88: in test_pipeline_websocket_events
    events = await client.collect_events(timeout=30)
tests/e2e/helpers/ws_client.py:41: in collect_events
    message = await self.ws.recv()
.venv/lib/python3.11/site-packages/websockets/legacy/protocol.py:568: in recv
    await self.ensure_open()
E   websockets.exceptions.ConnectionClosedError: received 1011 (internal error); \
then sent 1011 (internal error)
"""

WS_1011_MESSAGE = (
    "websockets.exceptions.ConnectionClosedError: received 1011 (internal error); "
    "then sent 1011 (internal error)"
)


@dataclass(frozen=True)
class DemoFailure:
    test: str  # "file::name"
    message: str
    trace: str


FAILING_RUN_1 = [
    DemoFailure(
        "tests/e2e/staging/test_3_agent_pipeline_staging.py::test_pipeline_websocket_events",
        WS_1011_MESSAGE,
        WS_1011_TRACE,
    ),
    DemoFailure(
        "tests/e2e/test_real_agent_data_helper_comprehensive.py::test_data_helper_websocket_events",
        WS_1011_MESSAGE,
        WS_1011_TRACE.replace("test_3_agent_pipeline_staging.py:88", "x.py:12"),
    ),
    DemoFailure(
        "tests/e2e/test_real_agent_context_isolation.py::test_context_isolation_concurrent_users",
        "AssertionError: user B saw 3 messages of user A's thread 7f3a9c21",
        "tests/e2e/test_real_agent_context_isolation.py:57: in "
        "test_context_isolation_concurrent_users\n"
        "    assert not leaked, f'user B saw {len(leaked)} messages'\n"
        "E   AssertionError: user B saw 3 messages of user A's thread 7f3a9c21",
    ),
]

DEMO_ANALYSIS = {
    "five_whys": [
        {
            "why": "Why did the data pipeline tests fail?",
            "because": "The WebSocket closed with 1011 (internal error) mid-run.",
        },
        {
            "why": "Why did the server close with 1011?",
            "because": "WebSocket authentication raised inside the handler.",
        },
        {
            "why": "Why did authentication raise?",
            "because": "SessionMiddleware was not installed before the auth middleware.",
        },
        {
            "why": "Why was the middleware order wrong only on staging?",
            "because": "Staging builds its app with E2E env flags missing.",
        },
        {
            "why": "Why were the flags missing?",
            "because": "E2E environment variables are not propagated to Cloud Run staging.",
        },
    ],
    "root_cause": "E2E environment variables not propagated to GCP Cloud Run staging; "
    "SessionMiddleware ordering wrong for WebSocket endpoints.",
    "fix_strategy": [
        {"item": "Propagate E2E environment variables to Cloud Run staging", "owner": "ana"},
        {"item": "Order middleware Session → CORS → Auth → GCP context", "owner": "raj"},
        "Consolidate WebSocket authentication into one path",
    ],
    "business_impact": "$200K+ MRR from optimization recommendations at risk",
}


def junit_report(
    failures: list[DemoFailure],
    *,
    slow: bool = True,
    fast_suites: frozenset[str] = frozenset(),
    only: frozenset[str] | None = None,
) -> bytes:
    """A pytest-style JUnit XML report over the demo suites with the given failures;
    the suites (files) in ``fast_suites`` finish in milliseconds, as mocks would; with
    ``only``, just those suites ran (a loop focusing on some phases)."""
    failing = {f.test: f for f in failures}
    cases: list[str] = []
    total = errors = skipped = 0
    for file, names in SUITES.items():
        if only is not None and file not in only:
            continue
        classname = file.removesuffix(".py").replace("/", ".")
        for index, name in enumerate(names):
            total += 1
            seconds = (31.5 + 7 * index) if slow and file not in fast_suites else 0.02
            test_id = f"{file}::{name}"
            attrs = (
                f"classname={quoteattr(classname)} file={quoteattr(file)} "
                f'name={quoteattr(name)} time="{seconds}"'
            )
            failure = failing.get(test_id)
            if failure is None:
                cases.append(f"<testcase {attrs}/>")
                continue
            errors += 1
            cases.append(
                f"<testcase {attrs}><failure message={quoteattr(failure.message)}>"
                f"{escape(failure.trace)}</failure></testcase>"
            )
    body = "\n    ".join(cases)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n'
        f'  <testsuite name="pytest" errors="0" failures="{errors}" skipped="{skipped}" '
        f'tests="{total}" time="{total * 35.0}" timestamp="2025-09-10T19:49:00" '
        'hostname="runner">\n'
        f"    {body}\n  </testsuite>\n</testsuites>\n"
    ).encode()

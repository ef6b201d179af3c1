"""Realistic views for the tracking-issue tests, modelled on the seed loop (#132)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypedDict

from bot.core.analysis.run_analysis import analyze_run
from bot.core.analysis.run_cases import RunCase
from bot.core.analysis.run_summary import RunSummary
from bot.core.config.loader import load_config
from bot.core.five_whys import AnalysisBlock
from bot.core.render.tracking_issue.issue_view import Link, LogEntry, RunInfo, TrackingIssueView
from bot.core.reports.model import Attempt, Outcome, TestCase

SEED_CONFIG = """
campaigns:
  golden-path-data-agent:
    title: "ULTIMATE TEST DEPLOY LOOP: {campaign}"
    labels:
      - loopwatch
      - {name: "e2e-staging", color: "d93f0b", description: "E2E staging loop"}
    mission: Execute comprehensive e2e staging tests until ALL tests pass
    phases:
      - name: Data agent pipeline validation
        priority: 1
        tests:
          - tests/e2e/test_real_agent_data_helper_comprehensive.py
          - tests/e2e/test_real_agent_execution_order_validation.py
          - tests/e2e/staging/test_3_agent_pipeline_staging.py
      - name: Complex multi-agent coordination
        priority: 2
        tests:
          - tests/e2e/staging/test_4_agent_orchestration_staging.py
          - tests/e2e/test_real_agent_handoff_complex.py
          - tests/e2e/test_real_agent_execution_complete_lifecycle.py
      - name: Tool integration and state management
        priority: 3
        tests:
          - tests/e2e/test_real_agent_tool_execution.py
          - tests/e2e/test_real_agent_context_isolation.py
          - tests/e2e/staging/test_5_response_streaming_staging.py
      - name: Golden path business value
        priority: 4
        tests:
          - tests/e2e/journeys/*
          - tests/e2e/staging/test_10_critical_path_staging.py
          - tests/e2e/test_real_agent_optimization_recommendations.py
    criteria:
      - name: "Data agent execution: MUST run BEFORE the optimization agent"
        tests: ["*execution_order*"]
      - name: "WebSocket event delivery: all 5 critical events during complex workflows"
        tests: ["*websocket_events*", "*test_5_response_streaming*"]
      - name: "Multi-user isolation: no context bleeding during concurrent processing"
        tests: ["*context_isolation*"]
      - name: "Business value: end-to-end cost analysis and recommendations"
        tests: ["*optimization_recommendations*"]
      - name: "Tool integration: real tools, real results"
        tests: ["*tool_execution_with_real_backend*"]
"""

CAMPAIGN = "golden-path-data-agent"
T0 = datetime(2025, 9, 10, 19, 45, tzinfo=UTC)

WS_1011 = (
    "websockets.exceptions.ConnectionClosedError: received 1011 (internal error) "
    "keepalive ping timeout; then sent 1011 (internal error) keepalive ping timeout\n"
    "  connection id 3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b after 30.2s"
)


def _case(
    file: str,
    name: str,
    outcome: Outcome = Outcome.PASSED,
    *,
    duration: float = 20.0,
    failure_type: str | None = None,
    message: str | None = None,
    classname: str | None = None,
) -> RunCase:
    test_id = "::".join(p for p in (file, classname, name) if p)
    attempts: tuple[Attempt, ...] = ()
    if outcome is Outcome.FLAKY:
        attempts = (Attempt(Outcome.FAILED), Attempt(Outcome.PASSED))
    return RunCase(
        TestCase(
            test_id=test_id,
            name=name,
            outcome=outcome,
            classname=classname,
            file=file,
            duration_s=duration,
            failure_type=failure_type,
            message=message,
            attempts=attempts,
        ),
        report_path="reports/e2e-staging.xml",
    )


class _Failure(TypedDict):
    """The failure keywords of `_case`, typed so `**ws` does not widen to every parameter."""

    failure_type: str
    message: str


def seed_cases(ws_port: int = 51234) -> list[RunCase]:
    ws_message = WS_1011.replace("30.2s", f"{ws_port / 1000:.1f}s")
    ws: _Failure = {"failure_type": "ConnectionClosedError", "message": ws_message}
    f = Outcome.FAILED
    return [
        _case(
            "tests/e2e/test_real_agent_data_helper_comprehensive.py", "test_data_helper_lifecycle"
        ),
        _case("tests/e2e/test_real_agent_data_helper_comprehensive.py", "test_data_helper_caching"),
        _case(
            "tests/e2e/test_real_agent_execution_order_validation.py",
            "test_execution_order_data_before_optimization",
            duration=131.0,
        ),
        _case(
            "tests/e2e/staging/test_3_agent_pipeline_staging.py",
            "test_pipeline_websocket_events",
            f,
            duration=62.5,
            **ws,
        ),
        _case(
            "tests/e2e/staging/test_3_agent_pipeline_staging.py",
            "test_pipeline_data_stage",
            f,
            duration=61.9,
            **ws,
        ),
        _case("tests/e2e/staging/test_4_agent_orchestration_staging.py", "test_orchestration"),
        _case("tests/e2e/test_real_agent_handoff_complex.py", "test_handoff_data_to_optimization"),
        _case(
            "tests/e2e/test_real_agent_execution_complete_lifecycle.py",
            "test_complete_lifecycle",
            Outcome.FLAKY,
            duration=95.0,
        ),
        _case(
            "tests/e2e/test_real_agent_tool_execution.py",
            "test_tool_execution_with_real_backend",
            Outcome.ERRORED,
            failure_type="TimeoutError",
            message="Tool call 'cost_analyzer' did not answer within 120s (request 0x7f3a9c21)",
        ),
        _case("tests/e2e/test_real_agent_context_isolation.py", "test_context_isolation_users"),
        _case(
            "tests/e2e/staging/test_5_response_streaming_staging.py",
            "test_streaming_websocket_events",
            f,
            **ws,
        ),
        _case(
            "tests/e2e/journeys/test_cold_start_first_time_user_journey.py",
            "test_first_time_user",
            Outcome.SKIPPED,
            duration=0.0,
        ),
        _case("tests/e2e/staging/test_10_critical_path_staging.py", "test_critical_path"),
        _case(
            "tests/e2e/test_real_agent_optimization_recommendations.py",
            "test_optimization_recommendations_cost",
            f,
            failure_type="AssertionError",
            message="assert 0 == 3\n where 0 = len(recommendations) @alice see #132",
        ),
    ]


SEED_ANALYSIS = AnalysisBlock.model_validate(
    {
        "five_whys": [
            {
                "why": "Why is the data pipeline blocked?",
                "because": "WebSocket connections close with 1011 (internal error)",
            },
            {
                "why": "Why do WebSocket connections close with 1011?",
                "because": "Authentication fails on the WebSocket path | not on HTTP",
            },
            {
                "why": "Why does WebSocket authentication fail in staging?",
                "because": "The E2E testing environment is not detected in GCP staging",
            },
            {
                "why": "Why is the E2E environment not detected?",
                "because": "E2E environment variables are not propagated to Cloud Run",
            },
            {
                "why": "Why are they not propagated?",
                "because": "The deploy config has no step for them (SSOT gap)",
            },
        ],
        "root_cause": (
            "Environment variable detection gap between E2E testing and GCP staging; "
            "SessionMiddleware ordering violations for WebSocket endpoints"
        ),
        "fix_strategy": [
            {"item": "Propagate E2E environment variables to Cloud Run staging", "owner": "ana"},
            {"item": "Fix SessionMiddleware order (Session → CORS → Auth → GCP Context)"},
            "Consolidate WebSocket authentication (SSOT)",
        ],
        "findings": ["WebSocket infrastructure failures: ConnectionClosedError 1011"],
        "business_impact": "$200K+ MRR optimization pipeline blocked",
    }
)


def seed_history() -> list[RunSummary]:
    """Three earlier runs: all green, then the pipeline phase failing, then green."""
    config = load_config(SEED_CONFIG).config.campaign(CAMPAIGN)
    runs: list[RunSummary] = []
    for number, broken in ((1, False), (2, True), (3, False)):
        cases = seed_cases()
        if not broken:
            cases = [
                RunCase(
                    TestCase(
                        test_id=c.case.test_id,
                        name=c.case.name,
                        outcome=Outcome.PASSED,
                        file=c.case.file,
                        duration_s=c.case.duration_s,
                    ),
                    c.report_path,
                )
                for c in cases
            ]
        analysis = analyze_run(
            cases, config, runs, run_id=number, finished_at=T0 - timedelta(hours=4 - number)
        )
        runs.append(analysis.summary)
    return runs


def seed_view() -> TrackingIssueView:
    config_result = load_config(SEED_CONFIG)
    campaign = config_result.config.campaign(CAMPAIGN)
    history = seed_history()
    finished = T0 + timedelta(minutes=7)
    analysis = analyze_run(
        seed_cases(), campaign, history, run_id=4, finished_at=finished, commit_sha="9f1c2ab" * 5
    )
    log = [
        LogEntry(T0 - timedelta(hours=3), "Run 1 on 1a2b3c4 (main): ✅ 13 passed"),
        LogEntry(T0 - timedelta(hours=2), "Run 2 on 5d6e7f8 (main): ❌ 9 passed, 4 failed"),
        LogEntry(T0 - timedelta(hours=1), "Run 3 on 9a8b7c6 (main): ✅ 13 passed"),
        LogEntry(T0, "Tracking issue created; labels loopwatch, e2e-staging applied"),
        LogEntry(finished, "Run 4 on 9f1c2ab (main): ❌ 7 passed, 4 failed, 1 errored"),
        LogEntry(finished + timedelta(minutes=6), "Five-whys analysis attached to run 4"),
    ]
    return TrackingIssueView(
        repository="netra-systems/netra-apex",
        campaign_name=CAMPAIGN,
        campaign=campaign,
        run=RunInfo(
            run_id=4,
            commit_sha="9f1c2ab" * 5 + "12345",
            branch="main",
            pull_request=131,
            workflow="e2e-staging",
            run_url="https://github.com/netra-systems/netra-apex/actions/runs/17612345678",
            run_attempt=1,
            started_at=T0,
            finished_at=finished,
            environment={"ENVIRONMENT": "staging", "REGION": "us-central1"},
        ),
        analysis=analysis,
        history=history,
        five_whys=SEED_ANALYSIS,
        session_log=log,
        links=[
            Link("Run details", "https://loopwatch.example.com/runs/4"),
            Link("Workflow run", "https://github.com/netra-systems/netra-apex/actions/runs/1"),
        ],
    )

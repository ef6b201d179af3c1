"""Per-run analysis: phases, criteria and history, by example."""

from __future__ import annotations

import json

from bot.core.analysis.history import phase_trends
from bot.core.analysis.phases import phase_namer
from bot.core.analysis.run_analysis import analyze_run
from bot.core.analysis.run_cases import OTHER_PHASE, RunCase
from bot.core.analysis.run_status import Status
from bot.core.analysis.run_summary import RunSummary
from bot.core.config.campaign import CampaignConfig
from bot.core.config.loader import load_config
from bot.core.reports.model import Attempt, Outcome, TestCase

CONFIG = """
campaigns:
  e2e:
    phases:
      - name: Pipeline
        priority: 2
        tests: ["tests/e2e/staging/test_3_*"]
      - name: Data
        priority: 1
        tests: ["tests/e2e/test_real_agent_data_*", "*Orchestration*"]
    criteria:
      - name: Execution order
        tests: ["*execution_order*"]
      - name: WebSocket events
        tests: ["*websocket*"]
      - name: Isolation
        tests: ["*isolation*"]
"""


def case(
    test_id: str,
    outcome: Outcome = Outcome.PASSED,
    *,
    file: str | None = "",
    message: str | None = None,
    failure_type: str | None = None,
    classname: str | None = None,
    duration: float = 1.0,
) -> TestCase:
    if file == "":
        file = test_id.split("::", 1)[0] if "::" in test_id else None
    attempts = (Attempt(Outcome.FAILED), Attempt(Outcome.PASSED)) if outcome == "flaky" else ()
    return TestCase(
        test_id=test_id,
        name=test_id.rsplit("::", 1)[-1],
        outcome=outcome,
        file=file,
        classname=classname,
        message=message,
        failure_type=failure_type,
        duration_s=duration,
        attempts=attempts,
    )


def run(*cases: TestCase, report: str | None = "junit.xml") -> list[RunCase]:
    return [RunCase(c, report) for c in cases]


def campaign(text: str = CONFIG, name: str = "e2e") -> CampaignConfig:
    return load_config(text).config.campaign(name)


def test_config_globs_assign_phases_first_match_wins_and_order_by_priority() -> None:
    cases = run(
        case("tests/e2e/staging/test_3_pipeline.py::test_a"),
        case("tests/e2e/test_real_agent_data_helper.py::test_b", Outcome.FAILED),
        case("tests/x.py::TestOrchestration::test_c", classname="TestOrchestration"),
        case("tests/e2e/test_unrelated.py::test_d"),
    )
    result = analyze_run(cases, campaign())
    assert [p.name for p in result.phases] == ["Data", "Pipeline", OTHER_PHASE]
    data = result.phases[0]
    assert (data.counts.passed, data.counts.failed, data.status) == (1, 1, Status.FAILED)
    assert [s.name for s in data.suites] == [
        "tests/e2e/test_real_agent_data_helper.py",
        "tests/x.py",
    ]
    phase_of = phase_namer(cases, campaign())
    assert phase_of(cases[3]) == OTHER_PHASE
    assert phase_of(cases[1]) == "Data"
    assert result.phases[1].status is Status.PASSED


def test_configured_phase_with_no_tests_shows_as_not_run() -> None:
    result = analyze_run(run(case("tests/e2e/test_real_agent_data_x.py::t")), campaign())
    pipeline = next(p for p in result.phases if p.name == "Pipeline")
    assert pipeline.status is Status.NOT_RUN and pipeline.counts.total == 0


def test_without_config_phases_follow_the_first_differing_folder() -> None:
    cases = run(
        case("tests/e2e/staging/test_3.py::a"),
        case("tests/e2e/staging/test_4.py::b"),
        case("tests/e2e/journeys/test_cold.py::c"),
        case("tests/e2e/test_top.py::d"),
    )
    result = analyze_run(cases, campaign(name="unlisted"))
    assert sorted(p.name for p in result.phases) == [
        "tests/e2e",
        "tests/e2e/journeys",
        "tests/e2e/staging",
    ]
    staging = next(p for p in result.phases if p.name == "tests/e2e/staging")
    assert len(staging.suites) == 2


def test_without_config_one_folder_splits_by_file() -> None:
    cases = run(case("tests/test_a.py::x"), case("tests/test_b.py::y"))
    result = analyze_run(cases, campaign(name="unlisted"))
    assert [p.name for p in result.phases] == ["tests/test_a.py", "tests/test_b.py"]


def test_without_paths_phases_are_report_files() -> None:
    cases = [
        RunCase(case("Suite.test_one", file=None), "reports/api.xml"),
        RunCase(case("Suite.test_two", file=None), "reports/ui.xml"),
        RunCase(case("Suite.test_three", file=None), None),
    ]
    result = analyze_run(cases, campaign(name="unlisted"))
    assert [p.name for p in result.phases] == ["reports/api.xml", "reports/ui.xml", OTHER_PHASE]


def test_criteria_pass_fail_and_not_run() -> None:
    cases = run(
        case("tests/e2e/test_execution_order.py::test_data_first"),
        case("tests/e2e/test_ws.py::test_websocket_events", Outcome.FAILED),
        case("tests/e2e/test_ws.py::test_websocket_connect"),
    )
    by_name = {c.name: c for c in analyze_run(cases, campaign()).criteria}
    order = by_name["Execution order"]
    assert order.met and order.status is Status.PASSED
    ws = by_name["WebSocket events"]
    assert not ws.met
    assert ws.failing == ("tests/e2e/test_ws.py::test_websocket_events",)
    assert len(ws.matched) == 2
    assert by_name["Isolation"].status is Status.NOT_RUN and not by_name["Isolation"].met


def test_flaky_tests_pass_criteria_but_are_listed() -> None:
    cases = run(case("tests/e2e/test_isolation.py::t", Outcome.FLAKY))
    result = analyze_run(cases, campaign())
    isolation = next(c for c in result.criteria if c.name == "Isolation")
    assert isolation.met and isolation.status is Status.FLAKY
    assert result.flaky == ["tests/e2e/test_isolation.py::t"]
    assert result.status is Status.FLAKY


def test_summary_round_trips_through_json_and_feeds_history() -> None:
    config = campaign()
    first = analyze_run(
        run(
            case("tests/e2e/test_real_agent_data_a.py::x", Outcome.FAILED),
            case("tests/e2e/test_real_agent_data_a.py::y", Outcome.FAILED),
        ),
        config,
        run_id=7,
        commit_sha="abc",
    )
    stored = json.loads(json.dumps(first.summary.to_json()))
    restored = RunSummary.from_json(stored)
    assert restored == first.summary
    second = analyze_run(
        run(
            case("tests/e2e/test_real_agent_data_a.py::x"),
            case("tests/e2e/test_real_agent_data_a.py::y", Outcome.FAILED),
            case("tests/e2e/test_real_agent_data_a.py::z", Outcome.FAILED),
        ),
        config,
        [restored],
    )
    assert second.fixed == ["tests/e2e/test_real_agent_data_a.py::x"]
    assert second.new_failures == ["tests/e2e/test_real_agent_data_a.py::z"]


def test_from_json_tolerates_old_or_partial_summaries() -> None:
    summary = RunSummary.from_json({"status": "weird", "phases": [{"name": "A"}], "extra": 1})
    assert summary.status is Status.NOT_RUN
    assert summary.phases[0].name == "A" and summary.run_id is None


def test_phase_trends_oldest_first_with_gaps() -> None:
    config = campaign()
    data = "tests/e2e/test_real_agent_data_a.py::x"
    pipeline = "tests/e2e/staging/test_3_p.py::y"
    history = [
        analyze_run(run(case(data)), config).summary,
        analyze_run(run(case(data, Outcome.FAILED), case(pipeline)), config).summary,
    ]
    current = analyze_run(run(case(data), case(pipeline)), config, history).summary
    trends = phase_trends(history, current)
    assert trends["Data"] == "✅❌✅"
    assert trends["Pipeline"] == "➖✅✅"
    assert phase_trends(history, current, limit=2)["Data"] == "❌✅"


def test_empty_run() -> None:
    result = analyze_run([], campaign())
    assert result.status is Status.NOT_RUN
    assert result.counts.total == 0
    assert all(p.status is Status.NOT_RUN for p in result.phases)


def test_history_that_already_holds_the_current_run_is_not_counted_twice() -> None:
    config = campaign()
    data = "tests/e2e/test_real_agent_data_a.py::x"
    before = analyze_run(run(case(data, Outcome.FAILED)), config, run_id=1).summary
    current = analyze_run(run(case(data)), config, [before], run_id=2)
    again = analyze_run(run(case(data)), config, [before, current.summary], run_id=2)
    assert again.fixed == [data]
    assert phase_trends([before, current.summary], again.summary)["Data"] == "❌✅"


def test_from_json_survives_a_corrupted_summary() -> None:
    summary = RunSummary.from_json(
        {"run_id": "x", "counts": [1], "phases": [{"passed": "many"}, 3], "failing": "a"}
    )
    assert summary.run_id is None and summary.counts == {}
    assert summary.phases[0].passed == 0 and summary.failing == ()

"""Least-covered areas and the run-next ranking, on hand-built histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.steering.coverage import (
    AreaCoverage,
    PhaseSpec,
    RunResults,
    area_results,
    coverage,
    run_next,
)

START = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
DATA = "tests/e2e/test_real_agent_data_helper_comprehensive.py"
ORDER = "tests/e2e/test_real_agent_execution_order_validation.py"
HANDOFF = "tests/e2e/test_real_agent_handoff_complex.py"
WS = "tests/e2e/staging/test_1_websocket_events_staging.py"

Result = tuple[str, str | None, str, float | None]


def run(run_id: int, *results: Result) -> RunResults:
    return RunResults(run_id, START + timedelta(hours=run_id), area_results(results))


def passed(phase: str, suite: str, tests: int = 2) -> list[Result]:
    return [(phase, suite, "passed", 1.5)] * tests


def failed(phase: str, suite: str) -> list[Result]:
    return [(phase, suite, "passed", 1.0), (phase, suite, "failed", 2.0)]


def by_name(areas: tuple[AreaCoverage, ...]) -> dict[tuple[str, str | None], AreaCoverage]:
    return {(a.phase, a.suite): a for a in areas}


def names(areas: list[AreaCoverage]) -> list[tuple[str, str | None]]:
    return [(a.phase, a.suite) for a in areas]


PHASES = [
    PhaseSpec("Data agent", 1),
    PhaseSpec("Coordination", 2),
    PhaseSpec("Tools", 3),
    PhaseSpec("Business value", 4),
]


def test_area_results_sum_per_area_and_count_failed_and_errored() -> None:
    (area,) = area_results(
        [
            ("P", "s", "passed", 1.0),
            ("P", "s", "failed", 2.0),
            ("P", "s", "errored", None),
            ("P", "s", "flaky", 0.5),
            ("P", "s", "skipped", 0.0),
        ]
    )
    assert (area.tests, area.failing, area.skipped, area.duration_s) == (5, 2, 1, 3.5)
    assert area.ran


def test_configured_phase_that_never_ran_is_an_area_without_suite_and_ranks_first() -> None:
    runs = [run(i, *passed("Data agent", DATA), *passed("Coordination", HANDOFF)) for i in (1, 2)]
    areas = coverage(runs, PHASES)

    assert names(list(areas)) == [
        ("Data agent", DATA),
        ("Coordination", HANDOFF),
        ("Tools", None),
        ("Business value", None),
    ]
    tools = by_name(areas)[("Tools", None)]
    assert tools.never_ran
    assert (tools.last_run_id, tools.last_ran_at, tools.failure_rate) == (None, None, None)
    assert tools.reasons == ("never ran in the last 2 runs", "phase priority 3")
    # staleness 1.0 × risk 1.0 (failure rate unknown) × weight 1 + 2/4
    assert tools.score == 1.5
    assert names(run_next(areas, 2)) == [("Tools", None), ("Business value", None)]


def test_stale_area_outranks_areas_that_ran_in_the_latest_run() -> None:
    runs = [run(1, *passed("Data agent", DATA), *passed("Data agent", ORDER))]
    runs += [run(i, *passed("Data agent", DATA)) for i in range(2, 9)]
    areas = by_name(coverage(runs, PHASES[:1]))

    stale = areas[("Data agent", ORDER)]
    assert (stale.runs_since, stale.runs_in_window, stale.last_run_id) == (7, 1, 1)
    assert stale.last_ran_at == START + timedelta(hours=1)
    assert stale.reasons == ("not run in the last 7 runs", "phase priority 1")
    fresh = areas[("Data agent", DATA)]
    assert fresh.reasons == ("ran in the latest run (8 of 8)", "phase priority 1")
    assert stale.score > fresh.score
    assert names(run_next(list(areas.values()), 1)) == [("Data agent", ORDER)]


def test_flaky_risky_area_outranks_an_equally_stale_passing_one() -> None:
    runs = []
    for i in range(1, 5):
        results = passed("Coordination", HANDOFF)
        results += failed("Coordination", WS) if i != 2 else passed("Coordination", WS)
        runs.append(run(i, *results))
    runs.append(run(5, *passed("Data agent", DATA)))
    areas = coverage(runs, PHASES[:2], {("Coordination", WS): 2})

    risky = by_name(areas)[("Coordination", WS)]
    assert (risky.runs_in_window, risky.failing_runs, risky.failure_rate) == (4, 3, 0.75)
    assert risky.open_clusters == 2
    assert risky.reasons == (
        "not run in the latest run",
        "failed in 3 of 4 runs",
        "2 open failures",
        "phase priority 2",
    )
    # staleness 2/6 × risk (0.5 + 0.75 + 0.5) × weight 1.5
    assert risky.score == pytest.approx(2 / 6 * 1.75 * 1.5, abs=1e-6)
    assert names(run_next(areas, 2)) == [("Coordination", WS), ("Coordination", HANDOFF)]


def test_open_clusters_count_towards_risk_up_to_four() -> None:
    runs = [run(1, *passed("P", "a"), *passed("P", "b"))]
    areas = by_name(coverage(runs, [], {("P", "a"): 4, ("P", "b"): 40}))
    assert areas[("P", "a")].score == areas[("P", "b")].score
    assert areas[("P", "b")].reasons == ("ran in the latest run (1 of 1)", "40 open failures")


def test_a_suite_whose_tests_all_skipped_did_not_run() -> None:
    skipped: list[Result] = [("P", "s", "skipped", 0.0)] * 3
    runs = [run(1, *passed("P", "s")), run(2, *skipped), run(3, *skipped)]
    (area,) = coverage(runs)
    assert (area.runs_in_window, area.runs_since, area.last_run_id) == (1, 2, 1)
    assert area.reasons == ("not run in the last 2 runs",)


def test_ties_go_by_phase_priority_then_suite_name() -> None:
    phases = [PhaseSpec("Late", 9), PhaseSpec("Early", 0), PhaseSpec("Unset")]
    # "Unset" has no priority: its position + 1 (3), between 0 and 9.
    results = passed("Late", "b") + passed("Late", "a") + passed("Early", "z")
    results += passed("Unset", "m") + passed("Other", "x") + passed("Zeta", "y")
    areas = coverage([run(1, *results)], phases)

    assert names(list(areas)) == [
        ("Early", "z"),
        ("Unset", "m"),
        ("Late", "a"),
        ("Late", "b"),
        ("Zeta", "y"),
        ("Other", "x"),
    ]
    assert [a.priority_weight for a in areas] == pytest.approx(
        [2.0, 1 + 2 / 3, 1 + 1 / 3, 1 + 1 / 3, 1.0, 1.0], abs=1e-6
    )
    # Equal weights give equal scores; ties keep the display order.
    assert names(run_next(areas, 10)) == names(list(areas))
    assert areas[2].score == areas[3].score
    assert areas[4].reasons == ("ran in the latest run (1 of 1)",)


def test_single_run() -> None:
    runs = [run(7, *passed("Data agent", DATA), *failed("Data agent", ORDER))]
    areas = coverage(runs, PHASES[:2])
    assert names(list(areas)) == [
        ("Data agent", DATA),
        ("Data agent", ORDER),
        ("Coordination", None),
    ]
    ranked = run_next(areas)
    # The failing suite of the first phase (staleness 1/2 × risk 1.5 × weight 2) ties the
    # second phase that never ran (1 × 1.0 × 1.5): the tie goes by phase order.
    assert names(ranked) == [("Data agent", ORDER), ("Coordination", None), ("Data agent", DATA)]
    assert ranked[0].score == ranked[1].score == 1.5
    assert ranked[0].reasons == (
        "ran in the latest run (1 of 1)",
        "failed in 1 of 1 run",
        "phase priority 1",
    )
    assert ranked[0].last_run_id == 7
    assert ranked[1].reasons == ("did not run in the only run", "phase priority 2")


def test_no_runs_lists_the_configured_phases() -> None:
    areas = coverage([], PHASES[:2])
    assert [(a.phase, a.reasons) for a in run_next(areas)] == [
        ("Data agent", ("no processed runs yet", "phase priority 1")),
        ("Coordination", ("no processed runs yet", "phase priority 2")),
    ]
    assert coverage([], []) == ()


def thirty_runs() -> list[RunResults]:
    """Data agent every run (one suite failing in the last 6); Coordination every third
    run, its websocket suite every sixth (failing); Tools once, long ago; Business value
    never."""
    runs = []
    for i in range(1, 31):
        results = passed("Data agent", DATA, 20)
        results += failed("Data agent", ORDER) if i > 24 else passed("Data agent", ORDER)
        if i % 3 == 1:
            results += passed("Coordination", HANDOFF, 5)
        if i % 6 == 1:
            results += failed("Coordination", WS)
        if i == 4:
            results += passed("Tools", "tests/e2e/test_real_agent_tool_execution.py")
        runs.append(run(i, *results))
    return runs


def test_thirty_runs_window_of_ten() -> None:
    runs = thirty_runs()[-10:]
    areas = coverage(runs, PHASES, {("Data agent", ORDER): 1})
    table = {
        key: (a.runs_in_window, a.failing_runs, a.runs_since, a.last_run_id)
        for key, a in by_name(areas).items()
    }
    assert table == {
        ("Data agent", DATA): (10, 0, 0, 30),
        ("Data agent", ORDER): (10, 6, 0, 30),
        ("Coordination", HANDOFF): (3, 0, 2, 28),
        ("Coordination", WS): (1, 1, 5, 25),
        ("Tools", None): (0, 0, 10, None),
        ("Business value", None): (0, 0, 10, None),
    }
    ranked = run_next(areas)
    assert names(ranked) == [
        ("Tools", None),  # 1 × 1.0 × 1.5
        ("Coordination", WS),  # 6/11 × 1.5 × 1.75
        ("Business value", None),  # 1 × 1.0 × 1.25
        ("Data agent", ORDER),  # 1/11 × (0.5 + 0.6 + 0.25) × 2
        ("Coordination", HANDOFF),  # 3/11 × 0.5 × 1.75
    ]
    assert ranked[0].reasons == ("never ran in the last 10 runs", "phase priority 3")
    assert ranked[1].reasons == (
        "not run in the last 5 runs",
        "failed in 1 of 1 run",
        "phase priority 2",
    )
    assert ranked[3].reasons == (
        "ran in the latest run (10 of 10)",
        "failed in 6 of 10 runs",
        "1 open failure",
        "phase priority 1",
    )


def test_thirty_runs_whole_history_sees_tools_long_ago() -> None:
    areas = by_name(coverage(thirty_runs(), PHASES))
    tools = areas[("Tools", "tests/e2e/test_real_agent_tool_execution.py")]
    assert (tools.runs_in_window, tools.runs_since, tools.last_run_id) == (1, 26, 4)
    assert tools.reasons == ("not run in the last 26 runs", "phase priority 3")
    assert ("Tools", None) not in areas


def test_limit() -> None:
    areas = coverage(thirty_runs(), PHASES)
    assert len(run_next(areas, 2)) == 2
    assert run_next(areas, 0) == []
    assert len(run_next(areas, 50)) == len(areas)

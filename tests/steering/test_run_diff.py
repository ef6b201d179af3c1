"""Run comparison on hand-built histories: what the session log says changed."""

from __future__ import annotations

from bot.core.steering.run_diff import (
    MIN_SHIFT_S,
    PhaseShift,
    RunDiff,
    TestOutcome,
    diff_phrase,
    diff_runs,
    short_name,
)

PIPELINE = "Data pipeline"
LOGIN = "Login"


def result(
    test_id: str, outcome: str = "passed", *, phase: str = PIPELINE, duration: float = 1.0
) -> TestOutcome:
    return TestOutcome(test_id, phase, outcome, duration)


def test_each_kind_of_change_is_found_and_said() -> None:
    previous = [
        result("tests/e2e/test_a.py::test_broken", "failed"),
        result("tests/e2e/test_a.py::test_still_broken", "errored"),
        result("tests/e2e/test_a.py::test_now_skipped"),
        result("tests/e2e/test_a.py::test_breaks"),
        result("tests/e2e/test_a.py::test_retired"),
        result("tests/e2e/test_a.py::test_skipped_twice", "skipped"),
    ]
    current = [
        result("tests/e2e/test_a.py::test_broken", "flaky"),
        result("tests/e2e/test_a.py::test_still_broken", "failed"),
        result("tests/e2e/test_a.py::test_now_skipped", "skipped"),
        result("tests/e2e/test_a.py::test_breaks", "errored"),
        result("tests/e2e/test_a.py::test_skipped_twice", "skipped"),
        result("tests/e2e/test_b.py::test_new_and_failing", "failed"),
        result("tests/e2e/test_b.py::test_new"),
    ]
    diff = diff_runs(previous, current, since_run=4)
    assert diff.new_failures == [
        "tests/e2e/test_a.py::test_breaks",
        "tests/e2e/test_b.py::test_new_and_failing",
    ]
    assert diff.fixed == ["tests/e2e/test_a.py::test_broken"]
    assert diff.newly_skipped == ["tests/e2e/test_a.py::test_now_skipped"]
    assert diff.added == [
        "tests/e2e/test_b.py::test_new",
        "tests/e2e/test_b.py::test_new_and_failing",
    ]
    assert diff.removed == ["tests/e2e/test_a.py::test_retired"]
    assert diff.duration_shifts == []
    assert diff_phrase(diff) == (
        "since run 4: 2 new failures (test_breaks, test_new_and_failing), "
        "1 fixed (test_broken), 1 newly skipped, 2 tests added, 1 removed"
    )


def test_a_first_run_says_nothing() -> None:
    diff = diff_runs(None, [result("t::a", "failed"), result("t::b")])
    assert diff == RunDiff()
    assert diff_phrase(diff) == ""


def test_nothing_changed_says_nothing() -> None:
    runs = [result("t::a", "failed"), result("t::b"), result("t::c", "skipped")]
    diff = diff_runs(runs, list(reversed(runs)), since_run=1)
    assert diff.compared and not diff.changed
    assert diff_phrase(diff) == ""


def test_a_retry_of_the_same_run_gives_the_same_line() -> None:
    previous = [result("t::a", "failed"), result("t::b")]
    current = [result("t::a"), result("t::b", "errored"), result("t::c")]
    first = diff_phrase(diff_runs(previous, current, since_run=7))
    # The retried job stored the same rows again (maybe in another order).
    again = diff_phrase(diff_runs(previous, list(reversed(current)), since_run=7))
    assert first == again == "since run 7: 1 new failure (b), 1 fixed (a), 1 test added"


def test_a_test_reported_twice_counts_with_its_worst_outcome() -> None:
    previous = [result("t::a")]
    current = [result("t::a"), result("t::a", "failed")]
    assert diff_runs(previous, current).new_failures == ["t::a"]
    assert diff_runs(current, previous).fixed == ["t::a"]
    # Ran in one of its reports: not skipped.
    assert diff_runs(previous, [result("t::a", "skipped"), result("t::a")]).newly_skipped == []


def test_a_skip_or_a_removal_is_not_fixed() -> None:
    previous = [result("t::a", "failed"), result("t::b", "errored")]
    diff = diff_runs(previous, [result("t::a", "skipped")], since_run=2)
    assert diff.fixed == [] and diff.newly_skipped == ["t::a"] and diff.removed == ["t::b"]
    assert diff_phrase(diff) == "since run 2: 1 newly skipped, 1 test removed"


def test_a_failure_that_stays_failed_is_not_new_even_when_it_errors_now() -> None:
    diff = diff_runs([result("t::a", "failed")], [result("t::a", "errored")])
    assert diff.new_failures == [] and not diff.changed


def test_phase_durations_shift_in_both_directions_over_both_thresholds() -> None:
    previous = [result("t::a", duration=130.0), result("t::b", phase=LOGIN, duration=20.0)]
    faster = [result("t::a", duration=14.0), result("t::b", phase=LOGIN, duration=20.0)]
    slower = [result("t::a", duration=130.0), result("t::b", phase=LOGIN, duration=75.0)]
    diff = diff_runs(previous, faster, since_run=4)
    assert diff.duration_shifts == [PhaseShift(PIPELINE, 130.0, 14.0)]
    assert diff_phrase(diff) == "since run 4: Data pipeline 2m 10s → 14s"
    diff = diff_runs(previous, slower, since_run=4)
    assert diff.duration_shifts == [PhaseShift(LOGIN, 20.0, 75.0)]
    assert diff_phrase(diff) == "since run 4: Login 20s → 1m 15s"


def test_a_shift_under_either_threshold_is_not_one() -> None:
    slow = [result("t::a", duration=600.0)]
    # 60s more is over MIN_SHIFT_S but only 10% of the phase's time.
    assert diff_runs(slow, [result("t::a", duration=660.0)]).duration_shifts == []
    # Four times as long, but only 12s more.
    assert diff_runs([result("t::a", duration=4.0)], [result("t::a", duration=16.0)]) == RunDiff(
        compared=True
    )
    # Exactly on the bounds is not over them.
    on_bound = [result("t::a", duration=2 * MIN_SHIFT_S)]
    assert diff_runs(on_bound, [result("t::a", duration=3 * MIN_SHIFT_S)]).duration_shifts == []
    # Thresholds can be given (a stricter campaign).
    tight = diff_runs(slow, [result("t::a", duration=660.0)], min_shift_ratio=0.05)
    assert tight.duration_shifts == [PhaseShift(PIPELINE, 600.0, 660.0)]


def test_a_phase_that_starts_from_nothing_reads_0s() -> None:
    previous = [result("t::a", "skipped", duration=0.0)]
    diff = diff_runs(previous, [result("t::a", duration=45.0)], since_run=1)
    assert diff_phrase(diff) == "since run 1: Data pipeline 0s → 45s"


def test_a_phase_that_disappears_shows_its_tests_removed_not_a_shift() -> None:
    previous = [
        result("t::a", duration=5.0),
        result("slow::x", phase=LOGIN, duration=300.0),
        result("slow::y", phase=LOGIN, duration=300.0),
    ]
    current = [result("t::a", duration=5.0), result("t::new", phase="Smoke", duration=200.0)]
    diff = diff_runs(previous, current, since_run=9)
    assert diff.duration_shifts == []
    assert diff.removed == ["slow::x", "slow::y"] and diff.added == ["t::new"]
    assert diff_phrase(diff) == "since run 9: 1 test added, 2 removed"


def test_shifts_are_ordered_by_size_and_capped() -> None:
    phases = ["P1", "P2", "P3", "P4", "P5"]
    previous = [result(f"{p}::t", phase=p, duration=10.0) for p in phases]
    current = [
        result(f"{p}::t", phase=p, duration=10.0 + 60.0 * (i + 1)) for i, p in enumerate(phases)
    ]
    diff = diff_runs(previous, current, since_run=3)
    assert [s.phase for s in diff.duration_shifts] == ["P5", "P4", "P3", "P2", "P1"]
    assert diff_phrase(diff) == (
        "since run 3: P5 10s → 5m 10s, P4 10s → 4m 10s, P3 10s → 3m 10s and 2 more phases"
    )


def test_names_are_short_and_capped() -> None:
    previous = [result(f"tests.e2e.test_x.test_{n}") for n in "abcde"]
    current = [result(f"tests.e2e.test_x.test_{n}", "failed") for n in "abcde"]
    diff = diff_runs(previous, current, since_run=5)
    assert diff_phrase(diff) == "since run 5: 5 new failures (test_a, test_b and 3 more)"
    assert diff_phrase(diff, names=4) == (
        "since run 5: 5 new failures (test_a, test_b, test_c, test_d and 1 more)"
    )
    assert diff_phrase(diff, names=5) == (
        "since run 5: 5 new failures (test_a, test_b, test_c, test_d, test_e)"
    )
    assert diff_phrase(diff, names=0) == "since run 5: 5 new failures"
    assert diff_phrase(diff_runs(current, previous, since_run=6), names=1) == (
        "since run 6: 5 fixed (test_a and 4 more)"
    )


def test_short_names() -> None:
    assert short_name("tests/e2e/test_a.py::TestLogin::test_ok") == "test_ok"
    assert short_name("tests.e2e.test_login.test_ok") == "test_ok"
    assert short_name("tests/a.py::test_rate[1.5-x::y]") == "test_rate[1.5-x::y]"
    assert short_name("plain") == "plain"
    assert short_name("a::" + "n" * 100).endswith("…")
    assert len(short_name("a::" + "n" * 100)) == 60

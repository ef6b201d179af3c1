"""A run against the base branch's latest run: what is new, still failing, fixed, …"""

from __future__ import annotations

import pytest

from bot.core.checks.baseline import Comparison, compare, merge_outcomes

BASE = {
    "t/a.py::test_ok": "passed",
    "t/a.py::test_broken": "failed",
    "t/a.py::test_errors": "errored",
    "t/a.py::test_fixed": "failed",
    "t/a.py::test_gone": "passed",
    "t/a.py::test_now_skipped": "passed",
    "t/a.py::test_always_skipped": "skipped",
    "t/a.py::test_wobbly": "passed",
}
HEAD = {
    "t/a.py::test_ok": "passed",
    "t/a.py::test_broken": "failed",
    "t/a.py::test_errors": "failed",
    "t/a.py::test_fixed": "passed",
    "t/a.py::test_now_skipped": "skipped",
    "t/a.py::test_always_skipped": "skipped",
    "t/a.py::test_wobbly": "flaky",
    "t/a.py::test_new_and_broken": "errored",
    "t/a.py::test_new_and_fine": "passed",
}


def test_compare_splits_failures_into_new_and_still_failing() -> None:
    result = compare(HEAD, BASE)
    assert result == Comparison(
        has_base=True,
        new_failures=["t/a.py::test_new_and_broken"],
        still_failing=["t/a.py::test_broken", "t/a.py::test_errors"],
        fixed=["t/a.py::test_fixed"],
        flaky=["t/a.py::test_wobbly"],
        added=["t/a.py::test_new_and_broken", "t/a.py::test_new_and_fine"],
        removed=["t/a.py::test_gone"],
        newly_skipped=["t/a.py::test_now_skipped"],
    )


def test_a_test_passing_on_base_and_failing_here_is_new() -> None:
    result = compare({"x": "failed"}, {"x": "passed"})
    assert result.new_failures == ["x"]
    assert result.still_failing == []


def test_a_test_flaky_on_base_and_failing_here_is_new() -> None:
    assert compare({"x": "failed"}, {"x": "flaky"}).new_failures == ["x"]


def test_a_test_failing_on_base_and_flaky_here_counts_as_fixed_and_flaky() -> None:
    result = compare({"x": "flaky"}, {"x": "errored"})
    assert result.fixed == ["x"]
    assert result.flaky == ["x"]
    assert result.new_failures == result.still_failing == []


def test_a_test_failing_on_base_and_skipped_here_is_newly_skipped_not_fixed() -> None:
    result = compare({"x": "skipped"}, {"x": "failed"})
    assert result.fixed == []
    assert result.newly_skipped == ["x"]


def test_without_a_base_every_failure_is_new_and_nothing_else_is_known() -> None:
    result = compare(HEAD, None)
    assert result == Comparison(
        has_base=False,
        new_failures=[
            "t/a.py::test_broken",
            "t/a.py::test_errors",
            "t/a.py::test_new_and_broken",
        ],
        flaky=["t/a.py::test_wobbly"],
    )


def test_an_empty_base_run_makes_every_test_added() -> None:
    result = compare({"b": "passed", "a": "failed"}, {})
    assert result.has_base
    assert result.new_failures == ["a"]
    assert result.added == ["a", "b"]


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        (["passed", "failed"], "failed"),
        (["failed", "passed"], "failed"),
        (["errored", "failed"], "failed"),
        (["passed", "errored", "skipped"], "errored"),
        (["passed", "flaky"], "flaky"),
        (["flaky", "errored"], "errored"),
        (["skipped", "passed"], "passed"),
        (["skipped", "skipped"], "skipped"),
        (["weird", "passed"], "passed"),
    ],
)
def test_merge_outcomes_keeps_the_worst_outcome_of_matrix_shards(
    outcomes: list[str], expected: str
) -> None:
    assert merge_outcomes(("t::x", o) for o in outcomes) == {"t::x": expected}


def test_merge_outcomes_keeps_each_test_apart() -> None:
    merged = merge_outcomes([("a", "passed"), ("b", "failed"), ("a", "skipped"), ("b", "passed")])
    assert merged == {"a": "passed", "b": "failed"}

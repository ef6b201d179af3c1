from __future__ import annotations

import pytest

from bot.core.reports.model import Outcome, TestCase


def failure(
    message: str | None = None,
    failure_type: str | None = None,
    trace: str | None = None,
    test_id: str = "tests/test_a.py::test_one",
) -> TestCase:
    """A failed test case with the given details."""
    return TestCase(
        test_id=test_id,
        name=test_id.rpartition("::")[2],
        outcome=Outcome.FAILED,
        failure_type=failure_type,
        message=message,
        trace=trace,
    )


@pytest.fixture
def make_failure() -> type[object]:
    return failure  # type: ignore[return-value]

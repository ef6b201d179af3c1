"""A run with more tests than PostgreSQL takes bind parameters (65,535) processes end to end
on both databases, and no statement binds one parameter per test (issue 18)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import Engine, event, func, select

from bot.adapters.store.models import Cluster, ClusterEvent, Run, SessionLogEntry, TestResult
from tests.pipeline.conftest import Harness

CASES = int(os.environ.get("LOOPWATCH_BIG_RUN_CASES", "70000"))
COMMIT = "a" * 40
# The guard: a statement binding more than this is "one parameter per test" again.
MAX_PARAMETERS = 1_000
FAILURE = "AssertionError: expected status 200, got 503 from the checkout service"
# Every failing test reaches the one call site (line numbers move, the function does not),
# so all 2,000 failures are one cluster under every signature version.


def big_junit(cases: int, failing: range) -> bytes:
    """A JUnit report of ``cases`` cases over 100 classes; ``failing`` fail with one cause."""
    parts = [f'<testsuite name="big" tests="{cases}" failures="{len(failing)}">']
    for number in range(cases):
        head = f'<testcase classname="pkg.Class{number % 100}" name="test_{number}" time="0.01"'
        if number in failing:
            parts.append(
                f'{head}><failure message="{escape(FAILURE)}">{escape(FAILURE)}\n'
                f"  at pkg/Checkout.java:{number % 500 + 1}</failure></testcase>"
            )
        else:
            parts.append(head + "/>")
    parts.append("</testsuite>")
    return "\n".join(parts).encode()


@dataclass
class ParameterCounter:
    """The largest number of parameters one executed statement bound (an executemany
    counts per row set: that is what a server sees per statement)."""

    largest: int = 0
    statement: str = ""

    def __call__(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        sets = parameters if many else [parameters]
        for one in sets or []:
            size = len(one) if isinstance(one, (tuple, list, dict)) else 1
            if size > self.largest:
                self.largest, self.statement = size, statement[:200]


@pytest.fixture
def counter(engine: Engine) -> Iterator[ParameterCounter]:
    found = ParameterCounter()
    event.listen(engine, "before_cursor_execute", found)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", found)


def _result_count(harness: Harness, run_id: int) -> int:
    with harness.session_factory() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(TestResult).where(TestResult.run_id == run_id)
            )
            or 0
        )


def test_a_70k_case_report_processes_with_no_statement_per_test(
    harness: Harness, counter: ParameterCounter, db_kind: str
) -> None:
    started = time.monotonic()
    first = harness.upload(
        {"big.xml": big_junit(CASES, range(0, 2_000))}, commit_sha=COMMIT, branch="main"
    )
    harness.work_until_settled()
    elapsed = time.monotonic() - started
    print(f"\n{db_kind}: first {CASES:,}-case run processed and synced in {elapsed:.1f} s")

    with harness.session_factory() as session:
        run = session.get_one(Run, first["run_id"])
        assert (run.status, run.error) == ("processed", None)
        assert run.summary is not None and run.summary["counts"]["total"] == CASES
        clusters = session.scalars(select(Cluster)).all()
        assert len(clusters) == 1
        cluster = clusters[0]
    assert _result_count(harness, first["run_id"]) == CASES
    failure_issues = [i for i in harness.issues() if "in 2,000 tests" in i["title"]]
    assert len(failure_issues) == 1, [i["title"] for i in harness.issues()]

    # The same commit again: 1,000 of the failing tests pass now (their failure was flaky,
    # found afterwards), 1,000 still fail, and 1,000 that passed fail now (flaky too).
    second = harness.upload(
        {"big.xml": big_junit(CASES, range(1_000, 3_000))},
        commit_sha=COMMIT,
        branch="main",
        workflow_run_id=2,
    )
    harness.work_until_settled()
    with harness.session_factory() as session:
        run = session.get_one(Run, second["run_id"])
        assert (run.status, run.error) == ("processed", None)
        marked = session.scalars(
            select(ClusterEvent).where(
                ClusterEvent.cluster_id == cluster.id, ClusterEvent.kind == "marked_flaky"
            )
        ).all()
        assert [e.details["commit"] for e in marked] == [COMMIT]
        flaky_in_run = session.scalar(
            select(func.count())
            .select_from(TestResult)
            .where(TestResult.run_id == run.id, TestResult.cluster_id == cluster.id)
        )
        assert flaky_in_run == 2_000
        # What changed since the first run, read with grouped queries (not both runs' rows).
        log = session.scalar(
            select(SessionLogEntry.text).where(
                SessionLogEntry.run_id == run.id, SessionLogEntry.kind == "run"
            )
        )
    assert log is not None
    assert re.search(
        rf"since run {first['run_id']}: 1000 new failures \(test_\d+, test_\d+ and 998 more\), "
        r"1000 fixed \(test_\d+, test_\d+ and 998 more\)",
        log,
    ), log
    assert _result_count(harness, second["run_id"]) == CASES
    print(f"{db_kind}: largest parameter count per statement {counter.largest}")
    assert counter.largest <= MAX_PARAMETERS, counter.statement

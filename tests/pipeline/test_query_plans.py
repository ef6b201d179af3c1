"""Every statement processing and syncing a run sends about ``test_results`` uses an index
when the table holds a million rows, with statistics as stale as after a bulk load (issue
18: "a plan that does not depend on fresh statistics"). A plan property, not a timing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from tests.pipeline.conftest import Harness
from tests.pipeline.test_big_run import big_junit

FILLER_ROWS = int(os.environ.get("LOOPWATCH_PLAN_ROWS", "1000000"))
COMMIT = "c" * 40


@dataclass
class Statements:
    """The statements (with their parameters) that read or change ``test_results``."""

    seen: list[tuple[str, Any]] = field(default_factory=list)

    def __call__(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        head = statement.lstrip().split(None, 1)[0].upper()
        if "test_results" in statement and head in ("SELECT", "UPDATE", "DELETE") and not many:
            self.seen.append((statement, parameters))


@pytest.fixture
def statements(engine: Engine) -> Iterator[Statements]:
    found = Statements()
    event.listen(engine, "before_cursor_execute", found)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", found)


def _fill(engine: Engine, run_id: int) -> None:
    """A million results of an earlier run (other tests, some failing), no ANALYZE."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO test_results (run_id, test_id, name, outcome, executions)"
                " SELECT :run, 'filler::test_' || n, 'test_' || n,"
                " CASE WHEN n % 50 = 0 THEN 'failed' ELSE 'passed' END, 1"
                " FROM generate_series(1, :rows) AS n"
            ),
            {"run": run_id, "rows": FILLER_ROWS},
        )


def _plan(engine: Engine, statement: str, parameters: Any) -> str:
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("EXPLAIN " + statement, parameters)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


@pytest.mark.parametrize("db_kind", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_no_statement_on_a_run_scans_test_results_at_a_million_rows(
    harness: Harness, engine: Engine, statements: Statements, db_kind: str
) -> None:
    filler = harness.upload({"old.xml": big_junit(10, range(0))}, commit_sha=COMMIT)
    harness.work_until_settled()
    _fill(engine, filler["run_id"])
    statements.seen.clear()

    # A run that fails, one that passes on the same commit (flaky after the fact), and a
    # regression after green runs: the cluster view, findings, check run and diffs run.
    for number, failing in enumerate((range(0, 300), range(300, 310), range(0))):
        harness.upload(
            {"run.xml": big_junit(2_000, failing)},
            commit_sha=COMMIT,
            branch="main",
            workflow_run_id=number + 1,
        )
        harness.work_until_settled()
    harness.upload({"run.xml": big_junit(2_000, range(0, 5))}, commit_sha="d" * 40)
    harness.work_until_settled()

    assert len(statements.seen) > 20
    scans = {}
    for statement, parameters in statements.seen:
        plan = _plan(engine, statement, parameters)
        if "Seq Scan on test_results" in plan:
            scans[statement[:300]] = plan
    assert not scans, "\n\n".join(f"{s}\n{p}" for s, p in scans.items())

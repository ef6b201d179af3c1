"""What changed since the previous run, read with aggregate queries (issue 18).

The session-log line needs counts (new failures, fixed, newly skipped, added, removed),
the first few new failures and fixed tests by test id, and each phase's summed time: one
grouped query on ``test_id`` over both runs' results, never a list of either run's rows
(a million-case run would otherwise load two million objects). The rules are the pure
:func:`bot.core.steering.run_diff.diff_runs`'s: a test id's worst outcome in a run stands
for it; failing is failed or errored; passing is passed or flaky.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from bot.adapters.store.models import TestResult
from bot.core.analysis.run_cases import OTHER_PHASE
from bot.core.steering.run_diff import MAX_NAMES_KEPT, RunChange, duration_shifts

# A test id's worst outcome in a run stands for it (as ``run_diff._SEVERITY``).
_SEVERITY = case(
    (TestResult.outcome == "errored", 4),
    (TestResult.outcome == "failed", 3),
    (TestResult.outcome == "flaky", 2),
    (TestResult.outcome == "passed", 1),
    else_=0,
)
_FAILING = 3  # severity from which an outcome is a failure
_NAMED = ("new", "fixed")  # the kinds of change whose first tests are named
_SKIPPED = 0  # the severity of a skip (the only outcome below passed)


def run_change(
    session: Session,
    previous: int,
    current: int,
    *,
    min_shift_ratio: float,
    min_shift_s: float,
    names: int = MAX_NAMES_KEPT,
) -> RunChange:
    """Run ``current`` against run ``previous``."""
    counts, named = _test_changes(session, previous, current, names)
    times = _phase_times(session, previous, current)
    return RunChange(
        compared=True,
        since_run=previous,
        new_failures=counts.get("new", 0),
        fixed=counts.get("fixed", 0),
        newly_skipped=counts.get("skipped", 0),
        added=counts.get("added", 0),
        removed=counts.get("removed", 0),
        new_failure_names=tuple(named.get("new", ())),
        fixed_names=tuple(named.get("fixed", ())),
        duration_shifts=tuple(
            duration_shifts(
                times.get(previous, {}),
                times.get(current, {}),
                min_shift_ratio=min_shift_ratio,
                min_shift_s=min_shift_s,
            )
        ),
    )


def _test_changes(
    session: Session, previous: int, current: int, names: int
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Per kind of change: how many tests, and the first ``names`` test ids (code-point
    order, as Python sorts them)."""
    worst = (
        select(
            TestResult.test_id.label("test_id"),
            func.max(case((TestResult.run_id == previous, _SEVERITY))).label("before"),
            func.max(case((TestResult.run_id == current, _SEVERITY))).label("after"),
        )
        .where(TestResult.run_id.in_((previous, current)))
        .group_by(TestResult.test_id)
        .subquery()
    )
    before, after = worst.c.before, worst.c.after
    kind = case(
        (before.is_(None), literal("added")),
        (after.is_(None), literal("removed")),
        (and_(after >= _FAILING, before < _FAILING), literal("new")),
        (and_(before >= _FAILING, after.in_((1, 2))), literal("fixed")),
        (and_(after == _SKIPPED, before != _SKIPPED), literal("skipped")),
        else_=None,
    ).label("kind")
    # A new failure may also be an added test: counted as both, as diff_runs does.
    added_failing = and_(before.is_(None), after >= _FAILING)
    changed = (
        select(worst.c.test_id, kind)
        .where(kind.is_not(None))
        .union_all(select(worst.c.test_id, literal("new").label("kind")).where(added_failing))
        .subquery()
    )
    test_id: ColumnElement[str] = changed.c.test_id
    if session.get_bind().dialect.name == "postgresql":
        test_id = test_id.collate("C")  # code-point order, whatever the database's locale
    ranked = select(
        changed.c.kind,
        changed.c.test_id,
        func.row_number().over(partition_by=changed.c.kind, order_by=test_id).label("rank"),
        func.count().over(partition_by=changed.c.kind).label("total"),
    ).subquery()
    rows = session.execute(
        select(ranked.c.kind, ranked.c.test_id, ranked.c.total, ranked.c.rank)
        .where(or_(ranked.c.rank == 1, and_(ranked.c.kind.in_(_NAMED), ranked.c.rank <= names)))
        .order_by(ranked.c.rank)
    )
    counts: dict[str, int] = {}
    named: dict[str, list[str]] = {}
    for kind_name, test, total, _rank in rows:
        counts[kind_name] = total
        if kind_name in _NAMED:
            named.setdefault(kind_name, []).append(test)
    return counts, named


def _phase_times(session: Session, previous: int, current: int) -> dict[int, dict[str, float]]:
    phase = func.coalesce(TestResult.phase, OTHER_PHASE)
    rows = session.execute(
        select(TestResult.run_id, phase, func.sum(func.coalesce(TestResult.duration_s, 0.0)))
        .where(TestResult.run_id.in_((previous, current)))
        .group_by(TestResult.run_id, phase)
    )
    times: dict[int, dict[str, float]] = {}
    for run_id, name, total in rows:
        times.setdefault(run_id, {})[name] = float(total or 0.0)
    return times

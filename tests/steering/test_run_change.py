"""``run_change`` (the session log's "since run N", read with grouped queries) says what
the pure ``diff_runs`` says of the same two runs' rows, on both databases."""

from __future__ import annotations

import random

from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import transaction
from bot.adapters.store.models import Campaign, Run, TestResult
from bot.adapters.tokens import get_or_create_repository
from bot.app.steering.run_change import run_change
from bot.core.steering.run_diff import (
    MAX_NAMES_KEPT,
    RunChange,
    TestOutcome,
    change_of,
    diff_phrase,
    diff_runs,
)

OUTCOMES = ("passed", "failed", "errored", "skipped", "flaky")
PHASES = ("Data", "Tools", None)


def _run(session: Session, campaign: Campaign, rows: list[TestOutcome | None]) -> int:
    run = Run(repository_id=campaign.repository_id, campaign_id=campaign.id, status="processed")
    session.add(run)
    session.flush()
    session.add_all(
        TestResult(
            run_id=run.id,
            test_id=row.test_id,
            name=row.test_id,
            phase=None if row.phase == "Other" else row.phase,
            outcome=row.outcome,
            duration_s=row.duration_s,
        )
        for row in rows
        if row is not None
    )
    session.flush()
    return run.id


def _random_rows(rng: random.Random, ids: list[str]) -> list[TestOutcome | None]:
    rows: list[TestOutcome | None] = []
    for test_id in ids:
        for _ in range(rng.choice((0, 1, 1, 1, 2))):  # missing, once, or run twice
            phase = rng.choice(PHASES) or "Other"
            duration = rng.choice((None, rng.uniform(0, 90)))
            rows.append(TestOutcome(test_id, phase, rng.choice(OUTCOMES), duration))
    return rows


def test_the_database_diff_matches_the_pure_one(
    session_factory: sessionmaker[Session],
) -> None:
    rng = random.Random(18)
    # Ids whose code-point order differs from a natural-language collation's.
    ids = [
        f"{prefix}::test_{n}"
        for prefix in ("tests/B", "tests/a", "tests/_x", "T")
        for n in range(40)
    ]
    for attempt in range(4):
        previous_rows = _random_rows(rng, ids)
        current_rows = _random_rows(rng, ids)
        with transaction(session_factory) as session:
            repo = get_or_create_repository(session, f"octo/change{attempt}")
            campaign = Campaign(repository_id=repo.id, name="e2e")
            session.add(campaign)
            session.flush()
            previous = _run(session, campaign, previous_rows)
            current = _run(session, campaign, current_rows)
            got = run_change(session, previous, current, min_shift_ratio=0.1, min_shift_s=5.0)
        expected = diff_runs(
            [r for r in previous_rows if r is not None],
            [r for r in current_rows if r is not None],
            since_run=previous,
            min_shift_ratio=0.1,
            min_shift_s=5.0,
        )
        assert expected.changed
        want = change_of(expected, MAX_NAMES_KEPT)
        assert got.since_run == want.since_run
        assert (got.new_failures, got.fixed, got.newly_skipped, got.added, got.removed) == (
            want.new_failures,
            want.fixed,
            want.newly_skipped,
            want.added,
            want.removed,
        )
        assert got.new_failure_names == want.new_failure_names
        assert got.fixed_names == want.fixed_names
        assert [s.phase for s in got.duration_shifts] == [s.phase for s in want.duration_shifts]
        assert diff_phrase(got) == diff_phrase(expected)


def test_a_phrase_from_counts_names_the_first_and_counts_the_rest() -> None:
    change = RunChange(
        compared=True,
        since_run=4,
        new_failures=1200,
        new_failure_names=("tests/a.py::test_a", "tests/a.py::test_b", "tests/a.py::test_c"),
        added=1_000_000,
    )
    assert diff_phrase(change) == (
        "since run 4: 1200 new failures (test_a, test_b and 1198 more), 1000000 tests added"
    )

"""The cluster state machine as a table: (state before, events) → (state after, flags)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app.clusters.lifecycle import (
    Event,
    EventKind,
    Life,
    State,
    Transition,
    apply,
    run_event_kind,
)

T0 = datetime(2026, 11, 29, 12, tzinfo=UTC)
F, FL, P = EventKind.FAILED_IN_RUN, EventKind.FLAKY_IN_RUN, EventKind.PASSED_IN_RUN
CLOSE, REOPEN = EventKind.ISSUE_CLOSED_BY_PERSON, EventKind.ISSUE_REOPENED_BY_PERSON


def run(life: Life, *steps: EventKind | tuple[EventKind, str]) -> tuple[Life, list[Transition]]:
    transitions = []
    for index, step in enumerate(steps):
        kind, campaign = step if isinstance(step, tuple) else (step, "e2e")
        at = T0 + timedelta(hours=index)
        transition = apply(life, Event(kind, at, campaign=campaign), resolve_after=3)
        transitions.append(transition)
        life = transition.life
    return life, transitions


@pytest.mark.parametrize(
    ("start", "steps", "state", "regressions"),
    [
        (State.NEW, [F], State.NEW, 0),  # the run that found it
        (State.NEW, [F, F], State.OPEN, 0),  # seen again: recurring
        (State.NEW, [F, P, P], State.NEW, 0),  # two green runs are not enough
        (State.NEW, [F, P, P, P], State.RESOLVED, 0),
        (State.NEW, [F, P, P, F, P, P], State.OPEN, 0),  # a failure resets the streak
        (State.RESOLVED, [F], State.REGRESSED, 1),
        (State.RESOLVED, [F, F, F], State.OPEN, 1),  # one regression, then recurring
        (State.RESOLVED, [F, P, P, P, F], State.REGRESSED, 2),  # resolved again, back again
        (State.RESOLVED, [FL, FL], State.RESOLVED, 0),  # flaky never regresses
        (State.OPEN, [FL, FL, FL], State.OPEN, 0),  # flaky is not green either
        (State.OPEN, [CLOSE], State.RESOLVED, 0),
        (State.OPEN, [CLOSE, CLOSE], State.RESOLVED, 0),  # redelivered webhook
        (State.RESOLVED, [REOPEN], State.OPEN, 0),
        (State.OPEN, [REOPEN], State.OPEN, 0),
        (State.MUTED, [F, F, P, P, P], State.MUTED, 0),  # counted, nothing else
    ],
)
def test_state_table(start: State, steps: list[EventKind], state: State, regressions: int) -> None:
    life, _ = run(Life(state=start), *steps)
    assert (life.state, life.regressions) == (state, regressions)


def test_green_runs_count_per_campaign() -> None:
    life, transitions = run(Life(state=State.OPEN), (P, "a"), (P, "b"), (P, "a"), (P, "b"))
    assert life.state is State.OPEN  # never three in a row in one campaign
    life, transitions = run(life, (P, "a"))
    assert life.state is State.RESOLVED and transitions[-1].resolved


def test_a_regression_is_one_event_then_counts_only() -> None:
    life, transitions = run(Life(state=State.RESOLVED), F, F, F, F)
    assert [t.regressed for t in transitions] == [True, False, False, False]
    assert life.runs_failed == 4


def test_flaky_is_counted_and_marked() -> None:
    life, transitions = run(Life(state=State.NEW), FL, FL)
    assert (life.flaky, life.flaky_runs, life.runs_failed) == (True, 2, 0)
    assert not any(t.changed_state for t in transitions)


def test_mute_ends_at_muted_until() -> None:
    muted = apply(Life(state=State.OPEN), Event(EventKind.MUTE, T0, until=T0 + timedelta(days=1)))
    assert muted.life.state is State.MUTED
    still = apply(muted.life, Event(F, T0 + timedelta(hours=1)))
    assert still.life.state is State.MUTED and still.life.runs_failed == 1
    after = apply(still.life, Event(F, T0 + timedelta(days=2)))
    assert after.life.state is State.OPEN


def test_unmute_opens() -> None:
    muted = apply(Life(state=State.OPEN), Event(EventKind.MUTE, T0)).life
    assert apply(muted, Event(EventKind.UNMUTE, T0)).life.state is State.OPEN


def test_close_and_reopen_report_what_changed() -> None:
    closed = apply(Life(state=State.OPEN, green_streaks={"e2e": 2}), Event(CLOSE, T0))
    assert closed.resolved and closed.life.green_streaks == {}
    reopened = apply(closed.life, Event(REOPEN, T0))
    assert reopened.reopened and reopened.life.state is State.OPEN


@pytest.mark.parametrize(
    ("start", "steps", "state", "regressions", "flaky_runs"),
    [
        (State.NEW, [F, EventKind.FAILURE_WAS_FLAKY], State.NEW, 0, 1),
        (State.OPEN, [F, EventKind.FAILURE_WAS_FLAKY, P], State.OPEN, 0, 1),
        (State.RESOLVED, [EventKind.FAILURE_WAS_FLAKY], State.RESOLVED, 0, 1),
        (State.MUTED, [EventKind.FAILURE_WAS_FLAKY], State.MUTED, 0, 1),
    ],
)
def test_a_failure_that_passes_on_its_commit_was_flaky(
    start: State, steps: list[EventKind], state: State, regressions: int, flaky_runs: int
) -> None:
    life, transitions = run(Life(state=start), *steps)
    assert (life.state, life.regressions, life.flaky_runs) == (state, regressions, flaky_runs)
    assert life.flaky
    assert not any(t.changed_state for t in transitions)


MARK, UNMARK = EventKind.MARK_FLAKY, EventKind.UNMARK_FLAKY
WAS_FLAKY, RESOLVE = EventKind.FAILURE_WAS_FLAKY, EventKind.RESOLVE


@pytest.mark.parametrize(
    ("start", "steps", "state", "regressions", "runs_failed", "flaky_runs"),
    [
        (State.RESOLVED, [MARK, F], State.RESOLVED, 0, 0, 1),  # pinned flaky: no regression
        (State.RESOLVED, [MARK, F, F, F], State.RESOLVED, 0, 0, 3),
        (State.OPEN, [MARK, F, P, P, P], State.RESOLVED, 0, 0, 1),  # green runs still resolve
        (State.RESOLVED, [MARK, UNMARK, F], State.REGRESSED, 1, 1, 0),  # the word taken back
        (State.RESOLVED, [UNMARK, FL], State.REGRESSED, 1, 1, 0),  # not flaky: a failure
        (State.OPEN, [UNMARK, FL, FL], State.OPEN, 0, 2, 0),
        (State.OPEN, [UNMARK, F, WAS_FLAKY], State.OPEN, 0, 1, 0),  # detection stays out
        (State.OPEN, [MARK, F, WAS_FLAKY], State.OPEN, 0, 0, 1),  # counted once, as flaky
        (State.MUTED, [MARK, F], State.MUTED, 0, 0, 1),
    ],
)
def test_a_pinned_flakiness_decides_how_failures_count(
    start: State,
    steps: list[EventKind],
    state: State,
    regressions: int,
    runs_failed: int,
    flaky_runs: int,
) -> None:
    life, transitions = run(Life(state=start), *steps)
    assert (life.state, life.regressions) == (state, regressions)
    assert (life.runs_failed, life.flaky_runs) == (runs_failed, flaky_runs)
    assert not any(t.reopened for t in transitions)


@pytest.mark.parametrize(
    ("before", "kind", "flaky", "pinned"),
    [
        (Life(), MARK, True, True),
        (Life(flaky=True), UNMARK, False, False),  # detected flaky: flag and label go
        (Life(flaky=True, flaky_pinned=True), UNMARK, False, False),
        (Life(flaky_pinned=False), MARK, True, True),
    ],
)
def test_mark_and_unmark_flaky_pin_the_flag(
    before: Life, kind: EventKind, flaky: bool, pinned: bool
) -> None:
    transition = apply(before, Event(kind, T0))
    assert (transition.life.flaky, transition.life.flaky_pinned) == (flaky, pinned)
    assert transition.life.state is before.state and not transition.changed_state


def test_detection_never_sets_flaky_on_a_cluster_pinned_not_flaky() -> None:
    life, _ = run(Life(state=State.OPEN, flaky_pinned=False), FL, WAS_FLAKY, F)
    assert (life.flaky, life.flaky_pinned) == (False, False)


@pytest.mark.parametrize(
    ("life", "kind", "expected"),
    [
        (Life(), F, F),
        (Life(), FL, FL),
        (Life(flaky_pinned=True), F, FL),
        (Life(flaky_pinned=True), FL, FL),
        (Life(flaky_pinned=False), FL, F),
        (Life(flaky_pinned=False), F, F),
        (Life(flaky_pinned=False), P, P),
    ],
)
def test_run_event_kind_applies_the_pin(life: Life, kind: EventKind, expected: EventKind) -> None:
    assert run_event_kind(life, kind) is expected


@pytest.mark.parametrize("start", [State.NEW, State.OPEN, State.REGRESSED, State.MUTED])
def test_resolve_by_a_person_resolves_and_ends_a_mute(start: State) -> None:
    until = T0 + timedelta(days=1) if start is State.MUTED else None
    life = Life(state=start, green_streaks={"e2e": 1}, muted_until=until)
    transition = apply(life, Event(RESOLVE, T0))
    assert transition.resolved and transition.life.state is State.RESOLVED
    assert (transition.life.green_streaks, transition.life.muted_until) == ({}, None)
    assert apply(transition.life, Event(F, T0)).regressed  # the next failure regresses


def test_resolving_a_resolved_cluster_changes_nothing() -> None:
    life = Life(state=State.RESOLVED)
    assert apply(life, Event(RESOLVE, T0)) == Transition(life)

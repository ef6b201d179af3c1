"""The pure decision: is a failure of a resolved cluster a regression (its fix is in the
build), and which commit is the fix of a green-run resolution (the streak's first)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app.clusters.lifecycle import Event, EventKind, Life, State, Transition, apply
from bot.core.checks.annotations import build_annotations
from bot.core.checks.model import Category, FailedTest
from bot.core.fix_in_build import (
    Containment,
    containment_of_status,
    fix_in_build,
    needs_question,
    same_commit,
)

T0 = datetime(2025, 9, 10, 20, 0, tzinfo=UTC)
FIX, BUILD = "b2c3d4e" + "0" * 33, "1e2a5e0" + "0" * 33


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        ("identical", Containment.CONTAINED),
        ("ahead", Containment.CONTAINED),
        ("behind", Containment.NOT_CONTAINED),
        ("diverged", Containment.NOT_CONTAINED),
        ("Diverged ", Containment.NOT_CONTAINED),
        (None, Containment.UNKNOWN),
        ("", Containment.UNKNOWN),
        ("something-new", Containment.UNKNOWN),
    ],
)
def test_compare_status_as_an_answer(status: str | None, answer: Containment) -> None:
    assert containment_of_status(status) is answer


@pytest.mark.parametrize(
    ("fix", "build", "answer", "regression"),
    [
        (FIX, BUILD, Containment.CONTAINED, True),
        (FIX, BUILD, Containment.NOT_CONTAINED, False),
        # unknown (404/422) or never asked: conservative, a regression as before
        (FIX, BUILD, Containment.UNKNOWN, True),
        (FIX, BUILD, None, True),
        # nothing to ask: no fix commit known, no build commit, the fix's own build
        (None, BUILD, Containment.NOT_CONTAINED, True),
        (FIX, None, Containment.NOT_CONTAINED, True),
        (FIX, FIX.upper(), Containment.NOT_CONTAINED, True),
        (FIX, FIX[:7], Containment.NOT_CONTAINED, True),
    ],
)
def test_a_failure_regresses_only_when_the_fix_is_in_the_build(
    fix: str | None, build: str | None, answer: Containment | None, regression: bool
) -> None:
    assert fix_in_build(fix, build, answer) is regression


def test_which_pairs_need_a_question() -> None:
    assert needs_question(FIX, BUILD)
    assert not needs_question(FIX, FIX)
    assert not needs_question(None, BUILD) and not needs_question(FIX, None)
    assert same_commit(FIX, FIX[:7]) and not same_commit(FIX, FIX[:6])
    assert not same_commit(FIX, BUILD)


def _failed(life: Life, *, fix_in_build: bool) -> tuple[Life, bool, bool]:
    event = Event(EventKind.FAILED_IN_RUN, T0, campaign="e2e", fix_in_build=fix_in_build)
    transition = apply(life, event)
    return transition.life, transition.regressed, transition.fix_not_in_build


def test_resolved_cluster_failing_without_its_fix_stays_resolved() -> None:
    life = Life(state=State.RESOLVED, runs_failed=2, regressions=0)
    after, regressed, known = _failed(life, fix_in_build=False)
    assert (after.state, regressed, known) == (State.RESOLVED, False, True)
    assert (after.runs_failed, after.regressions) == (3, 0)  # counted, not a regression
    after, regressed, known = _failed(after, fix_in_build=True)
    assert (after.state, regressed, known) == (State.REGRESSED, True, False)
    assert after.regressions == 1


@pytest.mark.parametrize("state", [State.OPEN, State.NEW, State.REGRESSED, State.MUTED])
def test_only_a_resolved_cluster_asks_for_its_fix(state: State) -> None:
    life = Life(state=state, runs_failed=1)
    after, regressed, known = _failed(life, fix_in_build=False)
    assert not regressed and not known
    assert after.state in (State.OPEN, State.MUTED)


def _passed(life: Life, commit: str | None, campaign: str = "e2e", minutes: int = 0) -> Transition:
    event = Event(
        EventKind.PASSED_IN_RUN,
        T0 + timedelta(minutes=minutes),
        campaign=campaign,
        commit=commit,
    )
    return apply(life, event, resolve_after=3)


def test_green_run_resolution_records_the_first_green_runs_commit() -> None:
    life = Life(state=State.OPEN, runs_failed=1)
    for index, commit in enumerate(["c1", "c2", "c3"]):
        transition = _passed(life, commit, minutes=index)
        life = transition.life
    assert transition.resolved and transition.fix_commit == "c1"
    assert life.state is State.RESOLVED and life.streak_starts == {}


def test_a_broken_streak_starts_again_with_its_own_first_commit() -> None:
    life = Life(state=State.OPEN, runs_failed=1)
    life = _passed(life, "c1").life
    life = _passed(life, "c2").life
    life = apply(life, Event(EventKind.FAILED_IN_RUN, T0, campaign="e2e")).life
    assert life.streak_starts == {} and life.green_streaks == {}
    for commit in ("c4", "c5", "c6"):
        transition = _passed(life, commit)
        life = transition.life
    assert transition.fix_commit == "c4"


def test_streaks_of_two_campaigns_keep_their_own_first_commits() -> None:
    life = Life(state=State.OPEN, runs_failed=1)
    life = _passed(life, "a1", campaign="a").life
    life = _passed(life, "b1", campaign="b").life
    life = _passed(life, "a2", campaign="a").life
    assert life.streak_starts == {"a": "a1", "b": "b1"}
    transition = _passed(life, "a3", campaign="a")
    assert transition.fix_commit == "a1"


def test_a_streak_without_a_commit_names_no_fix() -> None:
    life = Life(state=State.OPEN, runs_failed=1)
    for commit in (None, "c2", "c3"):
        transition = _passed(life, commit)
        life = transition.life
    assert transition.resolved and transition.fix_commit is None


def test_annotation_of_a_known_failure_names_the_fix() -> None:
    known = FailedTest(
        test_id="tests/test_ws.py::test_events",
        category=Category.FIX_NOT_IN_BUILD,
        file="tests/test_ws.py",
        line=12,
        message="ConnectionClosedError: received 1011",
        trace=None,
        cluster_key="ws",
        cluster_title="WebSocket closed 1011 (internal error)",
        fix_sha=FIX,
    )
    (annotation,) = build_annotations([known], "acme/shop").annotations
    assert annotation.annotation_level == "warning"
    assert "Known failure, fix b2c3d4e not in this build." in annotation.message

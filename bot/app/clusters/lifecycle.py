"""The cluster state machine, pure: ``apply(life, event) -> Transition``.

new → open → resolved → regressed → open …, plus muted. A cluster is *new* in the run
that first saw it and *open* from the next failing run on. It resolves when a person
closes its issue or types ``/resolve``, or after ``resolve_after`` consecutive runs of one
campaign in which its tests ran and passed (a run where they did not run counts neither
way: hysteresis); the fix of a green-run resolution is the commit of the streak's *first*
green run, the first build known to contain it (``Transition.fix_commit``). A
non-flaky failure of a resolved cluster is a regression (one event; later failing runs
only add to the counts) — when the failing build contains the fix. When it does not
(``Event.fix_in_build`` False: an old branch, a pull request not rebased) the failure is
counted and the cluster stays resolved (``Transition.fix_not_in_build``).
Flaky failures are counted and never regress or reopen anything.
Flaky goes both ways: a failure on a commit where the test passed is flaky when it
happens (``FLAKY_IN_RUN``); a failure followed by a pass of the test on the same commit
turns out flaky afterwards (``FAILURE_WAS_FLAKY``): the cluster is marked flaky, counted
once more as flaky, and keeps its state (nothing regresses, resolves or reopens).
A muted cluster is counted but stays muted until ``muted_until`` passes.

People may pin flakiness (``MARK_FLAKY``/``UNMARK_FLAKY``, the ``/flaky`` and
``/not-flaky`` commands): pinned flaky, every failure counts as flaky (no regression, no
reopening); pinned not flaky, the flag goes, detection never sets it again and failures
that look flaky count as plain failures. :func:`run_event_kind` applies the pin to a
run's event; :func:`apply` does too, so a caller cannot forget it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum


class State(StrEnum):
    NEW = "new"
    OPEN = "open"
    RESOLVED = "resolved"
    REGRESSED = "regressed"
    MUTED = "muted"


class EventKind(StrEnum):
    FAILED_IN_RUN = "failed_in_run"
    FLAKY_IN_RUN = "flaky_in_run"
    PASSED_IN_RUN = "passed_in_run"
    FAILURE_WAS_FLAKY = "failure_was_flaky"  # a test of it failed, then passed, on one commit
    ISSUE_CLOSED_BY_PERSON = "issue_closed_by_person"
    ISSUE_REOPENED_BY_PERSON = "issue_reopened_by_person"
    MUTE = "mute"
    UNMUTE = "unmute"
    RESOLVE = "resolve"  # a person marked it fixed (/resolve)
    MARK_FLAKY = "mark_flaky"  # a person: these failures are flaky
    UNMARK_FLAKY = "unmark_flaky"  # a person: these failures are real


ACTIVE_STATES = frozenset({State.NEW, State.OPEN, State.REGRESSED})


@dataclass(frozen=True, slots=True)
class Life:
    """What the state machine needs of a cluster."""

    state: State = State.NEW
    green_streaks: Mapping[str, int] = field(default_factory=dict)
    # The commit of each streak's first green run (campaign -> sha): the fix, if it resolves.
    streak_starts: Mapping[str, str] = field(default_factory=dict)
    runs_failed: int = 0
    flaky_runs: int = 0
    regressions: int = 0
    flaky: bool = False
    muted_until: datetime | None = None
    flaky_pinned: bool | None = None  # a person's word on flakiness; None: detected


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    at: datetime
    campaign: str | None = None  # for the *_in_run events
    until: datetime | None = None  # for MUTE (None: until unmuted)
    commit: str | None = None  # for the *_in_run events: the run's commit
    fix_in_build: bool = True  # for FAILED_IN_RUN: the build contains the cluster's fix


@dataclass(frozen=True, slots=True)
class Transition:
    life: Life
    regressed: bool = False  # a regression event happened (comment once)
    resolved: bool = False  # it resolved by this event
    reopened: bool = False  # a person reopened it
    fix_not_in_build: bool = False  # a resolved cluster failed in a build without its fix
    fix_commit: str | None = None  # resolved by green runs: the first green run's commit

    @property
    def changed_state(self) -> bool:
        return self.regressed or self.resolved or self.reopened


def _muted(life: Life, at: datetime) -> bool:
    return life.state is State.MUTED and (life.muted_until is None or at < life.muted_until)


_FLAKY_KINDS = frozenset({EventKind.FLAKY_IN_RUN, EventKind.FAILURE_WAS_FLAKY})


def run_event_kind(life: Life, kind: EventKind) -> EventKind:
    """The event a run's failure is for this cluster, once a person's pin is applied."""
    if life.flaky_pinned is True and kind is EventKind.FAILED_IN_RUN:
        return EventKind.FLAKY_IN_RUN
    if life.flaky_pinned is False and kind is EventKind.FLAKY_IN_RUN:
        return EventKind.FAILED_IN_RUN
    return kind


def apply(life: Life, event: Event, *, resolve_after: int = 3) -> Transition:
    """The cluster after ``event``; see the module docstring for the rules."""
    if life.state is State.MUTED and not _muted(life, event.at):
        life = replace(life, state=State.OPEN, muted_until=None)  # the mute ran out
    kind = run_event_kind(life, event.kind)
    if kind is EventKind.MARK_FLAKY:
        return Transition(replace(life, flaky=True, flaky_pinned=True))
    if kind is EventKind.UNMARK_FLAKY:
        return Transition(replace(life, flaky=False, flaky_pinned=False))
    if kind is EventKind.FAILURE_WAS_FLAKY and life.flaky_pinned is not None:
        # A person decided: not flaky (the failure stays a failure), or flaky (the
        # failure was already counted as flaky).
        return Transition(life)
    if kind is EventKind.MUTE:
        return Transition(replace(life, state=State.MUTED, muted_until=event.until))
    if kind is EventKind.UNMUTE:
        if life.state is State.MUTED:
            return Transition(replace(life, state=State.OPEN, muted_until=None))
        return Transition(life)
    if kind in _FLAKY_KINDS:
        return Transition(replace(life, flaky=True, flaky_runs=life.flaky_runs + 1))
    if kind is EventKind.FAILED_IN_RUN:
        return _failed(life, fix_in_build=event.fix_in_build)
    if kind is EventKind.PASSED_IN_RUN:
        return _passed(life, event.campaign or "", event.commit, resolve_after)
    if kind in (EventKind.ISSUE_CLOSED_BY_PERSON, EventKind.RESOLVE):
        if life.state is State.RESOLVED:
            return Transition(life)
        resolved = replace(
            life, state=State.RESOLVED, green_streaks={}, streak_starts={}, muted_until=None
        )
        return Transition(resolved, resolved=True)
    if kind is EventKind.ISSUE_REOPENED_BY_PERSON:
        if life.state is not State.RESOLVED:
            return Transition(life)
        reopened = replace(life, state=State.OPEN, green_streaks={}, streak_starts={})
        return Transition(reopened, reopened=True)
    raise ValueError(f"unknown cluster event {kind!r}")  # pragma: no cover


def _failed(life: Life, *, fix_in_build: bool) -> Transition:
    counted = replace(life, runs_failed=life.runs_failed + 1, green_streaks={}, streak_starts={})
    if life.state is State.MUTED:
        return Transition(counted)
    if life.state is State.RESOLVED and not fix_in_build:
        return Transition(counted, fix_not_in_build=True)  # a known failure, not a regression
    if life.state is State.RESOLVED:
        regressed = replace(counted, state=State.REGRESSED, regressions=life.regressions + 1)
        return Transition(regressed, regressed=True)
    if life.state is State.NEW and life.runs_failed == 0:
        return Transition(counted)  # the run that created it
    return Transition(replace(counted, state=State.OPEN))


def _passed(life: Life, campaign: str, commit: str | None, resolve_after: int) -> Transition:
    streaks = dict(life.green_streaks)
    streaks[campaign] = streaks.get(campaign, 0) + 1
    starts = dict(life.streak_starts)
    if streaks[campaign] == 1:  # a new streak: its first green build is the fix candidate
        starts.pop(campaign, None)
        if commit:
            starts[campaign] = commit
    counted = replace(life, green_streaks=streaks, streak_starts=starts)
    if life.state in ACTIVE_STATES and streaks[campaign] >= resolve_after:
        resolved = replace(counted, state=State.RESOLVED, green_streaks={}, streak_starts={})
        return Transition(resolved, resolved=True, fix_commit=starts.get(campaign))
    return Transition(counted)

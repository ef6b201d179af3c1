"""What changed between two runs of a campaign (pure): for the run's session-log line.

:func:`diff_runs` compares the test results of the campaign's previous run with this
run's; :func:`diff_phrase` says it in one line of plain text, e.g.
``since run 4: 2 new failures (test_a, test_b), 1 fixed (test_c), 3 newly skipped,
5 tests added, 1 removed; Data pipeline 2m 10s → 14s``.

A phase's duration counts as shifted when its summed test time changed by more than
:data:`MIN_SHIFT_RATIO` of the previous run's time *and* by more than
:data:`MIN_SHIFT_S` seconds, in either direction: the defaults of a campaign's
``comparison`` config (``bot.core.config.campaign.ComparisonConfig``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.safe_markdown import shorten
from bot.core.text import format_duration, plural

MIN_SHIFT_RATIO = 0.5  # of the previous run's phase time
MIN_SHIFT_S = 30.0
MAX_SHIFTS_SHOWN = 3
MAX_NAME_CHARS = 60
MAX_NAMES_KEPT = 5  # new failures and fixed tests a RunChange names

_FAILING = frozenset({"failed", "errored"})
_PASSING = frozenset({"passed", "flaky"})
# When a test id occurs more than once in a run, the worst outcome stands for it.
_SEVERITY = {"errored": 4, "failed": 3, "flaky": 2, "passed": 1, "skipped": 0}


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """One stored result of a run (a ``TestResult`` row, four of its fields)."""

    __test__ = False  # not a pytest class

    test_id: str
    phase: str
    outcome: str  # passed | failed | errored | skipped | flaky
    duration_s: float | None = None


@dataclass(frozen=True, slots=True)
class PhaseShift:
    phase: str
    before_s: float
    after_s: float


@dataclass(frozen=True, slots=True)
class RunDiff:
    """This run against the previous one; ``compared`` is False for a campaign's first run."""

    compared: bool = False
    since_run: int | None = None  # the previous run's id, for "since run 4"
    new_failures: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    newly_skipped: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    duration_shifts: list[PhaseShift] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.new_failures
            or self.fixed
            or self.newly_skipped
            or self.added
            or self.removed
            or self.duration_shifts
        )


def _outcomes_by_test(results: Iterable[TestOutcome]) -> dict[str, str]:
    worst: dict[str, str] = {}
    for result in results:
        current = worst.get(result.test_id)
        if current is None or _SEVERITY.get(result.outcome, 0) > _SEVERITY.get(current, 0):
            worst[result.test_id] = result.outcome
    return worst


def _phase_durations(results: Iterable[TestOutcome]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for result in results:
        totals[result.phase] = totals.get(result.phase, 0.0) + (result.duration_s or 0.0)
    return totals


def _is_shift(before: float, after: float, ratio: float, seconds: float) -> bool:
    change = abs(after - before)
    return change > seconds and change > ratio * before


def diff_runs(
    previous: Sequence[TestOutcome] | None,
    current: Sequence[TestOutcome],
    *,
    since_run: int | None = None,
    min_shift_ratio: float = MIN_SHIFT_RATIO,
    min_shift_s: float = MIN_SHIFT_S,
) -> RunDiff:
    """Compare a run with the previous one (``None``: there is none, nothing to compare).

    A phase present in only one of the runs is no shift: its tests show as added or
    removed instead.
    """
    if previous is None:
        return RunDiff()
    before = _outcomes_by_test(previous)
    after = _outcomes_by_test(current)
    in_both = before.keys() & after.keys()
    shifts = duration_shifts(
        _phase_durations(previous),
        _phase_durations(current),
        min_shift_ratio=min_shift_ratio,
        min_shift_s=min_shift_s,
    )
    return RunDiff(
        compared=True,
        since_run=since_run,
        new_failures=sorted(
            t
            for t, outcome in after.items()
            if outcome in _FAILING and before.get(t) not in _FAILING
        ),
        fixed=sorted(t for t in in_both if before[t] in _FAILING and after[t] in _PASSING),
        newly_skipped=sorted(
            t for t in in_both if after[t] == "skipped" and before[t] != "skipped"
        ),
        added=sorted(after.keys() - before.keys()),
        removed=sorted(before.keys() - after.keys()),
        duration_shifts=shifts,
    )


def short_name(test_id: str) -> str:
    """``tests/a.py::TestX::test_y[1.5]`` → ``test_y[1.5]``; ``pkg.mod.test_z`` → ``test_z``."""
    head, bracket, params = test_id.partition("[")
    cut = max(head.rfind("::") + 2 if "::" in head else 0, head.rfind(".") + 1)
    return shorten((head[cut:] or head) + bracket + params, MAX_NAME_CHARS)


def _named(count_text: str, count: int, shown_ids: Sequence[str], names: int) -> str:
    if names <= 0 or not shown_ids:
        return count_text
    shown = ", ".join(short_name(t) for t in shown_ids[:names])
    more = count - min(names, len(shown_ids))
    return f"{count_text} ({shown}{f' and {more} more' if more > 0 else ''})"


def _seconds(value: float) -> str:
    return format_duration(value) if value > 0 else "0s"


@dataclass(frozen=True, slots=True)
class RunChange:
    """What :func:`diff_phrase` says: counts, and the first few new failures and fixed
    tests (in test-id order). A big run's change is read as this from the database
    (``bot.app.steering.run_change``) without loading either run's results."""

    compared: bool = False
    since_run: int | None = None
    new_failures: int = 0
    fixed: int = 0
    newly_skipped: int = 0
    added: int = 0
    removed: int = 0
    new_failure_names: tuple[str, ...] = ()
    fixed_names: tuple[str, ...] = ()
    duration_shifts: tuple[PhaseShift, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(
            self.new_failures
            or self.fixed
            or self.newly_skipped
            or self.added
            or self.removed
            or self.duration_shifts
        )


def change_of(diff: RunDiff, names: int = MAX_NAMES_KEPT) -> RunChange:
    return RunChange(
        compared=diff.compared,
        since_run=diff.since_run,
        new_failures=len(diff.new_failures),
        fixed=len(diff.fixed),
        newly_skipped=len(diff.newly_skipped),
        added=len(diff.added),
        removed=len(diff.removed),
        new_failure_names=tuple(diff.new_failures[:names]),
        fixed_names=tuple(diff.fixed[:names]),
        duration_shifts=tuple(diff.duration_shifts),
    )


def duration_shifts(
    before_time: Mapping[str, float],
    after_time: Mapping[str, float],
    *,
    min_shift_ratio: float = MIN_SHIFT_RATIO,
    min_shift_s: float = MIN_SHIFT_S,
) -> list[PhaseShift]:
    """The phases (present in both runs) whose summed test time shifted, biggest first."""
    shifts = [
        PhaseShift(phase, before_time[phase], after_time[phase])
        for phase in before_time.keys() & after_time.keys()
        if _is_shift(before_time[phase], after_time[phase], min_shift_ratio, min_shift_s)
    ]
    shifts.sort(key=lambda s: (-abs(s.after_s - s.before_s), s.phase))
    return shifts


def diff_phrase(diff: RunDiff | RunChange, *, names: int = 2) -> str:
    """The change as plain text for the session log; empty when nothing changed or there
    was no previous run. New failures and fixed tests are named (at most ``names`` each)."""
    change = change_of(diff, names) if isinstance(diff, RunDiff) else diff
    if not change.compared or not change.changed:
        return ""
    counts = []
    if change.new_failures:
        counts.append(
            _named(
                plural(change.new_failures, "new failure"),
                change.new_failures,
                change.new_failure_names,
                names,
            )
        )
    if change.fixed:
        counts.append(_named(f"{change.fixed} fixed", change.fixed, change.fixed_names, names))
    if change.newly_skipped:
        counts.append(f"{change.newly_skipped} newly skipped")
    if change.added:
        counts.append(plural(change.added, "test") + " added")
    if change.removed:
        removed = str(change.removed) if change.added else plural(change.removed, "test")
        counts.append(f"{removed} removed")
    shifts = [
        f"{s.phase} {_seconds(s.before_s)} → {_seconds(s.after_s)}"
        for s in change.duration_shifts[:MAX_SHIFTS_SHOWN]
    ]
    shift_text = ", ".join(shifts)
    hidden = len(change.duration_shifts) - MAX_SHIFTS_SHOWN
    if hidden > 0:
        shift_text += f" and {plural(hidden, 'more phase')}"
    parts = [part for part in (", ".join(counts), shift_text) if part]
    since = (
        f"since run {change.since_run}" if change.since_run is not None else "since the last run"
    )
    return f"{since}: " + "; ".join(parts)

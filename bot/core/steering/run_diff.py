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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.core.safe_markdown import shorten
from bot.core.text import format_duration, plural

MIN_SHIFT_RATIO = 0.5  # of the previous run's phase time
MIN_SHIFT_S = 30.0
MAX_SHIFTS_SHOWN = 3
MAX_NAME_CHARS = 60

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
    before_time = _phase_durations(previous)
    after_time = _phase_durations(current)
    shifts = [
        PhaseShift(phase, before_time[phase], after_time[phase])
        for phase in before_time.keys() & after_time.keys()
        if _is_shift(before_time[phase], after_time[phase], min_shift_ratio, min_shift_s)
    ]
    shifts.sort(key=lambda s: (-abs(s.after_s - s.before_s), s.phase))
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


def _named(count_text: str, test_ids: Sequence[str], names: int) -> str:
    if names <= 0 or not test_ids:
        return count_text
    shown = ", ".join(short_name(t) for t in test_ids[:names])
    more = len(test_ids) - names
    return f"{count_text} ({shown}{f' and {more} more' if more > 0 else ''})"


def _seconds(value: float) -> str:
    return format_duration(value) if value > 0 else "0s"


def diff_phrase(diff: RunDiff, *, names: int = 2) -> str:
    """The change as plain text for the session log; empty when nothing changed or there
    was no previous run. New failures and fixed tests are named (at most ``names`` each)."""
    if not diff.compared or not diff.changed:
        return ""
    counts = []
    if diff.new_failures:
        counts.append(
            _named(plural(len(diff.new_failures), "new failure"), diff.new_failures, names)
        )
    if diff.fixed:
        counts.append(_named(f"{len(diff.fixed)} fixed", diff.fixed, names))
    if diff.newly_skipped:
        counts.append(f"{len(diff.newly_skipped)} newly skipped")
    if diff.added:
        counts.append(plural(len(diff.added), "test") + " added")
    if diff.removed:
        removed = str(len(diff.removed)) if diff.added else plural(len(diff.removed), "test")
        counts.append(f"{removed} removed")
    shifts = [
        f"{s.phase} {_seconds(s.before_s)} → {_seconds(s.after_s)}"
        for s in diff.duration_shifts[:MAX_SHIFTS_SHOWN]
    ]
    shift_text = ", ".join(shifts)
    hidden = len(diff.duration_shifts) - MAX_SHIFTS_SHOWN
    if hidden > 0:
        shift_text += f" and {plural(hidden, 'more phase')}"
    parts = [part for part in (", ".join(counts), shift_text) if part]
    since = f"since run {diff.since_run}" if diff.since_run is not None else "since the last run"
    return f"{since}: " + "; ".join(parts)

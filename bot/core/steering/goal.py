"""How far a campaign is from its goal, from the latest run and the ones before it. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.config.definition import GoalConfig

CHART_RUNS = 20


@dataclass(frozen=True, slots=True)
class RunPoint:
    """One run on the way: its tests and its validation criteria."""

    run_id: int | None
    passed: int  # passed, and passed after retries
    failed: int  # failed or errored
    total: int
    criteria_total: int = 0
    criteria_failed: int = 0

    @property
    def criteria_met(self) -> bool:
        return self.criteria_total > 0 and self.criteria_failed == 0


def run_point(
    run_id: int | None,
    counts: Mapping[str, int],
    *,
    criteria_total: int = 0,
    criteria_failed: int = 0,
) -> RunPoint:
    """A point from a run's counts (``passed``, ``failed``, ``errored``, ``skipped``,
    ``flaky``, as a run's summary keeps them)."""
    passed = counts.get("passed", 0) + counts.get("flaky", 0)
    failed = counts.get("failed", 0) + counts.get("errored", 0)
    return RunPoint(
        run_id,
        passed,
        failed,
        passed + failed + counts.get("skipped", 0),
        criteria_total,
        criteria_failed,
    )


@dataclass(frozen=True, slots=True)
class GoalProgress:
    goal: GoalConfig
    latest: RunPoint
    streak: int  # the latest runs in a row with every criterion met
    points: Sequence[RunPoint]  # oldest first, at most CHART_RUNS

    @property
    def tests_remaining(self) -> int | None:
        target = self.goal.tests_passing
        return None if target is None else max(target - self.latest.passed, 0)

    @property
    def tests_share(self) -> float | None:
        target = self.goal.tests_passing
        return None if target is None else min(self.latest.passed / target, 1.0)

    @property
    def reached(self) -> bool:
        tests = self.tests_remaining in (None, 0) and (
            self.goal.tests_passing is None or self.latest.failed == 0
        )
        runs = self.goal.criteria_green_runs
        return tests and (runs is None or self.streak >= runs)


def criteria_streak(points: Sequence[RunPoint]) -> int:
    """How many of the latest runs, in a row, met every criterion."""
    streak = 0
    for point in reversed(points):
        if not point.criteria_met:
            break
        streak += 1
    return streak


def goal_progress(goal: GoalConfig | None, points: Sequence[RunPoint]) -> GoalProgress | None:
    """``points``: the campaign's runs, oldest first, the latest last."""
    if goal is None or not points:
        return None
    return GoalProgress(
        goal=goal,
        latest=points[-1],
        streak=criteria_streak(points),
        points=list(points[-CHART_RUNS:]),
    )

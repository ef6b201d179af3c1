"""Least-covered areas of a campaign, and what to run next (issue 9).

The seed's loop chose its next phases by asking which areas were least covered in recent
sessions and which were risky. This module answers that from the campaign's last ``N``
runs. Pure: runs in, areas out; every time comes from the input.

An *area* is a (phase, suite) pair. An area *ran* in a run when at least one of its tests
did not skip (a suite whose every test skipped did not really run). It *failed* in a run
when any of its tests failed or errored there (flaky tests passed in the end: not a
failure). Configured phases with no area in the window appear as one area with suite
``None`` that never ran.

Score (higher = run it sooner), for ``N`` = the runs considered (at most the window)::

    score     = staleness × risk × priority_weight
    staleness = (runs_since + 1) / (N + 1)
                runs_since = runs after the newest one the area ran in (0: it ran in
                the latest run); never ran in the window: runs_since = N, so 1.0
    risk      = 0.5 + failure_rate + 0.25 × min(open_clusters, 4)
                failure_rate = failing runs / runs it ran in; never ran: 0.5 (unknown)
                so risk lies in [0.5, 2.5]
    priority_weight = 1 + (K - rank) / K   for the K configured phases, ordered by
                priority (lower number first; unset = position + 1, as in the analysis),
                rank 0 first: 2.0 for the first phase down to 1 + 1/K for the last
                    = 1.0 for a phase the config does not name (e.g. "Other")

An area that ran in the latest run still has a small staleness, so risk and priority
order those areas too. Ties (scores equal to 6 decimals) go by phase order (configured
phases by priority, then the others by name, "Other" last), then suite name (none first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.analysis.run_cases import OTHER_PHASE
from bot.core.text import plural

FAILING_OUTCOMES = frozenset({"failed", "errored"})
MAX_COUNTED_CLUSTERS = 4
CLUSTER_RISK = 0.25
BASE_RISK = 0.5
UNKNOWN_FAILURE_RATE = 0.5
SCORE_DECIMALS = 6


class PhaseLike(Protocol):
    """A configured phase (``bot.core.config.campaign.PhaseConfig`` fits)."""

    @property
    def name(self) -> str: ...

    @property
    def priority(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class PhaseSpec:
    name: str
    priority: int | None = None


@dataclass(frozen=True, slots=True)
class AreaResult:
    """One area in one run: how many tests, how many failed or errored, skipped."""

    phase: str
    suite: str | None
    tests: int
    failing: int = 0
    skipped: int = 0
    duration_s: float = 0.0

    @property
    def ran(self) -> bool:
        return self.tests > self.skipped


@dataclass(frozen=True, slots=True)
class RunResults:
    """One run of the campaign and its results, per area."""

    run_id: int
    ran_at: datetime | None
    areas: tuple[AreaResult, ...] = ()


@dataclass(frozen=True, slots=True)
class AreaCoverage:
    """An area over the window: when it last ran, how often, how it went, and its score."""

    phase: str
    suite: str | None
    window_runs: int  # N: the runs considered
    runs_in_window: int  # runs it ran in
    failing_runs: int  # of those, runs where a test of it failed or errored
    runs_since: int  # runs after its newest one; window_runs when it never ran
    last_run_id: int | None
    last_ran_at: datetime | None
    open_clusters: int
    priority: int | None  # the phase's effective priority; None: not a configured phase
    priority_weight: float
    order: int  # position in display order (phase order, then suite)
    score: float
    reasons: tuple[str, ...]

    @property
    def never_ran(self) -> bool:
        return self.runs_in_window == 0

    @property
    def failure_rate(self) -> float | None:
        """Failing runs / runs it ran in; ``None`` when it never ran."""
        if not self.runs_in_window:
            return None
        return self.failing_runs / self.runs_in_window


@dataclass(frozen=True, slots=True)
class CampaignCoverage:
    """A campaign's areas over its last runs (``window`` asked, ``runs_considered`` found)."""

    campaign: str
    window: int
    runs_considered: int
    areas: tuple[AreaCoverage, ...]
    latest_run_id: int | None = None

    def run_next(self, limit: int = 5) -> list[AreaCoverage]:
        return run_next(self.areas, limit)


def area_results(
    results: Iterable[tuple[str, str | None, str, float | None]],
) -> tuple[AreaResult, ...]:
    """Per-test ``(phase, suite, outcome, duration_s)`` summed per area, in first-seen order."""
    totals: dict[tuple[str, str | None], list[float]] = {}
    for phase, suite, outcome, duration in results:
        row = totals.setdefault((phase, suite), [0, 0, 0, 0.0])
        row[0] += 1
        row[1] += outcome in FAILING_OUTCOMES
        row[2] += outcome == "skipped"
        row[3] += duration or 0.0
    return tuple(
        AreaResult(phase, suite, int(t), int(f), int(s), round(d, 3))
        for (phase, suite), (t, f, s, d) in totals.items()
    )


def _phase_priorities(phases: Sequence[PhaseLike]) -> dict[str, tuple[int, int]]:
    """Phase name -> (rank, effective priority), first configuration of a name wins."""
    effective: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    for position, phase in enumerate(phases):
        if phase.name in seen:
            continue
        seen.add(phase.name)
        priority = phase.priority if phase.priority is not None else position + 1
        effective.append((priority, position, phase.name))
    effective.sort()
    return {name: (rank, priority) for rank, (priority, _, name) in enumerate(effective)}


def _reasons(
    *,
    window_runs: int,
    runs_in_window: int,
    failing_runs: int,
    runs_since: int,
    open_clusters: int,
    priority: int | None,
) -> tuple[str, ...]:
    reasons: list[str] = []
    if window_runs == 0:
        reasons.append("no processed runs yet")
    elif runs_in_window == 0:
        reasons.append(
            "did not run in the only run"
            if window_runs == 1
            else f"never ran in the last {window_runs} runs"
        )
    elif runs_since == 1:
        reasons.append("not run in the latest run")
    elif runs_since:
        reasons.append(f"not run in the last {runs_since} runs")
    else:
        reasons.append(f"ran in the latest run ({runs_in_window} of {window_runs})")
    if failing_runs:
        reasons.append(f"failed in {failing_runs} of {plural(runs_in_window, 'run')}")
    if open_clusters:
        reasons.append(plural(open_clusters, "open failure"))
    if priority is not None:
        reasons.append(f"phase priority {priority}")
    return tuple(reasons)


def coverage(
    runs: Sequence[RunResults],
    phases: Sequence[PhaseLike] = (),
    open_clusters: Mapping[tuple[str, str | None], int] | None = None,
) -> tuple[AreaCoverage, ...]:
    """Every area of the window (``runs`` oldest first) and every configured phase, in
    display order: phase order, then suite name."""
    open_clusters = open_clusters or {}
    window_runs = len(runs)
    ranks = _phase_priorities(phases)
    configured = len(ranks)

    ran_in: dict[tuple[str, str | None], int] = {}
    failed_in: dict[tuple[str, str | None], int] = {}
    newest: dict[tuple[str, str | None], int] = {}  # index of the newest run it ran in
    seen: dict[tuple[str, str | None], None] = {}
    for index, run in enumerate(runs):
        for area in run.areas:
            key = (area.phase, area.suite)
            seen.setdefault(key)
            if not area.ran:
                continue
            ran_in[key] = ran_in.get(key, 0) + 1
            failed_in[key] = failed_in.get(key, 0) + (area.failing > 0)
            newest[key] = index
    phases_seen = {phase for phase, _ in seen}
    for name in ranks:
        if name not in phases_seen:
            seen.setdefault((name, None))

    def phase_key(name: str) -> tuple[int, int, str]:
        if name in ranks:
            return (0, ranks[name][0], "")
        return (1 + (name == OTHER_PHASE), 0, name)

    keys = sorted(seen, key=lambda k: (phase_key(k[0]), k[1] is not None, k[1] or ""))
    areas: list[AreaCoverage] = []
    for order, key in enumerate(keys):
        phase, suite = key
        runs_count = ran_in.get(key, 0)
        failing = failed_in.get(key, 0)
        last = newest.get(key)
        runs_since = window_runs if last is None else window_runs - 1 - last
        clusters = max(0, open_clusters.get(key, 0))
        rank_priority = ranks.get(phase)
        priority = rank_priority[1] if rank_priority else None
        weight = 1.0 + (configured - rank_priority[0]) / configured if rank_priority else 1.0
        staleness = (runs_since + 1) / (window_runs + 1)
        rate = failing / runs_count if runs_count else UNKNOWN_FAILURE_RATE
        risk = BASE_RISK + rate + CLUSTER_RISK * min(clusters, MAX_COUNTED_CLUSTERS)
        last_run = runs[last] if last is not None else None
        areas.append(
            AreaCoverage(
                phase=phase,
                suite=suite,
                window_runs=window_runs,
                runs_in_window=runs_count,
                failing_runs=failing,
                runs_since=runs_since,
                last_run_id=last_run.run_id if last_run else None,
                last_ran_at=last_run.ran_at if last_run else None,
                open_clusters=clusters,
                priority=priority,
                priority_weight=round(weight, SCORE_DECIMALS),
                order=order,
                score=round(staleness * risk * weight, SCORE_DECIMALS),
                reasons=_reasons(
                    window_runs=window_runs,
                    runs_in_window=runs_count,
                    failing_runs=failing,
                    runs_since=runs_since,
                    open_clusters=clusters,
                    priority=priority,
                ),
            )
        )
    return tuple(areas)


def run_next(areas: Sequence[AreaCoverage], limit: int = 5) -> list[AreaCoverage]:
    """The ``limit`` areas to run next, highest score first (ties: display order)."""
    if limit <= 0:
        return []
    return sorted(areas, key=lambda a: (-a.score, a.order))[:limit]

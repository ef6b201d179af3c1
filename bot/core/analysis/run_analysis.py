"""One run analyzed: :func:`analyze_run` and what it gives (:class:`RunAnalysis`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.analysis.criterion_verdicts import CriterionResult, build_criteria
from bot.core.analysis.history import earlier_runs
from bot.core.analysis.phases import PhaseResult, build_phases
from bot.core.analysis.run_cases import RunCase
from bot.core.analysis.run_status import Status, status_of
from bot.core.analysis.run_summary import MAX_SUMMARY_FAILING, PhaseSummary, RunSummary
from bot.core.config.campaign import CampaignConfig
from bot.core.reports.model import Counts, Outcome


@dataclass(slots=True)
class RunAnalysis:
    counts: Counts
    status: Status
    phases: list[PhaseResult]
    criteria: list[CriterionResult]
    flaky: list[str]  # test ids that passed only after retries
    new_failures: list[str]  # failing now, not failing in the previous run
    fixed: list[str]  # failing in the previous run, passing now
    phase_by_test: dict[str, str]  # test id -> phase name (for TestResult.phase)
    duration_s: float
    summary: RunSummary


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def analyze_run(
    cases: Sequence[RunCase],
    campaign: CampaignConfig,
    history: Sequence[RunSummary] = (),
    *,
    run_id: int | None = None,
    finished_at: datetime | None = None,
    commit_sha: str | None = None,
) -> RunAnalysis:
    """Analyze one run. ``history``: the campaign's previous runs, oldest first."""
    counts = Counts()
    for item in cases:
        counts.add(item.case)
    phases, phase_by_test = build_phases(cases, campaign)
    failing = [item.case.test_id for item in cases if item.case.is_failure]
    passing = {
        item.case.test_id for item in cases if item.case.outcome in (Outcome.PASSED, Outcome.FLAKY)
    }
    earlier = earlier_runs(history, run_id)
    previous = earlier[-1] if earlier else None
    previous_failing = set(previous.failing) if previous else set()
    duration = sum(item.case.duration_s or 0.0 for item in cases)
    status = status_of(counts)
    criteria = build_criteria(cases, campaign)
    summary = RunSummary(
        run_id=run_id,
        status=status,
        counts=counts.as_dict(),
        phases=tuple(
            PhaseSummary(
                name=p.name,
                status=p.status,
                passed=p.counts.passed,
                failed=p.counts.failed,
                errored=p.counts.errored,
                skipped=p.counts.skipped,
                flaky=p.counts.flaky,
                duration_s=round(p.duration_s, 3),
                priority=p.priority,
            )
            for p in phases
        ),
        failing=tuple(failing[:MAX_SUMMARY_FAILING]),
        finished_at=_iso(finished_at),
        commit_sha=commit_sha,
        duration_s=round(duration, 3),
        criteria_total=len(criteria),
        criteria_failed=sum(not c.met for c in criteria),
    )
    return RunAnalysis(
        counts=counts,
        status=status,
        phases=phases,
        criteria=criteria,
        flaky=[item.case.test_id for item in cases if item.case.outcome is Outcome.FLAKY],
        new_failures=[t for t in failing if previous and t not in previous_failing],
        fixed=sorted(t for t in previous_failing if t in passing),
        phase_by_test=phase_by_test,
        duration_s=duration,
        summary=summary,
    )

"""One run analyzed: :func:`analyze_run` and what it gives (:class:`RunAnalysis`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.analysis.criterion_verdicts import CriterionResult, build_criteria
from bot.core.analysis.history import earlier_runs
from bot.core.analysis.phases import PhaseOf, PhaseResult, PhaseTally, phase_namer
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
    duration_s: float
    summary: RunSummary


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def analyze_run(
    cases: Iterable[RunCase],
    campaign: CampaignConfig,
    history: Sequence[RunSummary] = (),
    *,
    run_id: int | None = None,
    finished_at: datetime | None = None,
    commit_sha: str | None = None,
) -> RunAnalysis:
    """Analyze one run. ``history``: the campaign's previous runs, oldest first.
    ``cases`` is read more than once (a list, or a view that can be iterated again)."""
    accumulator = RunAccumulator(campaign, phase_namer(cases, campaign), history, run_id=run_id)
    for item in cases:
        accumulator.add(item)
    return accumulator.result(cases, finished_at=finished_at, commit_sha=commit_sha)


class RunAccumulator:
    """A run analysed case by case, as the cases stream past (into the database): counts
    per phase and suite, the failing and flaky ids, and what the previous run's failures
    did; nothing is kept per passing case. :meth:`add` returns the case's phase (what
    ``TestResult.phase`` stores)."""

    def __init__(
        self,
        campaign: CampaignConfig,
        phase_of: PhaseOf,
        history: Sequence[RunSummary] = (),
        *,
        run_id: int | None = None,
    ) -> None:
        self.campaign = campaign
        self.phase_of = phase_of
        self.history = history
        self.run_id = run_id
        earlier = earlier_runs(history, run_id)
        self.previous = earlier[-1] if earlier else None
        self.previous_failing = set(self.previous.failing) if self.previous else set()
        self.counts = Counts()
        self.phases = PhaseTally(campaign)
        self.failing: list[str] = []
        self.flaky: list[str] = []
        self.fixed: set[str] = set()
        self.duration = 0.0

    def add(self, item: RunCase) -> str:
        case = item.case
        self.counts.add(case)
        phase = self.phase_of(item)
        self.phases.add(item, phase)
        if case.is_failure:
            self.failing.append(case.test_id)
        elif case.outcome in (Outcome.PASSED, Outcome.FLAKY):
            if case.outcome is Outcome.FLAKY:
                self.flaky.append(case.test_id)
            if case.test_id in self.previous_failing:
                self.fixed.add(case.test_id)
        self.duration += case.duration_s or 0.0
        return phase

    def result(
        self,
        cases: Iterable[RunCase],
        *,
        finished_at: datetime | None = None,
        commit_sha: str | None = None,
    ) -> RunAnalysis:
        """The analysis; ``cases`` (the same cases again) is read for the criteria."""
        counts, failing, duration = self.counts, self.failing, self.duration
        phases = self.phases.ordered()
        status = status_of(counts)
        criteria = build_criteria(cases, self.campaign) if self.campaign.criteria else []
        summary = RunSummary(
            run_id=self.run_id,
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
        previous_failing = self.previous_failing
        return RunAnalysis(
            counts=counts,
            status=status,
            phases=phases,
            criteria=criteria,
            flaky=self.flaky,
            new_failures=[t for t in failing if self.previous and t not in previous_failing],
            fixed=sorted(self.fixed),
            duration_s=duration,
            summary=summary,
        )

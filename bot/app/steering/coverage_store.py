"""Read a campaign's coverage from the database: two aggregate queries, no result rows.

The window is the campaign's last ``window`` processed runs (by id, as the tracking
history), leaving out runs from forks (untrusted: they change nothing but their check
run). Results are summed in SQL per (run, phase, suite), so 30 runs of thousands of tests
cost a few hundred rows. A suite is the test's file (as the analysis names suites),
else its report's suite name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from bot.adapters.store.models import Campaign, Cluster, Repository, Run, TestResult
from bot.app.steering.runs import steering_branches, trusted
from bot.core.analysis.run_cases import OTHER_PHASE
from bot.core.steering.coverage import (
    AreaResult,
    CampaignCoverage,
    PhaseLike,
    PhaseSpec,
    RunResults,
    coverage,
)

DEFAULT_WINDOW = 10


def _suite_column() -> ColumnElement[Any]:
    return func.coalesce(func.replace(TestResult.file, "\\", "/"), TestResult.suite)


def _phase_column() -> ColumnElement[Any]:
    return func.coalesce(TestResult.phase, OTHER_PHASE)


def window_runs(
    session: Session,
    campaign: Campaign,
    window: int,
    where: ColumnElement[bool] | None = None,
) -> list[tuple[int, datetime | None]]:
    """The campaign's last ``window`` processed runs it follows, oldest first: (id, time).

    ``where`` selects the runs the campaign follows (``bot.app.steering.runs``); by default
    the trusted runs on the repository's default branch (or naming no branch), which is
    what a campaign follows without ``failures.only_branches``.
    """
    repository = session.get_one(Repository, campaign.repository_id)
    if where is None:
        where = and_(
            trusted(repository.full_name),
            steering_branches((), repository.default_branch or None),
        )
    rows = session.execute(
        select(Run.id, Run.finished_at, Run.created_at)
        .where(
            Run.campaign_id == campaign.id,
            Run.status == "processed",
            where,
        )
        .order_by(Run.id.desc())
        .limit(max(0, window))
    ).all()
    return [(r.id, r.finished_at or r.created_at) for r in reversed(rows)]


def _area_results(session: Session, run_ids: Sequence[int]) -> dict[int, list[AreaResult]]:
    if not run_ids:
        return {}
    suite, phase = _suite_column(), _phase_column()
    failing = func.sum(case((TestResult.outcome.in_(("failed", "errored")), 1), else_=0))
    skipped = func.sum(case((TestResult.outcome == "skipped", 1), else_=0))
    rows = session.execute(
        select(
            TestResult.run_id,
            phase,
            suite,
            func.count(),
            failing,
            skipped,
            func.coalesce(func.sum(TestResult.duration_s), 0.0),
        )
        .where(TestResult.run_id.in_(run_ids))
        .group_by(TestResult.run_id, phase, suite)
    ).all()
    by_run: dict[int, list[AreaResult]] = {run_id: [] for run_id in run_ids}
    for run_id, phase_name, suite_name, tests, failed, skips, duration in rows:
        by_run[run_id].append(
            AreaResult(
                phase=str(phase_name),
                suite=suite_name,
                tests=int(tests),
                failing=int(failed or 0),
                skipped=int(skips or 0),
                duration_s=round(float(duration or 0.0), 3),
            )
        )
    for areas in by_run.values():
        areas.sort(key=lambda a: (a.phase, a.suite or ""))
    return by_run


def _open_clusters(
    session: Session, repository_id: int, run_ids: Sequence[int]
) -> dict[tuple[str, str | None], int]:
    """Distinct clusters neither resolved nor muted, per area, among the window's failing
    results."""
    if not run_ids:
        return {}
    suite, phase = _suite_column(), _phase_column()
    rows = session.execute(
        select(phase, suite, func.count(func.distinct(Cluster.id)))
        .select_from(TestResult)
        .join(
            Cluster,
            and_(Cluster.id == TestResult.cluster_id, Cluster.repository_id == repository_id),
        )
        # Muted failures are acknowledged for now: they do not make an area riskier.
        .where(TestResult.run_id.in_(run_ids), Cluster.state.not_in(("resolved", "muted")))
        .group_by(phase, suite)
    ).all()
    return {(str(p), s): int(n) for p, s, n in rows}


def campaign_coverage(
    session: Session,
    campaign: Campaign,
    phases: Sequence[PhaseLike],
    window: int = DEFAULT_WINDOW,
    *,
    where: ColumnElement[bool] | None = None,
) -> CampaignCoverage:
    """The campaign's areas over its last ``window`` processed runs (see
    :func:`window_runs` for ``where``)."""
    runs = window_runs(session, campaign, window, where)
    run_ids = [run_id for run_id, _ in runs]
    results = _area_results(session, run_ids)
    history = [
        RunResults(run_id, ran_at, tuple(results.get(run_id, ()))) for run_id, ran_at in runs
    ]
    clusters = _open_clusters(session, campaign.repository_id, run_ids)
    return CampaignCoverage(
        campaign=campaign.name,
        window=window,
        runs_considered=len(runs),
        areas=coverage(history, phases, clusters),
        latest_run_id=run_ids[-1] if run_ids else None,
    )


def phases_from_summary(summary: Mapping[str, Any] | None) -> list[PhaseSpec]:
    """The configured phases with their priorities, as a run's stored summary lists them:
    for readers without the repository's config (the web side).

    Summaries list each configured phase's priority. Older ones did not: there the order
    (configured phases by priority, then the rest) gives each phase its position (1, 2,
    ...) as priority, and when every listed phase has tests and the names are in name
    order, the phases are most likely folders (what the analysis makes without config),
    so none is treated as configured. ``Other`` is always left out.
    """
    if not isinstance(summary, Mapping):
        return []
    raw = summary.get("phases")
    items = [item for item in (raw if isinstance(raw, list) else []) if isinstance(item, Mapping)]
    if any("priority" in item for item in items):
        return [
            PhaseSpec(str(item["name"]), item["priority"])
            for item in items
            if isinstance(item.get("priority"), int) and item.get("name") != OTHER_PHASE
        ]
    names: list[str] = []
    all_ran = True
    for item in items:
        name = item.get("name")
        if not isinstance(name, str) or not name or name == OTHER_PHASE or name in names:
            continue
        names.append(name)
        counts = [item.get(k) for k in ("passed", "failed", "errored", "skipped", "flaky")]
        all_ran = all_ran and sum(c for c in counts if isinstance(c, int)) > 0
    if all_ran and names == sorted(names):
        return []
    return [PhaseSpec(name, position + 1) for position, name in enumerate(names)]


def latest_phases(session: Session, campaign: Campaign) -> list[PhaseSpec]:
    """:func:`phases_from_summary` of the campaign's newest processed run."""
    summary = session.scalar(
        select(Run.summary)
        .where(
            Run.campaign_id == campaign.id,
            Run.status == "processed",
            Run.summary.is_not(None),
        )
        .order_by(Run.id.desc())
        .limit(1)
    )
    return phases_from_summary(summary)

"""A check run's content from the database: the runs it merges, the base run it compares
with, the failing tests with their clusters and issues (the view the renderer needs).

One check run per campaign, commit and workflow run: the uploads of a matrix (same
workflow run) are merged, and a re-run attempt of that workflow run updates it. Within
one attempt a test's worst outcome counts; a later attempt's outcome replaces an earlier
one (a re-run of the failed jobs reports only those).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.store.bulk import chunked
from bot.adapters.store.models import (
    Cluster,
    ClusterEvent,
    GitHubIssue,
    Repository,
    Run,
    TestResult,
)
from bot.core.checks.baseline import FAILING, compare, merge_outcomes
from bot.core.checks.model import BaseRun, Category, CheckView, Counts, FailedTest, PhaseCounts
from bot.core.text import first_line

FULL_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
MAX_LISTED = 5000  # tests of one category carried into the view (the renderer trims more)


def check_key(run: Run, campaign: str) -> str | None:
    """The check run's identity, or None when the run names no full commit sha."""
    sha = (run.commit_sha or "").lower()
    if not FULL_SHA.match(sha):
        return None
    scope = f"wf{run.workflow_run_id}" if run.workflow_run_id is not None else f"run{run.id}"
    return f"check:{campaign}:{sha}:{scope}"


def runs_of_check(session: Session, run: Run) -> list[Run]:
    """The processed uploads merged into ``run``'s check run, oldest first."""
    if run.workflow_run_id is None:
        return [run]
    return list(
        session.scalars(
            select(Run)
            .where(
                Run.repository_id == run.repository_id,
                Run.campaign_id == run.campaign_id,
                Run.commit_sha == run.commit_sha,
                Run.workflow_run_id == run.workflow_run_id,
                Run.status == "processed",
            )
            .order_by(Run.id)
        )
    )


class ResultRow(NamedTuple):
    """What a check run needs of every result; the texts are read for listed failures only
    (a run can hold a million results: no ORM object per result)."""

    id: int
    run_id: int
    test_id: str
    outcome: str
    phase: str | None
    cluster_id: int | None


def merged_results(session: Session, runs: Sequence[Run]) -> dict[str, ResultRow]:
    """Per test id, the result that counts (latest attempt; worst outcome within one)."""
    by_attempt: dict[int, list[ResultRow]] = {}
    attempt_of = {run.id: run.run_attempt or 0 for run in runs}
    rows = session.execute(
        select(
            TestResult.id,
            TestResult.run_id,
            TestResult.test_id,
            TestResult.outcome,
            TestResult.phase,
            TestResult.cluster_id,
        )
        .where(TestResult.run_id.in_([run.id for run in runs]))
        .order_by(TestResult.id)
    )
    for values in rows:
        row = ResultRow(*values)
        by_attempt.setdefault(attempt_of[row.run_id], []).append(row)
    merged: dict[str, ResultRow] = {}
    for attempt in sorted(by_attempt):
        rows_of_attempt = by_attempt.pop(attempt)
        worst = merge_outcomes((r.test_id, r.outcome) for r in rows_of_attempt)
        for row in rows_of_attempt:
            if worst[row.test_id] == row.outcome:
                merged[row.test_id] = row  # a later attempt replaces an earlier one
    return merged


def _full_rows(session: Session, ids: Sequence[int]) -> dict[int, TestResult]:
    return {
        row.id: row
        for chunk in chunked(ids)
        for row in session.scalars(select(TestResult).where(TestResult.id.in_(chunk)))
    }


def base_run(
    session: Session, run: Run, repository: Repository, exclude: Sequence[int]
) -> Run | None:
    """The base branch's latest processed run of the campaign on another commit, among
    those uploaded before this one: a check run rendered again later (a new issue number
    to link) compares with the same base, not with whatever ran since."""
    branch = repository.default_branch or "main"
    before = max([run.id, *exclude])
    query = (
        select(Run)
        .where(
            Run.campaign_id == run.campaign_id,
            Run.branch == branch,
            Run.status == "processed",
            Run.id < before,
            Run.id.not_in(list(exclude)),
        )
        .order_by(Run.id.desc())
        .limit(1)
    )
    if run.commit_sha:
        query = query.where(Run.commit_sha != run.commit_sha)
    return session.scalar(query)


@dataclass(frozen=True)
class _ClusterFacts:
    key: str
    title: str
    issue_number: int | None
    issue_url: str | None


def _clusters(session: Session, repository_id: int, ids: set[int]) -> dict[int, _ClusterFacts]:
    if not ids:
        return {}
    facts: dict[int, _ClusterFacts] = {}
    clusters = [
        cluster
        for chunk in chunked(sorted(ids))  # a run's clusters: as many as its failing tests
        for cluster in session.scalars(select(Cluster).where(Cluster.id.in_(chunk)))
    ]
    for cluster in clusters:
        row = None
        if cluster.issue_key is not None:
            row = session.scalar(
                select(GitHubIssue).where(
                    GitHubIssue.repository_id == repository_id,
                    GitHubIssue.key == cluster.issue_key,
                )
            )
        facts[cluster.id] = _ClusterFacts(
            cluster.fingerprint,
            cluster.title,
            row.number if row else None,
            row.html_url if row else None,
        )
    return facts


def _regressed(session: Session, run_ids: Sequence[int]) -> set[int]:
    return set(
        session.scalars(
            select(ClusterEvent.cluster_id).where(
                ClusterEvent.kind == "regressed", ClusterEvent.run_id.in_(list(run_ids))
            )
        )
    )


def _fix_not_in_build(session: Session, run_ids: Sequence[int]) -> dict[int, str]:
    """Clusters that failed in these runs in a build without their fix -> the fix."""
    return {
        cluster_id: str((details or {}).get("fix") or "")
        for cluster_id, details in session.execute(
            select(ClusterEvent.cluster_id, ClusterEvent.details).where(
                ClusterEvent.kind == "fix_not_in_build", ClusterEvent.run_id.in_(list(run_ids))
            )
        )
    }


def _failed_test(
    row: TestResult, category: Category, cluster: _ClusterFacts | None, fix: str | None = None
) -> FailedTest:
    title = (
        cluster.title
        if cluster
        else (first_line(row.message) or row.failure_type or "Test failure")[:200]
    )
    return FailedTest(
        test_id=row.test_id,
        category=category,
        file=row.file,
        line=row.line,
        message=row.message,
        trace=row.trace,
        cluster_key=cluster.key if cluster else (row.fingerprint or f"test:{row.test_id}"),
        cluster_title=title,
        issue_number=cluster.issue_number if cluster else None,
        issue_url=cluster.issue_url if cluster else None,
        phase=row.phase,
        fix_sha=fix or None,
    )


def _phases(results: Sequence[ResultRow]) -> list[PhaseCounts]:
    counts: dict[str, dict[str, int]] = {}
    for row in results:
        slot = counts.setdefault(
            row.phase or "Other", {"passed": 0, "failed": 0, "skipped": 0, "flaky": 0}
        )
        if row.outcome in FAILING:
            slot["failed"] += 1
        elif row.outcome in slot:
            slot[row.outcome] += 1
    return [PhaseCounts(name, **values) for name, values in counts.items()]


def _base_ref(base: Run, full_name: str, web_url: str | None) -> BaseRun:
    url = None
    if web_url and base.workflow_run_id is not None:
        url = f"{web_url.rstrip('/')}/{full_name}/actions/runs/{base.workflow_run_id}"
    return BaseRun(base.id, base.branch or "", base.commit_sha, url)


def build_view(
    session: Session,
    run: Run,
    repository: Repository,
    campaign: str,
    *,
    tracking_issue_url: str | None,
    web_url: str | None = None,
) -> tuple[CheckView, list[Run]]:
    """The check run's view for ``run`` (merged with the other uploads of its check run)."""
    runs = runs_of_check(session, run)
    merged = merged_results(session, runs)
    outcomes = {test_id: row.outcome for test_id, row in merged.items()}
    base = base_run(session, run, repository, [r.id for r in runs])
    base_outcomes = None
    if base is not None:
        base_rows = session.execute(
            select(TestResult.test_id, TestResult.outcome).where(TestResult.run_id == base.id)
        ).all()
        base_outcomes = merge_outcomes((str(t), str(o)) for t, o in base_rows)
    comparison = compare(outcomes, base_outcomes)
    regressed = _regressed(session, [r.id for r in runs])
    without_fix = _fix_not_in_build(session, [r.id for r in runs])
    clusters = _clusters(
        session, repository.id, {r.cluster_id for r in merged.values() if r.cluster_id}
    )
    new = set(comparison.new_failures)
    failures: list[FailedTest] = []
    listed = [*comparison.new_failures, *comparison.still_failing, *comparison.flaky]
    full = _full_rows(session, [merged[test_id].id for test_id in listed])
    for test_id in listed:
        row = merged[test_id]
        cluster = clusters.get(row.cluster_id) if row.cluster_id else None
        if row.outcome == "flaky":
            category = Category.FLAKY
        elif row.cluster_id in regressed:
            category = Category.REGRESSION
        elif row.cluster_id in without_fix:
            category = Category.FIX_NOT_IN_BUILD
        elif test_id in new:
            category = Category.NEW
        else:
            category = Category.STILL_FAILING
        fix = without_fix.get(row.cluster_id) if row.cluster_id else None
        failures.append(_failed_test(full[row.id], category, cluster, fix))
    results = list(merged.values())
    counts = Counts(
        total=len(results),
        passed=sum(1 for r in results if r.outcome == "passed"),
        failed=sum(1 for r in results if r.outcome in FAILING),
        skipped=sum(1 for r in results if r.outcome == "skipped"),
        flaky=sum(1 for r in results if r.outcome == "flaky"),
        duration_s=sum(r.duration_s or 0.0 for r in runs) or None,
    )
    view = CheckView(
        campaign=campaign,
        head_sha=(run.commit_sha or "").lower(),
        counts=counts,
        phases=_phases(results),
        failures=failures,
        base=_base_ref(base, repository.full_name, web_url) if base is not None else None,
        fixed=comparison.fixed[:MAX_LISTED],
        added=comparison.added[:MAX_LISTED],
        removed=comparison.removed[:MAX_LISTED],
        newly_skipped=comparison.newly_skipped[:MAX_LISTED],
        runs=len(runs),
        tracking_issue_url=tracking_issue_url,
    )
    return view, runs

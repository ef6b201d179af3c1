"""Read the facts for a cluster's evidence draft from the database (no GitHub IO)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.store.models import (
    Campaign,
    Cluster,
    ClusterEvent,
    FiveWhysRecord,
    GitHubIssue,
    Repository,
    Run,
    TestResult,
)
from bot.app.clusters.views import last_green_run
from bot.core.checks.annotations import normalize_path, repo_frame_paths
from bot.core.evidence.facts import (
    EvidenceFacts,
    FailingTest,
    PriorResolution,
    RelatedCluster,
    RunFacts,
)
from bot.core.five_whys import AnalysisBlock

FAILING = ("failed", "errored", "flaky")
STARTED = ("created", "regressed")
MAX_TESTS = 200
MAX_RELATED = 10


def run_facts(run: Run) -> RunFacts:
    return RunFacts(
        run_id=run.id,
        at=run.finished_at or run.created_at,
        commit_sha=run.commit_sha,
        branch=run.branch,
        environment={str(k): str(v) for k, v in (run.environment or {}).items()},
    )


def is_regression_run(session: Session, cluster: Cluster, run: Run) -> bool:
    return (
        session.scalar(
            select(ClusterEvent.id).where(
                ClusterEvent.cluster_id == cluster.id,
                ClusterEvent.run_id == run.id,
                ClusterEvent.kind == "regressed",
            )
        )
        is not None
    )


def _tests(session: Session, cluster: Cluster, run: Run, repository: str) -> list[FailingTest]:
    rows = session.execute(
        select(TestResult.test_id, TestResult.phase, TestResult.file)
        .where(
            TestResult.run_id == run.id,
            TestResult.cluster_id == cluster.id,
            TestResult.outcome.in_(FAILING),
        )
        .order_by(TestResult.id)
        .limit(MAX_TESTS)
    ).all()
    return [
        FailingTest(
            test_id=row.test_id,
            phase=row.phase,
            file=normalize_path(row.file, repository) if row.file else None,
        )
        for row in rows
    ]


def _issue_numbers(session: Session, repository_id: int, keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    rows = session.execute(
        select(GitHubIssue.key, GitHubIssue.number).where(
            GitHubIssue.repository_id == repository_id, GitHubIssue.key.in_(keys)
        )
    ).all()
    return {row.key: row.number for row in rows if row.number is not None}


def _related(session: Session, cluster: Cluster, run: Run) -> list[RelatedCluster]:
    """Other clusters that started or came back in ``run``."""
    ids = session.scalars(
        select(ClusterEvent.cluster_id)
        .where(
            ClusterEvent.run_id == run.id,
            ClusterEvent.kind.in_(STARTED),
            ClusterEvent.cluster_id != cluster.id,
        )
        .distinct()
    ).all()
    others = [session.get_one(Cluster, cid) for cid in sorted(ids)[:MAX_RELATED]]
    numbers = _issue_numbers(
        session, run.repository_id, [c.issue_key for c in others if c.issue_key]
    )
    related = []
    for other in others:
        tests = session.scalars(
            select(TestResult.test_id)
            .where(TestResult.run_id == run.id, TestResult.cluster_id == other.id)
            .distinct()
        ).all()
        related.append(
            RelatedCluster(
                title=other.title,
                fingerprint=other.fingerprint,
                issue_number=numbers.get(other.issue_key or ""),
                tests=len(tests),
            )
        )
    related.sort(key=lambda r: (-r.tests, r.title))
    return related


def _prior(session: Session, cluster: Cluster, subject: str) -> PriorResolution | None:
    if cluster.resolved_at is None:
        return None
    record = session.scalar(
        select(FiveWhysRecord).where(
            FiveWhysRecord.repository_id == cluster.repository_id,
            FiveWhysRecord.subject == subject,
            FiveWhysRecord.source == "person",
        )
    )
    block = AnalysisBlock.model_validate(record.record) if record is not None else None
    return PriorResolution(
        at=cluster.resolved_at,
        by=cluster.resolved_by,
        reason=cluster.resolved_reason,
        pull_request=cluster.resolved_pull_request,
        commit_sha=cluster.resolved_commit,
        regressions=max(cluster.regressions, 1),
        record_author=record.author if record is not None else None,
        record_root_cause=block.root_cause if block is not None else None,
        record_fixes=[f.item for f in block.fix_strategy] if block is not None else [],
    )


def gather_facts(session: Session, cluster: Cluster, run: Run, subject: str) -> EvidenceFacts:
    """The facts about ``cluster`` failing in ``run`` (its first run, or a regression)."""
    repository = session.get_one(Repository, cluster.repository_id)
    campaign = session.get_one(Campaign, run.campaign_id)
    green = last_green_run(session, cluster, campaign.id, run.id)
    regression = is_regression_run(session, cluster, run)
    sample = session.scalar(
        select(TestResult)
        .where(TestResult.run_id == run.id, TestResult.cluster_id == cluster.id)
        .order_by(TestResult.id)
        .limit(1)
    )
    trace = (sample.trace if sample is not None else None) or cluster.sample_trace
    return EvidenceFacts(
        campaign=campaign.name,
        cluster_title=cluster.title,
        fingerprint=cluster.fingerprint,
        run=run_facts(run),
        tests=_tests(session, cluster, run, repository.full_name),
        family=cluster.family,
        failure_type=sample.failure_type if sample is not None else None,
        message=(sample.message if sample is not None else None) or cluster.sample_message,
        trace_paths=repo_frame_paths(trace, repository.full_name),
        last_green=run_facts(green) if green is not None else None,
        related=_related(session, cluster, run),
        prior=_prior(session, cluster, subject) if regression else None,
    )

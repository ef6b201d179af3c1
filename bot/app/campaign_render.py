"""Render a campaign again from stored results: its tracking issue, the failure issues of
the clusters its latest run saw, and a run's check run.

What a refresh needs (new issue numbers to link, a person's command, a check-run note,
a late run's session-log line): never parsing a file, never folding a run into cluster
state again (docs/design.md, "Order of runs"). The run's analysis is recomputed from its
stored ``test_results`` rows (pure, no IO), so the issue reads as it did.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.adapters.store.models import Campaign, Cluster, GitHubIssue, Repository, Run, TestResult
from bot.app.checks.desired_checks import desire_completed
from bot.app.clusters.issues import write_failure_issue
from bot.app.clusters.split_notes import announce_splits
from bot.app.clusters.views import findings_for_run
from bot.app.steering.runs import following_in
from bot.app.tracking_issue import previous_summaries, tracking_key, update_tracking_issue
from bot.core.analysis.run_analysis import RunAnalysis, analyze_run
from bot.core.analysis.run_cases import RunCase, file_of
from bot.core.analysis.run_summary import RunSummary
from bot.core.config.campaign import CampaignConfig
from bot.core.config.repo import ConfigResult
from bot.core.reports.model import Attempt, Outcome, TestCase


def render_campaign(
    session: Session,
    campaign: Campaign,
    config: ConfigResult,
    web_url: str,
    *,
    check_run_of: int | None = None,
    only_run: bool = False,
) -> None:
    """The campaign's desired issues again, and the check run of ``check_run_of`` (None:
    of the campaign's latest processed run). ``only_run``: only that run's check run and
    failure issues."""
    repository = session.get_one(Repository, campaign.repository_id)
    shown = None if only_run else tracking_issue_run(session, campaign, repository, config)
    if shown is not None:
        render_tracking_issue(session, repository, campaign, shown, config, web_url)
        seen = clusters_seen(session, shown)
        for cluster in seen:
            write_failure_issue(session, cluster, repository, config.config.failures, web_url)
        # A split note waits for the new issue's number, which a sync has just given it.
        announce_splits(session, repository.id, [cluster.id for cluster in seen])
    run = session.get(Run, check_run_of) if check_run_of is not None else None
    if run is None:
        run = session.scalars(
            select(Run)
            .where(Run.campaign_id == campaign.id, Run.status != "queued")
            .order_by(Run.id.desc())
            .limit(1)
        ).first()
    if run is not None and run.campaign_id == campaign.id and run.status != "queued":
        desire_check(session, run, repository, campaign, config, web_url)
        if check_run_of is not None and (shown is None or run.id != shown.id):
            # This run's failure issues may have been written before a link they show had
            # its number (the tracking issue's, say).
            for cluster in clusters_seen(session, run):
                write_failure_issue(session, cluster, repository, config.config.failures, web_url)


def tracking_issue_run(
    session: Session, campaign: Campaign, repository: Repository, config: ConfigResult
) -> Run | None:
    """The run the tracking issue shows: the latest folded run the campaign follows (a
    fork's run and a late run are never folded, a pull request's is not followed)."""

    def latest(*where: ColumnElement[bool]) -> Run | None:
        return session.scalars(
            select(Run)
            .where(Run.campaign_id == campaign.id, Run.folded_at.is_not(None), *where)
            .order_by(Run.id.desc())
            .limit(1)
        ).first()

    newest = latest()
    if newest is None:
        return None
    follow = following_in(session, newest, repository, config.config.failures.only_branches)
    return newest if follow.follows_run else latest(follow.where)


def render_tracking_issue(
    session: Session,
    repository: Repository,
    campaign: Campaign,
    run: Run,
    config: ConfigResult,
    web_url: str,
) -> None:
    campaign_config = config.config.campaign(campaign.name)
    follow = following_in(session, run, repository, config.config.failures.only_branches)
    history = previous_summaries(session, campaign.id, run.id, where=follow.where)
    seen = session.scalar(
        select(TestResult.id)
        .where(TestResult.run_id == run.id, TestResult.cluster_id.is_not(None))
        .limit(1)
    )
    update_tracking_issue(
        session,
        repository=repository,
        campaign=campaign,
        campaign_config=campaign_config,
        run=run,
        analysis=stored_analysis(session, run, campaign_config, history),
        history=history,
        config_errors=config.errors,
        web_url=web_url,
        clusters=findings_for_run(session, repository.id, run.id) if seen else [],
        counted=follow.where,
    )


def stored_analysis(
    session: Session, run: Run, campaign_config: CampaignConfig, history: list[RunSummary]
) -> RunAnalysis:
    """The run's analysis from its stored results (in the order they were reported)."""
    return analyze_run(
        stored_cases(session, run.id),
        campaign_config,
        history,
        run_id=run.id,
        finished_at=run.finished_at or run.created_at,
        commit_sha=run.commit_sha,
    )


def stored_cases(session: Session, run_id: int) -> list[RunCase]:
    """The run's cases as stored (no message or trace: an analysis reads neither). A case
    with no path keeps the phase it was given, through its report file's place."""
    rows = session.execute(
        select(
            TestResult.test_id,
            TestResult.name,
            TestResult.outcome,
            TestResult.suite,
            TestResult.file,
            TestResult.line,
            TestResult.duration_s,
            TestResult.failure_type,
            TestResult.executions,
            TestResult.phase,
        )
        .where(TestResult.run_id == run_id)
        .order_by(TestResult.id)
    )
    cases = []
    for test_id, name, outcome, suite, file, line, duration, failure_type, runs, phase in rows:
        value = Outcome(outcome)
        case = TestCase(
            test_id=test_id,
            name=name,
            outcome=value,
            suite=suite,
            file=file,
            line=line,
            duration_s=duration,
            failure_type=failure_type,
            attempts=tuple(Attempt(value) for _ in range(runs)) if runs > 1 else (),
        )
        item = RunCase(case)
        cases.append(item if file_of(item) else RunCase(case, phase))
    return cases


def clusters_seen(session: Session, run: Run) -> list[Cluster]:
    ids = session.scalars(
        select(TestResult.cluster_id)
        .where(TestResult.run_id == run.id, TestResult.cluster_id.is_not(None))
        .distinct()
    ).all()
    return [session.get_one(Cluster, cid) for cid in sorted(i for i in ids if i is not None)]


def desire_check(
    session: Session,
    run: Run,
    repository: Repository,
    campaign: Campaign,
    config: ConfigResult,
    web_url: str,
) -> None:
    """The run's completed check run, linking the campaign's tracking issue."""
    tracking = session.scalar(
        select(GitHubIssue.html_url).where(
            GitHubIssue.repository_id == repository.id,
            GitHubIssue.key == tracking_key(campaign.name),
        )
    )
    desire_completed(
        session,
        run,
        repository,
        campaign,
        config.config.checks,
        tracking_issue_url=tracking,
        web_url=web_url,
    )

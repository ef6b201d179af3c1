"""Desired state of a campaign's tracking issue, computed from the database (no GitHub IO)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from bot.adapters.github.desired_state import set_desired_issue
from bot.adapters.store.models import (
    Campaign,
    Cluster,
    GitHubIssue,
    Repository,
    Run,
    SessionLogEntry,
    TestResult,
)
from bot.app.five_whys_store import (
    campaign_subject,
    cluster_subject,
    latest_upload_analysis,
    load_five_whys,
)
from bot.app.steering.coverage_store import campaign_coverage
from bot.core.analysis.run_analysis import RunAnalysis
from bot.core.analysis.run_summary import RunSummary
from bot.core.config.campaign import CampaignConfig
from bot.core.config.definition import CampaignDefinition
from bot.core.evidence.model import EvidenceDraft
from bot.core.five_whys import AnalysisBlock, Attribution, shown_analysis
from bot.core.render.clusters import ClusterFinding
from bot.core.render.tracking_issue.document import render_tracking_issue
from bot.core.render.tracking_issue.issue_view import LogEntry, RunInfo, TrackingIssueView
from bot.core.render.tracking_issue.run_text import tracking_issue_title
from bot.core.safe_markdown import inline, link
from bot.core.steering.goal import RunPoint, goal_progress, run_point

HISTORY_LENGTH = 20
MAIN_FAILURES = 5


def tracking_key(campaign_name: str) -> str:
    """The create-once key of a campaign's tracking issue."""
    return f"campaign:{campaign_name}"


def run_info(run: Run, repository: str, web_url: str) -> RunInfo:
    run_url = None
    if run.workflow_run_id is not None:
        run_url = f"{web_url}/{repository}/actions/runs/{run.workflow_run_id}"
    return RunInfo(
        run_id=run.id,
        commit_sha=run.commit_sha,
        branch=run.branch,
        pull_request=run.pull_request,
        workflow=run.workflow,
        run_url=run_url,
        run_attempt=run.run_attempt,
        started_at=run.started_at,
        finished_at=run.finished_at or run.created_at,
        environment={str(k): str(v) for k, v in (run.environment or {}).items()},
    )


def previous_summaries(
    session: Session,
    campaign_id: int,
    before_run_id: int,
    *,
    where: ColumnElement[bool] | None = None,
) -> list[RunSummary]:
    """The campaign's processed runs before this one (among ``where``: the runs the
    campaign follows, ``bot.app.steering.runs``), oldest first."""
    rows = session.scalars(
        select(Run.summary)
        .where(
            Run.campaign_id == campaign_id,
            Run.id < before_run_id,
            Run.status == "processed",
            Run.summary.is_not(None),
            where if where is not None else true(),
        )
        .order_by(Run.id.desc())
        .limit(HISTORY_LENGTH)
    ).all()
    return [RunSummary.from_json(summary) for summary in reversed(rows) if summary]


def latest_analysis_block(
    session: Session, campaign: Campaign
) -> tuple[AnalysisBlock | None, Attribution | None]:
    """The five-whys the tracking issue shows, and whose it is.

    A person's record for the campaign (``/five-whys``, ``/why`` …) wins over the
    ``analysis`` blocks that uploads bring; the uploads' findings and business impact
    still show beside it.
    """
    upload = latest_upload_analysis(session, campaign.id)
    person = load_five_whys(session, campaign.repository_id, campaign_subject(campaign.name))
    if person is None:
        return upload, (Attribution(source="upload") if upload is not None else None)
    return shown_analysis(person.block, upload), person.attribution


def point_of(summary: RunSummary) -> RunPoint:
    return run_point(
        summary.run_id,
        summary.counts,
        criteria_total=summary.criteria_total,
        criteria_failed=summary.criteria_failed,
    )


def effective_definition(
    session: Session, campaign_config: CampaignConfig, run: Run
) -> CampaignDefinition:
    """The config's campaign definition, with the keys the latest upload (up to ``run``)
    that brought a ``definition`` set over it."""
    brought = session.scalar(
        select(Run.definition)
        .where(
            Run.campaign_id == run.campaign_id,
            Run.id <= run.id,
            Run.definition.is_not(None),  # SQL NULL: the column stores None as NULL
        )
        .order_by(Run.id.desc())
        .limit(1)
    )
    base = campaign_config.definition
    if not brought:
        return base
    try:
        return CampaignDefinition.model_validate(brought).over(base)
    except ValidationError:  # stored by an older version: the config's stands
        return base


@dataclass(frozen=True, slots=True)
class ShownDraft:
    draft: EvidenceDraft
    by: Attribution
    about: str  # markdown: a link to the failure issue


def main_failure_draft(session: Session, run: Run) -> ShownDraft | None:
    """The evidence draft of the run's main failure (most failing tests), for a tracking
    issue that has no five-whys of its own (a person's or an upload's)."""
    rows = session.execute(
        select(Cluster, func.count(TestResult.id).label("tests"))
        .join(TestResult, TestResult.cluster_id == Cluster.id)
        .where(TestResult.run_id == run.id, TestResult.outcome.in_(("failed", "errored")))
        .group_by(Cluster.id)
        .order_by(func.count(TestResult.id).desc(), Cluster.id)
        .limit(MAIN_FAILURES)
    ).all()
    for cluster, _ in rows:
        stored = load_five_whys(session, run.repository_id, cluster_subject(cluster.fingerprint))
        if stored is None or stored.draft is None or cluster.issue_key is None:
            continue
        issue = session.scalar(
            select(GitHubIssue).where(
                GitHubIssue.repository_id == run.repository_id,
                GitHubIssue.key == cluster.issue_key,
            )
        )
        about = inline(cluster.title, 200)
        if issue is not None and issue.number is not None:
            about = f"{link(cluster.title[:200], issue.html_url)} (#{issue.number})"
        return ShownDraft(stored.draft, stored.attribution, about)
    return None


def session_log(session: Session, campaign_id: int) -> list[LogEntry]:
    entries = session.scalars(
        select(SessionLogEntry)
        .where(SessionLogEntry.campaign_id == campaign_id)
        .order_by(SessionLogEntry.at, SessionLogEntry.id)
    ).all()
    return [LogEntry(at=entry.at, text=entry.text) for entry in entries]


def update_tracking_issue(
    session: Session,
    *,
    repository: Repository,
    campaign: Campaign,
    campaign_config: CampaignConfig,
    run: Run,
    analysis: RunAnalysis,
    history: list[RunSummary],
    config_errors: list[str],
    web_url: str,
    clusters: Sequence[ClusterFinding] = (),
    counted: ColumnElement[bool] | None = None,
) -> GitHubIssue:
    """Render the tracking issue for ``run`` and store it as the desired state."""
    info = run_info(run, repository.full_name, web_url)
    five_whys, five_whys_by = latest_analysis_block(session, campaign)
    draft = None if five_whys is not None else main_failure_draft(session, run)
    definition = effective_definition(session, campaign_config, run)
    points = [point_of(summary) for summary in [*history, analysis.summary]]
    view = TrackingIssueView(
        repository=repository.full_name,
        campaign_name=campaign.name,
        campaign=campaign_config,
        run=info,
        analysis=analysis,
        history=history,
        five_whys=five_whys,
        five_whys_by=five_whys_by if draft is None else draft.by,
        five_whys_draft=draft.draft if draft is not None else None,
        five_whys_about=draft.about if draft is not None else None,
        session_log=session_log(session, campaign.id),
        config_errors=config_errors,
        clusters=clusters,
        definition=definition,
        goal=goal_progress(definition.goal, points),
        coverage=campaign_coverage(session, campaign, campaign_config.phases, where=counted),
    )
    title = tracking_issue_title(campaign_config, campaign.name)
    labels = [label.model_dump() for label in campaign_config.labels_for(campaign.name)]
    return set_desired_issue(
        session,
        repository.id,
        tracking_key(campaign.name),
        title=title,
        section=render_tracking_issue(view),
        labels=labels,
    )

"""``/status``: the cluster's, campaign's or pull request's current state, in a few lines.

Read from the database only (never GitHub). What comes from uploads (cluster titles,
campaign names, branches) is untrusted and goes through :mod:`bot.core.safe_markdown`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

from bot.adapters.store.models import Campaign, Cluster, GitHubIssue, Repository, Run, TestResult
from bot.app.steering.coverage_store import campaign_coverage
from bot.app.steering.runs import steering_branches, trusted
from bot.core.analysis.run_summary import RunSummary
from bot.core.config.campaign import CampaignConfig
from bot.core.render.cluster_text import plural
from bot.core.safe_markdown import cell_code, code, inline, table_cell
from bot.core.steering.goal import run_point
from bot.core.text import format_time
from bot.handlers.commands.spec import CommandContext, Help, Level, Outcome, Subject, Where, command

MAX_LISTED = 10
OPEN_STATES = ("new", "open", "regressed", "muted")


def when(at: datetime | None) -> str:
    return format_time(at) if at else "unknown time"


def run_text(run: Run, web_url: str, full_name: str) -> str:
    """``run 7`` (linked to its workflow run when known), its commit and branch."""
    text = f"run {run.id}"
    if run.workflow_run_id is not None:
        text = f"[{text}]({web_url}/{full_name}/actions/runs/{run.workflow_run_id})"
    if run.commit_sha:
        text += f" on {code(run.commit_sha[:7])}"
    if run.branch:
        text += f" ({code(run.branch, 60)})"
    return text


# --- failure issue ------------------------------------------------------------------------


def cluster_state_text(cluster: Cluster) -> str:
    state = f"**{cluster.state}**"
    if cluster.state == "muted":
        state += f" until {when(cluster.muted_until)}" if cluster.muted_until else " (no end)"
    if cluster.flaky:
        state += ", flaky" + (" (marked by a person)" if cluster.flaky_pinned else "")
    return state


def cluster_status(session: Session, cluster_id: int, web_url: str, full_name: str) -> str:
    cluster = session.get_one(Cluster, cluster_id)
    last = session.get(Run, cluster.last_seen_run_id) if cluster.last_seen_run_id else None
    lines = [
        f"**{inline(cluster.title, 200)}**",
        "",
        f"* state: {cluster_state_text(cluster)}",
        f"* {plural(cluster.occurrences, 'occurrence')} in "
        f"{plural(cluster.runs_failed, 'failing run')}; "
        f"{plural(cluster.regressions, 'regression')}",
    ]
    if last is not None:
        seen_at = last.finished_at or last.created_at
        lines.append(f"* last seen: {run_text(last, web_url, full_name)}, {when(seen_at)}")
    if cluster.resolved_at is not None:
        by = code(cluster.resolved_by) if cluster.resolved_by else "Loopwatch"
        verb = "resolved" if cluster.state == "resolved" else "last resolved"
        lines.append(f"* {verb} by {by} on {when(cluster.resolved_at)}")
    return "\n".join(lines)


# --- tracking issue -----------------------------------------------------------------------


def latest_processed_run(
    session: Session, campaign_id: int, where: ColumnElement[bool] | None = None
) -> Run | None:
    return session.scalar(
        select(Run)
        .where(
            Run.campaign_id == campaign_id,
            Run.status == "processed",
            where if where is not None else true(),
        )
        .order_by(Run.id.desc())
        .limit(1)
    )


def followed(session: Session, campaign: Campaign, config: CampaignConfig | None) -> Run | None:
    """The latest run the campaign follows (its default branch's), else its latest run."""
    repository = session.get_one(Repository, campaign.repository_id)
    steering = and_(
        trusted(repository.full_name), steering_branches((), repository.default_branch or None)
    )
    run = latest_processed_run(session, campaign.id, steering)
    return run or latest_processed_run(session, campaign.id)


def steering_lines(
    session: Session, campaign: Campaign, summary: RunSummary, config: CampaignConfig | None
) -> list[str]:
    """The criteria met, the goal's progress and the first areas to run next."""
    lines = []
    if summary.criteria_total:
        met = summary.criteria_total - summary.criteria_failed
        lines.append(f"Criteria: {met} of {summary.criteria_total} met")
    goal = config.definition.goal if config is not None else None
    if goal is not None and goal.tests_passing is not None:
        point = run_point(summary.run_id, summary.counts)
        share = min(point.passed / goal.tests_passing, 1.0)
        lines.append(f"Goal: {point.passed} of {goal.tests_passing} tests passing ({share:.0%})")
    phases = config.phases if config is not None else ()
    ranked = campaign_coverage(session, campaign, phases).run_next(3)
    if ranked:
        names = [
            inline(area.phase, 120) + (f" / {code(area.suite, 200)}" if area.suite else "")
            for area in ranked
        ]
        lines.append("Run next: " + "; ".join(names))
    return [f"{line}  " for line in lines]


def counts_text(summary: RunSummary) -> str:
    names = ("passed", "failed", "errored", "skipped", "flaky")
    return " · ".join(f"{summary.counts.get(name, 0)} {name}" for name in names)


def phase_table(summary: RunSummary) -> list[str]:
    if not summary.phases:
        return []
    lines = ["| phase | result | passed | failed |", "|---|---|---|---|"]
    for phase in summary.phases:
        lines.append(
            f"| {table_cell(phase.name, 80)} | {phase.status.icon} {phase.status.value} "
            f"| {phase.passed} | {phase.failed + phase.errored} |"
        )
    return lines


@dataclass(frozen=True, slots=True)
class OpenCluster:
    title: str
    state: str
    occurrences: int
    number: int | None


def open_clusters(session: Session, campaign_id: int) -> list[OpenCluster]:
    """The campaign's clusters that are not resolved, most occurrences first."""
    in_campaign = (
        select(TestResult.cluster_id)
        .join(Run, Run.id == TestResult.run_id)
        .where(Run.campaign_id == campaign_id, TestResult.cluster_id.is_not(None))
    )
    rows = session.execute(
        select(Cluster, GitHubIssue.number)
        .outerjoin(
            GitHubIssue,
            (GitHubIssue.repository_id == Cluster.repository_id)
            & (GitHubIssue.key == Cluster.issue_key),
        )
        .where(Cluster.id.in_(in_campaign), Cluster.state.in_(OPEN_STATES))
        .order_by(Cluster.occurrences.desc(), Cluster.id)
        .limit(MAX_LISTED + 1)
    ).all()
    return [OpenCluster(c.title, c.state, c.occurrences, number) for c, number in rows]


def clusters_text(clusters: Sequence[OpenCluster]) -> list[str]:
    if not clusters:
        return ["No open failure clusters."]
    lines = ["Open failure clusters:"]
    for cluster in clusters[:MAX_LISTED]:
        where = f" (#{cluster.number})" if cluster.number else ""
        lines.append(
            f"* {inline(cluster.title, 120)}{where}: {cluster.state}, "
            f"{plural(cluster.occurrences, 'occurrence')}"
        )
    if len(clusters) > MAX_LISTED:
        lines.append("* … and more (the tracking issue lists them all)")
    return lines


def campaign_status(
    session: Session,
    campaign_id: int,
    web_url: str,
    full_name: str,
    config: CampaignConfig | None = None,
) -> str:
    campaign = session.get_one(Campaign, campaign_id)
    lines = [f"**Campaign {code(campaign.name, 100)}**", ""]
    run = followed(session, campaign, config)
    if run is None:
        lines.append("No run of this campaign has been processed yet.")
        return "\n".join(lines)
    summary = RunSummary.from_json(run.summary or {})
    finished = run.finished_at or run.created_at
    lines.append(
        f"Latest: {run_text(run, web_url, full_name)}, {when(finished)}: "
        f"{summary.status.icon} **{summary.status.value}**"
    )
    lines += ["", counts_text(summary), ""]
    steering = steering_lines(session, campaign, summary, config)
    if steering:
        lines += [*steering, ""]
    table = phase_table(summary)
    if table:
        lines += [*table, ""]
    lines += clusters_text(open_clusters(session, campaign_id))
    return "\n".join(lines)


# --- pull request -------------------------------------------------------------------------


def pull_request_status(
    session: Session, repository_id: int, number: int, web_url: str, full_name: str
) -> str:
    latest = (
        select(func.max(Run.id))
        .where(
            Run.repository_id == repository_id,
            Run.pull_request == number,
            Run.status == "processed",
        )
        .group_by(Run.campaign_id)
    )
    rows = session.execute(
        select(Run, Campaign.name)
        .join(Campaign, Campaign.id == Run.campaign_id)
        .where(Run.id.in_(latest))
        .order_by(Campaign.name)
        .limit(MAX_LISTED)
    ).all()
    if not rows:
        return (
            f"No test run of pull request #{number} has reached me yet (an upload names its "
            "pull request with `--pull-request`, or takes it from the Actions event)."
        )
    lines = [
        f"Latest runs of pull request #{number}:",
        "",
        "| campaign | run | result | passed | failed | when |",
        "|---|---|---|---|---|---|",
    ]
    for run, name in rows:
        summary = RunSummary.from_json(run.summary or {})
        failed = summary.counts.get("failed", 0) + summary.counts.get("errored", 0)
        ref = run_text(run, web_url, full_name).replace("|", "\\|")
        lines.append(
            f"| {cell_code(name, 60)} | {ref} "
            f"| {summary.status.icon} {summary.status.value} "
            f"| {summary.counts.get('passed', 0)} | {failed} "
            f"| {when(run.finished_at or run.created_at)} |"
        )
    return "\n".join(lines)


# --- any other issue ----------------------------------------------------------------------


def elsewhere_status(session: Session, repository_id: int, subject: Subject) -> str:
    rows = session.execute(
        select(Campaign.name, GitHubIssue.number)
        .outerjoin(
            GitHubIssue,
            (GitHubIssue.repository_id == Campaign.repository_id)
            & (GitHubIssue.key == "campaign:" + Campaign.name),
        )
        .where(Campaign.repository_id == repository_id)
        .order_by(Campaign.name)
        .limit(MAX_LISTED + 1)
    ).all()
    text = f"#{subject.number} is not an issue Loopwatch keeps."
    if subject.issue_key and subject.issue_key.startswith("linked:"):
        text = f"#{subject.number} was a failure issue; its updates moved to another issue."
    if not rows:
        return text + " No campaign has uploaded a run here yet."
    listed = [f"{code(name, 60)}" + (f" (#{number})" if number else "") for name, number in rows][
        :MAX_LISTED
    ]
    more = ", …" if len(rows) > MAX_LISTED else ""
    return f"{text} Campaigns here: {', '.join(listed)}{more}."


def status_text(session: Session, ctx: CommandContext) -> str:
    subject = ctx.subject
    if subject.where is Where.CLUSTER and subject.cluster_id is not None:
        return cluster_status(session, subject.cluster_id, ctx.web_url, ctx.full_name)
    if subject.where is Where.CAMPAIGN and subject.campaign_id is not None:
        name = session.get_one(Campaign, subject.campaign_id).name
        return campaign_status(
            session,
            subject.campaign_id,
            ctx.web_url,
            ctx.full_name,
            ctx.config.campaign(name),
        )
    if subject.where is Where.PULL_REQUEST:
        return pull_request_status(
            session, ctx.repository_id, subject.number, ctx.web_url, ctx.full_name
        )
    return elsewhere_status(session, ctx.repository_id, subject)


@command(
    "status",
    help=Help(
        usage="status",
        description=(
            "Show where things stand: a failure's state and counts; a campaign's latest run "
            "on its default branch, with the criteria met, the goal and what to run next; "
            "or a pull request's latest runs."
        ),
        examples=("status",),
    ),
    level=Level.NONE,
    changes_state=False,
)
async def show_status(ctx: CommandContext) -> Outcome:
    return Outcome(message=await ctx.store.run(lambda session: status_text(session, ctx)))

"""Desired GitHub state for clusters: failure issues, and one comment per regression.

Only rows are written here (``set_desired_issue``/``add_comment``); the sync job makes
GitHub match them, creating each issue once (its key is ``cluster:<fingerprint>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.adapters.github.desired_state import (
    LabelSpec,
    add_comment,
    parse_labels,
    set_desired_issue,
)
from bot.adapters.queue.kinds import defer_five_whys_draft
from bot.adapters.store.models import (
    Campaign,
    Cluster,
    ClusterEvent,
    GitHubIssue,
    Repository,
    Run,
    TestResult,
)
from bot.app.clusters.split_notes import announce_splits
from bot.app.clusters.views import (
    FAILING_OUTCOMES,
    cluster_key,
    cluster_view,
    issue_url,
    regression_view,
)
from bot.core.config.failures import FailuresConfig
from bot.core.config.labels import LOOPWATCH_COLOR
from bot.core.render.clusters import (
    failure_issue_title,
    render_failure_issue,
    render_regression_comment,
    render_tracking_regression_comment,
)

FAILURE_LABEL = LabelSpec("loopwatch:failure", LOOPWATCH_COLOR, "A failure cluster Loopwatch keeps")
REGRESSION_LABEL = LabelSpec("regression", "d93f0b", "A fixed failure came back")
FLAKY_LABEL = LabelSpec("flaky", "fbca04", "Fails and passes without a change")
MUTED_LABEL = LabelSpec("muted", "c5def5", "Counted, but Loopwatch stays quiet about it")


@dataclass(frozen=True)
class IssueContext:
    repository: Repository
    campaign: Campaign
    run: Run
    config: FailuresConfig
    web_url: str


def may_open_issues(
    branch: str | None, only_branches: Sequence[str], default_branch: str | None
) -> bool:
    """Whether a run on ``branch`` may open failure issues (it is counted either way).

    * ``only_branches`` set: runs on those branches only; a run that does not name its
      branch opens none (it cannot show that it is on one of them).
    * not set: runs on the default branch; a run that does not name its branch is not
      held back, and when the default branch is unknown, any run may.
    """
    if only_branches:
        return branch is not None and branch in only_branches
    return branch is None or default_branch is None or branch == default_branch


def branch_may_open_issues(ctx: IssueContext) -> bool:
    return may_open_issues(
        ctx.run.branch, ctx.config.only_branches, ctx.repository.default_branch or None
    )


def cluster_labels(cluster: Cluster, config: FailuresConfig) -> list[LabelSpec]:
    labels = [LabelSpec(name) for name in config.labels]
    labels += [LabelSpec(str(name)) for name in cluster.labels or []]
    labels.append(FAILURE_LABEL)
    if cluster.flaky:
        labels.append(FLAKY_LABEL)
    if cluster.regressions > 0:
        labels.append(REGRESSION_LABEL)
    if cluster.state == "muted":
        labels.append(MUTED_LABEL)
    return labels


def _failing_runs_in_window(session: Session, cluster: Cluster, ctx: IssueContext) -> int:
    window = (
        select(Run.id)
        .where(Run.campaign_id == ctx.campaign.id, Run.id <= ctx.run.id)
        .order_by(Run.id.desc())
        .limit(ctx.config.window_runs)
    )
    count = session.scalar(
        select(func.count(func.distinct(TestResult.run_id))).where(
            TestResult.cluster_id == cluster.id,
            TestResult.outcome.in_(FAILING_OUTCOMES),
            TestResult.run_id.in_(window.scalar_subquery()),
        )
    )
    return count or 0


def _tests_in_run(session: Session, cluster: Cluster, run: Run) -> int:
    count = session.scalar(
        select(func.count()).where(TestResult.run_id == run.id, TestResult.cluster_id == cluster.id)
    )
    return count or 0


def _open_new_issues(session: Session, ctx: IssueContext, failing: Sequence[int]) -> list[str]:
    """Give issues to clusters over the threshold, at most ``max_new_issues_per_run``
    per run (counted from the history, so a retried job opens no extra one)."""
    if not branch_may_open_issues(ctx):
        return []
    opened_before = session.scalar(
        select(func.count()).where(
            ClusterEvent.run_id == ctx.run.id, ClusterEvent.kind == "issue_opened"
        )
    )
    budget = ctx.config.max_new_issues_per_run - (opened_before or 0)
    candidates = [
        cluster
        for cluster in (session.get_one(Cluster, cid) for cid in failing)
        if cluster.issue_key is None
        and cluster.state != "muted"
        and _failing_runs_in_window(session, cluster, ctx) >= ctx.config.open_issue_after
    ]
    candidates.sort(key=lambda c: (-_tests_in_run(session, c, ctx.run), c.id))
    opened = []
    for cluster in candidates[: max(budget, 0)]:
        cluster.issue_key = cluster_key(cluster.fingerprint)
        session.add(
            ClusterEvent(
                cluster_id=cluster.id,
                at=ctx.run.finished_at or ctx.run.created_at,
                kind="issue_opened",
                run_id=ctx.run.id,
                details={"key": cluster.issue_key},
            )
        )
        opened.append(cluster.issue_key)
    return opened


def write_failure_issue(
    session: Session, cluster: Cluster, repository: Repository, config: FailuresConfig, web_url: str
) -> None:
    """The desired title, body, labels and state of the cluster's issue."""
    if cluster.issue_key is None:
        return
    state = "closed" if cluster.state == "resolved" else "open"
    _desire(session, cluster, repository, web_url, cluster_labels(cluster, config), state)


def rewrite_failure_issue_body(
    session: Session, cluster: Cluster, repository: Repository, web_url: str
) -> bool:
    """Render the issue body again after people changed the cluster (closed its issue),
    keeping the labels and state already desired; ``True`` when the body changed."""
    if cluster.issue_key is None:
        return False
    row = session.scalar(
        select(GitHubIssue).where(
            GitHubIssue.repository_id == repository.id, GitHubIssue.key == cluster.issue_key
        )
    )
    if row is None:
        return False
    before = row.desired_hash
    _desire(session, cluster, repository, web_url, parse_labels(row.labels), row.state)
    return row.desired_hash != before


def _desire(
    session: Session,
    cluster: Cluster,
    repository: Repository,
    web_url: str,
    labels: Sequence[str | LabelSpec],
    state: str,
) -> None:
    """Render the cluster's issue from the database and store it as desired."""
    assert cluster.issue_key is not None
    view = cluster_view(session, cluster, repository, web_url)
    set_desired_issue(
        session,
        repository.id,
        cluster.issue_key,
        title=_linked_title(session, cluster, repository) or failure_issue_title(view),
        section=render_failure_issue(view),
        labels=labels,
        state=state,
    )


def _linked_title(session: Session, cluster: Cluster, repository: Repository) -> str | None:
    """A person's issue the cluster was linked to (``/link #N``) keeps its own title."""
    linked = session.scalar(
        select(ClusterEvent.id)
        .where(ClusterEvent.cluster_id == cluster.id, ClusterEvent.kind == "linked")
        .limit(1)
    )
    if linked is None:
        return None
    return session.scalar(
        select(GitHubIssue.title).where(
            GitHubIssue.repository_id == repository.id, GitHubIssue.key == cluster.issue_key
        )
    )


def _announce_regression(
    session: Session, cluster: Cluster, ctx: IssueContext, *, comment: bool
) -> None:
    """One comment on the failure issue and one on the tracking issue."""
    repository, campaign, run = ctx.repository, ctx.campaign, ctx.run
    count = cluster.regressions
    failure_url = issue_url(session, repository.id, cluster.issue_key)
    if not comment or cluster.issue_key is None:
        return
    view = regression_view(session, cluster, repository, campaign, run, ctx.web_url)
    add_comment(
        session,
        repository.id,
        f"regression:{cluster.fingerprint}:{count}",
        render_regression_comment(view),
        issue_key=cluster.issue_key,
    )
    add_comment(
        session,
        repository.id,
        f"tracking-regression:{campaign.name}:{cluster.fingerprint}:{count}",
        render_tracking_regression_comment(view, failure_url),
        issue_key=f"campaign:{campaign.name}",
    )


def update_cluster_issues(
    session: Session,
    ctx: IssueContext,
    *,
    seen: Sequence[int],
    failing: Sequence[int],
    regressed: Sequence[int],
    resolved: Sequence[int],
    marked_flaky: Sequence[int] = (),
) -> list[str]:
    """Open, update and comment as the run requires; returns the keys of new issues."""
    opened = _open_new_issues(session, ctx, failing)
    for cluster_id in dict.fromkeys([*seen, *resolved, *marked_flaky]):
        cluster = session.get_one(Cluster, cluster_id)
        write_failure_issue(session, cluster, ctx.repository, ctx.config, ctx.web_url)
    for cluster_id in regressed:
        cluster = session.get_one(Cluster, cluster_id)
        # A cluster that only now gets its issue needs no "it came back" comment there.
        had_issue = cluster.issue_key is not None and cluster.issue_key not in opened
        _announce_regression(session, cluster, ctx, comment=had_issue)
    announce_splits(session, ctx.repository.id, seen)
    _queue_drafts(session, ctx, opened, regressed)
    return opened


def _queue_drafts(
    session: Session, ctx: IssueContext, opened: Sequence[str], regressed: Sequence[int]
) -> None:
    """The evidence draft for each new issue (about the cluster's first failing run) and
    for each regression (about the run it came back in)."""
    full_name = ctx.repository.full_name
    for cluster_id in regressed:
        cluster = session.get_one(Cluster, cluster_id)
        if cluster.issue_key is not None:
            defer_five_whys_draft(
                session, cluster_id=cluster.id, run_id=ctx.run.id, full_name=full_name
            )
    for key in opened:
        cluster = session.scalars(
            select(Cluster).where(
                Cluster.repository_id == ctx.repository.id, Cluster.issue_key == key
            )
        ).one()
        if cluster.id in regressed:
            continue
        first = session.get(Run, cluster.first_seen_run_id) if cluster.first_seen_run_id else None
        same_campaign = first is not None and first.campaign_id == ctx.run.campaign_id
        about = first if first is not None and same_campaign else ctx.run
        defer_five_whys_draft(session, cluster_id=cluster.id, run_id=about.id, full_name=full_name)

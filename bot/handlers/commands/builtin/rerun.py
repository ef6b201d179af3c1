"""``/rerun``: re-run the failed jobs of the latest known workflow run (Actions API).

Which run: a tracking issue's campaign's latest run, a pull request's latest run, or a
failure's latest failing run; only runs uploaded with their workflow run id
(``--workflow-run-id``, ``GITHUB_RUN_ID`` in Actions) can be re-run. The App needs
``actions: write`` for it; without it GitHub answers 403 and the reply says so.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.github.errors import GitHubPermanentError
from bot.adapters.store.models import Campaign, Run, TestResult
from bot.app.clusters.views import FAILING_OUTCOMES
from bot.core.safe_markdown import code
from bot.handlers.commands.spec import (
    CommandContext,
    Help,
    Level,
    Outcome,
    Refused,
    Subject,
    Where,
    command,
)

NOT_ACCESSIBLE = "not accessible by integration"


def latest_workflow_run(session: Session, repository_id: int, subject: Subject) -> Run | None:
    """The run ``/rerun`` acts on here (see the module docstring), or None."""
    query = (
        select(Run)
        .where(Run.repository_id == repository_id, Run.workflow_run_id.is_not(None))
        .order_by(Run.id.desc())
        .limit(1)
    )
    if subject.where is Where.CAMPAIGN:
        query = query.where(Run.campaign_id == subject.campaign_id)
    elif subject.where is Where.PULL_REQUEST:
        query = query.where(Run.pull_request == subject.number)
    elif subject.where is Where.CLUSTER:
        failing = select(TestResult.run_id).where(
            TestResult.cluster_id == subject.cluster_id,
            TestResult.outcome.in_(FAILING_OUTCOMES),
        )
        query = query.where(Run.id.in_(failing))
    else:
        return None
    return session.scalar(query)


def _describe(session: Session, run: Run) -> str:
    campaign = session.get_one(Campaign, run.campaign_id)
    text = f"run {run.id} of campaign {code(campaign.name, 60)}"
    if run.commit_sha:
        text += f" on {code(run.commit_sha[:7])}"
    return text


def _nothing_here(subject: Subject) -> str:
    of = {
        Where.CAMPAIGN: "this campaign",
        Where.PULL_REQUEST: "this pull request",
        Where.CLUSTER: "a failing run of this failure",
    }.get(subject.where, "this issue")
    return (
        f"No workflow run is known for {of}; runs uploaded with `--workflow-run-id` "
        "(set by itself in GitHub Actions) can be re-run."
    )


@command(
    "rerun",
    help=Help(
        usage="rerun",
        description=(
            "Re-run the failed jobs of the latest workflow run of this campaign, pull request "
            "or failure (needs the App's `actions: write` permission)."
        ),
        examples=("rerun",),
    ),
    level=Level.WRITE,
    where=frozenset({Where.CAMPAIGN, Where.PULL_REQUEST, Where.CLUSTER}),
    author_may=True,
)
async def rerun(ctx: CommandContext) -> Outcome:
    def find(session: Session) -> tuple[int, str] | None:
        run = latest_workflow_run(session, ctx.repository_id, ctx.subject)
        if run is None or run.workflow_run_id is None:
            return None
        return run.workflow_run_id, _describe(session, run)

    found = await ctx.store.run(find)
    if found is None:
        raise Refused(_nothing_here(ctx.subject))
    workflow_run_id, described = found
    url = f"{ctx.web_url}/{ctx.full_name}/actions/runs/{workflow_run_id}"
    try:
        await ctx.github.rerun_failed_jobs(workflow_run_id)
    except GitHubPermanentError as exc:
        if exc.status == 403 and NOT_ACCESSIBLE in str(exc).lower():
            raise Refused(
                f"I may not re-run [workflow run {workflow_run_id}]({url}): the Loopwatch App "
                "lacks the `actions: write` permission on this repository. An admin can grant "
                "it in the App's installation settings."
            ) from exc
        if exc.status == 404:
            raise Refused(
                f"GitHub does not know [workflow run {workflow_run_id}]({url}) (deleted, or "
                "from another repository)."
            ) from exc
        raise
    return Outcome(
        message=(
            f"Re-running the failed jobs of [workflow run {workflow_run_id}]({url}) ({described})."
        ),
        log=f"re-ran the failed jobs of workflow run {workflow_run_id}",
    )

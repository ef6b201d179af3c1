"""The ``draft_five_whys`` job: the bot's evidence draft for a failure cluster.

Queued when a cluster's failure issue opens and when it comes back (a regression). It
reads the facts, asks GitHub once for the commit range since the last green run, builds
the draft (pure) and stores it, unless a person's record exists: that one is never
overwritten. A stored draft renders the failure issue again, and the tracking issues of
the campaigns that show it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.adapters.github.commit_range import fetch_commit_range
from bot.adapters.github.errors import GitHubTransientError
from bot.adapters.queue.kinds import DRAFT_FIVE_WHYS, DraftFiveWhysPayload
from bot.adapters.queue.worker import Handler, JobContext
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Campaign, Cluster, Repository, Run
from bot.app.clusters.issues import rewrite_failure_issue_body
from bot.app.effects import campaigns_of_cluster, queue_sync, refresh_tracking_issues
from bot.app.evidence import gather_facts
from bot.app.five_whys_store import Target, cluster_subject, load_five_whys, save_draft
from bot.app.repo_config import resolve_installation
from bot.app.services import Services
from bot.app.tracking_issue import latest_analysis_block
from bot.core.evidence.builder import build_draft
from bot.core.evidence.facts import CommitRange, EvidenceFacts
from bot.handlers.registry import handles

COMPARE_ATTEMPTS = 3  # then the draft says GitHub did not answer


@dataclass(frozen=True, slots=True)
class _Read:
    facts: EvidenceFacts
    repository_id: int
    full_name: str


def _read(session: Session, cluster_id: int, run_id: int) -> _Read | None:
    cluster, run = session.get(Cluster, cluster_id), session.get(Run, run_id)
    if cluster is None or run is None:
        return None
    subject = cluster_subject(cluster.fingerprint)
    stored = load_five_whys(session, cluster.repository_id, subject)
    if stored is not None and stored.draft is None:
        return None  # a person's record: theirs to keep
    repository = session.get_one(Repository, cluster.repository_id)
    return _Read(gather_facts(session, cluster, run, subject), repository.id, repository.full_name)


@handles(DRAFT_FIVE_WHYS)
def make_draft_handler(services: Services) -> Handler:
    async def draft_five_whys(ctx: JobContext) -> None:
        payload = DraftFiveWhysPayload.read(ctx)
        cluster_id, run_id = payload.cluster_id, payload.run_id
        with services.session_factory() as session:
            read = _read(session, cluster_id, run_id)
        if read is None:
            ctx.log.info("five_whys_draft_not_needed", cluster_id=cluster_id, run_id=run_id)
            return
        try:
            commits = await _commit_range(read)
        except GitHubTransientError as error:
            if ctx.attempt < min(ctx.max_attempts, COMPARE_ATTEMPTS):
                raise  # the queue backs off and tries again
            # GitHub kept failing: draft without the range rather than not at all.
            facts = read.facts
            assert facts.last_green is not None  # a range was asked for
            commits = CommitRange(
                str(facts.last_green.commit_sha),
                str(facts.run.commit_sha),
                error=f"it kept failing after {ctx.attempt} tries: {str(error)[:200]}",
            )
        draft = build_draft(read.facts, commits)

        def store() -> str:
            with transaction(services.session_factory) as session:
                cluster = session.get_one(Cluster, cluster_id)
                run = session.get_one(Run, run_id)
                # Stamped with the time of the run it was drawn from, not the clock: the
                # same facts give the same issue text however late a worker gets to them.
                at = run.finished_at or run.created_at
                saved = save_draft(session, Target.of_cluster(cluster), draft, at=at)
                if saved == "saved":
                    _echo(session, cluster, services.settings.github_web_url)
                return saved

        saved = await asyncio.to_thread(store)
        ctx.log.info(
            "five_whys_drafted",
            cluster_id=cluster_id,
            run_id=run_id,
            outcome=saved,
            steps=len(draft.steps),
            commits=draft.total_commits,
        )

    async def _commit_range(read: _Read) -> CommitRange | None:
        facts = read.facts
        if not facts.needs_compare or facts.last_green is None:
            return None
        base, head = str(facts.last_green.commit_sha), str(facts.run.commit_sha)
        installation_id = await resolve_installation(services, read.repository_id)
        if installation_id is None:
            return CommitRange(base, head, error="the GitHub App is not installed there")
        gh = services.github().installation(installation_id)
        return await fetch_commit_range(gh, read.full_name, base, head)

    return draft_five_whys


def _echo(session: Session, cluster: Cluster, web_url: str) -> None:
    """The failure issue shows the new draft; so do the tracking issues that show a draft
    (those with no five-whys of their own: rendering one again reprocesses its latest
    run, so the others are left alone); a sync follows."""
    repository = session.get_one(Repository, cluster.repository_id)
    rewrite_failure_issue_body(session, cluster, repository, web_url)
    showing_drafts = [
        campaign_id
        for campaign_id in campaigns_of_cluster(session, cluster.id)
        if latest_analysis_block(session, session.get_one(Campaign, campaign_id))[0] is None
    ]
    refresh_tracking_issues(session, repository, showing_drafts)
    queue_sync(session, repository)

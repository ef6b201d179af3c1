"""``workflow_run`` ``completed``: read the run's test-result artifacts (no upload step).

The handler only records the repository and queues ``ingest_artifacts``; the job does the
downloads with its own retries. A worker without a GitHub App could not download
anything, so it queues nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.adapters.queue.kinds import defer_ingest_artifacts
from bot.core.artifacts.plan import workflow_run_facts
from bot.handlers.events.repos import remember_repository
from bot.handlers.events.router import EventContext, router


@router.register("workflow_run", action="completed")
async def on_workflow_run_completed(ctx: EventContext) -> None:
    if ctx.github is None or ctx.installation_id is None:
        return
    facts = workflow_run_facts(ctx.payload)
    if facts is None:
        ctx.log.warning("workflow_run_unreadable")
        return

    def queue(session: Session) -> None:
        repository = remember_repository(session, ctx.payload)
        if repository is not None and repository.removed_at is None:
            defer_ingest_artifacts(session, repository, facts.model_dump(mode="json"))

    await ctx.in_transaction(queue)

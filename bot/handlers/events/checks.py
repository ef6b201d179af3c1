"""``check_run`` ``rerequested``: a person pressed "Re-run" on one of our check runs.

Loopwatch does not run tests itself: it asks GitHub Actions to re-run the failed jobs of
the workflow run the results came from (the App needs ``actions: write``). What came of
it is shown at the top of the check run's summary, since a check run takes no comments.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.github.client import split_full_name
from bot.adapters.github.errors import GitHubPermanentError, GitHubTransientError, github_errors
from bot.adapters.github.pacer import WritePacer
from bot.adapters.store.models import CheckRunRecord, Repository
from bot.app.checks.desired_checks import renote
from bot.handlers.events.router import EventContext, router
from bot.handlers.events.senders import is_bot, sender_login


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _find(session: Session, payload: dict[str, Any]) -> tuple[int, str, int | None] | None:
    """``(record id, repository full name, workflow run id)`` of the check run, if ours."""
    check = _dict(payload.get("check_run"))
    github_id, external_id = check.get("id"), check.get("external_id")
    query = select(CheckRunRecord, Repository.full_name).join(
        Repository, Repository.id == CheckRunRecord.repository_id
    )
    found = None
    if isinstance(github_id, int):
        found = session.execute(query.where(CheckRunRecord.github_id == github_id)).first()
    if found is None and isinstance(external_id, str) and external_id.startswith("check:"):
        full_name = _dict(payload.get("repository")).get("full_name")
        found = session.execute(
            query.where(
                CheckRunRecord.key == external_id, Repository.full_name == str(full_name).lower()
            )
        ).first()
    if found is None:
        return None
    record, full_name = found
    return record.id, str(full_name), record.workflow_run_id


async def _rerun(ctx: EventContext, full_name: str, workflow_run_id: int) -> str | None:
    """None when GitHub took the re-run; else why not, in plain words."""
    if ctx.github is None or ctx.installation_id is None:
        return "this Loopwatch worker has no GitHub App configured"
    gh = ctx.github(ctx.installation_id)
    owner, repo = split_full_name(full_name)
    pacer = ctx.pacer or WritePacer()
    try:
        with github_errors("rerun_failed_jobs", repository=full_name):
            await pacer.call(
                ctx.installation_id,
                lambda: gh.rest.actions.async_re_run_workflow_failed_jobs(
                    owner, repo, workflow_run_id
                ),
            )
    except GitHubPermanentError as exc:
        if exc.status == 403:
            return (
                "the Loopwatch App may not re-run workflows in this repository (it needs the "
                "`actions: write` permission; an owner can grant it in the App's settings)"
            )
        return f"GitHub refused: {exc}"
    except GitHubTransientError as exc:
        return f"GitHub did not answer ({exc}); press Re-run again later"
    return None


@router.register("check_run", action="rerequested")
async def on_check_run_rerequested(ctx: EventContext) -> None:
    if is_bot(ctx.payload.get("sender")):
        return
    found = await ctx.in_transaction(lambda session: _find(session, ctx.payload))
    if found is None:
        ctx.log.debug("rerequested check run is not ours")
        return
    record_id, full_name, workflow_run_id = found
    who = sender_login(ctx.payload) or "someone"
    if workflow_run_id is None:
        problem: str | None = (
            "the results were uploaded without a workflow run id, so there is nothing for "
            "GitHub Actions to re-run; re-run the job in your CI"
        )
    else:
        problem = await _rerun(ctx, full_name, workflow_run_id)
    if problem is None:
        note = (
            f"🔁 {who} asked to re-run the failed jobs of workflow run {workflow_run_id}; "
            "this check run updates when their results arrive."
        )
    else:
        note = f"⚠️ {who} pressed Re-run, but I could not re-run the failed jobs: {problem}."
    await ctx.in_transaction(lambda session: renote(session, record_id, note))
    ctx.log.info("check_run_rerequested", record=record_id, rerun=problem is None, problem=problem)

"""``issue_comment`` (created, edited) and ``pull_request_review`` (submitted, edited):
the slash commands in them run (``bot/commands``).

Comments by bots, including our own replies, are ignored entirely: the bot never acts on
them, so it cannot talk to itself. An edited comment runs only the command lines it added.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.commands.dispatch import Incoming
from bot.commands.parse import find_commands
from bot.commands.runtime import run_for_event
from bot.events.repos import remember_repository
from bot.events.router import EventContext, router
from bot.events.senders import is_bot
from bot.github.pacer import WritePacer


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _login(user: Any) -> str | None:
    login = _dict(user).get("login")
    return login if isinstance(login, str) else None


def _previous_body(payload: dict[str, Any]) -> str | None:
    body = _dict(_dict(_dict(payload.get("changes")).get("body"))).get("from")
    return body if isinstance(body, str) else ""


async def _run(ctx: EventContext, incoming: Incoming) -> None:
    if ctx.github is None or ctx.installation_id is None:
        ctx.log.warning("commands_skipped", reason="no GitHub App in this worker")
        return
    handled = await run_for_event(
        incoming,
        factory=ctx.session_factory,
        gh=ctx.github(ctx.installation_id),
        pacer=ctx.pacer or WritePacer(),
        lane=ctx.installation_id,
        web_url=ctx.web_url,
        permission_ttl=timedelta(seconds=ctx.permission_ttl_s),
    )
    ctx.log.info(
        "commands_done",
        number=incoming.number,
        source=incoming.source,
        results=[r.status.value for r in handled.results],
        reply=handled.reply_key,
    )


async def _incoming(
    ctx: EventContext,
    *,
    source: str,
    comment_id: int | None,
    body: str,
    issue: dict[str, Any],
    is_pull_request: bool,
    actor: str,
    previous: str | None,
) -> Incoming | None:
    repository = await ctx.in_transaction(lambda session: remember_repository(session, ctx.payload))
    number = issue.get("number")
    if repository is None or not isinstance(number, int):
        return None
    title = issue.get("title")
    return Incoming(
        repository_id=repository.id,
        full_name=repository.full_name,
        source=source,
        comment_id=comment_id,
        number=number,
        is_pull_request=is_pull_request,
        title=title if isinstance(title, str) else "",
        author=_login(issue.get("user")),
        actor=actor,
        body=body,
        previous_body=previous,
    )


@router.register("issue_comment")
async def on_issue_comment(ctx: EventContext) -> None:
    comment = _dict(ctx.payload.get("comment"))
    issue = _dict(ctx.payload.get("issue"))
    author = comment.get("user")
    if is_bot(ctx.payload.get("sender")) or is_bot(author):
        ctx.log.debug("comment by a bot ignored", number=issue.get("number"))
        return
    if ctx.action not in ("created", "edited"):
        return
    body = comment.get("body")
    actor = _login(author)
    comment_id = comment.get("id")
    if not isinstance(body, str) or actor is None or not isinstance(comment_id, int):
        return
    if not find_commands(body):  # no line starts with "/": nothing to read the config for
        return
    previous = _previous_body(ctx.payload) if ctx.action == "edited" else None
    incoming = await _incoming(
        ctx,
        source=f"comment:{comment_id}",
        comment_id=comment_id,
        body=body,
        issue=issue,
        is_pull_request=bool(issue.get("pull_request")),
        actor=actor,
        previous=previous,
    )
    if incoming is not None:
        await _run(ctx, incoming)


@router.register("pull_request_review")
async def on_pull_request_review(ctx: EventContext) -> None:
    review = _dict(ctx.payload.get("review"))
    pull = _dict(ctx.payload.get("pull_request"))
    author = review.get("user")
    if is_bot(ctx.payload.get("sender")) or is_bot(author):
        return
    if ctx.action not in ("submitted", "edited"):
        return
    body = review.get("body")
    actor = _login(author)
    review_id = review.get("id")
    if not isinstance(body, str) or actor is None or not isinstance(review_id, int):
        return
    if not find_commands(body):
        return
    previous = _previous_body(ctx.payload) if ctx.action == "edited" else None
    incoming = await _incoming(
        ctx,
        source=f"review:{review_id}",
        comment_id=None,  # GitHub has no reactions on reviews
        body=body,
        issue=pull,
        is_pull_request=True,
        actor=actor,
        previous=previous,
    )
    if incoming is not None:
        await _run(ctx, incoming)

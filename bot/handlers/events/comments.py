"""``issue_comment`` (created, edited) and ``pull_request_review`` (submitted, edited):
the slash commands in them run (``bot/handlers/commands``).

Comments by bots, including our own replies, are ignored entirely: the bot never acts on
them, so it cannot talk to itself. An edited comment runs only the command lines it added.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.adapters.github.pacer import WritePacer
from bot.handlers.commands.dispatch import Incoming
from bot.handlers.commands.parse import find_commands
from bot.handlers.commands.runtime import run_for_event
from bot.handlers.events.repos import remember_repository
from bot.handlers.events.router import EventContext, router
from bot.handlers.events.senders import is_bot


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


async def _commands_in(
    ctx: EventContext,
    item: dict[str, Any],
    issue: dict[str, Any],
    *,
    kind: str,
    actions: tuple[str, ...],
    is_pull_request: bool,
    reacts: bool,
) -> None:
    """Run the commands in ``item`` (a comment or a review) on ``issue`` (or the PR)."""
    author = item.get("user")
    if is_bot(ctx.payload.get("sender")) or is_bot(author):
        ctx.log.debug(f"{kind} by a bot ignored", number=issue.get("number"))
        return
    body, actor, item_id = item.get("body"), _login(author), item.get("id")
    if ctx.action not in actions or not isinstance(body, str) or actor is None:
        return
    if not isinstance(item_id, int) or not find_commands(body):
        return  # no line starts with "/": nothing to read the config for
    incoming = await _incoming(
        ctx,
        source=f"{kind}:{item_id}",
        comment_id=item_id if reacts else None,
        body=body,
        issue=issue,
        is_pull_request=is_pull_request,
        actor=actor,
        previous=_previous_body(ctx.payload) if ctx.action == "edited" else None,
    )
    if incoming is not None:
        await _run(ctx, incoming)


@router.register("issue_comment")
async def on_issue_comment(ctx: EventContext) -> None:
    issue = _dict(ctx.payload.get("issue"))
    await _commands_in(
        ctx,
        _dict(ctx.payload.get("comment")),
        issue,
        kind="comment",
        actions=("created", "edited"),
        is_pull_request=bool(issue.get("pull_request")),
        reacts=True,
    )


@router.register("pull_request_review")
async def on_pull_request_review(ctx: EventContext) -> None:
    await _commands_in(
        ctx,
        _dict(ctx.payload.get("review")),
        _dict(ctx.payload.get("pull_request")),
        kind="review",
        actions=("submitted", "edited"),
        is_pull_request=True,
        reacts=False,  # GitHub has no reactions on reviews
    )

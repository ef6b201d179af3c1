"""``issue_comment``: recorded (the delivery is stored) for the commands that come later.

Comments by bots, including our own, are ignored: the bot never acts on them.
"""

from __future__ import annotations

from bot.events.repos import remember_repository
from bot.events.router import EventContext, router
from bot.events.senders import is_bot


@router.register("issue_comment")
async def on_issue_comment(ctx: EventContext) -> None:
    comment = ctx.payload.get("comment")
    comment = comment if isinstance(comment, dict) else {}
    issue = ctx.payload.get("issue")
    number = issue.get("number") if isinstance(issue, dict) else None
    author = comment.get("user")
    if is_bot(ctx.payload.get("sender")) or is_bot(author):
        ctx.log.debug("comment by a bot ignored", number=number, comment_id=comment.get("id"))
        return
    await ctx.in_transaction(lambda session: remember_repository(session, ctx.payload))
    ctx.log.info(
        "comment recorded",
        action=ctx.action,
        number=number,
        comment_id=comment.get("id"),
        author=author.get("login") if isinstance(author, dict) else None,
    )

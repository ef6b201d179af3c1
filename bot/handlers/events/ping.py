"""``ping``: GitHub's hello when a webhook is set up."""

from __future__ import annotations

from bot.handlers.events.router import EventContext, router


@router.register("ping")
async def on_ping(ctx: EventContext) -> None:
    hook = ctx.payload.get("hook")
    events = hook.get("events") if isinstance(hook, dict) else None
    ctx.log.info(
        "webhook ping",
        zen=ctx.payload.get("zen"),
        hook_id=ctx.payload.get("hook_id"),
        events=events,
    )

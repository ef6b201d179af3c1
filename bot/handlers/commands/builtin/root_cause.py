"""``/root-cause text``: set the root cause of the five-whys (the rest is kept)."""

from __future__ import annotations

from functools import partial

from bot.core.five_whys import set_root_cause
from bot.handlers.commands.builtin.five_whys import WHERE, change_record
from bot.handlers.commands.spec import CommandContext, Help, Level, Outcome, command


@command(
    "root-cause",
    help=Help(
        usage="root-cause text",
        description="Set the root cause of the five-whys; the whys and fixes stay.",
        examples=("root-cause E2E env vars are not propagated to Cloud Run staging",),
    ),
    level=Level.TRIAGE,
    where=WHERE,
    args=r"(?P<text>\S.*)",
    aliases=("rootcause",),
)
async def root_cause(ctx: CommandContext) -> Outcome:
    edit = partial(set_root_cause, text=ctx.match.group("text"))
    return await change_record(ctx, edit, "set the root cause of the five-whys")

"""``/fix text [@owner] [due YYYY-MM-DD]``: add an item to the five-whys' fix strategy;
``/fix clear`` empties it."""

from __future__ import annotations

from functools import partial

from bot.core.five_whys import add_fix, clear_fixes
from bot.handlers.commands.builtin.five_whys import WHERE, change_record
from bot.handlers.commands.spec import CommandContext, Help, Level, Outcome, command


@command(
    "fix",
    help=Help(
        usage="fix what to do [@owner] [due YYYY-MM-DD]",
        description=(
            "Add an item to the five-whys' fix strategy (an owner and a due date are "
            "optional); `fix clear` empties the list. The whys and root cause stay."
        ),
        examples=(
            "fix Propagate E2E env vars to staging @ana due 2026-12-31",
            "fix Fix the SessionMiddleware order",
            "fix clear",
        ),
    ),
    level=Level.TRIAGE,
    where=WHERE,
    args=r"(?P<text>\S.*)",
)
async def fix(ctx: CommandContext) -> Outcome:
    text = ctx.match.group("text").strip()
    if text.lower() == "clear":
        return await change_record(ctx, clear_fixes, "cleared the fix strategy of the five-whys")
    edit = partial(add_fix, text=text)
    return await change_record(ctx, edit, "added a fix to the five-whys")

"""``/why N text``: set one why of the five-whys (the rest is kept)."""

from __future__ import annotations

from functools import partial

from bot.core.five_whys import MAX_WHYS, set_why
from bot.handlers.commands.builtin.five_whys import WHERE, change_record
from bot.handlers.commands.spec import CommandContext, Help, Level, Outcome, Refused, command


@command(
    "why",
    help=Help(
        usage="why N Why …? -> because …",
        description=(
            f"Set why N (1 to {MAX_WHYS}) of the five-whys: `Why …? -> because …` sets both, "
            "a question alone (ending in `?`) sets the question, anything else answers an "
            "existing why. The other whys stay."
        ),
        examples=(
            "why 2 Why did the WebSocket close with 1011? -> Auth failed on the WS path",
            "why 2 Auth failed on the WebSocket path only",
        ),
    ),
    level=Level.TRIAGE,
    where=WHERE,
    args=r"(?P<number>\d{1,3})[.):]?\s+(?P<text>\S.*)",
)
async def why(ctx: CommandContext) -> Outcome:
    number = int(ctx.match.group("number"))
    if not 1 <= number <= MAX_WHYS:
        raise Refused(f"The whys are numbered 1 to {MAX_WHYS}; `{number}` is not one of them.")
    edit = partial(set_why, number=number, text=ctx.match.group("text"))
    return await change_record(ctx, edit, f"set why {number} of the five-whys")

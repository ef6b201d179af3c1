"""``/help``: what this repository's enabled commands are, who may use them, and how."""

from __future__ import annotations

from bot.handlers.commands.help_text import full_help
from bot.handlers.commands.spec import CommandContext, Help, Level, Outcome, command


@command(
    "help",
    help=Help(
        usage="help",
        description="List the commands enabled here, with who may use them and examples.",
        examples=("help",),
    ),
    level=Level.NONE,
    changes_state=False,
)
async def show_help(ctx: CommandContext) -> Outcome:
    listed = [(c, ctx.settings.level_for(c)) for c in ctx.registry if c.name in ctx.enabled]
    text = "Here is what I can do in this repository:\n\n" + full_help(listed, ctx.prefix)
    return Outcome(message=text)

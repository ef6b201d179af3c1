"""``/five-whys`` + lines: replace the campaign's or cluster's five-whys record.

Also the helpers ``/why``, ``/root-cause`` and ``/fix`` share: which record a comment is
about, and one change saved as a new version of it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.commands.context import CommandContext
from bot.commands.spec import Help, Level, Outcome, Refused, Where, command
from bot.fivewhys import BLOCK_FORMAT, AnalysisBlock, FiveWhysError, parse_block
from bot.fivewhys_store import Target, edit_five_whys, save_five_whys
from bot.store.models import Campaign, Cluster

WHERE = frozenset({Where.CLUSTER, Where.CAMPAIGN})


def target_of(session: Session, ctx: CommandContext) -> Target:
    """The record this issue's commands change: its cluster's or its campaign's."""
    subject = ctx.subject
    if subject.cluster_id is not None:
        return Target.of_cluster(session.get_one(Cluster, subject.cluster_id))
    if subject.campaign_id is not None:
        return Target.of_campaign(session.get_one(Campaign, subject.campaign_id))
    raise Refused("This issue has no campaign or failure cluster to keep a five-whys for.")


def problems_text(error: FiveWhysError) -> str:
    return "\n".join(f"- {problem}" for problem in error.problems)


async def change_record(
    ctx: CommandContext, edit: Callable[[AnalysisBlock], AnalysisBlock], change: str
) -> Outcome:
    """Apply ``edit`` to the record people see now, as ``ctx.actor``; ``change`` is the
    session-log phrase (and the version's note)."""

    def work(session: Session) -> None:
        edit_five_whys(
            session, target_of(session, ctx), edit, actor=ctx.actor, change=change, at=ctx.now
        )

    try:
        await ctx.store.run(work)
    except FiveWhysError as error:
        raise Refused(
            f"I did not change the five-whys:\n\n{problems_text(error)}\n\n"
            f"`{ctx.typed('help')}` shows the format."
        ) from None
    return Outcome(log=change)


def _summary(block: AnalysisBlock) -> str:
    parts = [f"{len(block.five_whys)} why" + ("s" if len(block.five_whys) != 1 else "")]
    if block.root_cause:
        parts.append("a root cause")
    if block.fix_strategy:
        fixes = len(block.fix_strategy)
        parts.append(f"{fixes} fix" + ("es" if fixes != 1 else ""))
    return ", ".join(parts)


@command(
    "five-whys",
    help=Help(
        usage="five-whys",
        description=(
            "Replace this campaign's or failure's five-whys with the lines below the "
            "command: numbered whys (1 to 5, `Why …? -> because …`; `|` or `because` also "
            "separate the answer), one `root cause:` line and any `fix:` lines "
            "(`fix: what [@owner] [due YYYY-MM-DD]`). Edit one part with `why`, "
            "`root-cause` or `fix`."
        ),
        examples=("five-whys",),
        block=BLOCK_FORMAT,
    ),
    level=Level.TRIAGE,
    where=WHERE,
    aliases=("fivewhys",),
)
async def five_whys(ctx: CommandContext) -> Outcome:
    typed = ctx.typed("five-whys")
    if not ctx.block:
        raise Refused(
            f"Write the five-whys on the lines right below `{typed}`, like this:\n\n"
            f"```\n{typed}\n{BLOCK_FORMAT}\n```"
        )
    try:
        block = parse_block(ctx.block)
    except FiveWhysError as error:
        raise Refused(
            f"I did not change the five-whys; these lines need fixing:\n\n"
            f"{problems_text(error)}\n\nThe format:\n\n```\n{typed}\n{BLOCK_FORMAT}\n```"
        ) from None
    change = f"replaced the five-whys ({_summary(block)})"

    def work(session: Session) -> None:
        target = target_of(session, ctx)
        save_five_whys(session, target, block, actor=ctx.actor, change=change, at=ctx.now)

    await ctx.store.run(work)
    return Outcome(log=change)

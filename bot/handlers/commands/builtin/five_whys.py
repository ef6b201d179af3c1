"""``/five-whys`` + lines: replace the campaign's or cluster's five-whys record.

Also the helpers ``/why``, ``/root-cause`` and ``/fix`` share: which record a comment is
about, and one change saved as a new version of it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.store.models import Campaign, Cluster, Run
from bot.app.five_whys_store import Target, edit_five_whys, load_five_whys, save_five_whys
from bot.app.tracking_issue import main_failure_draft
from bot.core.evidence.model import EvidenceDraft
from bot.core.five_whys import BLOCK_FORMAT, AnalysisBlock, FiveWhysError, parse_block
from bot.handlers.commands.spec import CommandContext, Help, Level, Outcome, Refused, Where, command

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
        target = target_of(session, ctx)
        shown = _shown_on_tracking_issue(session, target)
        edit_five_whys(
            session,
            target,
            edit,
            actor=ctx.actor,
            change=change,
            at=ctx.now,
            source_url=ctx.source_url,
            shown=shown.as_block() if shown is not None else None,
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
        usage="five-whys [confirm]",
        description=(
            "Replace this campaign's or failure's five-whys with the lines below the "
            "command: numbered whys (1 to 5, `Why …? -> because …`; `|` or `because` also "
            "separate the answer), one `root cause:` line and any `fix:` lines "
            "(`fix: what [@owner] [due YYYY-MM-DD]`). Edit one part with `why`, "
            "`root-cause` or `fix`. `five-whys confirm` keeps Loopwatch's evidence draft "
            "as your record."
        ),
        examples=("five-whys", "five-whys confirm"),
        block=BLOCK_FORMAT,
    ),
    level=Level.TRIAGE,
    where=WHERE,
    args=r"(?P<confirm>confirm)?",
    aliases=("fivewhys",),
)
async def five_whys(ctx: CommandContext) -> Outcome:
    typed = ctx.typed("five-whys")
    if ctx.match.group("confirm"):
        return await confirm_draft(ctx)
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
        save_as_persons(session, ctx, target_of(session, ctx), block, change)

    await ctx.store.run(work)
    return Outcome(log=change)


def save_as_persons(
    session: Session, ctx: CommandContext, target: Target, block: AnalysisBlock, change: str
) -> None:
    """``block`` as the record of the person who typed the command, with their comment."""
    save_five_whys(
        session,
        target,
        block,
        actor=ctx.actor,
        change=change,
        at=ctx.now,
        source_url=ctx.source_url,
    )


def _shown_on_tracking_issue(session: Session, target: Target) -> EvidenceDraft | None:
    """The draft a campaign's tracking issue shows: its latest run's main failure's."""
    if target.campaign_id is None:
        return None
    run = session.scalar(
        select(Run)
        .where(Run.campaign_id == target.campaign_id, Run.status == "processed")
        .order_by(Run.id.desc())
        .limit(1)
    )
    shown = main_failure_draft(session, run) if run is not None else None
    return shown.draft if shown is not None else None


async def confirm_draft(ctx: CommandContext) -> Outcome:
    """``/five-whys confirm``: the bot's evidence draft becomes the person's record."""
    if ctx.block:
        raise Refused(
            f"`{ctx.typed('five-whys confirm')}` keeps Loopwatch's draft as it is; to write "
            f"your own, type `{ctx.typed('five-whys')}` with your lines below it."
        )

    def work(session: Session) -> str | None:
        target = target_of(session, ctx)
        stored = load_five_whys(session, target.repository_id, target.subject)
        if stored is not None and stored.draft is None:
            by = f" by `{stored.author}`" if stored.author else ""
            return f"This five-whys is already confirmed{by} (version {stored.version})."
        draft = stored.draft if stored is not None else _shown_on_tracking_issue(session, target)
        if draft is None:
            return "There is no five-whys draft here to confirm."
        block = draft.as_block()
        change = f"confirmed Loopwatch's five-whys draft ({_summary(block)})"
        save_as_persons(session, ctx, target, block, change)
        return None

    problem = await ctx.store.run(work)
    if problem is not None:
        raise Refused(problem)
    return Outcome(log="confirmed Loopwatch's five-whys draft")

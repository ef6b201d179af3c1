"""``/unmute``: end a ``/mute`` now (a pending ``unmute_due`` job then finds nothing to do)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.adapters.store.models import Cluster
from bot.app.clusters.people import set_muted
from bot.core.safe_markdown import inline, shorten
from bot.handlers.commands.spec import CommandContext, Help, Level, Outcome, Refused, Where, command


@command(
    "unmute",
    help=Help(
        usage="unmute",
        description="End this failure cluster's mute now: I speak about it again.",
        examples=("unmute",),
    ),
    level=Level.TRIAGE,
    where=frozenset({Where.CLUSTER}),
)
async def unmute(ctx: CommandContext) -> Outcome:
    cluster_id = ctx.subject.cluster_id
    assert cluster_id is not None  # where=CLUSTER

    def work(session: Session) -> str:
        cluster = session.get_one(Cluster, cluster_id)
        if not set_muted(session, cluster, muted=False, at=ctx.now, actor=ctx.actor):
            raise Refused(f"“{inline(cluster.title, 200)}” is not muted.")
        return cluster.title

    title = await ctx.store.run(work)
    return Outcome(log=f"unmuted “{shorten(title, 200)}”")

"""``/flaky``: a person's word that this cluster's failures are flaky.

Pinned flaky, every failure of the cluster counts as flaky: counted, but it never
regresses, reopens the issue or comments. ``/not-flaky`` takes the word back the other way.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.adapters.store.models import Cluster
from bot.app.clusters.people import pin_flaky
from bot.core.safe_markdown import inline, shorten
from bot.handlers.commands.spec import CommandContext, Help, Level, Outcome, Refused, Where, command


@command(
    "flaky",
    help=Help(
        usage="flaky",
        description=(
            "Mark this cluster's tests flaky: their failures are counted as flaky and "
            "never regress, reopen or comment. `/not-flaky` undoes it."
        ),
        examples=("flaky",),
    ),
    level=Level.TRIAGE,
    where=frozenset({Where.CLUSTER}),
)
async def flaky(ctx: CommandContext) -> Outcome:
    cluster_id = ctx.subject.cluster_id
    assert cluster_id is not None  # where=CLUSTER

    def work(session: Session) -> str:
        cluster = session.get_one(Cluster, cluster_id)
        if not pin_flaky(session, cluster, flaky=True, at=ctx.now, actor=ctx.actor):
            raise Refused(f"“{inline(cluster.title, 200)}” is marked flaky already.")
        return cluster.title

    title = await ctx.store.run(work)
    return Outcome(log=f"marked “{shorten(title, 200)}” flaky")

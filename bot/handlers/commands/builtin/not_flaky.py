"""``/not-flaky``: a person's word that this cluster's failures are real.

The flaky flag and label go, automatic flaky detection does not set them again, and
failures that look flaky (passing on a retry or on the same commit) count as failures:
they regress and reopen like any other. ``/flaky`` takes the word back the other way.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.adapters.store.models import Cluster
from bot.app.clusters.people import pin_flaky
from bot.core.safe_markdown import inline, shorten
from bot.handlers.commands.spec import CommandContext, Help, Level, Outcome, Refused, Where, command


@command(
    "not-flaky",
    help=Help(
        usage="not-flaky",
        description=(
            "Mark this cluster's tests not flaky: the `flaky` label goes, I stop detecting "
            "flakiness for it, and its failures regress and reopen as usual."
        ),
        examples=("not-flaky",),
    ),
    level=Level.TRIAGE,
    where=frozenset({Where.CLUSTER}),
)
async def not_flaky(ctx: CommandContext) -> Outcome:
    cluster_id = ctx.subject.cluster_id
    assert cluster_id is not None  # where=CLUSTER

    def work(session: Session) -> str:
        cluster = session.get_one(Cluster, cluster_id)
        if not pin_flaky(session, cluster, flaky=False, at=ctx.now, actor=ctx.actor):
            raise Refused(f"“{inline(cluster.title, 200)}” is marked not flaky already.")
        return cluster.title

    title = await ctx.store.run(work)
    return Outcome(log=f"marked “{shorten(title, 200)}” not flaky")

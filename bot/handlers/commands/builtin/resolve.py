"""``/resolve [reason]``: a person marks a failure cluster fixed now.

The issue closes (the dispatcher rewrites its desired state), and the next non-flaky
failure is a regression: a comment, the issue reopened, the ``regression`` label.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.adapters.store.models import Cluster
from bot.app.clusters.people import resolve_by_command
from bot.core.safe_markdown import inline, shorten
from bot.handlers.commands.spec import CommandContext, Help, Level, Outcome, Refused, Where, command

MAX_REASON = 200


@command(
    "resolve",
    help=Help(
        usage="resolve [reason]",
        description=(
            "Mark this failure cluster fixed now and close its issue; "
            "if it fails again, that is a regression."
        ),
        examples=("resolve fixed by the keepalive change",),
    ),
    level=Level.WRITE,
    where=frozenset({Where.CLUSTER}),
    args=r"(?s).*",
)
async def resolve(ctx: CommandContext) -> Outcome:
    cluster_id = ctx.subject.cluster_id
    assert cluster_id is not None  # where=CLUSTER
    reason = shorten(" ".join(ctx.args.split()), MAX_REASON) or None

    def work(session: Session) -> str:
        cluster = session.get_one(Cluster, cluster_id)
        if not resolve_by_command(session, cluster, at=ctx.now, actor=ctx.actor, reason=reason):
            raise Refused(f"“{inline(cluster.title, 200)}” is resolved already.")
        return cluster.title

    title = await ctx.store.run(work)
    log = f"resolved “{shorten(title, 200)}”"
    return Outcome(log=log + (f" (reason: {reason})" if reason else ""))

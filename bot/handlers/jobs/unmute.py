"""The ``unmute_due`` job: a ``/mute for 7d`` (or ``until …``) runs out.

``/mute`` queues one job per mute, to run at its end. The job unmutes the cluster only
if that mute is still the cluster's (a newer ``/mute`` or an ``/unmute`` makes it a
no-op), then does what a command's change does: a session-log line, the failure issue's
desired state (the ``muted`` label goes), the tracking issues, a sync.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.queue import RetryAt
from bot.adapters.queue.kinds import UNMUTE_DUE, UnmutePayload
from bot.adapters.queue.worker import Handler, JobContext
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Cluster, GitHubIssue, Repository, utcnow
from bot.app.clusters.people import unmute_if_due
from bot.app.effects import echo_change
from bot.app.repo_config import load_repo_config_text
from bot.app.services import Services
from bot.core.config.loader import load_config
from bot.core.config.repo import RepoConfig
from bot.core.render.cluster_views import BOT_LOGIN
from bot.handlers.registry import handles


def _mute_state(session: Session, cluster_id: int, due: datetime) -> str:
    """``due`` (unmute now), ``early`` (this mute, not yet) or ``gone`` (nothing to do)."""
    cluster = session.get(Cluster, cluster_id)
    if cluster is None or cluster.state != "muted" or cluster.muted_until != due:
        return "gone"
    return "due" if utcnow() >= due else "early"


def _issue_number(session: Session, cluster: Cluster) -> int | None:
    if cluster.issue_key is None:
        return None
    return session.scalar(
        select(GitHubIssue.number).where(
            GitHubIssue.repository_id == cluster.repository_id,
            GitHubIssue.key == cluster.issue_key,
        )
    )


def unmute_now(
    session: Session, cluster_id: int, due: datetime, config: RepoConfig, web_url: str
) -> bool:
    """Unmute the cluster if its mute ending at ``due`` is still on and due; echo it the way
    a command's change is echoed. ``True`` when it unmuted."""
    cluster = session.get(Cluster, cluster_id)
    if cluster is None:
        return False
    at = utcnow()
    if not unmute_if_due(session, cluster, due=due, at=at, actor=BOT_LOGIN):
        return False
    session.flush()
    repository = session.get_one(Repository, cluster.repository_id)
    number = _issue_number(session, cluster)
    text = f"{BOT_LOGIN} unmuted “{cluster.title}”: the mute ran out"  # as the dispatcher
    text += f" (#{number})" if number is not None else ""
    echo_change(
        session, repository, at=at, text=text, config=config, web_url=web_url, cluster=cluster
    )
    return True


@handles(UNMUTE_DUE)
def make_unmute_handler(services: Services) -> Handler:
    async def unmute_due(ctx: JobContext) -> None:
        payload = UnmutePayload.read(ctx)
        cluster_id, due = payload.cluster_id, payload.until
        with services.session_factory() as session:
            state = _mute_state(session, cluster_id, due)
            repository_id = session.scalar(
                select(Cluster.repository_id).where(Cluster.id == cluster_id)
            )
        if state == "early":
            raise RetryAt(due, "the mute has not run out yet")
        if state == "gone" or repository_id is None:
            ctx.log.info("unmute_not_needed", cluster_id=cluster_id, until=due.isoformat())
            return
        config_text, problem = await load_repo_config_text(services, repository_id)
        config = load_config(config_text).config
        if problem is not None:
            ctx.log.warning("unmute_without_repo_config", problem=problem)

        def work() -> bool:
            with transaction(services.session_factory) as session:
                return unmute_now(
                    session, cluster_id, due, config, services.settings.github_web_url
                )

        unmuted = await asyncio.to_thread(work)
        ctx.log.info("unmute_due", cluster_id=cluster_id, unmuted=unmuted)

    return unmute_due

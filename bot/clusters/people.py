"""People closing or reopening a failure issue: the cluster follows them.

Closing resolves the cluster (who, when, ``state_reason``); reopening opens it again.
The desired state of the issue follows the person too, so the sync never undoes it.
A redelivered webhook finds the cluster already in that state and changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clusters.lifecycle import Event, EventKind, apply
from bot.clusters.store import record_event
from bot.clusters.tracking import life_of, store_life
from bot.github.desired import issue_hash, parse_labels
from bot.store.models import Cluster, GitHubIssue

CLUSTER_KEY_PREFIX = "cluster:"


def _follow_person(row: GitHubIssue, state: str) -> None:
    """The desired issue state becomes what the person set (same title, body, labels)."""
    if row.state == state:
        return
    row.state = state
    row.desired_hash = issue_hash(row.title, row.body, parse_labels(row.labels), state)


def cluster_issue_changed_by_person(
    session: Session,
    row: GitHubIssue,
    action: str,
    *,
    login: str | None,
    at: datetime,
    state_reason: str | None,
) -> bool:
    """Apply a person's ``closed``/``reopened`` to the cluster of the issue ``row``;
    ``True`` when the cluster changed."""
    if not row.key.startswith(CLUSTER_KEY_PREFIX) or action not in ("closed", "reopened"):
        return False
    cluster = session.scalar(
        select(Cluster).where(
            Cluster.repository_id == row.repository_id, Cluster.issue_key == row.key
        )
    )
    if cluster is None:
        return False
    closed = action == "closed"
    _follow_person(row, "closed" if closed else "open")
    kind = EventKind.ISSUE_CLOSED_BY_PERSON if closed else EventKind.ISSUE_REOPENED_BY_PERSON
    transition = apply(life_of(cluster), Event(kind, at))
    if not (transition.resolved or transition.reopened):
        return False
    store_life(cluster, transition.life)
    if closed:
        cluster.resolved_at, cluster.resolved_by = at, login
        cluster.resolved_reason = "issue_closed"
        # TODO(#4): GitHub's webhook does not say which commit or PR closed the issue;
        # the issue timeline API ("closed" event commit_id, "cross-referenced" PRs) does.
        cluster.resolved_commit, cluster.resolved_pull_request = None, None
    record_event(
        session,
        cluster,
        "resolved" if closed else "reopened",
        at,
        actor=login,
        details={"reason": "issue_closed", "state_reason": state_reason} if closed else {},
    )
    return True


def set_muted(
    session: Session,
    cluster: Cluster,
    *,
    muted: bool,
    at: datetime,
    actor: str | None,
    until: datetime | None = None,
) -> bool:
    """Mute (until ``until``, or until unmuted) or unmute a cluster — for the slash
    commands to come. A muted cluster is counted but opens and comments nothing."""
    kind = EventKind.MUTE if muted else EventKind.UNMUTE
    before = life_of(cluster)
    transition = apply(before, Event(kind, at, until=until))
    if transition.life == before:
        return False
    store_life(cluster, transition.life)
    details = {"until": until.isoformat()} if muted and until else {}
    record_event(
        session, cluster, "muted" if muted else "unmuted", at, actor=actor, details=details
    )
    return True

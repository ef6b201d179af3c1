"""People closing or reopening a failure issue: the cluster follows them. Also what
people change by slash command: mute, flaky pin, resolve.

Closing resolves the cluster (who, when, ``state_reason``); reopening opens it again.
The desired state of the issue follows the person too, so the sync never undoes it.
A redelivered webhook finds the cluster already in that state and changes nothing.
What closed it (a commit, a merged pull request) comes later from the issue's events
(:mod:`bot.app.clusters.closing`) and is added by :func:`record_closing`, once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.github.desired_state import issue_hash, parse_labels
from bot.adapters.store.models import Cluster, ClusterEvent, GitHubIssue
from bot.app.clusters.apply_run import life_of, store_life
from bot.app.clusters.closing import Closing
from bot.app.clusters.lifecycle import Event, EventKind, apply
from bot.app.clusters.store import record_event

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
        # Not in the webhook: record_closing adds them from the issue's events.
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


def _same_moment(a: datetime | None, b: datetime | None) -> bool:
    """Equal instants; a naive time (SQLite drops the zone) is UTC."""
    if a is None or b is None:
        return a is b
    a = a if a.tzinfo else a.replace(tzinfo=UTC)
    b = b if b.tzinfo else b.replace(tzinfo=UTC)
    return a == b


def _resolved_event(session: Session, cluster: Cluster, at: datetime) -> ClusterEvent | None:
    events = session.scalars(
        select(ClusterEvent)
        .where(ClusterEvent.cluster_id == cluster.id, ClusterEvent.kind == "resolved")
        .order_by(ClusterEvent.id.desc())
    )
    return next((e for e in events if _same_moment(e.at, at)), None)


def cluster_closed_by_person_at(session: Session, row: GitHubIssue, at: datetime) -> Cluster | None:
    """The cluster of issue ``row`` when it is resolved by the person's close at ``at``
    and what closed it was not yet asked of GitHub (else ``None``: nothing to add)."""
    if not row.key.startswith(CLUSTER_KEY_PREFIX):
        return None
    cluster = session.scalar(
        select(Cluster).where(
            Cluster.repository_id == row.repository_id, Cluster.issue_key == row.key
        )
    )
    if cluster is None or cluster.state != "resolved" or cluster.resolved_reason != "issue_closed":
        return None
    if not _same_moment(cluster.resolved_at, at):
        return None  # a later close or reopen has superseded this one
    event = _resolved_event(session, cluster, at)
    if event is None or "closed_by" in (event.details or {}):
        return None
    return cluster


def record_closing(session: Session, cluster: Cluster, at: datetime, closing: Closing) -> bool:
    """Record what closed the cluster's issue (the commit, the merged PR) on its resolution,
    once; ``True`` when it changed."""
    event = _resolved_event(session, cluster, at)
    if event is None or "closed_by" in (event.details or {}):
        return False
    closed_by = {"commit": closing.commit_sha, "pull_request": closing.pull_request}
    event.details = {**(event.details or {}), "closed_by": closed_by}
    cluster.resolved_commit = closing.commit_sha
    cluster.resolved_pull_request = closing.pull_request
    return True


def set_muted(
    session: Session,
    cluster: Cluster,
    *,
    muted: bool,
    at: datetime,
    actor: str | None,
    until: datetime | None = None,
    reason: str | None = None,
) -> bool:
    """Mute (until ``until``, or until unmuted) or unmute a cluster (``/mute``,
    ``/unmute``). A muted cluster is counted but opens and comments nothing."""
    kind = EventKind.MUTE if muted else EventKind.UNMUTE
    before = life_of(cluster)
    transition = apply(before, Event(kind, at, until=until))
    if transition.life == before:
        return False
    store_life(cluster, transition.life)
    details: dict[str, str] = {}
    if muted and until:
        details["until"] = until.isoformat()
    if reason:
        details["reason"] = reason
    record_event(
        session, cluster, "muted" if muted else "unmuted", at, actor=actor, details=details
    )
    return True


def unmute_if_due(
    session: Session, cluster: Cluster, *, due: datetime, at: datetime, actor: str
) -> bool:
    """End the mute that was set to run out at ``due``, if it is still the cluster's mute
    and ``at`` has reached it; ``True`` when the cluster was unmuted. A mute replaced by
    another (a new ``/mute``), lifted by hand or ended by a run leaves nothing to do."""
    if cluster.state != "muted" or not _same_moment(cluster.muted_until, due):
        return False
    if at < due:
        return False
    return set_muted(session, cluster, muted=False, at=at, actor=actor, reason="mute ended")


def pin_flaky(session: Session, cluster: Cluster, *, flaky: bool, at: datetime, actor: str) -> bool:
    """A person's word on flakiness (``/flaky``, ``/not-flaky``); ``True`` when it
    changed the cluster. It holds until the other command: detection never overrides it."""
    before = life_of(cluster)
    kind = EventKind.MARK_FLAKY if flaky else EventKind.UNMARK_FLAKY
    transition = apply(before, Event(kind, at))
    if transition.life == before:
        return False
    store_life(cluster, transition.life)
    record_event(
        session,
        cluster,
        "pinned_flaky" if flaky else "pinned_not_flaky",
        at,
        actor=actor,
        details={"was_flaky": before.flaky, "was_pinned": before.flaky_pinned},
    )
    return True


def resolve_by_command(
    session: Session, cluster: Cluster, *, at: datetime, actor: str, reason: str | None
) -> bool:
    """A person marks the cluster fixed now (``/resolve``): its issue is to close and the
    next failure is a regression. ``False`` when it was resolved already."""
    transition = apply(life_of(cluster), Event(EventKind.RESOLVE, at))
    if not transition.resolved:
        return False
    store_life(cluster, transition.life)
    cluster.resolved_at, cluster.resolved_by = at, actor
    cluster.resolved_reason = "command"
    cluster.resolved_commit, cluster.resolved_pull_request = None, None
    details: dict[str, str] = {"reason": "command"}
    if reason:
        details["text"] = reason
    record_event(session, cluster, "resolved", at, actor=actor, details=details)
    return True

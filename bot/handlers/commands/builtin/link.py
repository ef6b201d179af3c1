"""``/link #N``: from now on this failure cluster lives in an existing issue #N.

The cluster's issue row (``cluster:<fingerprint>``) is pointed at #N and marked unsynced,
so the sync writes the bot's section into #N between its markers (people's text in #N
stays) and adds the labels. The bot's own issue gets a row of its own
(``linked:<fingerprint>:<old number>``) that wants it closed, and a comment there says
where the failure went. The issues-event handler finds the cluster through the row's
number, so closing #N resolves the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.github.desired_state import add_comment, issue_hash, parse_labels
from bot.adapters.store.models import Cluster, ClusterEvent, GitHubIssue
from bot.handlers.commands.spec import (
    CommandContext,
    Help,
    IssueFacts,
    Level,
    Outcome,
    Refused,
    Where,
    command,
)

LINKED_PREFIX = "linked:"


@dataclass(frozen=True, slots=True)
class Linked:
    old: int
    new: int
    reopens: bool  # #N is closed and the cluster is not resolved: the sync reopens it


def moved_comment(new: int, actor: str) -> str:
    return (
        f"Loopwatch keeps this failure in #{new} from now on (linked by `{actor}` with "
        "`/link`); this issue is closed as its duplicate. Updates, regressions and commands "
        f"go to #{new}."
    )


def _issue_row(session: Session, repository_id: int, *, key: str) -> GitHubIssue | None:
    return session.scalar(
        select(GitHubIssue).where(
            GitHubIssue.repository_id == repository_id, GitHubIssue.key == key
        )
    )


def link_cluster(session: Session, ctx: CommandContext, target: IssueFacts) -> Linked:
    """Move the cluster's issue to ``target`` and close the old one (one transaction)."""
    old = ctx.subject.number
    kept = session.scalar(
        select(GitHubIssue.key).where(
            GitHubIssue.repository_id == ctx.repository_id, GitHubIssue.number == target.number
        )
    )
    if kept is not None:
        raise Refused(
            f"#{target.number} is already an issue Loopwatch keeps; link an issue people opened."
        )
    assert ctx.subject.cluster_id is not None
    cluster = session.get_one(Cluster, ctx.subject.cluster_id)
    row = _issue_row(session, ctx.repository_id, key=ctx.subject.issue_key or "")
    if row is None or row.number != old:
        raise Refused("This failure issue is not in step with my records; try again shortly.")
    labels = parse_labels(row.labels or [])
    session.add(
        GitHubIssue(
            repository_id=ctx.repository_id,
            key=f"{LINKED_PREFIX}{cluster.fingerprint}:{old}",
            title=row.title,
            body=row.body,
            labels=list(row.labels or []),
            unlabels=list(row.unlabels or []),
            state="closed",
            desired_hash=issue_hash(row.title, row.body, labels, "closed"),
            number=old,
            html_url=row.html_url,
            synced_hash=None,  # make the sync look at it even if it was closed already
            create_claimed_at=row.create_claimed_at or ctx.now,
        )
    )
    row.number = target.number
    row.title = target.title  # the person's issue keeps its title (bot/app/clusters/issues.py)
    row.html_url = None
    row.synced_hash = None
    row.synced_at = None
    session.flush()
    add_comment(
        session,
        ctx.repository_id,
        f"{LINKED_PREFIX}{cluster.fingerprint}:{target.number}",
        moved_comment(target.number, ctx.actor),
        issue_number=old,
    )
    session.add(
        ClusterEvent(
            cluster_id=cluster.id,
            at=ctx.now,
            kind="linked",
            actor=ctx.actor,
            details={"from": old, "to": target.number},
        )
    )
    return Linked(old, target.number, reopens=target.state == "closed" and row.state == "open")


@command(
    "link",
    help=Help(
        usage="link #N",
        description=(
            "Move this failure to an existing issue #N: my updates go there from now on "
            "(people's text in it stays) and this issue is closed as its duplicate."
        ),
        examples=("link #140",),
    ),
    level=Level.TRIAGE,
    where=frozenset({Where.CLUSTER}),
    args=r"#?(?P<number>\d{1,9})",
)
async def link(ctx: CommandContext) -> Outcome:
    number = int(ctx.match.group("number"))
    if number == ctx.subject.number:
        raise Refused("That is this issue; name the issue to move this failure to.")
    target = await ctx.github.get_issue(number)
    if target is None:
        raise Refused(f"There is no issue #{number} in this repository.")
    if target.is_pull_request:
        raise Refused(f"#{number} is a pull request; link an issue.")
    linked = await ctx.store.run(lambda session: link_cluster(session, ctx, target))
    message = (
        f"Done: this failure now lives in #{linked.new}; I am closing this issue and leaving "
        "a pointer here."
    )
    if linked.reopens:
        message += f" #{linked.new} is closed and this failure is not resolved, so I reopen it."
    return Outcome(message=message, log=f"linked failure issue #{linked.old} to #{linked.new}")

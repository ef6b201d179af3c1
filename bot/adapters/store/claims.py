"""Claim-before-create: the database steps that make a GitHub create happen once.

A claim records "attempt N of this create was sent at T, outcome unknown" (``…_attempts``
and ``…_claimed_at``), not "done": the object is known only once its GitHub id is stored
(the *result* column). Taking a claim is a compare-and-set on the attempt count of a row
whose result is still unset, in its own committed transaction, so of two workers that saw
the same attempt only one sends the create. A definite refusal (nothing was created)
releases the claim; an ambiguous failure keeps it, and the syncs look the object up by
its hidden key before they send another attempt (see ``bot/adapters/github/late_writes.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from bot.adapters.store.db import transaction
from bot.adapters.store.models import CheckRunRecord, GitHubComment, GitHubIssue


@dataclass(frozen=True)
class ClaimColumns:
    """Where one kind of create keeps its claim."""

    model: type[Any]
    claimed_at: InstrumentedAttribute[Any]
    attempts: InstrumentedAttribute[Any]
    result: InstrumentedAttribute[Any]  # set once the object on GitHub is known


ISSUE_CREATE = ClaimColumns(
    GitHubIssue, GitHubIssue.create_claimed_at, GitHubIssue.create_attempts, GitHubIssue.number
)
COMMENT_POST = ClaimColumns(
    GitHubComment,
    GitHubComment.post_claimed_at,
    GitHubComment.post_attempts,
    GitHubComment.comment_id,
)
CHECK_RUN_CREATE = ClaimColumns(
    CheckRunRecord,
    CheckRunRecord.create_claimed_at,
    CheckRunRecord.create_attempts,
    CheckRunRecord.github_id,
)


@dataclass(frozen=True)
class Claim:
    """A row's claim as read: ``claimed_at`` None means no attempt is outstanding."""

    attempts: int
    claimed_at: datetime | None
    done: bool = False


def read_claim(factory: sessionmaker[Session], columns: ClaimColumns, row_id: int) -> Claim:
    with factory() as session:
        found = session.execute(
            select(columns.attempts, columns.claimed_at, columns.result).where(
                columns.model.id == row_id
            )
        ).one_or_none()
    if found is None:
        return Claim(0, None, done=True)  # the row is gone: nothing left to create
    attempts, claimed_at, result = found
    return Claim(int(attempts or 0), claimed_at, done=result is not None)


def take_claim(
    factory: sessionmaker[Session],
    columns: ClaimColumns,
    row_id: int,
    seen: Claim,
    now: datetime,
) -> Claim | None:
    """Claim attempt ``seen.attempts + 1`` at ``now``; None if the row moved on meanwhile
    (another worker claimed it, or the object is known)."""
    with transaction(factory) as session:
        result = session.execute(
            update(columns.model)
            .where(
                columns.model.id == row_id,
                columns.attempts == seen.attempts,
                columns.result.is_(None),
            )
            .values({columns.attempts.key: seen.attempts + 1, columns.claimed_at.key: now})
        )
        if not getattr(result, "rowcount", 0):
            return None
    return Claim(seen.attempts + 1, now)


def release_claim(
    factory: sessionmaker[Session], columns: ClaimColumns, row_id: int, held: Claim
) -> None:
    """GitHub refused the create for certain: clear the claim (if it is still ours)."""
    with transaction(factory) as session:
        session.execute(
            update(columns.model)
            .where(columns.model.id == row_id, columns.attempts == held.attempts)
            .values({columns.claimed_at.key: None})
        )

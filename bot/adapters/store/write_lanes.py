"""The write pacer's shared state: one ``write_lanes`` row per installation.

A process takes a lane for one GitHub call (:func:`take`) and gives it back with the time
the call ended (:func:`release`). Each is one short transaction: the row is read with
``SELECT … FOR UPDATE`` on PostgreSQL (SQLite's ``BEGIN IMMEDIATE`` already serializes
writers), decided on and updated, and the transaction commits before the caller goes on.
No transaction is held open across the HTTP call: while it is in flight the row only
*says* so (``held_by`` until ``held_until``).

Times are plain seconds (the pacer's wall clock, shared by every process of a deployment).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import is_postgresql, transaction
from bot.adapters.store.models import WriteLane


@dataclass(frozen=True, slots=True)
class Turn:
    """The answer of :func:`take`: the lane is ours (``wait_s == 0``) or try again after
    ``wait_s`` (``busy``: another process's call is in flight; else its pause runs)."""

    wait_s: float
    busy: bool = False

    @property
    def taken(self) -> bool:
        return self.wait_s <= 0


def _locked_lane(session: Session, lane_key: str) -> WriteLane:
    insert = postgresql.insert if is_postgresql(session) else sqlite.insert
    session.execute(
        insert(WriteLane)
        .values(lane_key=lane_key, next_write_at=0.0, next_notify_at=0.0)
        .on_conflict_do_nothing(index_elements=[WriteLane.lane_key])
    )
    statement = select(WriteLane).where(WriteLane.lane_key == lane_key)
    if is_postgresql(session):
        statement = statement.with_for_update()
    return session.scalars(statement.execution_options(populate_existing=True)).one()


def take(
    factory: sessionmaker[Session],
    lane_key: str,
    holder: str,
    *,
    now: float,
    notify: bool,
    hold_s: float,
) -> Turn:
    """Take the lane for one call if no one holds it and its pauses have run out."""
    with transaction(factory) as session:
        lane = _locked_lane(session, lane_key)
        held_by_another = lane.held_by not in (None, holder)
        if held_by_another and lane.held_until is not None and lane.held_until > now:
            return Turn(lane.held_until - now, busy=True)
        due = lane.next_write_at
        if notify:
            due = max(due, lane.next_notify_at)
        if due > now:
            return Turn(due - now)
        lane.held_by = holder
        lane.held_until = now + hold_s
        return Turn(0.0)


def release(
    factory: sessionmaker[Session],
    lane_key: str,
    holder: str,
    *,
    ended: float,
    write_pause_s: float,
    notify_pause_s: float | None,
) -> None:
    """The call ended at ``ended``: the next write waits ``write_pause_s`` from then (and
    the next notifying one ``notify_pause_s``, given for a notifying call). The pauses
    only ever move later, even when our hold had expired and someone else took the lane."""
    with transaction(factory) as session:
        lane = _locked_lane(session, lane_key)
        lane.next_write_at = max(lane.next_write_at, ended + write_pause_s)
        if notify_pause_s is not None:
            lane.next_notify_at = max(lane.next_notify_at, ended + notify_pause_s)
        session.flush()
        session.execute(
            update(WriteLane)
            .where(WriteLane.lane_key == lane_key, WriteLane.held_by == holder)
            .values(held_by=None, held_until=None)
            .execution_options(synchronize_session=False)
        )

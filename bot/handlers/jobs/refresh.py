"""Render a campaign's issues and check run again from a stored run: ``process_run``
queued once more for it (idempotent; a pending refresh of the same run is not doubled).

Used when something changed that the last rendering could not know: new issue numbers
to link, a person's command, a note on a check run.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.adapters.queue import enqueue


def enqueue_refresh(session: Session, repository_full_name: str, run_id: int) -> None:
    enqueue(
        session,
        "process_run",
        {"run_id": run_id},
        lock_key=f"repo:{repository_full_name}",
        dedupe_key=f"refresh:{run_id}",
    )

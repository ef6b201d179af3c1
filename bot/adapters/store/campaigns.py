"""The campaign row a run belongs to, made on first use (uploads and artifacts alike)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.store.models import Campaign


def campaign_named(session: Session, repository_id: int, name: str) -> Campaign:
    """The repository's campaign ``name``, created (and flushed) if new. A concurrent
    insert of the same name fails the caller's transaction on the unique key; callers
    retry it, and the retry finds the winner."""
    campaign = session.scalar(
        select(Campaign).where(Campaign.repository_id == repository_id, Campaign.name == name)
    )
    if campaign is None:
        campaign = Campaign(repository_id=repository_id, name=name)
        session.add(campaign)
        session.flush()
    return campaign

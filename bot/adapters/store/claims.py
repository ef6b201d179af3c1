"""Claim-before-create: the one database step that makes a GitHub create happen once.

A row's ``…_claimed_at`` column is set in its own committed transaction before the create
call; only the caller whose UPDATE changed the row may create. A claimed row whose object
is not known yet is recovered by looking the object up by its hidden key (see the syncs).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from bot.adapters.store.db import transaction
from bot.adapters.store.models import utcnow


def claim_once(
    factory: sessionmaker[Session],
    model: type[Any],
    row_id: int,
    column: InstrumentedAttribute[Any],
) -> bool:
    """Set ``column`` to now on row ``row_id`` if it is unset; False if it was set already."""
    with transaction(factory) as session:
        result = session.execute(
            update(model).where(model.id == row_id, column.is_(None)).values({column.key: utcnow()})
        )
        return bool(getattr(result, "rowcount", 0))

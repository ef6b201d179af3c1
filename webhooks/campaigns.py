"""``GET /api/v1/campaigns/{campaign}/next``: what a CI loop should run next.

The upload token's repository scopes the campaign. The web side never calls GitHub, so
it does not read ``.github/loopwatch.yml``: phase priorities are the phase order of the
campaign's latest processed run (the analysis orders configured phases by priority), see
:func:`bot.app.steering.coverage_store.latest_phases`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.adapters.store.db import transaction
from bot.adapters.store.models import Campaign
from bot.app.steering.coverage_store import campaign_coverage, latest_phases
from bot.core.steering.coverage import AreaCoverage
from webhooks.deps import UploadIdentity, get_session_factory, require_upload_token
from webhooks.errors import ApiError

router = APIRouter(prefix="/api/v1")

MAX_LIMIT = 50
MAX_WINDOW = 100
KNOWN_CAMPAIGNS_SHOWN = 10


def area_json(area: AreaCoverage) -> dict[str, Any]:
    rate = area.failure_rate
    return {
        "phase": area.phase,
        "suite": area.suite,
        "score": area.score,
        "reasons": list(area.reasons),
        "last_run_id": area.last_run_id,
        "last_ran_at": area.last_ran_at.isoformat() if area.last_ran_at else None,
        "runs_in_window": area.runs_in_window,
        "failure_rate": None if rate is None else round(rate, 4),
        "open_clusters": area.open_clusters,
    }


def _not_found(session: Session, identity: UploadIdentity, name: str) -> ApiError:
    known = session.scalars(
        select(Campaign.name)
        .where(Campaign.repository_id == identity.repository_id)
        .order_by(Campaign.name)
        .limit(KNOWN_CAMPAIGNS_SHOWN + 1)
    ).all()
    message = f"no campaign {name[:255]!r} in {identity.repository}"
    if known:
        listed = ", ".join(repr(n) for n in known[:KNOWN_CAMPAIGNS_SHOWN])
        more = ", …" if len(known) > KNOWN_CAMPAIGNS_SHOWN else ""
        message += f"; its campaigns: {listed}{more}"
    else:
        message += "; a campaign is created by its first upload (metadata 'campaign')"
    return ApiError(404, message, field="campaign")


def _next(
    factory: sessionmaker[Session], identity: UploadIdentity, name: str, limit: int, window: int
) -> dict[str, Any]:
    with transaction(factory) as session:
        campaign = session.scalar(
            select(Campaign).where(
                Campaign.repository_id == identity.repository_id, Campaign.name == name
            )
        )
        if campaign is None:
            raise _not_found(session, identity, name)
        coverage = campaign_coverage(session, campaign, latest_phases(session, campaign), window)
    return {
        "campaign": coverage.campaign,
        "repository": identity.repository,
        "window": coverage.window,
        "runs_considered": coverage.runs_considered,
        "latest_run_id": coverage.latest_run_id,
        "run_next": [area_json(area) for area in coverage.run_next(limit)],
        "areas": [area_json(area) for area in coverage.areas],
    }


@router.get("/campaigns/{campaign:path}/next")
async def next_to_run(
    campaign: Annotated[str, Path(min_length=1, max_length=255)],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 5,
    window: Annotated[int, Query(ge=1, le=MAX_WINDOW)] = 10,
    identity: UploadIdentity = Depends(require_upload_token),
    factory: sessionmaker[Session] = Depends(get_session_factory),
) -> dict[str, Any]:
    """The campaign's areas over its last ``window`` runs, and the ``limit`` to run next."""
    return await run_in_threadpool(_next, factory, identity, campaign, limit, window)

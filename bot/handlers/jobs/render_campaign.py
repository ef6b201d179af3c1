"""The ``render_campaign`` job: a campaign's issues and a check run rendered again from
stored results (``bot.app.campaign_render``), then a sync. It reads the repository's
config, and nothing else of GitHub; it never parses a report or folds a run."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.adapters.queue.kinds import RENDER_CAMPAIGN, RenderCampaignPayload, defer_sync
from bot.adapters.queue.worker import Handler, JobContext
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Campaign, Repository
from bot.app.campaign_render import render_campaign
from bot.app.repo_config import load_repo_config_text
from bot.app.services import Services
from bot.core.config.loader import load_config
from bot.core.config.repo import ConfigResult
from bot.handlers.registry import handles


@handles(RENDER_CAMPAIGN)
def make_render_handler(services: Services) -> Handler:
    async def render(ctx: JobContext) -> None:
        payload = RenderCampaignPayload.read(ctx)
        with services.session_factory() as session:
            campaign = session.get(Campaign, payload.campaign_id)
            if campaign is None:
                ctx.log.warning("campaign_missing", campaign_id=payload.campaign_id)
                return
            repository_id = campaign.repository_id
        text, problem = await load_repo_config_text(services, repository_id)
        config = load_config(text)
        if problem is not None:
            config.errors.insert(0, problem)
        await asyncio.to_thread(_render, payload, config)
        ctx.log.info("campaign_rendered", campaign_id=payload.campaign_id, run_id=payload.run_id)

    def _render(payload: RenderCampaignPayload, config: ConfigResult) -> None:
        with transaction(services.session_factory) as session:
            campaign = session.get_one(Campaign, payload.campaign_id)
            web_url = services.settings.github_web_url
            render_campaign(
                session,
                campaign,
                config,
                web_url,
                check_run_of=payload.run_id,
                only_run=payload.only_run,
            )
            repository = session.get_one(Repository, campaign.repository_id)
            defer_sync(
                session, repository, delay=timedelta(seconds=services.settings.sync_debounce_s)
            )

    return render

"""The ``ingest_artifacts`` job: a completed workflow run's test-result artifacts become
one run of a campaign, with no upload step in the workflow.

Queued by the ``workflow_run`` ``completed`` webhook (once per run and attempt). Reads the
repository's ``artifacts:`` config, lists the run's artifacts, downloads the wanted ones
not read before (the token goes to the API only, never to the storage URL), unpacks each
within the configured limits, keeps the files that are test reports and stores them as
the workflow run's Loopwatch run; ``process_run`` does the rest, as for an upload.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, cast

from githubkit import GitHub
from githubkit_schemas.latest.models import PullRequestSimple
from sqlalchemy import select

from bot.adapters.github.artifacts import ArtifactTooLarge, DigestMismatch, download_artifact
from bot.adapters.github.client import split_full_name
from bot.adapters.github.errors import GitHubPermanentError, GitHubTransientError, github_errors
from bot.adapters.queue.kinds import INGEST_ARTIFACTS, IngestArtifactsPayload
from bot.adapters.queue.worker import Handler, JobContext
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Repository
from bot.app.artifacts import finish_run, known_artifacts, store_outcome
from bot.app.repo_config import load_repo_config_text, resolve_installation
from bot.app.services import Services
from bot.core.artifacts.config import ArtifactsConfig
from bot.core.artifacts.plan import (
    ArtifactOutcome,
    WorkflowRunFacts,
    choose_artifacts,
    pick_reports,
)
from bot.core.artifacts.ref import ArtifactRef
from bot.core.artifacts.unpack import ArchiveRefused, UnpackLimits, unpack_zip
from bot.core.config.loader import load_config
from bot.handlers.registry import handles

PAGE_SIZE = 100
MAX_PAGES = 10  # 1,000 artifacts in one run is already far past any test job


def _limits(config: ArtifactsConfig) -> UnpackLimits:
    limits = config.limits
    return UnpackLimits(
        max_entries=limits.max_entries,
        max_unpacked_bytes=limits.max_unpacked_bytes,
        max_file_bytes=limits.max_file_bytes,
        max_ratio=limits.max_ratio,
    )


async def _list_artifacts(
    gh: GitHub[Any], owner: str, repo: str, run_id: int
) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        with github_errors("list_workflow_run_artifacts", repository=f"{owner}/{repo}"):
            response = await gh.rest.actions.async_list_workflow_run_artifacts(
                owner, repo, run_id, per_page=PAGE_SIZE, page=page
            )
        items = [a.model_dump(mode="json") for a in response.parsed_data.artifacts]
        listed += items
        if len(items) < PAGE_SIZE:
            break
    return listed


async def _pull_request_of(
    gh: GitHub[Any], owner: str, repo: str, facts: WorkflowRunFacts
) -> int | None:
    """The run's pull request. GitHub lists it in the event, except for a fork's: that one
    is found by its head (``fork-owner:branch``) and sha."""
    if facts.pull_requests:
        return facts.pull_requests[0]
    if not facts.event.startswith("pull_request") or not facts.head_owner or not facts.head_branch:
        return None
    try:
        with github_errors("list_pull_requests", repository=f"{owner}/{repo}"):
            response = await gh.rest.pulls.async_list(
                owner, repo, state="open", head=f"{facts.head_owner}:{facts.head_branch}"
            )
    except GitHubPermanentError:
        return None  # no pull_requests permission, say: the run is still read, without it
    # githubkit's method named ``list`` hides the builtin in its own annotations.
    pulls: list[PullRequestSimple] = cast("list[PullRequestSimple]", response.parsed_data)
    for pull in pulls:
        if pull.head.sha == facts.head_sha:
            return int(pull.number)
    return None


def _unpack(artifact: ArtifactRef, data: bytes, limits: UnpackLimits) -> ArtifactOutcome:
    try:
        unpacked = unpack_zip(data, limits)
    except ArchiveRefused as refused:
        return ArtifactOutcome(artifact, refused=str(refused))
    outcome = pick_reports(artifact, [(f.path, f.data) for f in unpacked.files])
    outcome.notes += unpacked.skipped
    return outcome


@handles(INGEST_ARTIFACTS)
def make_ingest_artifacts_handler(services: Services) -> Handler:
    async def ingest_artifacts(ctx: JobContext) -> None:
        payload = IngestArtifactsPayload.read(ctx)
        repository_id = payload.repository_id
        facts = WorkflowRunFacts.model_validate(payload.run)
        log = ctx.log.bind(workflow_run_id=facts.run_id, run_attempt=facts.run_attempt)
        text, problem = await load_repo_config_text(services, repository_id)
        config = load_config(text).config.artifacts
        if problem is not None or not config.enabled:
            log.info("artifacts_not_read", reason=problem or "artifacts.enabled is false")
            return
        if not config.watches(facts.workflow_name, facts.workflow_path):
            log.info("artifacts_not_read", reason="workflow not in artifacts.workflows")
            return
        installation_id = await resolve_installation(services, repository_id)
        if installation_id is None:
            return
        with services.session_factory() as session:
            full_name = session.scalars(
                select(Repository.full_name).where(Repository.id == repository_id)
            ).one()
            known = known_artifacts(session, repository_id, facts.run_id)
        owner, repo = split_full_name(full_name)
        gh = services.github().installation(installation_id)
        chosen = choose_artifacts(await _list_artifacts(gh, owner, repo, facts.run_id), config)
        if not chosen:
            log.info("artifacts_none_wanted", wanted=config.names)
            return
        pull_request = await _pull_request_of(gh, owner, repo, facts)
        downloads = services.github().installation_without_redirects(installation_id)
        campaign = config.campaign_for(facts.workflow_name, facts.workflow_path)
        read = refused = reports = 0
        for artifact in chosen:
            if (artifact.id, artifact.digest[:100]) in known:
                continue  # read before: a redelivered event, a retried job or a re-run
            outcome = await _read_artifact(downloads, owner, repo, artifact, config)
            await asyncio.to_thread(
                _store_one, repository_id, facts, campaign, outcome, pull_request
            )
            read += 1
            refused += outcome.refused is not None
            reports += len(outcome.reports)
            del outcome  # one artifact's bytes in memory at a time

        def finish() -> int | None:
            with transaction(services.session_factory) as session:
                return finish_run(
                    session,
                    repository=session.get_one(Repository, repository_id),
                    facts=facts,
                    chosen=chosen,
                    sync_delay=timedelta(seconds=services.settings.sync_debounce_s),
                )

        run_id = await asyncio.to_thread(finish)
        log.info(
            "artifacts_read",
            run_id=run_id,
            campaign=campaign,
            chosen=len(chosen),
            read=read,
            refused=refused,
            reports=reports,
        )

    def _store_one(
        repository_id: int,
        facts: WorkflowRunFacts,
        campaign: str,
        outcome: ArtifactOutcome,
        pull_request: int | None,
    ) -> None:
        with transaction(services.session_factory) as session:
            store_outcome(
                session,
                repository=session.get_one(Repository, repository_id),
                facts=facts,
                campaign_name=campaign,
                outcome=outcome,
                pull_request=pull_request,
            )

    async def _read_artifact(
        gh: GitHub[Any], owner: str, repo: str, artifact: ArtifactRef, config: ArtifactsConfig
    ) -> ArtifactOutcome:
        try:
            data = await download_artifact(
                gh,
                owner,
                repo,
                artifact,
                max_bytes=config.limits.max_download_bytes,
                storage_transport=services.github_transport,
                timeout_s=services.settings.github_timeout_s,
            )
        except ArtifactTooLarge as exc:
            return ArtifactOutcome(
                artifact, refused=f"{exc} (limit artifacts.limits.max_download_bytes)"
            )
        except DigestMismatch as exc:
            raise GitHubTransientError(str(exc)) from exc  # download it again
        except GitHubPermanentError as exc:
            if exc.status in (404, 410):
                return ArtifactOutcome(
                    artifact, refused="GitHub no longer has it (expired or deleted)"
                )
            raise
        return await asyncio.to_thread(_unpack, artifact, data, _limits(config))

    return ingest_artifacts

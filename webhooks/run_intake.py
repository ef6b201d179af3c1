"""Store an accepted upload: Run + Campaign + RunFiles + a ``process_run`` job, one transaction.

Idempotency is enforced by the unique constraints on ``runs`` (repository, run_key) and
(repository, idempotency_key): two identical uploads racing each other both try to insert,
one wins, the other's transaction fails on the constraint and, retried, finds the winner.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.queue.kinds import defer_check_sync, defer_process_run
from bot.adapters.store.campaigns import campaign_named
from bot.adapters.store.db import transaction
from bot.adapters.store.models import Repository, Run
from bot.adapters.store.run_files import CHUNK_BYTES, store_run_file
from bot.app.checks.desired_checks import desire_in_progress
from webhooks.run_metadata import RunMetadata

_ATTEMPTS = 4  # a retry only happens after losing a race on a unique constraint


class SpooledContent(Protocol):
    """A file's content kept aside (a multipart part in the request's spool) until stored."""

    @property
    def size(self) -> int: ...

    @property
    def sha256(self) -> str: ...

    def chunks(self, size: int) -> Iterator[bytes]: ...


@dataclass(frozen=True)
class ReportFile:
    filename: str
    content: SpooledContent


@dataclass(frozen=True)
class IntakeResult:
    run_id: int
    status: str
    created: bool  # False: an earlier upload with the same key was returned


def _existing_run(
    session: Session, repository_id: int, run_key: str | None, idempotency_key: str | None
) -> Run | None:
    conditions = []
    if idempotency_key is not None:
        conditions.append(Run.idempotency_key == idempotency_key)
    if run_key is not None:
        conditions.append(Run.run_key == run_key)
    if not conditions:
        return None
    # Prefer the Idempotency-Key match when the two keys point at different runs.
    candidates = list(
        session.scalars(
            select(Run).where(Run.repository_id == repository_id, or_(*conditions)).order_by(Run.id)
        )
    )
    for run in candidates:
        if idempotency_key is not None and run.idempotency_key == idempotency_key:
            return run
    return candidates[0] if candidates else None


def _insert_file(session: Session, run_id: int, report: ReportFile) -> None:
    """Chunk by chunk from the spool: only one chunk of the upload is in memory."""
    store_run_file(
        session,
        run_id=run_id,
        filename=report.filename,
        size=report.content.size,
        sha256=report.content.sha256,
        chunks=report.content.chunks(CHUNK_BYTES),
    )


def _store(
    session: Session,
    repository_id: int,
    repository: str,
    metadata: RunMetadata,
    files: list[ReportFile],
    idempotency_key: str | None,
    sync_delay: timedelta,
) -> IntakeResult:
    run_key = metadata.effective_run_key()
    existing = _existing_run(session, repository_id, run_key, idempotency_key)
    if existing is not None:
        return IntakeResult(existing.id, existing.status, created=False)
    campaign = campaign_named(session, repository_id, metadata.campaign)
    run = Run(
        repository_id=repository_id,
        campaign_id=campaign.id,
        run_key=run_key,
        idempotency_key=idempotency_key,
        commit_sha=metadata.commit_sha,
        branch=metadata.branch,
        pull_request=metadata.pull_request,
        workflow=metadata.workflow,
        workflow_run_id=metadata.workflow_run_id,
        run_attempt=metadata.run_attempt,
        started_at=metadata.started_at,
        finished_at=metadata.finished_at,
        environment=dict(metadata.environment),
        head_repository=metadata.head_repository,
        analysis=metadata.analysis.model_dump(mode="json") if metadata.analysis else None,
        definition=(
            metadata.definition.model_dump(mode="json", exclude_none=True)
            if metadata.definition is not None and not metadata.definition.is_empty
            else None
        ),
        status="queued",
    )
    session.add(run)
    session.flush()
    for report in files:
        _insert_file(session, run.id, report)
    defer_process_run(session, run_id=run.id, full_name=repository)
    if desire_in_progress(session, run, campaign) is not None:
        # Shown only if processing takes longer than the debounce: a quick run's check
        # run is created once, completed.
        repo_row = session.get_one(Repository, repository_id)
        defer_check_sync(session, repo_row, delay=sync_delay)
    return IntakeResult(run.id, run.status, created=True)


def store_upload(
    factory: sessionmaker[Session],
    *,
    repository_id: int,
    repository: str,
    metadata: RunMetadata,
    files: list[ReportFile],
    idempotency_key: str | None,
    sync_delay: timedelta = timedelta(seconds=2),
) -> IntakeResult:
    """Store the run and its job atomically, or return the run an earlier upload made."""
    for attempt in range(_ATTEMPTS):
        try:
            with transaction(factory) as session:
                return _store(
                    session, repository_id, repository, metadata, files, idempotency_key, sync_delay
                )
        except IntegrityError:
            # Lost a race on runs' or campaigns' unique keys; the retry finds the winner.
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")

"""Every job kind the worker runs: its name, its payload and how it is queued.

The one place that knows a kind's payload and its keys. The lock key keeps the jobs of
one repository (or installation) in order; the dedupe key coalesces a burst into one
pending job. A payload is stored as JSON in ``jobs.payload``: the shapes here are the
ones a running install has queued, so they may gain optional fields but never rename or
drop one (``tests/store/test_job_kinds.py`` holds them to it).

A leaf module: it imports the queue and nothing of the application, so the web process,
the application services and the handlers can all queue jobs without importing one
another.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, Self

from pydantic import BaseModel, ConfigDict, ValidationError, field_serializer
from sqlalchemy.orm import Session

from bot.adapters.queue import PermanentJobError, enqueue
from bot.adapters.store.models import Job

PROCESS_RUN = "process_run"
SYNC_REPOSITORY = "sync_repository"
SYNC_CHECKS = "sync_checks"
WEBHOOK = "webhook"
UNMUTE_DUE = "unmute_due"
DRAFT_FIVE_WHYS = "draft_five_whys"
INGEST_ARTIFACTS = "ingest_artifacts"
RENDER_CAMPAIGN = "render_campaign"
JOB_KINDS = (
    PROCESS_RUN,
    SYNC_REPOSITORY,
    SYNC_CHECKS,
    WEBHOOK,
    UNMUTE_DUE,
    DRAFT_FIVE_WHYS,
    INGEST_ARTIFACTS,
    RENDER_CAMPAIGN,
)


class RepositoryRef(Protocol):
    """What queueing needs of a repository (a ``Repository`` row has it)."""

    @property
    def id(self) -> int: ...

    @property
    def full_name(self) -> str: ...

    @property
    def installation_id(self) -> int | None: ...


def repository_lock(full_name: str) -> str:
    """The lock of jobs that change one repository's data: one at a time, in order."""
    return f"repo:{full_name}"


def installation_lock(installation_id: int) -> str:
    """The lock of every sync job of one installation (GitHub's write limit is its)."""
    return f"installation:{installation_id}"


def sync_lock(repository: RepositoryRef) -> str:
    """Syncs write to GitHub: one at a time per installation, all under one key.

    A repository whose installation is not known yet (an upload before the App's
    installation event reached us) gets a key of its own; such a job writes nothing: once
    running it resolves the installation and queues itself again under the installation's
    key (``bot/adapters/queue/sync_gate.py``). So every sync that writes holds
    ``installation:N``, never ``repo:…`` (which would let it run beside the others).
    """
    if repository.installation_id:
        return installation_lock(repository.installation_id)
    return f"installation-unknown:{repository.full_name}"


class StoredJob(Protocol):
    """A claimed job as its handler sees it (``bot.adapters.queue.worker.JobContext``)."""

    @property
    def job_id(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def payload(self) -> Mapping[str, Any]: ...


class JobPayload(BaseModel):
    """A job's payload; ``read`` turns a stored one into the model, or a dead job."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def read(cls, job: StoredJob) -> Self:
        """The job's payload as this model; a payload that does not fit cannot succeed on
        a retry, so it raises :class:`PermanentJobError`."""
        try:
            return cls.model_validate(job.payload)
        except ValidationError as error:
            problems = "; ".join(_problem(e["loc"], e["type"], e["msg"]) for e in error.errors())
            raise PermanentJobError(f"{job.kind} job {job.job_id}: {problems}") from error

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _problem(loc: tuple[int | str, ...], kind: str, message: str) -> str:
    field = ".".join(str(part) for part in loc)
    return f"no {field} in its payload" if kind == "missing" else f"{field}: {message}"


class ProcessRunPayload(JobPayload):
    run_id: int


class RenderCampaignPayload(JobPayload):
    """``render_campaign``: the campaign's issues again from stored results; ``run_id``:
    the run whose check run is rendered too (None: the campaign's latest)."""

    campaign_id: int
    run_id: int | None = None
    # Only the run's check run and failure issues (links that came after they were
    # rendered), not the tracking issue.
    only_run: bool = False


class RepositoryPayload(JobPayload):
    """``sync_repository`` and ``sync_checks``."""

    repository_id: int
    # Set while the sync waits for the repository's runs to be processed (sync_gate.py):
    # since when, so the wait is bounded.
    waiting_since: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class WebhookPayload(JobPayload):
    delivery_id: str


class UnmutePayload(JobPayload):
    cluster_id: int
    until: datetime

    @field_serializer("until")
    def _iso(self, until: datetime) -> str:
        return until.isoformat()  # as queued before the payloads had models


class DraftFiveWhysPayload(JobPayload):
    cluster_id: int
    run_id: int


class IngestArtifactsPayload(JobPayload):
    repository_id: int
    # The workflow run's facts as JSON (bot.core.artifacts.plan.WorkflowRunFacts).
    run: dict[str, Any]


def defer_process_run(session: Session, *, run_id: int, full_name: str) -> None:
    """Queue the processing of a stored run (an upload, or a workflow run's artifacts)."""
    enqueue(
        session,
        PROCESS_RUN,
        ProcessRunPayload(run_id=run_id).to_json(),
        lock_key=repository_lock(full_name),
    )


def defer_render(
    session: Session,
    *,
    campaign_id: int,
    full_name: str,
    run_id: int | None = None,
    only_run: bool = False,
) -> None:
    """Render a campaign's tracking issue, its failure issues and a check run again from
    stored results (never parsing or folding a run again), for what the last rendering
    could not know: new issue numbers, a person's command, a note. A burst coalesces into
    one pending job per campaign (and per run, for a given run's check run)."""
    key = f"render:{campaign_id}" if run_id is None else f"render:{campaign_id}:{run_id}"
    if only_run:
        key += ":links"
    payload = RenderCampaignPayload(campaign_id=campaign_id, run_id=run_id, only_run=only_run)
    enqueue(
        session,
        RENDER_CAMPAIGN,
        payload.to_json() if only_run else payload.model_dump(mode="json", exclude={"only_run"}),
        lock_key=repository_lock(full_name),
        dedupe_key=key,
    )


def sync_job_key(repository_id: int, kind: str = SYNC_REPOSITORY) -> str:
    """The dedupe key of the repository's pending sync of ``kind``."""
    if kind == SYNC_CHECKS:
        return f"sync-checks:{repository_id}"
    return f"sync:{repository_id}"


def enqueue_sync(
    session: Session,
    repository: RepositoryRef,
    *,
    kind: str,
    delay: timedelta,
    waiting_since: datetime | None = None,
) -> Job | None:
    """Queue a sync of ``kind`` (coalesced with a pending one): the new job, or None when
    a pending one stands for it."""
    return enqueue(
        session,
        kind,
        RepositoryPayload(repository_id=repository.id, waiting_since=waiting_since).to_json(),
        lock_key=sync_lock(repository),
        dedupe_key=sync_job_key(repository.id, kind),
        run_at=datetime.now(UTC) + delay,
    )


def defer_sync(session: Session, repository: RepositoryRef, *, delay: timedelta) -> None:
    """Queue one sync of the repository's desired state (coalesced with a pending one)."""
    enqueue_sync(session, repository, kind=SYNC_REPOSITORY, delay=delay)


def defer_check_sync(session: Session, repository: RepositoryRef, *, delay: timedelta) -> None:
    """Queue a sync of the repository's check runs only (an upload was accepted: its check
    run shows in progress), so a burst of uploads does not edit issues half-way."""
    enqueue_sync(session, repository, kind=SYNC_CHECKS, delay=delay)


def defer_webhook(
    session: Session, *, delivery_id: str, repository: str | None, installation_id: int | None
) -> None:
    """Queue the handling of a stored webhook delivery, in order with the repository's
    other jobs (or the installation's, for an event about no one repository)."""
    if repository:
        lock: str | None = repository_lock(repository)
    elif installation_id is not None:
        lock = f"installation:{installation_id}"
    else:
        lock = None
    enqueue(session, WEBHOOK, WebhookPayload(delivery_id=delivery_id).to_json(), lock_key=lock)


def defer_unmute(session: Session, *, cluster_id: int, full_name: str, until: datetime) -> None:
    """Queue the end of the mute that runs out at ``until`` (one job per cluster and time)."""
    enqueue(
        session,
        UNMUTE_DUE,
        UnmutePayload(cluster_id=cluster_id, until=until).to_json(),
        lock_key=repository_lock(full_name),
        dedupe_key=f"unmute:{cluster_id}:{until.isoformat()}",
        run_at=until,
    )


def defer_five_whys_draft(
    session: Session, *, cluster_id: int, run_id: int, full_name: str
) -> None:
    """Queue the evidence draft for a cluster failing in a run (once per cluster and run)."""
    enqueue(
        session,
        DRAFT_FIVE_WHYS,
        DraftFiveWhysPayload(cluster_id=cluster_id, run_id=run_id).to_json(),
        lock_key=repository_lock(full_name),
        dedupe_key=f"five-whys-draft:{cluster_id}:{run_id}",
    )


def defer_ingest_artifacts(
    session: Session, repository: RepositoryRef, run: Mapping[str, Any]
) -> None:
    """Queue the ingestion of one workflow run attempt's artifacts (once per run and
    attempt); ``run`` is ``WorkflowRunFacts.model_dump(mode="json")``."""
    enqueue(
        session,
        INGEST_ARTIFACTS,
        IngestArtifactsPayload(repository_id=repository.id, run=dict(run)).to_json(),
        lock_key=repository_lock(repository.full_name),
        dedupe_key=f"artifacts:{repository.id}:{run['run_id']}:{run['run_attempt']}",
    )

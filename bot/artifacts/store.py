"""Store what a workflow run's artifacts gave: one run per workflow run, one transaction.

A re-run (a new attempt) updates the same run: the files of artifacts a newer upload of
the same name superseded are dropped, new artifacts' reports are added, and the run is
processed again. Each artifact is recorded once (id + digest), so a redelivered webhook
or a retried job reads nothing twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.artifacts.download import ArtifactRef
from bot.artifacts.plan import ArtifactOutcome, WorkflowRunFacts, refusal_line
from bot.checks.desired import desire_in_progress
from bot.jobs.process_run import enqueue_check_sync
from bot.queue import enqueue
from bot.store.models import (
    Campaign,
    IngestedArtifact,
    Repository,
    Run,
    RunFile,
    SessionLogEntry,
    utcnow,
)

ARTIFACT_LOG_KIND = "artifact"


def run_key_for(facts: WorkflowRunFacts) -> str:
    return f"actions-run:{facts.run_id}"


@dataclass(frozen=True, slots=True)
class Stored:
    run_id: int | None  # None: no report in any artifact, so no run
    created: bool
    changed: bool  # the run's files changed: it is processed again


def known_artifacts(session: Session, repository_id: int, workflow_run_id: int) -> set[int]:
    """Ids of the run's artifacts already read (whatever came of them)."""
    return set(
        session.scalars(
            select(IngestedArtifact.artifact_id).where(
                IngestedArtifact.repository_id == repository_id,
                IngestedArtifact.workflow_run_id == workflow_run_id,
            )
        )
    )


def campaign_named(session: Session, repository_id: int, name: str) -> Campaign:
    campaign = session.scalar(
        select(Campaign).where(Campaign.repository_id == repository_id, Campaign.name == name)
    )
    if campaign is None:
        campaign = Campaign(repository_id=repository_id, name=name)
        session.add(campaign)
        session.flush()
    return campaign


def store_outcomes(
    session: Session,
    *,
    repository: Repository,
    facts: WorkflowRunFacts,
    campaign_name: str,
    chosen: list[ArtifactRef],
    outcomes: list[ArtifactOutcome],
    pull_request: int | None,
    sync_delay: timedelta,
) -> Stored:
    """Record ``outcomes`` (the chosen artifacts not read before) and update the run."""
    campaign = campaign_named(session, repository.id, campaign_name)
    run = session.scalar(
        select(Run).where(Run.repository_id == repository.id, Run.run_key == run_key_for(facts))
    )
    has_reports = any(outcome.reports for outcome in outcomes)
    created = False
    if run is None and has_reports:
        run = _new_run(session, repository, campaign, facts, pull_request)
        created = True
    changed = created
    if run is not None:
        changed |= _drop_superseded(session, run, {a.id for a in chosen})
        changed |= has_reports
        if facts.run_attempt > (run.run_attempt or 0):
            run.run_attempt = facts.run_attempt
            run.finished_at = facts.finished_at or run.finished_at
    for outcome in outcomes:
        _record(session, repository.id, facts, run, outcome)
    _log_refusals(session, campaign, run, facts, outcomes)
    if run is None:
        return Stored(None, created=False, changed=False)
    if changed:
        run.status = "queued"
        session.flush()
        enqueue(session, "process_run", {"run_id": run.id}, lock_key=f"repo:{repository.full_name}")
        if desire_in_progress(session, run, campaign) is not None:
            enqueue_check_sync(session, repository, delay=sync_delay)
    return Stored(run.id, created, changed)


def _new_run(
    session: Session,
    repository: Repository,
    campaign: Campaign,
    facts: WorkflowRunFacts,
    pull_request: int | None,
) -> Run:
    head = (facts.head_repository or "").lower()
    run = Run(
        repository_id=repository.id,
        campaign_id=campaign.id,
        run_key=run_key_for(facts),
        commit_sha=facts.head_sha.lower(),
        branch=facts.head_branch,
        pull_request=pull_request,
        workflow=facts.workflow_name or facts.workflow_path,
        workflow_run_id=facts.run_id,
        run_attempt=facts.run_attempt,
        started_at=facts.started_at,
        finished_at=facts.finished_at,
        environment={"event": facts.event} if facts.event else {},
        head_repository=head if head and head != repository.full_name.lower() else None,
        status="queued",
    )
    session.add(run)
    session.flush()
    return run


def _drop_superseded(session: Session, run: Run, chosen_ids: set[int]) -> bool:
    """Remove files of artifacts no longer chosen (a later attempt uploaded that name)."""
    stale = [
        f.id for f in run.files if f.artifact_id is not None and f.artifact_id not in chosen_ids
    ]
    if not stale:
        return False
    session.execute(delete(RunFile).where(RunFile.id.in_(stale)))
    session.expire(run, ["files"])
    return True


def _record(
    session: Session,
    repository_id: int,
    facts: WorkflowRunFacts,
    run: Run | None,
    outcome: ArtifactOutcome,
) -> None:
    artifact = outcome.artifact
    if run is not None:
        for report in outcome.reports:
            session.add(
                RunFile(
                    run_id=run.id,
                    filename=report.filename[:1024],
                    content=report.content,
                    size=len(report.content),
                    sha256=hashlib.sha256(report.content).hexdigest(),
                    artifact_id=artifact.id,
                )
            )
    notes = list(outcome.notes)
    if outcome.other_files:
        notes.append(f"{outcome.other_files} other file(s) are not test reports")
    session.add(
        IngestedArtifact(
            repository_id=repository_id,
            artifact_id=artifact.id,
            digest=artifact.digest[:100],
            name=artifact.name[:255],
            workflow_run_id=facts.run_id,
            run_attempt=facts.run_attempt,
            run_id=run.id if run is not None else None,
            outcome=outcome.outcome,
            reports=len(outcome.reports),
            note=outcome.refused or ("; ".join(notes) or None),
        )
    )


def _log_refusals(
    session: Session,
    campaign: Campaign,
    run: Run | None,
    facts: WorkflowRunFacts,
    outcomes: list[ArtifactOutcome],
) -> None:
    at = facts.finished_at or utcnow()
    for outcome in outcomes:
        if outcome.refused is not None:
            session.add(
                SessionLogEntry(
                    campaign_id=campaign.id,
                    run_id=run.id if run is not None else None,
                    at=at,
                    kind=ARTIFACT_LOG_KIND,
                    text=refusal_line(facts, outcome),
                )
            )

"""Store what a workflow run's artifacts gave: one run per workflow run, one transaction.

A re-run (a new attempt) updates the same run: the files of artifacts a newer upload of
the same name superseded are dropped, new artifacts' reports are added, and the run is
processed again. Each artifact is recorded once (id + digest), so a redelivered webhook
or a retried job reads nothing twice.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.adapters.queue.kinds import defer_check_sync, defer_process_run
from bot.adapters.store.campaigns import campaign_named
from bot.adapters.store.models import (
    Campaign,
    IngestedArtifact,
    Repository,
    Run,
    RunFile,
    SessionLogEntry,
    utcnow,
)
from bot.adapters.store.run_files import split, store_run_file
from bot.app.checks.desired_checks import desire_in_progress
from bot.core.artifacts.plan import ArtifactOutcome, WorkflowRunFacts, refusal_line
from bot.core.artifacts.ref import ArtifactRef

ARTIFACT_LOG_KIND = "artifact"


def run_key_for(facts: WorkflowRunFacts) -> str:
    return f"actions-run:{facts.run_id}"


def known_artifacts(
    session: Session, repository_id: int, workflow_run_id: int
) -> set[tuple[int, str]]:
    """``(artifact id, digest)`` of the run's artifacts already read (whatever came of them)."""
    rows = session.execute(
        select(IngestedArtifact.artifact_id, IngestedArtifact.digest).where(
            IngestedArtifact.repository_id == repository_id,
            IngestedArtifact.workflow_run_id == workflow_run_id,
        )
    )
    return {(artifact_id, digest) for artifact_id, digest in rows}


def _run_of(session: Session, repository_id: int, facts: WorkflowRunFacts) -> Run | None:
    return session.scalar(
        select(Run).where(Run.repository_id == repository_id, Run.run_key == run_key_for(facts))
    )


def store_outcome(
    session: Session,
    *,
    repository: Repository,
    facts: WorkflowRunFacts,
    campaign_name: str,
    outcome: ArtifactOutcome,
    pull_request: int | None,
) -> None:
    """Record one artifact: its reports join the workflow run's Loopwatch run (made by the
    first artifact that has any), or a session-log line says why it gave none.

    One transaction per artifact, so the job holds one artifact in memory at a time, and a
    job that dies half-way resumes with the artifacts it has not read yet.
    """
    campaign = campaign_named(session, repository.id, campaign_name)
    run = _run_of(session, repository.id, facts)
    if run is None and outcome.reports:
        run = _new_run(session, repository, campaign, facts, pull_request)
    if run is not None and outcome.reports:
        run.status = "queued"  # its files changed: processed again by finish_run's job
    _record(session, repository.id, facts, run, outcome)
    _log_unread(session, campaign, run, facts, outcome)


def finish_run(
    session: Session,
    *,
    repository: Repository,
    facts: WorkflowRunFacts,
    chosen: list[ArtifactRef],
    sync_delay: timedelta,
) -> int | None:
    """Drop the files a later attempt superseded and queue the run's processing if its
    files changed; the run's id (None: no artifact of the workflow run held a report)."""
    run = _run_of(session, repository.id, facts)
    if run is None:
        return None
    superseded = _drop_superseded(session, run, {a.id for a in chosen})
    if facts.run_attempt > (run.run_attempt or 0):
        run.run_attempt = facts.run_attempt
        run.finished_at = facts.finished_at or run.finished_at
    if superseded or run.status == "queued":
        run.status = "queued"
        session.flush()
        defer_process_run(session, run_id=run.id, full_name=repository.full_name)
        campaign = session.get_one(Campaign, run.campaign_id)
        if desire_in_progress(session, run, campaign) is not None:
            defer_check_sync(session, repository, delay=sync_delay)
    return run.id


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
            store_run_file(
                session,
                run_id=run.id,
                filename=report.filename[:1024],
                size=len(report.content),
                sha256=hashlib.sha256(report.content).hexdigest(),
                chunks=split(report.content),
                artifact_id=artifact.id,
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


def _log_unread(
    session: Session,
    campaign: Campaign,
    run: Run | None,
    facts: WorkflowRunFacts,
    outcome: ArtifactOutcome,
) -> None:
    line = refusal_line(facts, outcome)
    if line is not None:
        session.add(
            SessionLogEntry(
                campaign_id=campaign.id,
                run_id=run.id if run is not None else None,
                at=facts.finished_at or utcnow(),
                kind=ARTIFACT_LOG_KIND,
                text=line,
            )
        )

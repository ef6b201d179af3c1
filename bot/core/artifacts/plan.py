"""What to ingest from a completed workflow run (pure): the event's facts, which artifacts,
which files in them are reports, and the session-log line for an artifact not read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.core.artifacts.config import ArtifactsConfig
from bot.core.artifacts.ref import ArtifactRef
from bot.core.reports import ReportError
from bot.core.reports.registry import detect_format
from bot.core.safe_markdown import shorten


class WorkflowRunFacts(BaseModel):
    """What a ``workflow_run`` ``completed`` event says about the run (also the job's payload)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    run_id: int
    run_attempt: int = 1
    run_number: int | None = None
    workflow_name: str
    workflow_path: str
    event: str
    conclusion: str | None = None
    head_sha: str
    head_branch: str | None = None
    html_url: str | None = None
    pull_requests: list[int] = []
    # owner/name of the head repository (another one for a fork's pull request)
    head_repository: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def head_owner(self) -> str | None:
        return self.head_repository.partition("/")[0] if self.head_repository else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def workflow_run_facts(payload: dict[str, Any]) -> WorkflowRunFacts | None:
    """The facts of a ``workflow_run`` payload; None when it lacks what ingestion needs."""
    run = _dict(payload.get("workflow_run"))
    workflow = _dict(payload.get("workflow"))
    head_repo = _dict(run.get("head_repository"))
    numbers = [
        pull.get("number")
        for pull in run.get("pull_requests") or []
        if isinstance(pull, dict) and isinstance(pull.get("number"), int)
    ]
    try:
        return WorkflowRunFacts(
            run_id=run.get("id"),  # validated by the model
            run_attempt=run.get("run_attempt") or 1,
            run_number=run.get("run_number"),
            workflow_name=str(workflow.get("name") or run.get("name") or ""),
            workflow_path=str(workflow.get("path") or run.get("path") or ""),
            event=str(run.get("event") or ""),
            conclusion=run.get("conclusion"),
            head_sha=run.get("head_sha"),
            head_branch=run.get("head_branch"),
            html_url=run.get("html_url"),
            pull_requests=numbers,
            head_repository=head_repo.get("full_name"),
            started_at=run.get("run_started_at") or run.get("created_at"),
            finished_at=run.get("updated_at"),
        )
    except ValidationError:
        return None


def choose_artifacts(listed: list[dict[str, Any]], config: ArtifactsConfig) -> list[ArtifactRef]:
    """The artifacts to read: wanted names, not expired, the newest upload of each name
    (a re-run's upload supersedes the earlier attempt's), in name order."""
    newest: dict[str, dict[str, Any]] = {}
    for item in listed:
        name = str(item.get("name") or "")
        if not name or item.get("expired") or not config.wants_artifact(name):
            continue
        kept = newest.get(name)
        if kept is None or (item.get("created_at") or "", item["id"]) > (
            kept.get("created_at") or "",
            kept["id"],
        ):
            newest[name] = item
    return [
        ArtifactRef(
            id=int(item["id"]),
            name=name,
            size=int(item.get("size_in_bytes") or 0),
            digest=str(item.get("digest") or ""),
        )
        for name, item in sorted(newest.items())
    ]


@dataclass(frozen=True, slots=True)
class ReportEntry:
    filename: str  # "<artifact name>/<path in the zip>", as the run's file list shows it
    content: bytes


@dataclass(slots=True)
class ArtifactOutcome:
    """What came of one artifact: its reports, or why it was not read."""

    artifact: ArtifactRef
    reports: list[ReportEntry] = field(default_factory=list)
    refused: str | None = None  # one sentence, for the session log
    other_files: int = 0  # files that are not test reports (logs, screenshots)
    notes: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.refused is not None:
            return "refused"
        return "ingested" if self.reports else "no-reports"


def pick_reports(artifact: ArtifactRef, files: list[tuple[str, bytes]]) -> ArtifactOutcome:
    """Keep the files that are test reports by their content; count the rest."""
    outcome = ArtifactOutcome(artifact)
    for path, data in files:
        try:
            detect_format(data, path)
        except ReportError:
            outcome.other_files += 1
            continue
        outcome.reports.append(ReportEntry(f"{artifact.name}/{path}", data))
    return outcome


def refusal_line(facts: WorkflowRunFacts, outcome: ArtifactOutcome) -> str | None:
    """The session-log line for an artifact that gave no report: refused, or holding
    none (plain text: the session log escapes what it shows). None when it gave reports."""
    if outcome.reports:
        return None
    number = facts.run_number or facts.run_id
    attempt = f", attempt {facts.run_attempt}" if facts.run_attempt > 1 else ""
    about = f"Artifact '{outcome.artifact.name}' of workflow run {number}{attempt}"
    if outcome.refused is None:
        files = f"{outcome.other_files} file(s), none of them" if outcome.other_files else "no"
        return f"{about} holds {files} a test report"
    reason = " ".join(outcome.refused.split()).replace("`", "'")
    return f"{about} not read: {shorten(reason, 400)}"

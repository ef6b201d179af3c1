"""The desired state of check runs, recorded in the database (the sync makes GitHub match).

``in_progress`` when an upload with a full commit sha is accepted; ``completed`` with the
merged result, the comparison with the base branch and the annotations when it has been
processed. Nothing here calls GitHub.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.queue.kinds import defer_render
from bot.adapters.store.models import Campaign, CheckRunRecord, Repository, Run, utcnow
from bot.app.checks.build import build_view, check_key
from bot.core.checks.annotations import build_annotations
from bot.core.checks.model import Category, CheckView
from bot.core.config.check_runs import ChecksConfig
from bot.core.config.templates import fill_template
from bot.core.render.check_run import check_title, render_summary

IN_PROGRESS_TITLE = "Reading the test reports"


def check_name(config: ChecksConfig, campaign: str) -> str:
    return fill_template(config.name, campaign)[:255]


def check_hash(record: CheckRunRecord) -> str:
    document = [
        record.name,
        record.status,
        record.conclusion,
        record.title,
        record.summary,
        record.details_url,
        [a.get("key") for a in record.annotations or []],
    ]
    return hashlib.sha256(json.dumps(document, ensure_ascii=False).encode()).hexdigest()


def conclusion_of(view: CheckView, fail_on: str) -> str:
    """``failure`` / ``neutral`` / ``success`` for the view under the ``fail_on`` rule."""
    if view.counts.total == 0:
        return "neutral"
    failing = [f for f in view.failures if f.category is not Category.FLAKY]
    if not failing:
        return "success"
    if fail_on == "never":
        return "neutral"
    if fail_on == "new":
        new = [f for f in failing if f.category in (Category.NEW, Category.REGRESSION)]
        return "failure" if new else "neutral"
    return "failure"


def _record(session: Session, repository_id: int, key: str) -> CheckRunRecord | None:
    return session.scalar(
        select(CheckRunRecord).where(
            CheckRunRecord.repository_id == repository_id, CheckRunRecord.key == key
        )
    )


def _store(record: CheckRunRecord, **values: Any) -> CheckRunRecord:
    for name, value in values.items():
        setattr(record, name, value)
    record.desired_hash = check_hash(record)
    record.updated_at = utcnow()
    return record


def desire_in_progress(
    session: Session, run: Run, campaign: Campaign, config: ChecksConfig | None = None
) -> CheckRunRecord | None:
    """An accepted upload: its check run shows as in progress (a new one, or again)."""
    key = check_key(run, campaign.name)
    if key is None or (config is not None and not config.enabled):
        return None
    record = _record(session, run.repository_id, key)
    name = check_name(config or ChecksConfig(), campaign.name)
    summary = (
        f"Loopwatch received a run of `{campaign.name}` and is reading its reports; "
        "this check run is completed as soon as they are processed."
    )
    if record is None:
        record = CheckRunRecord(
            repository_id=run.repository_id,
            campaign_id=campaign.id,
            key=key,
            head_sha=(run.commit_sha or "").lower(),
            workflow_run_id=run.workflow_run_id,
            name=name,
            annotations=[],
            sent_annotations=[],
            run_ids=[],
        )
        session.add(record)
    elif record.status == "in_progress":
        return record
    _store(
        record,
        status="in_progress",
        conclusion=None,
        title=IN_PROGRESS_TITLE,
        summary=summary,
        run_ids=sorted({*(record.run_ids or []), run.id}),
    )
    session.flush()
    return record


def desire_completed(
    session: Session,
    run: Run,
    repository: Repository,
    campaign: Campaign,
    config: ChecksConfig,
    *,
    tracking_issue_url: str | None,
    web_url: str | None = None,
) -> CheckRunRecord | None:
    """The processed run's check run: merged result, comparison, annotations."""
    key = check_key(run, campaign.name)
    if key is None:
        return None
    record = _record(session, repository.id, key)
    if not config.enabled:
        if record is not None and record.status != "completed":
            _store(
                record,
                status="completed",
                conclusion="neutral",
                title="Check runs are turned off",
                summary="`checks.enabled` is false in `.github/loopwatch.yml`.",
            )
        return record
    view, runs = build_view(
        session,
        run,
        repository,
        campaign.name,
        tracking_issue_url=tracking_issue_url,
        web_url=web_url,
    )
    if record is None:
        record = CheckRunRecord(
            repository_id=repository.id,
            campaign_id=campaign.id,
            key=key,
            head_sha=view.head_sha,
            workflow_run_id=run.workflow_run_id,
            annotations=[],
            sent_annotations=[],
            run_ids=[],
        )
        session.add(record)
    plan = build_annotations(
        view.failures,
        repository.full_name,
        max_annotations=config.max_annotations,
        strip_prefixes=config.strip_prefixes,
        path_prefix=config.path_prefix,
    )
    view = replace(
        view,
        note=record.note,
        annotations_sent=len(view.failures) - len(plan.left_out) - len(plan.no_file),
        annotations_left_out=list(plan.left_out),
        no_file=len(plan.no_file),
    )
    _store(
        record,
        name=check_name(config, campaign.name),
        status="completed",
        conclusion=conclusion_of(view, config.fail_on),
        title=check_title(view),
        summary=render_summary(view),
        details_url=tracking_issue_url,
        annotations=[{"key": a.key, **a.as_json()} for a in plan.annotations],
        run_ids=sorted({*(record.run_ids or []), *(r.id for r in runs)}),
    )
    session.flush()
    return record


def renote(session: Session, record_id: int, note: str) -> None:
    """Put ``note`` at the top of the check run's summary: the check run is rendered again
    from its latest run's stored results (``render_campaign``)."""
    record = session.get(CheckRunRecord, record_id)
    if record is None:
        return
    record.note = note
    latest = max((int(r) for r in record.run_ids or []), default=None)
    repository = session.get_one(Repository, record.repository_id)
    if latest is not None:
        defer_render(
            session, campaign_id=record.campaign_id, full_name=repository.full_name, run_id=latest
        )

"""A person's five-whys record in the database: load it, save a change as a new version.

``subject`` is ``campaign:<name>`` or ``cluster:<fingerprint>`` (the same text as the
key of the issue it belongs to). Every save bumps the record's version and keeps the
whole record as it then was in ``FiveWhysVersion`` (who, what change, when).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.adapters.store.models import Campaign, Cluster, FiveWhysRecord, FiveWhysVersion, Run
from bot.core.evidence.model import EvidenceDraft
from bot.core.five_whys import AnalysisBlock, Attribution, core

PERSON = "person"
CONFIRMED = "confirmed"
EVIDENCE = "evidence"
DRAFT = "draft"
UPLOAD_LOOKBACK = 20


def campaign_subject(name: str) -> str:
    return f"campaign:{name}"


def cluster_subject(fingerprint: str) -> str:
    return f"cluster:{fingerprint}"


@dataclass(frozen=True, slots=True)
class StoredFiveWhys:
    """A record as read (no live ORM object, so it can leave the transaction)."""

    subject: str
    block: AnalysisBlock
    author: str | None
    version: int
    updated_at: datetime
    source: str = PERSON
    status: str = CONFIRMED
    source_url: str | None = None  # the comment it was last written in
    draft: EvidenceDraft | None = None  # the bot's evidence draft (source ``evidence``)

    @property
    def attribution(self) -> Attribution:
        if self.draft is not None:
            return Attribution(source="evidence", status="draft", at=self.updated_at)
        return Attribution(
            source="person",
            status="draft" if self.status == DRAFT else "confirmed",
            author=self.author,
            at=self.updated_at,
            version=self.version,
            url=self.source_url,
        )


@dataclass(frozen=True, slots=True)
class Target:
    """What a record is attached to: a campaign or a failure cluster."""

    repository_id: int
    subject: str
    campaign_id: int | None = None
    cluster_id: int | None = None

    @classmethod
    def of_campaign(cls, campaign: Campaign) -> Target:
        return cls(campaign.repository_id, campaign_subject(campaign.name), campaign_id=campaign.id)

    @classmethod
    def of_cluster(cls, cluster: Cluster) -> Target:
        return cls(
            cluster.repository_id, cluster_subject(cluster.fingerprint), cluster_id=cluster.id
        )


def _row(session: Session, repository_id: int, subject: str) -> FiveWhysRecord | None:
    return session.scalar(
        select(FiveWhysRecord).where(
            FiveWhysRecord.repository_id == repository_id, FiveWhysRecord.subject == subject
        )
    )


def _stored(row: FiveWhysRecord) -> StoredFiveWhys:
    draft = EvidenceDraft.model_validate(row.record) if row.source == EVIDENCE else None
    return StoredFiveWhys(
        subject=row.subject,
        block=draft.as_block() if draft else AnalysisBlock.model_validate(row.record or {}),
        author=row.author,
        version=row.version,
        updated_at=row.updated_at,
        source=row.source,
        status=row.status,
        source_url=row.source_url,
        draft=draft,
    )


def load_five_whys(session: Session, repository_id: int, subject: str) -> StoredFiveWhys | None:
    row = _row(session, repository_id, subject)
    return _stored(row) if row is not None else None


def latest_upload_analysis(session: Session, campaign_id: int) -> AnalysisBlock | None:
    """The newest non-empty ``analysis`` block that a run of the campaign brought."""
    for analysis in session.scalars(
        select(Run.analysis)
        .where(Run.campaign_id == campaign_id, Run.analysis.is_not(None))
        .order_by(Run.id.desc())
        .limit(UPLOAD_LOOKBACK)
    ):
        if analysis:
            block = AnalysisBlock.model_validate(analysis)
            if not block.is_empty:
                return block
    return None


def save_five_whys(
    session: Session,
    target: Target,
    block: AnalysisBlock,
    *,
    actor: str,
    change: str,
    at: datetime,
    source_url: str | None = None,
) -> StoredFiveWhys:
    """Store ``block`` as the person's record (a new version of it; the bot's draft, if
    there was one, is replaced)."""
    record = core(block).model_dump(mode="json", exclude_defaults=True)
    row = _row(session, target.repository_id, target.subject)
    if row is None:
        row = FiveWhysRecord(
            repository_id=target.repository_id,
            subject=target.subject,
            campaign_id=target.campaign_id,
            cluster_id=target.cluster_id,
            source=PERSON,
            status=CONFIRMED,
            version=0,
            created_at=at,
        )
        session.add(row)
    if row.source == EVIDENCE:  # the draft's versions were the bot's, not a person's
        row.version = 0
    row.record = record
    row.author = actor
    row.source, row.status = PERSON, CONFIRMED
    row.source_url = source_url
    row.version += 1
    row.updated_at = at
    session.flush()
    session.add(
        FiveWhysVersion(
            record_id=row.id,
            version=row.version,
            record=record,
            actor=actor,
            change=change[:255],
            at=at,
        )
    )
    session.flush()
    return _stored(row)


def edit_five_whys(
    session: Session,
    target: Target,
    edit: Callable[[AnalysisBlock], AnalysisBlock],
    *,
    actor: str,
    change: str,
    at: datetime,
    source_url: str | None = None,
    shown: AnalysisBlock | None = None,
) -> StoredFiveWhys:
    """Apply ``edit`` to the record people see now and save the result.

    With no person's record yet, a campaign's starts from its latest upload's whys,
    root cause and fixes (what the tracking issue shows), or else from ``shown`` (the
    draft the tracking issue shows); a cluster's from the bot's evidence draft's whys
    (or from nothing).
    ``edit`` raises :class:`bot.core.five_whys.FiveWhysError` when the change does not fit.
    """
    stored = load_five_whys(session, target.repository_id, target.subject)
    if stored is not None:
        base = stored.block  # a draft's whys, without the draft's notes on its sources
    elif target.campaign_id is not None:
        base = core(latest_upload_analysis(session, target.campaign_id))
        if base.is_empty and shown is not None:
            base = shown
    else:
        base = AnalysisBlock()
    return save_five_whys(
        session, target, edit(core(base)), actor=actor, change=change, at=at, source_url=source_url
    )


DraftSaved = Literal["saved", "unchanged", "person"]


def save_draft(
    session: Session, target: Target, draft: EvidenceDraft, *, at: datetime
) -> DraftSaved:
    """Store the bot's evidence draft, unless a person's record exists (never overwritten):
    ``person`` then (also when a person's ``/five-whys`` landed meanwhile)."""
    record = draft.model_dump(mode="json", exclude_defaults=True)
    row = _row(session, target.repository_id, target.subject)
    if row is not None:
        if row.source != EVIDENCE:
            return "person"
        if row.record == record:
            return "unchanged"
        # One statement that only touches a draft: a person's record saved since the row
        # was read is left alone (the WHERE is checked again under the row lock).
        updated = session.execute(
            update(FiveWhysRecord)
            .where(FiveWhysRecord.id == row.id, FiveWhysRecord.source == EVIDENCE)
            .values(record=record, updated_at=at, version=FiveWhysRecord.version + 1)
            .returning(FiveWhysRecord.id)
            .execution_options(synchronize_session=False)
        ).first()
        session.expire(row)
        return "saved" if updated is not None else "person"
    try:
        with session.begin_nested():
            session.add(
                FiveWhysRecord(
                    repository_id=target.repository_id,
                    subject=target.subject,
                    campaign_id=target.campaign_id,
                    cluster_id=target.cluster_id,
                    record=record,
                    source=EVIDENCE,
                    status=DRAFT,
                    author=None,
                    version=1,
                    created_at=at,
                    updated_at=at,
                )
            )
    except IntegrityError:  # a person's /five-whys landed first
        return "person"
    return "saved"

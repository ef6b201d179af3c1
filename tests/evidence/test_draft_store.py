"""The bot's draft never overwrites a person's record.

Besides the check below, the draft job and the command handler share the repository's
job lock, and the draft's update is one statement that only matches a draft row.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import transaction
from bot.adapters.store.models import Repository
from bot.app.five_whys_store import Target, load_five_whys, save_draft, save_five_whys
from bot.core.evidence.model import EvidenceDraft, EvidenceStep
from bot.core.five_whys import AnalysisBlock, WhyStep

AT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SUBJECT = "cluster:" + "f" * 20


def draft(text: str) -> EvidenceDraft:
    return EvidenceDraft(run_id=1, steps=[EvidenceStep(why="Why?", because=text)])


def target(factory: sessionmaker[Session]) -> Target:
    with transaction(factory) as session:
        repository = Repository(full_name="acme/shop")
        session.add(repository)
        session.flush()
        return Target(repository.id, SUBJECT)


def test_drafts_are_replaced_until_a_person_writes(session_factory: sessionmaker[Session]) -> None:
    where = target(session_factory)
    with transaction(session_factory) as session:
        assert save_draft(session, where, draft("first"), at=AT) == "saved"
    with transaction(session_factory) as session:
        assert save_draft(session, where, draft("first"), at=AT) == "unchanged"
        assert save_draft(session, where, draft("second"), at=AT) == "saved"
        stored = load_five_whys(session, where.repository_id, SUBJECT)
        assert stored is not None and stored.draft is not None
        assert (stored.draft.steps[0].because, stored.version) == ("second", 2)
    with transaction(session_factory) as session:
        block = AnalysisBlock(five_whys=[WhyStep(why="Why?", because="ana's answer")])
        person = save_five_whys(session, where, block, actor="ana", change="replaced", at=AT)
        assert (person.version, person.source, person.draft) == (1, "person", None)
    with transaction(session_factory) as session:
        assert save_draft(session, where, draft("third"), at=AT) == "person"
        stored = load_five_whys(session, where.repository_id, SUBJECT)
        assert stored is not None and stored.block.five_whys[0].because == "ana's answer"

"""GitHub's answers kept per commit pair (both databases): definite answers only, read
back in one query for all of a run's fixes, a second answer for a pair is ignored."""

from __future__ import annotations

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import transaction
from bot.adapters.store.models import CommitContainment, Repository
from bot.app.clusters.fix_in_build import known_answers, remember_answers
from bot.core.fix_in_build import Containment

BUILD = "f0a1b2c" + "0" * 33
FIXES = [f"{n:07x}" + "1" * 33 for n in range(1, 31)]


def test_answers_are_kept_and_read_back_in_one_query(
    session_factory: sessionmaker[Session], engine: Engine
) -> None:
    with transaction(session_factory) as session:
        repository = Repository(full_name="acme/shop")
        session.add(repository)
        session.flush()
        repository_id = repository.id
        statuses: dict[str, str | None] = {fix: "ahead" for fix in FIXES[:10]}
        statuses |= {fix: "diverged" for fix in FIXES[10:20]}
        statuses |= {fix: None for fix in FIXES[20:]}  # refused: unknown, not kept
        answers = remember_answers(session, repository_id, BUILD, statuses)
    assert answers[FIXES[0]] is Containment.CONTAINED
    assert answers[FIXES[10]] is Containment.NOT_CONTAINED
    assert answers[FIXES[20]] is Containment.UNKNOWN
    with session_factory() as session:
        rows = session.scalars(select(CommitContainment)).all()
        assert len(rows) == 20
        assert {r.status for r in rows} == {"ahead", "diverged"}

    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        with session_factory() as session:
            known = known_answers(session, repository_id, BUILD, FIXES)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if "commit_containment" in s]) == 1
    assert known == {fix: answers[fix] for fix in FIXES[:20]}

    # The same pair answered again (a concurrent worker): the first answer stays.
    with transaction(session_factory) as session:
        remember_answers(session, repository_id, BUILD, {FIXES[0]: "diverged"})
    with session_factory() as session:
        assert known_answers(session, repository_id, BUILD, FIXES[:1]) == {
            FIXES[0]: Containment.CONTAINED
        }
        assert known_answers(session, repository_id, "other", FIXES) == {}

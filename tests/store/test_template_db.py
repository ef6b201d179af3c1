"""The database fixtures: a test's ``engine`` is a clone of a template at the head
revision, and clones are independent; ``db_url`` stays empty for migration tests."""

from __future__ import annotations

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import make_engine, transaction
from bot.adapters.store.models import Repository
from bot.adapters.store.schema import current_revision, head_revision


def test_a_clone_is_at_the_head_revision(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert "repositories" in inspect(engine).get_table_names()


def test_a_clone_starts_with_no_rows(session_factory: sessionmaker[Session]) -> None:
    # Another test writes a repository into its clone; none may leak into this one.
    with transaction(session_factory) as session:
        assert session.query(Repository).count() == 0
        session.add(Repository(full_name="acme/leak"))


def test_a_second_clone_does_not_see_the_first_ones_rows(
    session_factory: sessionmaker[Session],
) -> None:
    with transaction(session_factory) as session:
        assert session.query(Repository).count() == 0
        session.add(Repository(full_name="acme/leak"))


def test_db_url_is_still_an_empty_database(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()

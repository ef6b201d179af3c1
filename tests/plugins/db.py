"""Database fixtures for every area: each test gets a fresh SQLite file and a fresh
PostgreSQL database (``db_url`` is parametrized over both).

PostgreSQL is expected at 127.0.0.1:5432, user ``postgres`` (override the server with
``LOOPWATCH_TEST_PG_ADMIN_URL``). Each test creates its own uniquely named database, so
several people and processes can run the suite at once, and drops it afterwards. When the
server is unreachable the PostgreSQL cases are skipped with the reason, or fail under
``CI=true``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.db import make_engine, make_session_factory
from bot.adapters.store.schema import upgrade_to_head
from tests.plugins.env import in_ci

PG_ADMIN_URL = os.environ.get(
    "LOOPWATCH_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@lru_cache(maxsize=1)
def _postgres_unreachable_reason() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL unreachable at {PG_ADMIN_URL}: {str(exc).strip()}"


def _require_postgres() -> None:
    reason = _postgres_unreachable_reason()
    if reason is None:
        return
    if in_ci():
        pytest.fail(reason + " (CI=true: database tests must run on PostgreSQL)")
    pytest.skip(reason=reason)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (``postgresql://`` URL), dropped afterwards."""
    _require_postgres()
    name = f"lw_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file (not yet created)."""
    return f"sqlite:///{tmp_path / 'loopwatch-test.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database URL, once per database (``sqlite`` and ``postgres`` ids)."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head with Alembic."""
    upgrade_to_head(db_url)
    engine = make_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the migrated database (``expire_on_commit=False``)."""
    return make_session_factory(engine)

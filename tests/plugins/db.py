"""Database fixtures for every area: each test gets its own SQLite file and its own
PostgreSQL database (``db_kind`` parametrizes them over both).

Two kinds of database:

* **empty** (``db_url``, ``pg_url``, ``sqlite_url``): for migration tests and for
  anything that runs ``loopwatch migrate`` itself;
* **at head** (``migrated_url``, ``engine``, ``session_factory``): a copy of a template
  migrated once per session (per pytest process, so per xdist worker). Running every
  Alembic migration per test cost 0.1–0.3 s a test; a clone costs a few milliseconds
  (SQLite: a file copy) or tens (PostgreSQL: ``CREATE DATABASE … TEMPLATE``, dropped
  in the background afterwards).

PostgreSQL is expected at 127.0.0.1:5432, user ``postgres`` (override the server with
``LOOPWATCH_TEST_PG_ADMIN_URL``). Every database, template included, has a unique name,
so several people and processes can run the suite at once on one server; each is dropped
when its test (the template: its session) ends. When the server is unreachable the
PostgreSQL cases are skipped with the reason, or fail under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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


def _pg_database_url(name: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _create_pg_database(name: str, template: str = "template0") -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (``postgresql://`` URL), dropped afterwards."""
    _require_postgres()
    name = f"lw_test_{uuid.uuid4().hex[:16]}"
    _create_pg_database(name)
    try:
        yield _pg_database_url(name)
    finally:
        _drop_pg_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file (not yet created)."""
    return f"sqlite:///{tmp_path / 'loopwatch-test.db'}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """The name of a PostgreSQL database migrated to head once for this session.

    ``upgrade_to_head`` disposes its engine, so no connection stays open on the template
    (PostgreSQL refuses to clone a database someone is connected to)."""
    _require_postgres()
    name = f"lw_tpl_{uuid.uuid4().hex[:16]}"
    _create_pg_database(name)
    try:
        upgrade_to_head(_pg_database_url(name))
        yield name
    finally:
        _drop_pg_database(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once for this session (engine disposed: no WAL)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "loopwatch-template.db"
    upgrade_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_dropper() -> Iterator[ThreadPoolExecutor]:
    """Drops the clones in the background: ``DROP DATABASE`` forces a checkpoint (around
    a second on a busy server), which the next test need not wait for. The session waits
    for every drop before it ends."""
    dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lw-drop-db")
    try:
        yield dropper
    finally:
        dropper.shutdown(wait=True)


@pytest.fixture
def migrated_pg_url(pg_template: str, pg_dropper: ThreadPoolExecutor) -> Iterator[str]:
    """A PostgreSQL database at head: a clone of the session's template, dropped after."""
    name = f"lw_test_{uuid.uuid4().hex[:16]}"
    _create_pg_database(name, template=pg_template)
    try:
        yield _pg_database_url(name)
    finally:
        pg_dropper.submit(_drop_pg_database, name)


@pytest.fixture
def migrated_sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A SQLite database at head: a copy of the session's template file."""
    path = tmp_path / "loopwatch-test.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_kind(request: pytest.FixtureRequest) -> str:
    """Which database a test runs on (``sqlite`` and ``postgres`` ids)."""
    return str(request.param)


@pytest.fixture
def db_url(db_kind: str, request: pytest.FixtureRequest) -> str:
    """An empty database URL, once per database."""
    return str(request.getfixturevalue("sqlite_url" if db_kind == "sqlite" else "pg_url"))


@pytest.fixture
def migrated_url(db_kind: str, request: pytest.FixtureRequest) -> str:
    """A database at the head revision, once per database (a clone of a template)."""
    name = "migrated_sqlite_url" if db_kind == "sqlite" else "migrated_pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    """An engine on a database at head."""
    engine = make_engine(migrated_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on the migrated database (``expire_on_commit=False``)."""
    return make_session_factory(engine)

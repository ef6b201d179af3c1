"""Engines, sessions and transactions for SQLite (the default) and PostgreSQL.

SQLite: WAL, a busy timeout, foreign keys on, and every transaction starts with
``BEGIN IMMEDIATE``. A deferred transaction that reads and then writes gets SQLITE_BUSY
under concurrency (it cannot upgrade its read lock); taking the write lock up front makes
writers queue on the busy timeout instead. This is SQLAlchemy's documented pysqlite
recipe: turn off pysqlite's own BEGIN and emit ours in the ``begin`` event.

PostgreSQL: psycopg 3 (``postgresql://`` is mapped to ``postgresql+psycopg://``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str) -> str:
    """Map ``postgres://`` and ``postgresql://`` to the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine set up for the job queue's concurrency on either database."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Disable pysqlite's implicit BEGIN (and its COMMIT before DDL); we emit our own.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def dialect_name(bind: Engine | Connection | Session) -> str:
    """``"sqlite"`` or ``"postgresql"``."""
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def is_sqlite(bind: Engine | Connection | Session) -> bool:
    return dialect_name(bind) == "sqlite"


def is_postgresql(bind: Engine | Connection | Session) -> bool:
    return dialect_name(bind) == "postgresql"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (no lazy reload per attribute)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error."""
    with factory() as session, session.begin():
        yield session

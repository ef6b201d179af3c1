"""Alembic environment, configured in code (``bot.adapters.store.schema`` or the ``alembic`` CLI).

The database URL comes from ``config.attributes["url"]`` (set by ``upgrade_to_head``),
else ``sqlalchemy.url`` in the ini file, else the ``LOOPWATCH_DATABASE_URL`` setting.
The engine is made by ``make_engine``, so SQLite migrations also run under
``BEGIN IMMEDIATE`` with foreign keys on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from bot.adapters.settings import get_settings
from bot.adapters.store.db import is_sqlite, make_engine, normalize_url
from bot.adapters.store.models import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    return normalize_url(str(url) if url else get_settings().sqlalchemy_url)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our UTC type as a plain timezone-aware DateTime in migration scripts."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite(connection),
        render_item=render_item,
        compare_type=True,
        # SQLite's DDL is transactional too: a failed migration leaves nothing half-done.
        transactional_ddl=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(database_url())
    try:
        with engine.connect() as connection, _foreign_keys_off(connection):
            configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite: foreign keys off while migrating. A batch migration copies a table, drops
    the old one and renames the copy; with foreign keys on, dropping ``runs`` would delete
    every row that refers to it (``ON DELETE CASCADE``). Checked again at the end, as
    SQLite's own guide to schema changes says. (The pragma is a no-op in a transaction, so
    it is sent on the raw connection before the first BEGIN.)"""
    if not is_sqlite(connection):
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
        problems = raw.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"migration left rows with broken foreign keys: {problems[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""Engine set-up: SQLite pragmas and BEGIN IMMEDIATE; URLs; transactions; the alembic CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy.exc
from sqlalchemy import Engine, func, select, text

from bot.adapters.store.db import (
    dialect_name,
    is_postgresql,
    is_sqlite,
    make_engine,
    make_session_factory,
    normalize_url,
    transaction,
)
from bot.adapters.store.models import Installation
from bot.adapters.store.schema import current_revision, head_revision

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_postgres_urls_use_psycopg_3() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    finally:
        engine.dispose()


def test_sqlite_transactions_take_the_write_lock_at_begin(sqlite_url: str) -> None:
    """BEGIN IMMEDIATE: a second transaction waits at BEGIN, even one that only reads."""
    engine = make_engine(sqlite_url)
    impatient = make_engine(sqlite_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        with engine.begin() as holder:
            holder.exec_driver_sql("SELECT count(*) FROM t").scalar()
            with impatient.connect() as other:
                # Without a transaction (exec_driver_sql would BEGIN): do not wait 30 s.
                other.connection.driver_connection.execute("PRAGMA busy_timeout = 0")  # type: ignore[union-attr]
                with pytest.raises(sqlalchemy.exc.OperationalError, match="locked"):
                    other.execute(text("SELECT count(*) FROM t"))
    finally:
        impatient.dispose()
        engine.dispose()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with pytest.raises(sqlalchemy.exc.IntegrityError), transaction(factory) as session:
        session.execute(
            text(
                "INSERT INTO repositories (full_name, installation_id, created_at) "
                "VALUES ('o/r', 999, CURRENT_TIMESTAMP)"
            )
        )


def test_transaction_commits_on_success_and_rolls_back_on_error(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        session.add(Installation(id=1, account_login="octo"))
    with pytest.raises(ZeroDivisionError), transaction(factory) as session:
        session.add(Installation(id=2, account_login="gone"))
        session.flush()
        _ = 1 / 0
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Installation)) == 1
        kept = session.get(Installation, 1)
    assert kept is not None and kept.account_login == "octo"  # readable after commit


def test_dialect_helpers(engine: Engine) -> None:
    name = dialect_name(engine)
    assert name in ("sqlite", "postgresql")
    assert is_sqlite(engine) == (name == "sqlite")
    assert is_postgresql(engine) == (name == "postgresql")
    with make_session_factory(engine)() as session:
        assert dialect_name(session) == name


def test_alembic_cli_upgrades_the_configured_database(db_url: str) -> None:
    env = {**os.environ, "LOOPWATCH_DATABASE_URL": db_url}
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()

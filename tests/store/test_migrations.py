"""Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect

from bot.adapters.store.db import make_engine
from bot.adapters.store.models import Base
from bot.adapters.store.schema import (
    SchemaOutOfDate,
    current_revision,
    ensure_schema_current,
    head_revision,
    upgrade_to_head,
)


def test_upgrade_head_matches_the_models(db_url: str) -> None:
    upgrade_to_head(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs: list[Any] = compare_metadata(context, Base.metadata)
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert diffs == []
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_comparison_notices_a_schema_that_differs(db_url: str) -> None:
    """The check above has teeth: a model change without a migration shows up as a diff."""
    upgrade_to_head(db_url)
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["jobs"].append_column(Column("added_without_migration", Integer))
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection), changed)
    finally:
        engine.dispose()
    assert [d[0] for d in diffs] == ["add_column"]


def test_unique_constraints_and_indexes_exist_after_migration(db_url: str) -> None:
    upgrade_to_head(db_url)
    engine = make_engine(db_url)
    try:
        inspector = inspect(engine)
        uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("runs")}
        indexes = {i["name"] for i in inspector.get_indexes("jobs")}
        job_uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("jobs")}
    finally:
        engine.dispose()
    assert ("repository_id", "run_key") in uniques
    assert ("repository_id", "idempotency_key") in uniques
    assert {"ix_jobs_ready", "ix_jobs_lock_key"} <= indexes
    assert ("dedupe_key",) in job_uniques


def test_upgrade_is_idempotent(db_url: str) -> None:
    upgrade_to_head(db_url)
    upgrade_to_head(db_url)
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_empty_database_is_refused_with_a_hint_to_migrate(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        with pytest.raises(SchemaOutOfDate, match="loopwatch migrate"):
            ensure_schema_current(engine)
        upgrade_to_head(db_url)
        ensure_schema_current(engine)
    finally:
        engine.dispose()


def test_old_revision_is_refused(db_url: str) -> None:
    upgrade_to_head(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'older'")
        with pytest.raises(SchemaOutOfDate, match="revision older"):
            ensure_schema_current(engine)
    finally:
        engine.dispose()


def test_0006_turns_json_null_definitions_into_sql_null(db_url: str) -> None:
    """Runs stored before 0006 kept "no definition" as JSON null; afterwards it is NULL,
    so the latest definition is found with IS NOT NULL."""
    from alembic import command
    from sqlalchemy import text

    from bot.adapters.store.schema import alembic_config

    command.upgrade(alembic_config(db_url), "0005")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO repositories (id, full_name, created_at) "
                    "VALUES (1, 'a/b', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO campaigns (id, repository_id, name, created_at) "
                    "VALUES (1, 1, 'e2e', CURRENT_TIMESTAMP)"
                )
            )
            for run_id, definition in ((1, "null"), (2, '{"strategy": "s"}')):
                connection.execute(
                    text(
                        "INSERT INTO runs (id, repository_id, campaign_id, environment, "
                        "definition, status, created_at) VALUES (:id, 1, 1, '{}', "
                        + ("CAST(:d AS JSON)" if engine.dialect.name == "postgresql" else ":d")
                        + ", 'processed', CURRENT_TIMESTAMP)"
                    ),
                    {"id": run_id, "d": definition},
                )
        upgrade_to_head(db_url)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id FROM runs WHERE definition IS NULL ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    assert [r.id for r in rows] == [1]

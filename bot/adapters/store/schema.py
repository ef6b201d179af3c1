"""Schema version management: Alembic migrations applied in code, and the start-up check.

``loopwatch migrate`` calls :func:`upgrade_to_head`; ``serve`` and ``worker`` call
:func:`ensure_schema_current` and refuse to start on an old (or empty) database.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from bot.adapters.store.db import normalize_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaOutOfDate(RuntimeError):
    """The database is not at the schema this code expects."""


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # Kept out of the ini options: those are %-interpolated, URLs may contain '%'.
        config.attributes["url"] = normalize_url(url)
    return config


def upgrade_to_head(url: str) -> None:
    """Apply every migration not yet applied (``loopwatch migrate``)."""
    command.upgrade(alembic_config(url), "head")


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError(f"no Alembic migrations found in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_schema_current(engine: Engine) -> None:
    """Raise :class:`SchemaOutOfDate` unless the database is at the head revision."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        where = "is empty (no schema)" if current is None else f"is at revision {current}"
        raise SchemaOutOfDate(
            f"The database {where}, but this version of Loopwatch needs revision {head}. "
            "Run `loopwatch migrate` to upgrade it, then start again."
        )

"""Two fresh PostgreSQL databases per chaos test: one for the clean replay, one for chaos."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.plugins.db import (
    _create_pg_database,
    _drop_pg_database,
    _pg_database_url,
    _require_postgres,
)


@pytest.fixture
def two_pg_urls() -> Iterator[tuple[str, str]]:
    """Skipped when PostgreSQL is unreachable, a failure under CI=true (tests/plugins/db.py)."""
    _require_postgres()
    names = [f"lw_chaos_{uuid.uuid4().hex[:16]}" for _ in range(2)]
    for name in names:
        _create_pg_database(name)
    try:
        yield _pg_database_url(names[0]), _pg_database_url(names[1])
    finally:
        for name in names:
            _drop_pg_database(name)

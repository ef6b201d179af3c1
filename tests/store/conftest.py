"""Fixtures for the store and queue tests (database fixtures come from tests/plugins/db.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"

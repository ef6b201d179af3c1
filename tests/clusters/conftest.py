"""Fixtures for the cluster tests (database fixtures come from tests/plugins/db.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


from tests.clusters.signature_versions import versions  # noqa: E402, F401 - v1 → v2 switch
from tests.pipeline.conftest import harness  # noqa: E402, F401 - the in-process harness

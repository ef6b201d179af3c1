"""Check runs end to end: the in-process stack (sandbox, web, worker) on both databases."""

from __future__ import annotations

from tests.pipeline.conftest import harness as harness

"""Index ``test_results`` by test: the hot queries look a test's results up across runs
(the cluster view's "runs seen", flaky-on-the-same-commit detection, the last green run)
and joined on ``test_id`` they need ``(test_id, run_id)``, or a 100k-test run scans the
table once per test (issue 18).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_test_results_test_run", "test_results", ["test_id", "run_id"])


def downgrade() -> None:
    op.drop_index("ix_test_results_test_run", table_name="test_results")

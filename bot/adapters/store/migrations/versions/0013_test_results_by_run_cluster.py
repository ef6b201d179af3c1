"""Index ``test_results`` by (run, cluster): the per-run cluster reads (the tracking
issue's findings, a regression's tests, the five-whys evidence, a cluster's count in a
run) select ``run_id = ? AND cluster_id …``; on ``run_id`` alone each read walks every
result of the run, a million on a big report. The old ``run_id`` index is its prefix and
goes (one index less to fill per ``COPY``); issue 18.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_test_results_run_cluster", "test_results", ["run_id", "cluster_id"])
    op.drop_index("ix_test_results_run", table_name="test_results")


def downgrade() -> None:
    op.create_index("ix_test_results_run", "test_results", ["run_id"])
    op.drop_index("ix_test_results_run_cluster", table_name="test_results")

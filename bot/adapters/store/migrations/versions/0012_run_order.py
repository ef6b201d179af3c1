"""Order of runs (issue 18): when a run was folded into cluster state, and what an
unprocessed run waits for (an earlier run of its campaign).

Runs processed before this revision count as folded (``folded_at`` = ``processed_at``),
unless they came from a fork (never folded).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("folded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("waiting_for_run_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE runs SET folded_at = processed_at WHERE status = 'processed' "
        "AND (head_repository IS NULL OR head_repository = '')"
    )
    # "Has a later run of this campaign been folded?" — asked for every run processed.
    op.create_index("ix_runs_campaign_folded", "runs", ["campaign_id", "folded_at"])


def downgrade() -> None:
    op.drop_index("ix_runs_campaign_folded", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("waiting_since")
        batch.drop_column("waiting_for_run_id")
        batch.drop_column("folded_at")

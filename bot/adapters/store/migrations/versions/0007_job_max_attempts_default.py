"""A job's ``max_attempts`` may be NULL: the worker's ``LOOPWATCH_JOB_MAX_ATTEMPTS`` then
applies (the queue no longer reads settings when a job is enqueued). Existing jobs keep
the limit they were given.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What NULL meant (the settings' default) when going back to a NOT NULL column.
DOWNGRADE_MAX_ATTEMPTS = 20


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("max_attempts", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute(
        sa.text("UPDATE jobs SET max_attempts = :n WHERE max_attempts IS NULL").bindparams(
            n=DOWNGRADE_MAX_ATTEMPTS
        )
    )
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("max_attempts", existing_type=sa.Integer(), nullable=False)

"""One write pacer per installation across all workers (issue 18): the pacer's state of
each installation in a row every worker process reads and updates (``write_lanes``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-14
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "write_lanes",
        sa.Column("lane_key", sa.String(length=255), nullable=False),
        sa.Column("next_write_at", sa.Float(precision=53), nullable=False),
        sa.Column("next_notify_at", sa.Float(precision=53), nullable=False),
        sa.Column("held_by", sa.String(length=255), nullable=True),
        sa.Column("held_until", sa.Float(precision=53), nullable=True),
        sa.PrimaryKeyConstraint("lane_key", name=op.f("pk_write_lanes")),
    )


def downgrade() -> None:
    op.drop_table("write_lanes")

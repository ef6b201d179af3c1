"""Creates that survive late writes (issue 18): a claim records "attempt N sent at T,
outcome unknown"; the attempt count is the compare-and-set token of a re-claim, so two
workers cannot both send a create again once the late-write window has passed.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, attempts column, claim time column)
_CLAIMS = (
    ("github_issues", "create_attempts", "create_claimed_at"),
    ("github_comments", "post_attempts", "post_claimed_at"),
    ("check_runs", "create_attempts", "create_claimed_at"),
)


def upgrade() -> None:
    for table, attempts, claimed_at in _CLAIMS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column(attempts, sa.Integer(), nullable=False, server_default="0")
            )
        # A claim taken before this revision was one attempt.
        op.execute(
            sa.text(f"UPDATE {table} SET {attempts} = 1 WHERE {claimed_at} IS NOT NULL")  # noqa: S608
        )


def downgrade() -> None:
    for table, attempts, _claimed_at in _CLAIMS:
        with op.batch_alter_table(table) as batch:
            batch.drop_column(attempts)

"""Check runs (issue #7): their desired and synced state; the fork a run came from.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "check_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("head_sha", sa.String(length=64), nullable=False),
        sa.Column("workflow_run_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("conclusion", sa.String(length=32), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("details_url", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("annotations", sa.JSON(), nullable=False),
        sa.Column("sent_annotations", sa.JSON(), nullable=False),
        sa.Column("run_ids", sa.JSON(), nullable=False),
        sa.Column("desired_hash", sa.String(length=64), nullable=False),
        sa.Column("synced_hash", sa.String(length=64), nullable=True),
        sa.Column("github_id", sa.BigInteger(), nullable=True),
        sa.Column("create_claimed_at", _TZ, nullable=True),
        sa.Column("synced_at", _TZ, nullable=True),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_check_runs_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_check_runs_repository_id_repositories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_runs")),
        sa.UniqueConstraint("repository_id", "key", name=op.f("uq_check_runs_repository_id_key")),
    )
    op.create_index(op.f("ix_check_runs_repository_id"), "check_runs", ["repository_id"])
    op.create_index(op.f("ix_check_runs_github_id"), "check_runs", ["github_id"])
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("head_repository", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("head_repository")
    op.drop_index(op.f("ix_check_runs_github_id"), table_name="check_runs")
    op.drop_index(op.f("ix_check_runs_repository_id"), table_name="check_runs")
    op.drop_table("check_runs")

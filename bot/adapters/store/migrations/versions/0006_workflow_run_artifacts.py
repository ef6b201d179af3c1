"""Reports from workflow-run artifacts (issue #8): which artifacts were read, and which
artifact each report file came from. Also: a run without a campaign definition stores SQL
NULL there (it stored JSON null), so the latest definition is one query.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ingested_artifacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("artifact_id", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("workflow_run_id", sa.BigInteger(), nullable=False),
        sa.Column("run_attempt", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_ingested_artifacts_repository_id_repositories"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_ingested_artifacts_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingested_artifacts")),
        sa.UniqueConstraint(
            "repository_id",
            "artifact_id",
            "digest",
            name=op.f("uq_ingested_artifacts_repository_id_artifact_id_digest"),
        ),
    )
    op.create_index(
        op.f("ix_ingested_artifacts_workflow_run_id"),
        "ingested_artifacts",
        ["workflow_run_id"],
        unique=False,
    )
    with op.batch_alter_table("run_files") as batch:
        batch.add_column(sa.Column("artifact_id", sa.BigInteger(), nullable=True))
    runs = sa.table("runs", sa.column("definition", sa.JSON()))
    op.execute(
        runs.update()
        .where(sa.cast(runs.c.definition, sa.Text()) == "null")
        .values(definition=sa.null())
    )


def downgrade() -> None:
    with op.batch_alter_table("run_files") as batch:
        batch.drop_column("artifact_id")
    op.drop_index(op.f("ix_ingested_artifacts_workflow_run_id"), table_name="ingested_artifacts")
    op.drop_table("ingested_artifacts")

"""A regression only when the fix is in the build (issue 17): GitHub's answers to "does
this build contain that fix?" kept per commit pair (they never change), and the commit of
each green streak's first run (the fix of a green-run resolution).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "commit_containment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("build_sha", sa.String(length=64), nullable=False),
        sa.Column("fix_sha", sa.String(length=64), nullable=False),
        sa.Column("contained", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_commit_containment_repository_id_repositories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commit_containment")),
        sa.UniqueConstraint(
            "repository_id",
            "build_sha",
            "fix_sha",
            name=op.f("uq_commit_containment_repository_id_build_sha_fix_sha"),
        ),
    )
    with op.batch_alter_table("clusters") as batch:
        batch.add_column(sa.Column("green_streak_commits", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clusters") as batch:
        batch.drop_column("green_streak_commits")
    op.drop_table("commit_containment")

"""Slash commands (issue #5): invocations, the permission cache, five-whys records,
a person's word on flakiness, and labels the bot takes back.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "command_invocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("line_key", sa.String(length=64), nullable=False),
        sa.Column("issue_number", sa.Integer(), nullable=False),
        sa.Column("command", sa.String(length=64), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("finished_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_command_invocations_repository_id_repositories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_command_invocations")),
        sa.UniqueConstraint(
            "repository_id",
            "source",
            "line_key",
            name=op.f("uq_command_invocations_repository_id_source_line_key"),
        ),
    )
    op.create_index(
        op.f("ix_command_invocations_repository_id"),
        "command_invocations",
        ["repository_id"],
        unique=False,
    )
    op.create_table(
        "permission_cache",
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=255), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("fetched_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_permission_cache_repository_id_repositories"),
        ),
        sa.PrimaryKeyConstraint("repository_id", "login", name=op.f("pk_permission_cache")),
    )
    op.create_table(
        "five_whys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=512), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_five_whys_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["clusters.id"],
            name=op.f("fk_five_whys_cluster_id_clusters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_five_whys_repository_id_repositories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_five_whys")),
        sa.UniqueConstraint(
            "repository_id", "subject", name=op.f("uq_five_whys_repository_id_subject")
        ),
    )
    op.create_index(
        op.f("ix_five_whys_repository_id"), "five_whys", ["repository_id"], unique=False
    )
    op.create_table(
        "five_whys_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=True),
        sa.Column("change", sa.String(length=255), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["five_whys.id"],
            name=op.f("fk_five_whys_versions_record_id_five_whys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_five_whys_versions")),
        sa.UniqueConstraint(
            "record_id", "version", name=op.f("uq_five_whys_versions_record_id_version")
        ),
    )
    with op.batch_alter_table("clusters") as batch:
        batch.add_column(sa.Column("flaky_pinned", sa.Boolean(), nullable=True))
    with op.batch_alter_table("github_issues") as batch:
        batch.add_column(
            sa.Column("unlabels", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("github_issues") as batch:
        batch.drop_column("unlabels")
    with op.batch_alter_table("clusters") as batch:
        batch.drop_column("flaky_pinned")
    op.drop_table("five_whys_versions")
    op.drop_index(op.f("ix_five_whys_repository_id"), table_name="five_whys")
    op.drop_table("five_whys")
    op.drop_table("permission_cache")
    op.drop_index(op.f("ix_command_invocations_repository_id"), table_name="command_invocations")
    op.drop_table("command_invocations")

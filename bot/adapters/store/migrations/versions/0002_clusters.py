"""Failure clusters (issue #4): clusters, their history and aliases; TestResult signatures.

Works on SQLite (batch mode for the new TestResult columns and foreign key) and
PostgreSQL; tests/store/test_migrations.py compares the result with the models.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("signature_version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("family", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("severity", sa.String(length=32), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("flaky", sa.Boolean(), nullable=False),
        sa.Column("muted_until", _TZ, nullable=True),
        sa.Column("test_ids", sa.JSON(), nullable=False),
        sa.Column("first_seen_run_id", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", _TZ, nullable=True),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.Column("last_seen_at", _TZ, nullable=True),
        sa.Column("last_applied_run_id", sa.Integer(), nullable=True),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("runs_failed", sa.Integer(), nullable=False),
        sa.Column("flaky_runs", sa.Integer(), nullable=False),
        sa.Column("regressions", sa.Integer(), nullable=False),
        sa.Column("green_streaks", sa.JSON(), nullable=False),
        sa.Column("resolved_at", _TZ, nullable=True),
        sa.Column("resolved_by", sa.String(length=255), nullable=True),
        sa.Column("resolved_reason", sa.String(length=64), nullable=True),
        sa.Column("resolved_commit", sa.String(length=64), nullable=True),
        sa.Column("resolved_pull_request", sa.Integer(), nullable=True),
        sa.Column("sample_message", sa.Text(), nullable=True),
        sa.Column("sample_trace", sa.Text(), nullable=True),
        sa.Column("issue_key", sa.String(length=512), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["first_seen_run_id"],
            ["runs.id"],
            name=op.f("fk_clusters_first_seen_run_id_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["last_seen_run_id"],
            ["runs.id"],
            name=op.f("fk_clusters_last_seen_run_id_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_clusters_repository_id_repositories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clusters")),
        sa.UniqueConstraint(
            "repository_id", "fingerprint", name=op.f("uq_clusters_repository_id_fingerprint")
        ),
    )
    op.create_index(op.f("ix_clusters_repository_id"), "clusters", ["repository_id"], unique=False)
    op.create_table(
        "cluster_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["clusters.id"],
            name=op.f("fk_cluster_events_cluster_id_clusters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["runs.id"],
            name=op.f("fk_cluster_events_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_events")),
    )
    op.create_index(
        "ix_cluster_events_cluster", "cluster_events", ["cluster_id", "id"], unique=False
    )
    op.create_table(
        "cluster_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repository_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("signature_version", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["clusters.id"],
            name=op.f("fk_cluster_aliases_cluster_id_clusters"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["repository_id"],
            ["repositories.id"],
            name=op.f("fk_cluster_aliases_repository_id_repositories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_aliases")),
        sa.UniqueConstraint(
            "repository_id",
            "fingerprint",
            name=op.f("uq_cluster_aliases_repository_id_fingerprint"),
        ),
    )
    op.create_index(
        op.f("ix_cluster_aliases_cluster_id"), "cluster_aliases", ["cluster_id"], unique=False
    )
    with op.batch_alter_table("test_results") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("cluster_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_test_results_cluster_id"), ["cluster_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_test_results_cluster_id_clusters"),
            "clusters",
            ["cluster_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("test_results") as batch:
        batch.drop_constraint(batch.f("fk_test_results_cluster_id_clusters"), type_="foreignkey")
        batch.drop_index(batch.f("ix_test_results_cluster_id"))
        batch.drop_column("cluster_id")
        batch.drop_column("fingerprint")
    op.drop_index(op.f("ix_cluster_aliases_cluster_id"), table_name="cluster_aliases")
    op.drop_table("cluster_aliases")
    op.drop_index("ix_cluster_events_cluster", table_name="cluster_events")
    op.drop_table("cluster_events")
    op.drop_index(op.f("ix_clusters_repository_id"), table_name="clusters")
    op.drop_table("clusters")

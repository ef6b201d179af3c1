"""Run files stored in chunks (issue 18): ``run_file_chunks`` rows of about 1 MiB, so the
web never holds a whole report to store it. ``run_files.content`` becomes nullable: it keeps
the bytes of files stored before this revision (NULL: the bytes are in the chunks).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_file_chunks",
        sa.Column("run_file_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_file_id"],
            ["run_files.id"],
            name=op.f("fk_run_file_chunks_run_file_id_run_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_file_id", "seq", name=op.f("pk_run_file_chunks")),
    )
    with op.batch_alter_table("run_files") as batch:
        batch.alter_column("content", existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    """Put each chunked file's bytes back into ``content``, one file at a time."""
    connection = op.get_bind()
    files = sa.table("run_files", sa.column("id"), sa.column("content", sa.LargeBinary()))
    chunks = sa.table(
        "run_file_chunks",
        sa.column("run_file_id"),
        sa.column("seq"),
        sa.column("data", sa.LargeBinary()),
    )
    chunked = connection.scalars(sa.select(files.c.id).where(files.c.content.is_(None))).all()
    for file_id in chunked:
        pieces = connection.scalars(
            sa.select(chunks.c.data).where(chunks.c.run_file_id == file_id).order_by(chunks.c.seq)
        )
        connection.execute(
            files.update().where(files.c.id == file_id).values(content=b"".join(pieces))
        )
    with op.batch_alter_table("run_files") as batch:
        batch.alter_column("content", existing_type=sa.LargeBinary(), nullable=False)
    op.drop_table("run_file_chunks")

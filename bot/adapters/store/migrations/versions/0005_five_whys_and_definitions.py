"""Five-whys (issue #6): the comment a person's record was last written in; campaign
steering (issue #9): the campaign definition an upload brings.

The bot's evidence drafts need no new table: they are ``five_whys`` rows with source
``evidence`` and status ``draft``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("five_whys") as batch:
        batch.add_column(sa.Column("source_url", sa.Text(), nullable=True))
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("definition", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("definition")
    with op.batch_alter_table("five_whys") as batch:
        batch.drop_column("source_url")

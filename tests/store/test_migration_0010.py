"""0010: a claim taken before the attempt count existed counts as one attempt."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from bot.adapters.store.db import make_engine
from bot.adapters.store.schema import alembic_config


def test_0010_counts_an_earlier_claim_as_one_attempt_and_downgrades(db_url: str) -> None:
    config = alembic_config(db_url)
    command.upgrade(config, "0009")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO repositories (id, full_name, created_at) "
                    "VALUES (1, 'a/b', CURRENT_TIMESTAMP)"
                )
            )
            for row_id, claimed in ((1, "CURRENT_TIMESTAMP"), (2, "NULL")):
                connection.execute(
                    text(
                        "INSERT INTO github_comments (id, repository_id, key, body, "
                        f"post_claimed_at, created_at) VALUES ({row_id}, 1, 'note:{row_id}', "
                        f"'b', {claimed}, CURRENT_TIMESTAMP)"
                    )
                )
        command.upgrade(config, "0010")
        with engine.connect() as connection:
            attempts = connection.execute(
                text("SELECT post_attempts FROM github_comments ORDER BY id")
            ).scalars()
            assert list(attempts) == [1, 0]
        command.downgrade(config, "0009")
        with engine.connect() as connection:
            keys = connection.execute(text("SELECT key FROM github_comments ORDER BY id"))
            assert list(keys.scalars()) == ["note:1", "note:2"]
    finally:
        engine.dispose()

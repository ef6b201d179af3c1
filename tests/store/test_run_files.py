"""Run files stored in chunks read back byte for byte, on SQLite and PostgreSQL; files
stored before the chunks (migration 0014) stay readable, and a downgrade keeps the bytes."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import delete, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.store.campaigns import campaign_named
from bot.adapters.store.db import make_engine, make_session_factory, transaction
from bot.adapters.store.models import Repository, Run, RunFile, RunFileChunk
from bot.adapters.store.run_files import (
    CHUNK_BYTES,
    RunFileSizeMismatch,
    iter_run_file,
    run_file_contents,
    split,
    store_run_file,
)
from bot.adapters.store.schema import alembic_config, upgrade_to_head

MULTI = random.Random(7).randbytes(2 * CHUNK_BYTES + 12_345)  # three chunks, the last short
FILES = [
    ("empty.xml", b""),
    ("small.xml", b"<testsuite/>"),
    ("exact.bin", random.Random(8).randbytes(CHUNK_BYTES)),
    ("multi.bin", MULTI),
]


def _new_run(session: Session, key: str = "r1") -> int:
    repository = Repository(full_name="octo-org/widgets")
    session.add(repository)
    session.flush()
    campaign = campaign_named(session, repository.id, "e2e")
    run = Run(repository_id=repository.id, campaign_id=campaign.id, run_key=key)
    session.add(run)
    session.flush()
    return run.id


def _store(session: Session, run_id: int, name: str, content: bytes) -> int:
    return store_run_file(
        session,
        run_id=run_id,
        filename=name,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        chunks=split(content),
    )


def _chunk_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(RunFileChunk)) or 0)


def test_files_round_trip_byte_for_byte(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        run_id = _new_run(session)
        for name, content in FILES:
            _store(session, run_id, name, content)
    with session_factory() as session:
        assert run_file_contents(session, run_id) == FILES
        ids = session.scalars(select(RunFile.id).order_by(RunFile.id)).all()
        pieces = [list(iter_run_file(session, file_id)) for file_id in ids]
    # Nothing for the empty file; one row per MiB begun, each at most a chunk.
    assert [len(p) for p in pieces] == [0, 1, 1, 3]
    assert max(len(piece) for p in pieces for piece in p) == CHUNK_BYTES
    assert _chunk_count(session_factory) == 5


def test_loading_a_file_row_does_not_load_its_bytes(
    session_factory: sessionmaker[Session],
) -> None:
    with transaction(session_factory) as session:
        run_id = _new_run(session)
        session.add(RunFile(run_id=run_id, filename="old.xml", content=MULTI, size=1, sha256=""))
    with session_factory() as session:
        row = session.scalars(select(RunFile)).one()
        assert "content" not in inspect(row).dict  # the status API lists files this way


def test_files_stored_whole_before_the_chunks_are_still_read(
    session_factory: sessionmaker[Session],
) -> None:
    with transaction(session_factory) as session:
        run_id = _new_run(session)
        session.add(
            RunFile(run_id=run_id, filename="old.xml", content=MULTI, size=len(MULTI), sha256="")
        )
        session.flush()
        _store(session, run_id, "new.xml", b"<testsuite/>")
    with session_factory() as session:
        assert run_file_contents(session, run_id) == [
            ("old.xml", MULTI),
            ("new.xml", b"<testsuite/>"),
        ]


def test_chunks_that_do_not_add_up_store_nothing(session_factory: sessionmaker[Session]) -> None:
    with transaction(session_factory) as session:
        run_id = _new_run(session)

    def cut_short() -> Iterator[bytes]:
        yield MULTI[:CHUNK_BYTES]

    with (
        pytest.raises(RunFileSizeMismatch, match="1048576 bytes stored"),
        transaction(session_factory) as session,
    ):
        store_run_file(
            session,
            run_id=run_id,
            filename="multi.bin",
            size=len(MULTI),
            sha256="",
            chunks=cut_short(),
        )
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(RunFile)) == 0
    assert _chunk_count(session_factory) == 0


def test_deleting_a_file_deletes_its_chunks(session_factory: sessionmaker[Session]) -> None:
    """As artifacts.py drops a superseded artifact's files: a bulk DELETE, no ORM cascade."""
    with transaction(session_factory) as session:
        run_id = _new_run(session)
        dropped = _store(session, run_id, "multi.bin", MULTI)
        _store(session, run_id, "small.xml", b"<testsuite/>")
    with transaction(session_factory) as session:
        session.execute(delete(RunFile).where(RunFile.id == dropped))
    assert _chunk_count(session_factory) == 1
    with session_factory() as session:
        assert run_file_contents(session, run_id) == [("small.xml", b"<testsuite/>")]


def test_0014_keeps_old_files_and_its_downgrade_puts_chunks_back(db_url: str) -> None:
    command.upgrade(alembic_config(db_url), "0009")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO repositories (id, full_name, created_at) "
                "VALUES (1, 'a/b', CURRENT_TIMESTAMP)",
                "INSERT INTO campaigns (id, repository_id, name, created_at) "
                "VALUES (1, 1, 'e2e', CURRENT_TIMESTAMP)",
                "INSERT INTO runs (id, repository_id, campaign_id, environment, status, "
                "created_at) VALUES (1, 1, 1, '{}', 'processed', CURRENT_TIMESTAMP)",
            ):
                connection.execute(text(statement))
            connection.execute(
                text(
                    "INSERT INTO run_files (run_id, filename, content, size, sha256) "
                    "VALUES (1, 'old.xml', :content, :size, '')"
                ),
                {"content": MULTI, "size": len(MULTI)},
            )
        upgrade_to_head(db_url)
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            _store(session, 1, "new.bin", MULTI[::-1])
            _store(session, 1, "empty.xml", b"")
        with factory() as session:
            assert run_file_contents(session, 1) == [
                ("old.xml", MULTI),
                ("new.bin", MULTI[::-1]),
                ("empty.xml", b""),
            ]

        engine.dispose()
        command.downgrade(alembic_config(db_url), "0009")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT filename, content FROM run_files ORDER BY id"))
            assert [(name, bytes(content)) for name, content in rows] == [
                ("old.xml", MULTI),
                ("new.bin", MULTI[::-1]),
                ("empty.xml", b""),
            ]
    finally:
        engine.dispose()

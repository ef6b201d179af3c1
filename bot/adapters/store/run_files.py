"""A run's report files: stored in chunks of ``CHUNK_BYTES``, read back piece by piece.

A report written as one value costs the writer several copies of it at once (the bytes,
the driver's parameter buffer, SQLite's or libpq's own copy): 100–150 MiB of web memory
for one 50 MiB upload. Written one chunk per statement, the writer holds one chunk at a
time, whatever the file's size. Rows stored before migration 0014 keep the whole file in
``run_files.content`` and are read from there.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.adapters.store.models import RunFile, RunFileChunk

CHUNK_BYTES = 1024 * 1024
_CHUNKS_PER_FETCH = 4  # rows a read holds at once


class RunFileSizeMismatch(ValueError):
    """The chunks given (or found) do not add up to the file's recorded size."""


def split(content: bytes, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """``content`` in pieces of ``size`` bytes (for bytes already in memory)."""
    for start in range(0, len(content), size):
        yield content[start : start + size]


def store_run_file(
    session: Session,
    *,
    run_id: int,
    filename: str,
    size: int,
    sha256: str,
    chunks: Iterable[bytes],
    artifact_id: int | None = None,
) -> int:
    """Insert a file and its chunks in the caller's transaction; the file's id.

    ``chunks`` is consumed one piece at a time, one INSERT each, so only that piece is in
    memory. Raises ``RunFileSizeMismatch`` (the caller's transaction then stores nothing)
    when the pieces do not add up to ``size``.
    """
    file_id = session.scalars(
        insert(RunFile)
        .values(
            run_id=run_id,
            filename=filename,
            content=None,
            size=size,
            sha256=sha256,
            artifact_id=artifact_id,
        )
        .returning(RunFile.id)
    ).one()
    stored = seq = 0
    for data in chunks:
        if not data:
            continue
        session.execute(insert(RunFileChunk), {"run_file_id": file_id, "seq": seq, "data": data})
        seq += 1
        stored += len(data)
    if stored != size:
        raise RunFileSizeMismatch(f"{filename}: {stored} bytes stored, {size} expected")
    return file_id


def iter_run_file(session: Session, file_id: int) -> Iterator[bytes]:
    """A stored file's bytes, in order, a few chunks in memory at a time."""
    legacy = session.scalar(select(RunFile.content).where(RunFile.id == file_id))
    if legacy is not None:
        yield legacy
        return
    rows = session.scalars(
        select(RunFileChunk.data)
        .where(RunFileChunk.run_file_id == file_id)
        .order_by(RunFileChunk.seq)
        .execution_options(yield_per=_CHUNKS_PER_FETCH)
    )
    yield from rows


def read_run_file(session: Session, file_id: int) -> bytes:
    """A stored file's bytes, whole (about one copy of the file at the peak)."""
    buffer = io.BytesIO()
    for data in iter_run_file(session, file_id):
        buffer.write(data)
    # BytesIO hands over its own buffer here when nothing else holds a view of it.
    return buffer.getvalue()


def run_file_contents(session: Session, run_id: int) -> list[tuple[str, bytes]]:
    """A run's files as (filename, bytes), in the order they were stored."""
    files = session.execute(
        select(RunFile.id, RunFile.filename).where(RunFile.run_id == run_id).order_by(RunFile.id)
    ).all()
    return [(filename, read_run_file(session, file_id)) for file_id, filename in files]

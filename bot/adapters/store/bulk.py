"""Rows in bulk, and lists of ids of any length, without one bind parameter per row.

PostgreSQL takes at most 65,535 bind parameters in one statement, and a report can hold a
million tests: a list of ids of unbounded length is never bound into one statement.
:func:`insert_rows` streams rows with ``COPY … FROM STDIN`` on PostgreSQL (no bind
parameters at all, 20–50× cheaper than ORM inserts) and with ``executemany`` in chunks on
SQLite (one row's parameters per execution); :func:`chunked` cuts an id list for the
queries that cannot be a join.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from bot.adapters.store.db import is_postgresql

T = TypeVar("T")

# Ids bound in one ``IN (…)`` list at most (well under both databases' limits: SQLite's
# default SQLITE_MAX_VARIABLE_NUMBER is 32,766, PostgreSQL's 65,535).
ID_CHUNK = 500
# Rows per ``executemany`` call on SQLite (memory stays flat as a report grows).
ROW_CHUNK = 5_000


def chunked(items: Iterable[T], size: int = ID_CHUNK) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (values in ``columns`` order) in the session's transaction; returns
    how many. Pending ORM changes are flushed first, so the rows see them."""
    session.flush()
    if is_postgresql(session):
        return _copy(session, table, columns, rows)
    count = 0
    statement = insert(table)
    for chunk in chunked(rows, ROW_CHUNK):
        params: list[Mapping[str, Any]] = [dict(zip(columns, row, strict=True)) for row in chunk]
        session.execute(statement, params)
        count += len(chunk)
    return count


def _copy(session: Session, table: Table, columns: Sequence[str], rows: Iterable[Any]) -> int:
    from psycopg import sql  # PostgreSQL only; psycopg is its driver

    driver = session.connection().connection.driver_connection
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    count = 0
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)
            count += 1
    return count

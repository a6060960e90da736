"""§3.1's plain-text data export, and the data of component results read in a given order
(iter_data: the zips' data files, the data viewer): the stored UTF-8 bytes as they are, a
chunk of results a query, SQLite joining a chunk into one string, PostgreSQL through a
server-side cursor.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import peewee

from store.db import postgres
from store.db.models import ComponentResult
from store.db.sqlite import is_sqlite
from store.errors import Cancelled


def check_cancelled(cancelled) -> None:
    if cancelled and cancelled():
        raise Cancelled("export cancelled; no file was written")


DATA_CHUNK = 2000  # component results whose data one query of iter_data fetches


def iter_data(cr_ids: list[int], chunk_size: int | None = None) -> Iterator[tuple[int, bytes | None]]:
    """(component result id, data as UTF-8 bytes) in the order given, a chunk at a time."""
    db = ComponentResult._meta.database
    table = ComponentResult._meta.table_name
    if not is_sqlite(db):
        yield from _iter_data_postgres(db, table, cr_ids, chunk_size or DATA_CHUNK)
        return
    for chunk in peewee.chunked(cr_ids, chunk_size or DATA_CHUNK):
        # The stored UTF-8 bytes as they are: no decoding and encoding again in Python.
        cursor = db.execute_sql(
            f'SELECT id, CAST(data AS BLOB) FROM "{table}" WHERE id IN (SELECT value FROM json_each(?))',
            (json.dumps(chunk),),
        )
        found = dict(cursor.fetchall())
        for i in chunk:
            yield i, found.get(i)


def _iter_data_postgres(db, table: str, cr_ids: list[int], batch: int) -> Iterator[tuple[int, bytes | None]]:
    # One query for all of them, read through a server-side cursor in the given order. As
    # text, encoded here: psycopg2 reads bytea (convert_to) at half the speed.
    sql = (
        f'SELECT u.id, c.data FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(id, n) '
        f'LEFT JOIN "{table}" c ON c.id = u.id ORDER BY u.n'
    )
    for rows in postgres.stream(db, sql, (list(cr_ids),), batch):
        for i, data in rows:
            yield i, (data.encode("utf-8") if data is not None else None)


def write_data_text(fh, cr_ids: list[int] | None, progress=None, cancelled=None, sep: bytes = b"\n") -> int:
    """§3.1: each data followed by a line break, ascending id; nothing for NULL data.
    cr_ids None: every component result. Returns how many component results."""
    db = ComponentResult._meta.database
    if is_sqlite(db):
        return _write_data_text_sqlite(fh, cr_ids, progress, cancelled, sep)
    if cr_ids is None:
        # Everything: one scan in id order through a server-side cursor, no id list.
        total = ComponentResult.select().count()
        table = ComponentResult._meta.table_name
        sql = f'SELECT id, data FROM "{table}" ORDER BY id'
        rows = ((i, None if d is None else d.encode("utf-8")) for batch in postgres.stream(db, sql, (), DATA_CHUNK) for i, d in batch)
    else:
        total = len(cr_ids)
        rows = iter_data(cr_ids)
    buf: list[bytes] = []
    for n, (_, data) in enumerate(rows, 1):
        if data is not None:
            buf.append(data)
            buf.append(sep)
        if n % DATA_CHUNK == 0:  # a chunk of iter_data a write (and a progress call)
            fh.write(b"".join(buf))
            buf.clear()
            check_cancelled(cancelled)
            if progress:
                progress(n, total)
    fh.write(b"".join(buf))
    if progress:
        progress(total, total)
    return total


# SQLite joins the data of this many results into one string: one Python object and one
# write a chunk instead of one a row (the join is three times faster than fetching rows).
JOIN_CHUNK = 5000


def _write_data_text_sqlite(fh, cr_ids: list[int] | None, progress, cancelled, sep: bytes) -> int:
    db = ComponentResult._meta.database
    table = ComponentResult._meta.table_name
    joined = f"CAST(group_concat(data, {_sql_bytes(sep)}) AS BLOB)"
    if cr_ids is None:
        # Everything: one scan in id order, continued from the last id of each chunk.
        total = ComponentResult.select().count()
        sql = (
            f"SELECT max(id), count(*), {joined} FROM (SELECT id, data FROM \"{table}\" "
            "WHERE id > ? AND data IS NOT NULL ORDER BY id LIMIT ?)"
        )
        last, done = None, 0
        while True:
            row = _one(db, sql, (-(1 << 63) if last is None else last, JOIN_CHUNK))
            if row[0] is None:
                break
            last, done = row[0], done + row[1]
            fh.write(row[2])
            fh.write(sep)
            check_cancelled(cancelled)
            if progress:
                progress(min(done, total), total)
    else:
        total = len(cr_ids)
        ordered = sorted(cr_ids)
        sql = (
            f"SELECT {joined} FROM (SELECT data FROM \"{table}\" WHERE id IN (SELECT value FROM json_each(?)) "
            "AND data IS NOT NULL ORDER BY id)"
        )
        for at in range(0, total, JOIN_CHUNK):
            blob = _one(db, sql, (json.dumps(ordered[at : at + JOIN_CHUNK]),))[0]
            if blob is not None:
                fh.write(blob + sep)
            check_cancelled(cancelled)
            if progress:
                progress(min(at + JOIN_CHUNK, total), total)
    if progress:
        progress(total, total)
    return total


def _sql_bytes(sep: bytes) -> str:
    return "X'" + sep.hex() + "'"


def _one(db, sql: str, params: tuple) -> tuple:
    cursor = db.execute_sql(sql, params)
    try:
        return cursor.fetchone()
    finally:
        cursor.close()

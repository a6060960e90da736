"""Everything specific to PostgreSQL: the writers' lock, the files root the database names,
and its tables, made once by an administrator (`jatos-results init-db URL`)."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import peewee
from platformdirs import user_data_path
from playhouse.shortcuts import ReconnectMixin

from store.db.models import StoreSetting


class ReconnectingPostgres(ReconnectMixin, peewee.PostgresqlDatabase):
    """A connection the server dropped (a restart, an administrator, an idle timeout) is
    opened again for the next statement outside a transaction, so an open app carries on;
    inside a transaction the error stands, as its work is lost."""

    reconnect_errors = (
        (peewee.OperationalError, "server closed the connection"),
        (peewee.OperationalError, "terminating connection"),
        (peewee.InterfaceError, "connection already closed"),
    )


def reconnecting(db):
    """The database of a postgresql:// URL, made to reconnect (a pool reconnects itself)."""
    if type(db) is peewee.PostgresqlDatabase:
        return ReconnectingPostgres(db.database, **db.connect_params)
    return db

# Every write transaction takes this one transaction-level lock first, as SQLite's
# BEGIN IMMEDIATE does: writers queue instead of taking row locks in different orders
# (two imports in opposite file order deadlocked), and a waiting writer gives up after the
# lock timeout. Readers never take it.
WRITE_LOCK = 0x4A415453  # "JATS": any constant of this application's own


def queue_for_writing(db, timeout: float) -> None:
    db.execute_sql(f"SET LOCAL lock_timeout = {max(1, int(timeout * 1000))}").close()
    db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,)).close()


# Each write transaction announces itself on this channel as it commits (NOTIFY is
# delivered on commit only, dropped on rollback); a page's ChangeWatch listens.
CHANGES_CHANNEL = "jatos_results_changed"


def announce_change(db) -> None:
    db.execute_sql(f"NOTIFY {CHANGES_CHANNEL}").close()


class ChangeListener:
    """A connection of its own that LISTENs for committed writes: asking whether any came
    reads what the server already sent, without a statement or a round trip. `count()` is
    how many came; a lost connection (a restart) counts as one (writes may have been
    missed) and is opened again at once: an answer means the server is there, and a server
    still away raises the driver's error."""

    def __init__(self, db) -> None:
        self._params = {"database": db.database, **db.connect_params}
        self._connection = None
        self._count = 0

    def count(self, wait: float = 0.0) -> int:
        """`wait`: seconds to wait for a first notification (a notification reaches this
        connection a moment after the commit that sent it)."""
        import select

        import psycopg2

        if self._connection is not None:
            try:
                self._connection.poll()
                if wait and not self._connection.notifies:
                    select.select([self._connection], [], [], wait)
                    self._connection.poll()
                self._count += len(self._connection.notifies)
                self._connection.notifies.clear()
                return self._count
            except psycopg2.Error:
                self.close()
                self._count += 1
        connection = psycopg2.connect(**self._params)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANGES_CHANNEL}")
        self._connection = connection
        return self._count

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


_cursor_names = itertools.count()


def stream(db, sql: str, params=(), batch: int = 2000) -> Iterator[list[tuple]]:
    """The rows of one query, `batch` at a time, through a server-side cursor: the server
    holds the result, the client only a batch. Inside the caller's transaction (an export's
    snapshot, store/exporting/snapshot.py), else in one of its own."""
    if not db.in_transaction():
        with db.atomic():
            yield from stream(db, sql, params, batch)
        return
    name = f"jr_stream_{next(_cursor_names)}"
    db.execute_sql(f"DECLARE {name} NO SCROLL CURSOR FOR {sql}", params).close()
    try:
        while True:
            cursor = db.execute_sql(f"FETCH {int(batch)} FROM {name}")
            rows = cursor.fetchall()
            cursor.close()
            if not rows:
                return
            yield rows
    finally:
        # Left early (an error, a cancel): close it, unless its transaction already ended
        # (and the cursor with it; a failing CLOSE would spoil a later transaction).
        with contextlib.suppress(Exception):
            open_now = db.execute_sql("SELECT 1 FROM pg_cursors WHERE name = %s", (name,))
            if open_now.fetchone():
                db.execute_sql(f"CLOSE {name}").close()
            open_now.close()


def is_lock_timeout(exc: BaseException) -> bool:
    return getattr(getattr(exc, "orig", exc), "pgcode", None) == "55P03" or "lock timeout" in str(exc)


def is_connection_lost(exc: BaseException) -> bool:
    """The server went away mid-transaction (a restart): the transaction is rolled back."""
    text = str(exc).lower()
    return any(fragment in text for _, fragment in ReconnectingPostgres.reconnect_errors)


def is_unreachable(exc: BaseException) -> bool:
    """The server cannot be reached (down, restarting, refusing connections to this
    database): an error of the connection, not of a statement."""
    import psycopg2

    kinds = (peewee.OperationalError, peewee.InterfaceError, psycopg2.OperationalError, psycopg2.InterfaceError)
    if not isinstance(exc, kinds):
        return False
    code = getattr(getattr(exc, "orig", exc), "pgcode", None)
    # No SQLSTATE: libpq's own (connecting, a closed socket); 08: connection exceptions;
    # 57P: the server shutting down or terminating this connection.
    return code is None or code.startswith(("08", "57P"))


def is_not_allowed(exc: BaseException) -> bool:
    """A role without the right to write (a read-only one browses and exports)."""
    return getattr(getattr(exc, "orig", exc), "pgcode", None) == "42501"


# The filter's index (store/search/backends.py): pg_trgm's GIN index on the columns that
# SQLite's FTS5 index covers. Made by init-db (the extension is trusted: a database owner
# may create it).
TRIGRAM_INDEXED = {("component_result", "data"), ("study_result", "search_text")}


def make_trigram_indexes(db) -> None:
    db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm").close()
    for table, column in sorted(TRIGRAM_INDEXED):
        db.execute_sql(
            f'CREATE INDEX IF NOT EXISTS "{table}_{column}_trgm" ON "{table}" USING gin ("{column}" gin_trgm_ops)'
        ).close()


def has_trigram_indexes(db) -> bool:
    names = [f"{table}_{column}_trgm" for table, column in TRIGRAM_INDEXED]
    cursor = db.execute_sql("SELECT count(*) FROM pg_indexes WHERE indexname = ANY(%s)", (names,))
    try:
        return cursor.fetchone()[0] == len(names)
    finally:
        cursor.close()


FILES_ROOT = "files_root"


def files_root(db) -> Path:
    """The database's files root: the one it names (every user of it shares it); else
    JATOS_RESULTS_FILES; else a folder of this user's own."""
    try:
        if db.table_exists(StoreSetting._meta.table_name):
            cursor = db.execute_sql('SELECT value FROM "store_setting" WHERE key = %s', (FILES_ROOT,))
            row = cursor.fetchone()
            if row:
                return Path(row[0])
    except peewee.DatabaseError:
        pass  # a role that may not read it: the fallbacks below
    root_env = os.environ.get("JATOS_RESULTS_FILES")
    return Path(root_env) if root_env else user_data_path("jatos-results") / "result-files"


def name_files_root(root: Path | None) -> None:
    """Inside the schema's write: record the files root (`init-db --files`, else
    JATOS_RESULTS_FILES where the database names none yet)."""
    if root is not None:
        value = str(Path(root).expanduser().resolve())
        StoreSetting.insert(key=FILES_ROOT, value=value).on_conflict(
            conflict_target=[StoreSetting.key], preserve=[StoreSetting.value]
        ).execute()
        return
    root_env = os.environ.get("JATOS_RESULTS_FILES")
    if root_env and not StoreSetting.select().where(StoreSetting.key == FILES_ROOT).exists():
        StoreSetting.insert(key=FILES_ROOT, value=str(Path(root_env).resolve())).execute()

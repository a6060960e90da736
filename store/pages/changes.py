"""Whether another process (an import, a delete) changed the store since a page last looked."""

from __future__ import annotations

import sqlite3
import threading

import peewee

# The first transaction id not yet given out: read-only transactions (these polls) take none.
POSTGRES_TOKEN = "SELECT txid_snapshot_xmax(txid_current_snapshot())"


class ChangeWatch:
    """Asked every few seconds, from a worker thread (one at a time), whether the store changed.

    No table is read: SQLite's `PRAGMA data_version` changes when any other connection
    commits; it only means something on one connection, hence a connection of the watch's
    own (a worker's is closed after each run). PostgreSQL's next transaction id moves on
    when a transaction that wrote commits (in any database of the server: a write elsewhere
    only costs a needless reload). Other databases: the store's change token."""

    def __init__(self, store) -> None:
        self.store = store
        self._connection: sqlite3.Connection | None = None
        self._last = None
        self._lock = threading.Lock()  # a poll still running when the next starts, or close()

    def changed(self) -> bool:
        """True when the store changed since the previous call (the first call only looks)."""
        with self._lock:
            token = self._token()
            changed = self._last is not None and token != self._last
            self._last = token
            return changed

    def _token(self):
        if not self.store.is_sqlite:
            try:
                if isinstance(self.store.db, peewee.PostgresqlDatabase):
                    return self.store.db.execute_sql(POSTGRES_TOKEN).fetchone()[0]
                return self.store.change_token()
            finally:
                self.store.db.close()
        if self._connection is None:
            self._connection = sqlite3.connect(self.store.location, check_same_thread=False)
        return self._connection.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

"""Whether another process (an import, a delete) changed the store since a page last looked."""

from __future__ import annotations

import sqlite3
import threading

from store.db.postgres import ChangeListener


class ChangeWatch:
    """Asked every few seconds, from a worker thread (one at a time), whether the store changed.

    No table is read: SQLite's `PRAGMA data_version` changes when any other connection
    commits; it only means something on one connection, hence a connection of the watch's
    own (a worker's is closed after each run). On PostgreSQL every write transaction of the
    store NOTIFYs as it commits, and the watch's own connection LISTENs: a poll reads what
    the server sent, no statement (store/db/postgres.py ChangeListener)."""

    def __init__(self, store) -> None:
        self.store = store
        self._connection: sqlite3.Connection | None = None
        self._listener = None if store.is_sqlite else ChangeListener(store.db)
        self._last = None
        self._lock = threading.Lock()  # a poll still running when the next starts, or close()

    def changed(self, wait: float = 0.0) -> bool:
        """True when the store changed since the previous call (the first call only looks).
        `wait`: on PostgreSQL, seconds to wait for word of a change that may be on its way."""
        with self._lock:
            token = self._token(wait)
            changed = self._last is not None and token != self._last
            self._last = token
            return changed

    def _token(self, wait: float):
        if self._listener is not None:
            return self._listener.count(wait)
        if self._connection is None:
            self._connection = sqlite3.connect(self.store.location, check_same_thread=False)
        return self._connection.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._listener is not None:
            self._listener.close()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

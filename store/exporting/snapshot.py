"""One consistent view of the store for a whole export.

Every query of an export runs on this thread's connection inside one read transaction.
SQLite in WAL mode reads from the snapshot of the transaction's first read: a delete or
an import that another process commits meanwhile is not seen at all. Result files are not
in that snapshot: a delete removes its folders after its commit. A file that vanishes
makes the export start again from scratch, with a fresh snapshot that no longer lists it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TypeVar

from store.db import sqlite
from store.db.database import Store
from store.errors import StoreError

# A second vanishing file means a second delete during the export: rare enough that a
# third one is more likely a file missing for good, which then gets its one line.
ATTEMPTS = 3

T = TypeVar("T")


class ResultFileVanished(StoreError):
    def __init__(self, path) -> None:
        super().__init__(f"result file missing from the files root: {path}")


@contextlib.contextmanager
def snapshot(store: Store, mapped: bool = True):
    db = store.db
    if store.is_sqlite:
        # Mapped (sqlite.mapped) before the transaction begins, for the data's sake: its
        # reads go through the same connection and snapshot as every other query. Mapped
        # pages count as the process's memory: an export that must stay small reads unmapped.
        with sqlite.mapped(db) if mapped else contextlib.nullcontext(), db.atomic():
            yield
        return
    with db.atomic():
        # PostgreSQL's default (read committed) takes a new snapshot per statement.
        db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def consistently(store: Store, work: Callable[[], T], mapped: bool = True) -> T:
    """work() inside one snapshot; from scratch in a fresh one if a result file vanished.
    work must leave nothing behind when it raises (exports write through temporary files)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with snapshot(store, mapped):
                return work()
        except ResultFileVanished:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")

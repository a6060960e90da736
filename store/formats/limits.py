"""How much one imported file may inflate to: the zip-bomb guards.

A results archive is checked against these from the sizes its entries declare, before
anything is inflated; the readers then never inflate an entry past its declared size
(store/importing/writes.py), so the declared sizes bound what an import writes and holds.
"""

from __future__ import annotations

import os
import sqlite3
from functools import lru_cache
from pathlib import Path

from store.errors import BadInput

# Generous: JATOS's defaults are 5 MB of data and 30 MB per file, and labs raise them.
DEFAULT_MAX_ENTRY = 1 << 30
# A whole import: 64 GiB is about 1,300 study runs that each used JATOS's whole upload
# quota (50 MB a run), or 13,000 component results of the largest data JATOS accepts (5 MB).
DEFAULT_MAX_IMPORT = 64 << 30
# Result data is one text value of a row that holds a few hundred bytes more.
_ROW_MARGIN = 1 << 20


def _env_bytes(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def max_entry_size() -> int:
    return _env_bytes("JATOS_RESULTS_MAX_ENTRY_BYTES", DEFAULT_MAX_ENTRY)


def max_import_size() -> int:
    return _env_bytes("JATOS_RESULTS_MAX_IMPORT_BYTES", DEFAULT_MAX_IMPORT)


@lru_cache(maxsize=1)
def store_value_limit() -> int:
    """The longest text SQLite stores in one value (SQLITE_MAX_LENGTH, 10^9 unless built
    otherwise); PostgreSQL's limit (1 GB) is above it."""
    con = sqlite3.connect(":memory:")
    try:
        return con.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)
    finally:
        con.close()


def max_data_size() -> int:
    return min(max_entry_size(), store_value_limit() - _ROW_MARGIN)


class Budget:
    """The bytes one source's entries declare, counted and checked entry by entry."""

    def __init__(self, path: Path):
        self.path = path
        self.entry_cap = max_entry_size()
        self.import_cap = max_import_size()
        self.data_cap = max_data_size()
        self.total = 0

    def take(self, what: str, size: int, data: bool = False) -> None:
        """`what` names the entry as a message starts it ("entry x/data.txt declares")."""
        if size > self.entry_cap:
            raise BadInput(
                f"{self.path}: {what} {size} bytes, more than the limit of {self.entry_cap} "
                "(set JATOS_RESULTS_MAX_ENTRY_BYTES to raise it)"
            )
        if data and size > self.data_cap:
            raise BadInput(
                f"{self.path}: {what} {size} bytes of result data, more than the store can hold in one "
                f"value ({self.data_cap} bytes)"
            )
        self.total += size
        if self.total > self.import_cap:
            raise BadInput(
                f"{self.path}: its entries declare more than {self.import_cap} bytes in all, the limit of "
                "one import (set JATOS_RESULTS_MAX_IMPORT_BYTES to raise it)"
            )

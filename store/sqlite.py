"""Everything specific to SQLite: the file, its pragmas, its lock errors.

Another backend (PostgreSQL, MySQL) replaces this module's role through
`store.database`; nothing outside these two modules knows which one is in use.
"""

from __future__ import annotations

import os
from pathlib import Path

from peewee import SqliteDatabase


def create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (WAL/SHM files follow it)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        os.close(fd)


def make_database(path: Path, lock_timeout: float) -> SqliteDatabase:
    create_private_file(path)
    return SqliteDatabase(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "synchronous": "normal",
            "foreign_keys": 1,
            "busy_timeout": int(lock_timeout * 1000),
            "cache_size": -32_000,
        },
        timeout=lock_timeout,
        regexp_function=True,
    )


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text

"""Everything specific to SQLite: the file, its pragmas, its lock errors.

Another backend (PostgreSQL) replaces this module's role through
`store.database`; nothing outside these two modules knows which one is in use.
"""

from __future__ import annotations

import contextlib
import os
import re
from functools import lru_cache
from pathlib import Path

from peewee import SqliteDatabase

from store.search import regex_engine


def unwrap(db):
    """The database behind Peewee's proxy."""
    return getattr(db, "obj", db)


def is_sqlite(db) -> bool:
    return isinstance(unwrap(db), SqliteDatabase)


def create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (WAL/SHM files follow it)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        os.close(fd)


def make_database(path: Path, lock_timeout: float) -> SqliteDatabase:
    create_private_file(path)
    db = SqliteDatabase(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "synchronous": "normal",
            "foreign_keys": 1,
            "busy_timeout": int(lock_timeout * 1000),
            "cache_size": -8_000,
            # Deleted rows' bytes are overwritten, not left in free pages (most builds of
            # SQLite, Debian's among them, do this by default; this makes it so everywhere).
            "secure_delete": 1,
        },
        timeout=lock_timeout,
    )
    db.register_function(folded_contains, "folded_contains", 2)
    db.register_function(regex_engine.sqlite_regexp, "regexp", 2)
    return db


# A reader that walks the whole file (an export) maps it: the pages are read where the OS
# cache holds them, no copy each. Only for that while: mapped pages count as the
# process's memory, and the results table must stay small.
EXPORT_MMAP = 1 << 40


@contextlib.contextmanager
def mapped(db):
    db.execute_sql(f"PRAGMA mmap_size = {EXPORT_MMAP}").close()
    try:
        yield
    finally:
        db.execute_sql("PRAGMA mmap_size = 0").close()


def is_full_error(exc: BaseException) -> bool:
    """SQLITE_FULL, or the failed rollback after it (SQLite already rolled back)."""
    texts = [str(exc).lower(), str(exc.__context__ or "").lower()]
    return any("database or disk is full" in t for t in texts)


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


# -- the search index: FTS5 with the trigram tokenizer ---------------------------------------------
#
# data_fts indexes component_result.data, meta_fts indexes study_result.search_text; both are
# external-content tables kept in sync by triggers. A bulk change (an import, a delete) takes
# the triggers out for its transaction and updates the index for exactly the rows it touches,
# which is many times faster than row-by-row triggers.

_INDEXES = (
    # (fts table, content table, column)
    ("data_fts", "component_result", "data"),
    ("meta_fts", "study_result", "search_text"),
)


def _triggers(fts: str, table: str, col: str) -> list[str]:
    # Every row is indexed, NULL ones as empty documents, as FTS5's 'rebuild' does.
    return [
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {col}) VALUES (new.id, new.{col}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.id, old.{col}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {col} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.id, old.{col}); "
        f"INSERT INTO {fts}(rowid, {col}) VALUES (new.id, new.{col}); END",
    ]


def has_search_index(db) -> bool:
    cur = db.execute_sql("SELECT count(*) FROM sqlite_master WHERE name IN ('data_fts', 'meta_fts')")
    try:
        return cur.fetchone()[0] == 2
    finally:
        cur.close()


@lru_cache(maxsize=1)
def _fts5_trigram_available() -> bool:
    import sqlite3

    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        con.close()


def can_index(db) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer."""
    return _fts5_trigram_available()


def install_search_index(db) -> bool:
    """Create the index (once; filling it from rows already there). False without FTS5 trigram."""
    if has_search_index(db):
        return True
    try:
        for fts, table, col in _INDEXES:
            db.execute_sql(
                # detail=none: a fifth of the size and twice the indexing speed of detail=full;
                # the price is that a match is a set of trigrams, checked against the row.
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({col}, content='{table}', "
                f"content_rowid='id', tokenize='trigram', detail='none')"
            )
            db.execute_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
            for sql in _triggers(fts, table, col):
                db.execute_sql(sql)
    except Exception as exc:  # an SQLite without FTS5 or trigram: the filter scans instead
        if "no such module" in str(exc) or "no such tokenizer" in str(exc):
            return False
        raise
    return True


FTS5_AUTOMERGE = 4  # FTS5's default


class suspended_index:
    """For one bulk change inside a transaction: un-index the touched rows, drop the triggers;
    afterwards index the touched rows that still exist and restore the triggers."""

    def __init__(self, db, component_result_ids, study_result_ids, defer_merging: bool = False):
        self.db = db
        self.defer_merging = defer_merging
        self.ids = {"data_fts": sorted(set(component_result_ids)), "meta_fts": sorted(set(study_result_ids))}
        self.indexed: dict[str, set[int]] = {"data_fts": set(), "meta_fts": set()}

    def _each(self, sql_for, ids_of=None):
        for fts, table, col in _INDEXES:
            ids = (ids_of or self.ids)[fts]
            for i in range(0, len(ids), 30_000):
                chunk = ids[i : i + 30_000]
                marks = ",".join("?" * len(chunk))
                self.db.execute_sql(sql_for(fts, table, col, marks), chunk).close()

    def __enter__(self):
        if not has_search_index(self.db):
            self.active = False
            return self
        self.active = True
        if self.defer_merging:
            # Removing rows from the index writes markers that FTS5 would at once merge into
            # its older segments, twice the cost of the removal itself. Left for the
            # segments' next merge (any later write does some of that work), the markers
            # hide the removed rows from every query all the same.
            for fts, _, _ in _INDEXES:
                self.db.execute_sql(f"INSERT INTO {fts}({fts}, rank) VALUES ('automerge', 0)").close()
        self._each(self._delete_sql)
        for fts, _, _ in _INDEXES:
            for suffix in ("ai", "ad", "au"):
                self.db.execute_sql(f"DROP TRIGGER IF EXISTS {fts}_{suffix}").close()
        return self

    @staticmethod
    def _delete_sql(fts, table, col, marks):
        return f"INSERT INTO {fts}({fts}, rowid, {col}) SELECT 'delete', id, {col} FROM {table} WHERE id IN ({marks})"

    @staticmethod
    def _insert_sql(fts, table, col, marks):
        return f"INSERT INTO {fts}(rowid, {col}) SELECT id, {col} FROM {table} WHERE id IN ({marks})"

    def unindex(self, component_result_ids, study_result_ids) -> None:
        """Take rows that were in the store before this change out of the index now, before
        they change; they are indexed again at the end. Once a row."""
        if not self.active:
            return
        batch = {"data_fts": sorted(component_result_ids), "meta_fts": sorted(study_result_ids)}
        self._each(self._delete_sql, batch)
        for fts, ids in batch.items():
            self.ids[fts].extend(ids)
            self.indexed[fts].difference_update(ids)

    def index_now(self, component_result_ids, study_result_ids) -> None:
        """Index these rows now, in their final state, instead of at the end: an import
        indexes batch by batch while its next batch is being read."""
        if not self.active:
            return
        batch = {"data_fts": sorted(component_result_ids), "meta_fts": sorted(study_result_ids)}
        self._each(self._insert_sql, batch)
        for fts, ids in batch.items():
            # Only rows the end would index again need noting (none in a fresh import, whose
            # ids would otherwise be held to the end); one taken out later is noted then.
            if self.ids[fts]:
                self.indexed[fts].update(ids)

    def __exit__(self, exc_type, exc, tb):
        if not self.active or exc_type is not None:
            return False  # the transaction rolls back, and the triggers with it
        for fts, done in self.indexed.items():
            if done:
                self.ids[fts] = [i for i in self.ids[fts] if i not in done]
        self._each(self._insert_sql)
        if self.defer_merging:
            for fts, _, _ in _INDEXES:
                self.db.execute_sql(f"INSERT INTO {fts}({fts}, rank) VALUES ('automerge', {FTS5_AUTOMERGE})").close()
        for fts, table, col in _INDEXES:
            for sql in _triggers(fts, table, col):
                self.db.execute_sql(sql).close()
        return False


def fts_trigrams(term: str) -> str:
    """A MATCH expression for the rows holding every trigram of the term (a superset of the
    rows containing it: callers check the row itself)."""
    grams = dict.fromkeys(term[i : i + 3] for i in range(len(term) - 2))
    return " AND ".join('"' + g.replace('"', '""') + '"' for g in grams)


def folded_contains(text, term) -> bool:
    """Case-insensitive containment for non-ASCII terms (SQLite's LIKE folds ASCII only).

    Character by character, as JavaScript's /i in JATOS's filter and the index's case
    folding compare: "STRAßE" finds "Straße", "STRASSE" does not (str.casefold() would
    say it does, and disagree with the index)."""
    return text is not None and _folded(term)(text) is not None


@lru_cache(maxsize=64)
def _folded(term: str):
    return re.compile(re.escape(term), re.IGNORECASE).search

"""The backend seam of the filter: how a database tests a text column for a term or a
regex, and which columns have an index that names candidate rows for a literal.

- SQLite with FTS5's trigram tokenizer (store/db/sqlite.py): data and the study results'
  search text are indexed; a literal of three or more characters is looked up.
- SQLite without it: no index, the rows are scanned.
- PostgreSQL: pg_trgm GIN indexes on the same two columns look up a literal of three or
  more ASCII characters; what SQL cannot decide as SQLite does (a regex, case folding
  beyond ASCII) is narrowed in SQL and confirmed in Python (`confirm`).

A new way to find text is one class here: a bigram side table for two-character terms
(issue #15) is an `Index` that takes literals of two.
"""

from __future__ import annotations

from functools import lru_cache

from peewee import SQL, NodeList, fn

from store.db import postgres, sqlite
from store.search import regex_engine
from store.search.block_scan import BlockSql, ColumnScan, ConditionScan, SpanScan, regex_test
from store.search.filter import Matcher


class Index:
    """A text index over one column: names a superset of the rows holding a literal."""

    def __init__(self, table: str):
        self.table = table

    def condition(self, id_field, literal: str):
        """id_field IN (rows of the index holding every trigram of the literal)."""
        t = self.table
        return NodeList((id_field, SQL(f"IN (SELECT rowid FROM {t} WHERE {t} MATCH ?)", [sqlite.fts_trigrams(literal)])))

    def count(self, db, literal: str, limit: int) -> int:
        """How many candidates the index names, counted up to `limit` (in SQLite: a common
        literal costs no Python objects)."""
        t = self.table
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {t} WHERE {t} MATCH ? LIMIT {limit})"
        cursor = db.execute_sql(sql, (sqlite.fts_trigrams(literal),))
        try:
            return cursor.fetchone()[0]
        finally:
            cursor.close()


class Scan:
    """No index: every test reads the rows."""

    def index(self, column, literal: str | None) -> Index | None:
        return None

    def condition(self, column, m: Matcher):
        """The column's text matches (negation is the caller's)."""
        if m.regex:
            return column.regexp(m.pattern)
        if m.case_sensitive:
            return fn.instr(column, m.text) > 0
        return self.folded(column, m.text)

    def folded(self, column, text: str):
        return column.contains(text)  # ILIKE on PostgreSQL

    def in_python(self, m: Matcher) -> bool:
        """Whether the test calls back into Python for each row (slow, holds the interpreter)."""
        return False

    def scan(self, db, column, key, m: Matcher) -> SpanScan | None:
        """A native scan of the whole column for the matcher (None: the SQL condition's)."""
        return None

    def confirm(self, m: Matcher):
        """A test in Python of each row `condition` keeps (None: the SQL decides alone)."""
        return None


class PostgresScan(Scan):
    """PostgreSQL: its regexes are another dialect (\\b is a backspace there) and its ILIKE
    folds by the server's locale, so those rows are only narrowed in SQL (by the literal every
    match contains, where folding it is plain ASCII) and confirmed in Python, as on SQLite."""

    def folded(self, column, text: str):
        if text.isascii():
            # ASCII text as a case-insensitive regex of itself: it folds the pattern's letters
            # only, as SQLite's LIKE does, and reads three to four times as fast as ILIKE,
            # which lower-cases every row (a term in every row reads whole tables).
            return NodeList((column, SQL("~* %s", [_regex_literal(text)])))
        return column.contains(text)

    def condition(self, column, m: Matcher):
        if not self.confirm(m):
            return fn.strpos(column, m.text) > 0 if m.case_sensitive else self.folded(column, m.text)
        literal = m.literal if m.regex else None
        if literal is None or not (m.case_sensitive or literal.isascii()):
            return column.is_null(False)
        return fn.strpos(column, literal) > 0 if m.case_sensitive else self.folded(column, literal)

    def confirm(self, m: Matcher):
        if m.regex or (not m.case_sensitive and not m.text.isascii()):
            return m.test()
        return None

    def in_python(self, m: Matcher) -> bool:
        return self.confirm(m) is not None

    def scan(self, db, column, key, m: Matcher) -> SpanScan | None:
        if not m.regex:
            if self.confirm(m) is not None:
                return None  # folded in Python: row by row
            # The server's own test, two spans at once on two connections (two backends).
            return ConditionScan(db, column.model, key, self.condition(column, m), keys=_string_agg)
        if not _utf8(db):
            return None
        # A whole table's rows for a regex: RE2 in Arrow on blocks the server joins, not a
        # Python object and a search a row (S: 2.6 s to the final answer on the page).
        table = column.model._meta.table_name
        test = regex_test(regex_engine.compile_pattern(m.text, m.case_sensitive))
        return ColumnScan(db, table, test, postgres_blocks(table, key.column_name, column.column_name))


def _string_agg(key):
    return fn.string_agg(key.cast("text"), ",")


def _utf8(db) -> bool:
    """Whether the server's text is UTF-8, so that its byte lengths are UTF-8's: asked once
    a database (a database's encoding is fixed when it is made), not at each keystroke."""
    return _server_utf8(sqlite.unwrap(db))


@lru_cache(maxsize=8)
def _server_utf8(db) -> bool:
    cursor = db.execute_sql("SHOW server_encoding")
    try:
        return cursor.fetchone()[0].upper() in ("UTF8", "UTF-8")
    finally:
        cursor.close()


def _regex_literal(text: str) -> str:
    """ASCII text as a PostgreSQL regex that matches it literally: every character that is not
    a letter or a digit escaped (a backslash before a letter or digit would be an escape)."""
    return "".join(c if c.isalnum() else "\\" + c for c in text)


class PgTrigramIndex(Index):
    """PostgreSQL's pg_trgm GIN index on a column (store/db/postgres.py): ILIKE looks the
    literal up in it (a superset of the rows holding it, whatever the case)."""

    def __init__(self, column):
        self.column = column

    def condition(self, id_field, literal: str):
        return self.column.contains(literal)  # on the column's own table: id_field is its key

    def count(self, db, literal: str, limit: int) -> int:
        model = self.column.model
        return model.select(SQL("1")).where(self.column.contains(literal)).limit(limit).count()


class PostgresTrigrams(PostgresScan):
    """PostgreSQL with pg_trgm indexes on data and on the study results' search text."""

    def index(self, column, literal: str | None) -> Index | None:
        # ASCII only: ILIKE folds other letters by the server's locale, not as Python does.
        if literal is None or len(literal) < 3 or not literal.isascii():
            return None
        if (column.model._meta.table_name, column.column_name) in postgres.TRIGRAM_INDEXED:
            return PgTrigramIndex(column)
        return None


class SqliteScan(Scan):
    """SQLite without the trigram index: the rows are scanned."""

    def folded(self, column, text: str):
        if text.isascii():
            # LIKE folds ASCII case as lower() does, without copying the text: twice as fast.
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            return NodeList((column, SQL("LIKE ? ESCAPE '\\'", [f"%{escaped}%"])))
        return fn.folded_contains(column, text)

    def in_python(self, m: Matcher) -> bool:
        # A regex is checked in Python row by row only among given ids; whole tables are
        # tested by the block scan.
        return not m.regex and not m.case_sensitive and not m.text.isascii()

    def scan(self, db, column, key, m: Matcher) -> SpanScan | None:
        table = column.model._meta.table_name
        if m.regex:
            test = regex_test(regex_engine.compile_pattern(m.text, m.case_sensitive))
            return ColumnScan(db, table, test, sqlite_blocks(table, key.column_name, column.column_name))
        if m.case_sensitive or m.text.isascii():
            # instr or LIKE, tested by SQLite on the rows where they lie: a copy of every
            # text for Arrow would cost more (a term in every row at S: 0.34 s against 0.23 s).
            return ConditionScan(db, column.model, key, self.condition(column, m), _HELPER_CACHE)
        return None  # folded character by character in Python (folded_contains): row by row


# Each page of a block scan is read once: a helper connection's own page cache (8 MB, as
# every connection's) would only add to the app's peak memory.
_HELPER_CACHE = "PRAGMA cache_size = -512"


def sqlite_blocks(table: str, key: str, column: str) -> BlockSql:
    where = f'FROM "{table}" WHERE id >= ? AND id < ? AND "{column}" IS NOT NULL'
    # One pass makes the three lists, in the same order. A blob: no decoding into a str.
    return BlockSql(
        f'SELECT CAST(group_concat("{column}", \'\') AS BLOB), '
        f'group_concat(length(CAST("{column}" AS BLOB))), group_concat("{key}"), count(*) {where}',
        f'SELECT "{key}", CAST("{column}" AS BLOB) {where}',
        _HELPER_CACHE,
    )


def postgres_blocks(table: str, key: str, column: str) -> BlockSql:
    where = f'FROM "{table}" WHERE id >= %s AND id < %s AND "{column}" IS NOT NULL'
    # octet_length is in the server's encoding: UTF-8 bytes where the server's is UTF8.
    return BlockSql(
        f'SELECT string_agg("{column}", \'\' ORDER BY id), '
        f'string_agg(octet_length("{column}")::text, \',\' ORDER BY id), '
        f'string_agg("{key}"::text, \',\' ORDER BY id), count(*) {where}',
        f'SELECT "{key}", "{column}" {where}',
    )


class SqliteTrigrams(SqliteScan):
    """SQLite with FTS5 trigram indexes on data and on the study results' search text."""

    TABLES = {("component_result", "data"): Index("data_fts"), ("study_result", "search_text"): Index("meta_fts")}

    def index(self, column, literal: str | None) -> Index | None:
        if literal is None or len(literal) < 3:
            return None  # a trigram index cannot look up shorter text
        return self.TABLES.get((column.model._meta.table_name, column.column_name))


def backend_for(db) -> Scan:
    if not sqlite.is_sqlite(db):
        return PostgresTrigrams() if postgres.has_trigram_indexes(sqlite.unwrap(db)) else PostgresScan()
    return SqliteTrigrams() if sqlite.has_search_index(sqlite.unwrap(db)) else SqliteScan()

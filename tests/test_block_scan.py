"""The block scan (store/search/block_scan.py) finds exactly the rows where the pattern is
found in the row alone: rows joined into one text never make a match across two rows, and
anchors mean each row's start and end, in blocks, in rows with newlines of their own, in
one thread or two."""

from __future__ import annotations

import sys
from functools import lru_cache

import pytest
from peewee import SqliteDatabase

from store.search import block_scan
from store.search.block_scan import ColumnScan
from store.search.regex_engine import compile_pattern

TEXTS = [
    "alpha", "", None, "beta\ngamma", "zebra", "a", "b", "ab", "ba",
    "line one\nline two\n", "Straße", "x" * 3000 + "y", "[1,2]", "end", "start end", "ZEBRA",
    "tab\there", "{}", "a b", "bb",
]
PATTERNS = [
    "a", "^a", "a$", "^$", "^b", "b$", "a[^z]*b", r"a\s*b", r"a\sb", ".*", "x*", r"\Aa", r"b\z", r"\bb",
    "^line", "two$", r"one\nline", "gamma$", "^gamma", "zebra", "(a|aa)+$", "STRASSE", "straße", r"\[\d",
    r"^\w+$", "[^a]+", "y$", "end$",
]


@pytest.fixture
def db(tmp_path):
    database = SqliteDatabase(str(tmp_path / "t.sqlite3"), pragmas={"journal_mode": "wal"})
    database.execute_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, txt TEXT)")
    with database.atomic():
        for n, text in enumerate(TEXTS * 3):
            database.execute_sql("INSERT INTO t (id, k, txt) VALUES (?, ?, ?)", (10 + n, key(n), text))
    yield database
    database.close()


def key(n: int) -> int:
    """Rows share keys in runs of one to three, as a study result's component results do."""
    return 1000 + n - n % 3 + (n % 3 == 2) if n % 6 < 3 else 1000 + n


def expected(pattern: str, case_sensitive: bool) -> list[int]:
    compiled = compile_pattern(pattern, case_sensitive)
    return sorted({key(n) for n, text in enumerate(TEXTS * 3) if text is not None and compiled.search(text)})


def scanned(db, pattern: str, case_sensitive: bool) -> list[int]:
    scan = ColumnScan(db, "t", "k", "txt", compile_pattern(pattern, case_sensitive))
    return sorted(set(k for keys, _ in scan.run() for k in keys))


TWO_THREADS = 0  # DENSE: every first span counts as sparse, so the rest is read in two threads
ONE_THREAD = 10**9  # every first span counts as dense


@pytest.mark.parametrize("native_after", [1, 10**9])  # matches in a block before Arrow matches the rest
@pytest.mark.parametrize("dense", [TWO_THREADS, ONE_THREAD])
@pytest.mark.parametrize("span_rows", [1, 4, 7, 1000])
@pytest.mark.parametrize("case_sensitive", [True, False])
def test_the_scan_finds_what_each_row_alone_would(db, monkeypatch, span_rows, case_sensitive, dense, native_after):
    monkeypatch.setattr(block_scan, "SPAN_ROWS", span_rows)
    monkeypatch.setattr(block_scan, "DENSE", dense)
    monkeypatch.setattr(block_scan, "NATIVE_AFTER", native_after)
    monkeypatch.setattr(block_scan, "NATIVE_SHARE", 10**9 if native_after == 1 else 2)
    for pattern in PATTERNS:
        assert scanned(db, pattern, case_sensitive) == expected(pattern, case_sensitive), pattern


def test_in_a_transaction_one_connection_reads_it_all(db, monkeypatch):
    """A second connection would not see the transaction's changes: the scan stays on this one."""
    monkeypatch.setattr(block_scan, "SPAN_ROWS", 4)
    monkeypatch.setattr(block_scan, "DENSE", TWO_THREADS)
    with db.atomic():
        for changed in (10, 10 + len(TEXTS) * 3 - 1):  # in the first span and in the last
            db.execute_sql("UPDATE t SET txt = 'zebra' WHERE id = ?", (changed,))
        assert scanned(db, "^zebra$", True) == sorted({key(0), key(len(TEXTS) * 3 - 1), *expected("^zebra$", True)})


def test_blocks_without_newlines_are_searched_whole(db, monkeypatch):
    """Rows without newlines of their own are searched as one block: no search per row."""
    db.execute_sql("DELETE FROM t WHERE txt LIKE '%' || char(10) || '%'")
    searched: list = []
    pattern = compile_pattern("a", False)
    original = pattern.row

    class Counting:
        def search(self, text):
            searched.append(text)
            return original.search(text)

    object.__setattr__(pattern, "row", Counting())
    scan = ColumnScan(db, "t", "k", "txt", pattern)
    assert sorted(k for keys, _ in scan.run() for k in keys)
    assert searched == []


@pytest.mark.parametrize("dense", [TWO_THREADS, ONE_THREAD])
def test_progress_reaches_the_end(db, monkeypatch, dense):
    monkeypatch.setattr(block_scan, "SPAN_ROWS", 5)
    monkeypatch.setattr(block_scan, "DENSE", dense)
    shares = [share for _, share in ColumnScan(db, "t", "k", "txt", compile_pattern("a", True)).run()]
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) == -(-len(TEXTS) * 3 // 5)


def test_a_dense_first_span_keeps_to_one_thread(db, monkeypatch):
    monkeypatch.setattr(block_scan, "SPAN_ROWS", 3)  # the first span: "alpha", "", None
    started = []
    monkeypatch.setattr(ColumnScan, "_in_two", lambda self, spans, cancelled: started.append(spans) or iter(()))
    list(ColumnScan(db, "t", "k", "txt", compile_pattern("a", False)).run())  # 1 row of 3 matches
    assert started == []
    list(ColumnScan(db, "t", "k", "txt", compile_pattern("^zebra$", False)).run())  # none of 3
    assert len(started) == 1


def test_without_pyarrow_dense_blocks_are_searched_all_the_same(db, monkeypatch):
    monkeypatch.setattr(block_scan, "NATIVE_AFTER", 1)
    monkeypatch.setattr(block_scan, "NATIVE_SHARE", 10**9)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    block_scan._arrow.cache_clear()
    monkeypatch.setattr(block_scan, "_arrow", lru_cache(maxsize=1)(block_scan._arrow.__wrapped__))
    assert block_scan._each_row(compile_pattern("a", True), b"a\nb", ["1", "2"]) is None
    for pattern in PATTERNS:
        assert scanned(db, pattern, False) == expected(pattern, False), pattern


def test_arrow_matches_each_row_as_re2_does():
    rows = ["alpha", "", "Straße", "x" * 300 + "y", "[1,2]", "ab", "tab\there"]
    keys = [str(n) for n in range(len(rows))]
    for pattern in PATTERNS:
        if "\\A" in pattern or "\\z" in pattern or "\\n" in pattern:
            continue
        for case_sensitive in (True, False):
            compiled = compile_pattern(pattern, case_sensitive)
            found = block_scan._each_row(compiled, "\n".join(rows).encode(), keys)
            assert found == [n for n, text in enumerate(rows) if compiled.search(text)], pattern


def test_without_arrow_a_block_asks_for_it_once(db, monkeypatch):
    """Asking at each match would cost more than the matches (an import failing each time)."""
    monkeypatch.setattr(block_scan, "NATIVE_AFTER", 1)
    monkeypatch.setattr(block_scan, "NATIVE_SHARE", 10**9)
    asked = []
    monkeypatch.setattr(block_scan, "_each_row", lambda *args: asked.append(1))
    db.execute_sql("DELETE FROM t WHERE txt LIKE '%' || char(10) || '%'")  # one block, searched whole
    rows = db.execute_sql("SELECT k FROM t WHERE txt IS NOT NULL").fetchall()
    assert scanned(db, "", True) == sorted({k for (k,) in rows})  # every row matches
    assert len(asked) == 1

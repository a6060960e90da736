"""The block scans (store/search/block_scan.py) find exactly the rows where the pattern or
the term is found in the row alone: a match never runs from one row into the next, and anchors
mean each row's (\\A, \\z) or line's (^, $) start and end, in blocks of any size, in rows
with newlines of their own, in one thread or two, natively or row by row in Python; on
SQLite, and on PostgreSQL when the suite runs there (a table of the test store's database)."""

from __future__ import annotations

import threading

import pytest
from peewee import IntegerField, Model, TextField

from store.db.sqlite import is_sqlite, unwrap
from store.search import block_scan
from store.search.backends import backend_for, postgres_blocks, sqlite_blocks
from store.search.block_scan import BlockSql, ColumnScan, ConditionScan, RowTest, _looks_only_inside, regex_test
from store.search.filter import Matcher
from store.search.regex_engine import compile_pattern

TEXTS = [
    "alpha", "", None, "beta\ngamma", "zebra", "a", "b", "ab", "ba",
    "line one\nline two\n", "Straße", "x" * 3000 + "y", "[1,2]", "end", "start end", "ZEBRA",
    "tab\there", "{}", "a b", "bb", "\u212a", "50 % off_", "ſtraße",
]
PATTERNS = [
    "a", "^a", "a$", "^$", "^b", "b$", "a[^z]*b", r"a\s*b", r"a\sb", ".*", "x*", r"\Aa", r"b\z", r"\bb",
    "^line", "two$", r"one\nline", "gamma$", "^gamma", "zebra", "(a|aa)+$", "STRASSE", "straße", r"\[\d",
    r"^\w+$", "[^a]+", "y$", "end$", "ab", "k", "(?s)a.*b", r"a\z|^b",
]
TERMS = ["a", "ab", "ZEBRA", "zebra", "e\ng", "K", "k", "straße", "STRA", "% off_", "50 %", "{}", "[1", "str"]



class T(Model):
    k = IntegerField()
    txt = TextField(null=True)

    class Meta:
        table_name = "t"


@pytest.fixture
def db(store):
    database = unwrap(store.db)
    database.execute_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, txt TEXT)")
    with T.bind_ctx(database), database.atomic():
        T.insert_many([(10 + n, key(n), text) for n, text in enumerate(TEXTS * 3)], fields=[T.id, T.k, T.txt]).execute()
    yield database
    database.close()  # this thread's connection: the helper threads' are closed by the scans


def key(n: int) -> int:
    """Rows share keys in runs of one to three, as a study result's component results do."""
    return 1000 + n - n % 3 + (n % 3 == 2) if n % 6 < 3 else 1000 + n


def expected(one) -> list[int]:
    return sorted({key(n) for n, text in enumerate(TEXTS * 3) if text is not None and one(text)})


def pattern_matches(pattern: str, case_sensitive: bool):
    return compile_pattern(pattern, case_sensitive).search


def scan_of(db, test: RowTest) -> ColumnScan:
    blocks = sqlite_blocks if is_sqlite(db) else postgres_blocks
    return ColumnScan(db, "t", test, blocks("t", "k", "txt"))


def scanned(db, test: RowTest) -> list[int]:
    return sorted(set(k for keys, _ in scan_of(db, test).run() for k in keys))


def row_by_row(test: RowTest) -> RowTest:
    """The same test, as if Arrow refused it: each row in Python."""
    pa = pytest.importorskip("pyarrow")

    def refused(texts):
        raise pa.ArrowInvalid("refused")

    return RowTest(refused, test.one)


@pytest.mark.parametrize("native", [True, False])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("span_rows", [1, 4, 7, 1000])
@pytest.mark.parametrize("case_sensitive", [True, False])
def test_the_scan_finds_what_each_row_alone_would(db, monkeypatch, span_rows, case_sensitive, threads, native):
    monkeypatch.setattr(block_scan, "SPAN_ROWS", span_rows)
    for pattern in PATTERNS:
        test = regex_test(compile_pattern(pattern, case_sensitive))
        with db.atomic() if threads == 1 else _nothing():
            got = scanned(db, test if native else row_by_row(test))
        assert got == expected(pattern_matches(pattern, case_sensitive)), pattern


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_in_a_transaction_one_connection_reads_it_all(db, monkeypatch):
    """A second connection would not see the transaction's changes: the scan stays on this one."""
    monkeypatch.setattr(block_scan, "SPAN_ROWS", 4)
    with db.atomic():
        for changed in (10, 10 + len(TEXTS) * 3 - 1):  # in the first span and in the last
            db.execute_sql(f"UPDATE t SET txt = 'zebra' WHERE id = {db.param}", (changed,))
        test = regex_test(compile_pattern("^zebra$", True))
        assert scanned(db, test) == sorted({key(0), key(len(TEXTS) * 3 - 1), *expected(pattern_matches("^zebra$", True))})


def test_outside_a_transaction_two_threads_read_it(db, monkeypatch):
    monkeypatch.setattr(block_scan, "SPAN_ROWS", 4)
    threads: set[int] = set()
    both = threading.Barrier(2, timeout=10)  # each thread's first span waits for the other's
    span = ColumnScan.span

    def meeting(self, lo, hi):
        if threading.get_ident() not in threads:
            threads.add(threading.get_ident())
            both.wait()
        return span(self, lo, hi)

    monkeypatch.setattr(ColumnScan, "span", meeting)
    assert scanned(db, regex_test(compile_pattern("a", True))) == expected(pattern_matches("a", True))
    assert len(threads) == 2


@pytest.mark.parametrize(
    "pattern, inside",
    [
        ("a", True), ("z.b.a", True), ("[^a]+", True), ("[]^]", True), (r"\$", True), ("a$", False),
        ("^a", False), (r"\Aa", False), (r"b\z", False), (r"\bb", False), (r"\Bb", False), (r"[\b]", True),
        (r"\\b", True), (r"\Q^\E", False), ("[a^]", True), ("(?m)a", True), (r"\d{4}x", True),
    ],
)
def test_which_patterns_look_only_inside_a_match(pattern, inside):
    assert _looks_only_inside(pattern) is inside


def test_a_block_with_no_match_is_not_tested_row_by_row(db, monkeypatch):
    """One search of the joined rows answers a block without a match; in a block with one,
    the rows before the first match are not tested again."""
    monkeypatch.setattr(block_scan, "SPAN_ROWS", 1000)
    tested: list[int] = []
    test = regex_test(compile_pattern("zebra", True))
    counting = RowTest(lambda texts: tested.append(len(texts)) or test.native(texts), test.one, test.first)
    with db.atomic():
        assert scanned(db, counting) == expected(pattern_matches("zebra", True))
        from_first_zebra = (TEXTS * 3)[TEXTS.index("zebra") :]
        assert tested == [sum(text is not None for text in from_first_zebra)]
        tested.clear()
        assert scanned(db, RowTest(counting.native, test.one, test.first and (lambda block: None))) == []
        assert tested == []


def test_a_block_without_a_line_break_is_searched_as_one_line_texts(db, monkeypatch):
    """Where no row of a block holds a line break, `^` and `$` can only be a row's ends: RE2
    is asked the pattern's one-line form, which it anchors there; a block with a break is
    asked the other. The answers are each row's alone either way (the first test)."""
    monkeypatch.setattr(block_scan, "SPAN_ROWS", 1)
    asked: dict[str, list] = {"lines": [], "one line": []}
    test = regex_test(compile_pattern("a$", True))
    counting = RowTest(
        lambda texts: asked["lines"].append(texts[0].as_py()) or test.native(texts), test.one, None,
        lambda texts: asked["one line"].append(texts[0].as_py()) or test.one_line(texts),
    )
    with db.atomic():
        assert scanned(db, counting) == expected(pattern_matches("a$", True))
    texts = {t for t in TEXTS if t is not None}
    assert set(asked["lines"]) == {t for t in texts if "\n" in t}
    assert set(asked["one line"]) == {t for t in texts if "\n" not in t}


def test_rows_are_tested_natively_not_one_by_one(db):
    """Each row in Arrow's kernel: the Python test of one row is never called."""
    searched: list = []
    test = regex_test(compile_pattern("a", False))
    counting = RowTest(test.native, lambda text: searched.append(text) or test.one(text))
    assert scanned(db, counting) == expected(pattern_matches("a", False))
    assert searched == []


def test_a_pattern_arrow_refuses_is_not_offered_to_it_again(db, monkeypatch):
    monkeypatch.setattr(block_scan, "SPAN_ROWS", 4)
    asked = []
    test = row_by_row(regex_test(compile_pattern("a", True)))
    refusing = RowTest(lambda texts: asked.append(1) or test.native(texts), test.one)
    with db.atomic():  # one thread: the count is exact
        assert scanned(db, refusing) == expected(pattern_matches("a", True))
    assert len(asked) == 1


@pytest.mark.parametrize("threads", [1, 2])
def test_progress_reaches_the_end(db, monkeypatch, threads):
    monkeypatch.setattr(block_scan, "SPAN_ROWS", 5)
    with db.atomic() if threads == 1 else _nothing():
        shares = [share for _, share in scan_of(db, regex_test(compile_pattern("a", True))).run()]
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) == -(-len(TEXTS) * 3 // 5)



def term_matches(term: str, case_sensitive: bool):
    """As SQLite's instr (case-sensitive) and LIKE (ASCII letters folded, nothing else) find it."""
    if case_sensitive:
        return lambda text: term in text
    return lambda text: term.encode().lower() in text.encode().lower()


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("span_rows", [1, 4, 1000])
@pytest.mark.parametrize("case_sensitive", [True, False])
def test_a_term_is_found_in_spans_as_in_one_query(db, monkeypatch, span_rows, case_sensitive, threads):
    """The backend's scan of a term finds the rows its condition finds in one query; on
    SQLite those are the rows instr and LIKE (ASCII letters folded) find."""
    monkeypatch.setattr(block_scan, "SPAN_ROWS", span_rows)
    backend = backend_for(db)
    with T.bind_ctx(db):
        for term in TERMS:
            m = Matcher(term, case_sensitive=case_sensitive)
            scan = backend.scan(db, T.txt, T.k, m)
            if scan is None:  # folded in Python (beyond ASCII, Aa off): no scan
                assert not (case_sensitive or term.isascii()), term
                continue
            assert isinstance(scan, ConditionScan)
            with db.atomic() if threads == 1 else _nothing():
                got = sorted(set(k for keys, _ in scan.run() for k in keys))
            assert got == sorted({k for (k,) in T.select(T.k).where(backend.condition(T.txt, m)).tuples()}), term
            if is_sqlite(db):
                assert got == expected(term_matches(term, case_sensitive)), term


def test_lengths_that_do_not_add_up_are_not_handed_to_arrow(db):
    """Arrow trusts the offsets it is given: where the lengths a database lists do not add
    up to its block (here: characters, not bytes, with "Straße" and the Kelvin sign among
    the rows), the span is searched row by row, with the same answer."""
    blocks = sqlite_blocks if is_sqlite(db) else postgres_blocks
    right = blocks("t", "k", "txt")
    wrong = BlockSql(right.block.replace("length(CAST(\"txt\" AS BLOB))", 'length("txt")').replace(
        'octet_length("txt")', 'length("txt")'), right.rows, right.setup)
    assert wrong.block != right.block
    for pattern in ("straße", "^a", "y$", "\u212a"):
        test = regex_test(compile_pattern(pattern, True))
        got = sorted(set(k for keys, _ in ColumnScan(db, "t", test, wrong).run() for k in keys))
        assert got == expected(pattern_matches(pattern, True)), pattern


def test_each_backend_scans_a_regex_natively(db):
    """The backend's own scan of a regex (PostgreSQL's joins the blocks on the server)."""
    with T.bind_ctx(db):
        scan = backend_for(db).scan(db, T.txt, T.k, Matcher("^z", regex=True))
    assert isinstance(scan, ColumnScan)
    assert sorted(set(k for keys, _ in scan.run() for k in keys)) == expected(pattern_matches("^z", False))

"""A regex over a whole text column, read in blocks: SQLite joins a span of rows into one
text (no Python object a row), RE2 searches the block without the interpreter lock, and
only the rows it finds are mapped back to their keys.

A block joins its rows with newlines and the pattern's block form (store/search/
regex_engine.py) never matches a newline and reads `^`/`$` as a line's start and end, so a
match lies within one row and means what it means on that row alone. A span holding a
row with a newline of its own, or a pattern anchored to the whole text (`\\A`, `\\z`), is
searched row by row instead, which is as exact and a few times slower.

Two spans are searched at once, each on a connection of its own, when the first span had
few matches and the caller's connection is in no transaction (a second connection would
not see its changes).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Callable, Iterator

from re2 import _re2

from store.search.regex_engine import Pattern

UNANCHORED = _re2.RE2.Anchor.UNANCHORED

SPAN_ROWS = 1_024  # ids a block holds (about 1 MB of result data; 4 MB took 30 MB more memory)
DENSE = 16  # a first block with matches in more than 1/DENSE of its rows is dense
# A block where NATIVE_AFTER rows matched, at least one row in NATIVE_SHARE, has the rest of its
# rows matched natively (rows that share keys are skipped here, not there: rarely worth it).
NATIVE_AFTER, NATIVE_SHARE = 64, 2


def _rows(cursor) -> list:
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


class ColumnScan:
    """The keys of a table's rows whose text column matches a pattern."""

    def __init__(self, db, table: str, key: str, column: str, pattern: Pattern):
        self.db, self.pattern = db, pattern
        where = f'FROM "{table}" WHERE id >= ? AND id < ? AND "{column}" IS NOT NULL'
        # Both lists are made in one pass over the same rows, so the keys' list is in the
        # block's order. A blob: no decoding into a str, RE2 reads UTF-8.
        self.block_sql = f'SELECT CAST(group_concat("{column}", char(10)) AS BLOB), group_concat("{key}"), count(*) {where}'
        self.rows_sql = f'SELECT "{key}", CAST("{column}" AS BLOB) {where}'
        self.bounds_sql = f'SELECT (SELECT min(id) FROM "{table}"), (SELECT max(id) FROM "{table}")'

    def spans(self) -> list[tuple[int, int]]:
        lo, hi = _rows(self.db.execute_sql(self.bounds_sql))[0]
        if lo is None:
            return []
        return [(start, start + SPAN_ROWS) for start in range(lo, hi + 1, SPAN_ROWS)]

    def span(self, execute: Callable, lo: int, hi: int) -> list[int]:
        """The matching keys among the rows with lo <= id < hi."""
        block_form = self.pattern.block
        if block_form is not None:
            block, keys, count = _rows(execute(self.block_sql, (lo, hi)))[0]
            if not count:
                return []
            if block.count(b"\n") == count - 1:  # no row holds a newline of its own
                return _block_matches(self.pattern, block, keys)
        search = self.pattern.row.search
        return [key for key, text in _rows(execute(self.rows_sql, (lo, hi))) if search(text) is not None]

    def run(self, cancelled: Callable[[], bool] = lambda: False) -> Iterator[tuple[list[int], float]]:
        """Each span's matching keys with the share of spans done."""
        spans = self.spans()
        for n, (lo, hi) in enumerate(spans):
            if cancelled():
                return
            keys = self.span(self.db.execute_sql, lo, hi)
            yield keys, (n + 1) / len(spans)
            if n == 0 and len(spans) > 2 and len(keys) * DENSE < SPAN_ROWS and not self.db.in_transaction():
                # Few matches: the rest in two threads. Many: one, as each match is a short
                # search, and two threads would hand the interpreter lock to and fro at each.
                for keys, share in self._in_two(spans[1:], cancelled):
                    yield keys, (1 + share * (len(spans) - 1)) / len(spans)
                return

    def _in_two(self, spans: list[tuple[int, int]], cancelled) -> Iterator[tuple[list[int], float]]:
        """The spans from the front here, from the back in a helper thread (its own
        connection), until they meet."""
        lock, taken, found = threading.Lock(), [0, len(spans)], []
        stop = threading.Event()
        failed: list[BaseException] = []

        def take(from_back: bool) -> tuple[int, int] | None:
            with lock:
                if taken[0] >= taken[1] or stop.is_set():
                    return None
                taken[1 if from_back else 0] += -1 if from_back else 1
                return spans[taken[1]] if from_back else spans[taken[0] - 1]

        def helper() -> None:
            try:
                while (span := take(True)) is not None:
                    found.append(self.span(self.db.execute_sql, *span))
            except BaseException as exc:  # noqa: BLE001 (raised again in the caller's thread)
                failed.append(exc)
            finally:
                self.db.close()  # this thread's connection

        thread = threading.Thread(target=helper, name="block-scan", daemon=True)
        thread.start()
        done = 0
        try:
            while (span := take(False)) is not None:
                if cancelled():
                    return
                keys = self.span(self.db.execute_sql, *span)
                done += 1
                yield keys, min(1.0, 2 * done / len(spans))
            thread.join()
            if failed:
                raise failed[0]
            for keys in found:
                yield keys, 1.0
        finally:
            stop.set()
            thread.join()


def _block_matches(pattern: Pattern, block: bytes, keys: str) -> list[int]:
    """The keys of the block's rows where the pattern is found: one search from each row
    after a match, so a key is reported once however often its rows match. Where most rows
    match, the rest of the block is matched row by row natively, where that can be done."""
    out: list[int] = []
    key_list = None
    # RE2's own Match (what the module's search() calls): a quarter of search()'s cost a
    # call, which counts when every row matches.
    match, unanchored, size = pattern.block._regexp.Match, UNANCHORED, len(block)
    count, find = block.count, block.find
    row, at = 0, 0  # the row number of position `at`
    native = True
    while (start := match(unanchored, block, at, size)[0][0]) >= 0:
        row += count(b"\n", at, start)
        if key_list is None:
            key_list = keys.split(",")
        key = key_list[row]
        out.append(int(key))
        end = find(b"\n", start)
        # The rows after it with the same key (a study result's next component results) are
        # found already: not searched.
        while end != -1 and row + 1 < len(key_list) and key_list[row + 1] == key:
            end, row = find(b"\n", end + 1), row + 1
        if end == -1:
            break
        at, row = end + 1, row + 1
        if native and len(out) >= NATIVE_AFTER and len(out) * NATIVE_SHARE >= row:
            rest = _each_row(pattern, block[at:], key_list[row:])
            if rest is not None:
                return out + rest
            native = False  # not to be had: not asked again for this block
    return out


@lru_cache(maxsize=1)
def _arrow():
    """pyarrow and its compute module, imported once (None: not installed)."""
    try:
        import pyarrow
        import pyarrow.compute
    except ImportError:
        return None
    return pyarrow, pyarrow.compute


def _each_row(pattern: Pattern, rows: bytes, keys: list[str]) -> list[int] | None:
    """The keys of the rows (joined by newlines, none in a row) where the pattern is found,
    each row matched by RE2 inside Arrow's compute kernel: no Python a row, which counts
    when most rows match. None without pyarrow (an optional dependency), or if its RE2
    reads the pattern otherwise."""
    arrow = _arrow()
    if arrow is None:
        return None
    pa, pc = arrow
    try:
        texts = pc.split_pattern(pa.scalar(rows, pa.binary()), "\n").values.cast(pa.string())
        hits = pc.match_substring_regex(texts, pattern=pattern.re2_text, ignore_case=not pattern.case_sensitive)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return [int(keys[i]) for i in pc.indices_nonzero(hits).to_pylist()]

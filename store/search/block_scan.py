"""A whole text column tested natively, a block of rows at a time: SQLite joins a span of
rows' texts into one buffer and lists their lengths, Arrow takes that buffer as a column of
strings without copying it, and its RE2 kernel tests every row without the interpreter
lock. Only the keys of the rows that match become Python objects, so a pattern found in
every row costs little more than one found in none, and a pattern is tested on each row
alone: no match runs from one row into the next, `\\A` and `\\z` mean the row's start and
end, and `^` and `$` a line's (a cell's, store/search/text.py).

Two spans are tested at once, each on a connection of its own, when the caller's connection
is in no transaction (a second connection would not see its changes): reading and testing a
block hold the interpreter for well under a millisecond, so two threads keep two cores busy.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Callable, Iterator

from peewee import Value, fn

from store.arrow import arrow
from store.search.regex_engine import Pattern

SPAN_ROWS = 512  # ids a block holds (about 0.5 MB of result data; 1,024 took 8 MB more at S, as fast)


@dataclass(frozen=True)
class RowTest:
    """What each row's text is tested for: `native` on a column of rows (Arrow strings, to
    booleans), `one` on one row's UTF-8 bytes. Both answer alike; `one` is for a pattern
    Arrow's RE2 refuses. `first`, where it can be asked, gives where in a block of rows
    joined end to end the first match starts (None: no row matches). `one_line`, where
    given, is `native` for rows none of which holds a line break, answering alike, faster."""

    native: Callable
    one: Callable[[bytes], bool]
    first: Callable[[bytes], int | None] | None = None
    one_line: Callable | None = None


def regex_test(pattern: Pattern) -> RowTest:
    def native(texts, text: str = pattern.re2_text):
        return arrow()[1].match_substring_regex(texts, pattern=text, ignore_case=not pattern.case_sensitive)

    def one_line(texts):
        return native(texts, pattern.re2_one_line)

    def first(block: bytes) -> int | None:
        found = pattern.row.search(block)
        return None if found is None else found.start()

    one = lambda text: pattern.row.search(text) is not None
    return RowTest(native, one, first if _looks_only_inside(pattern.re2_text) else None, one_line)


def _looks_only_inside(pattern: str) -> bool:
    """Whether the pattern has no assertion about what lies around a match (^ $ \\A \\z \\b
    \\B): then a match inside a row is one inside any text holding the row, and rows joined
    end to end with no match have none of their own. Cautious: a `^` or `$` anywhere outside
    a class's first place counts as one, and so does quoting (\\Q…\\E)."""
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if not in_class and pattern[i + 1 : i + 2] in ("A", "z", "b", "B", "Q"):
                return False
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            i += 1
            i += pattern.startswith("^", i)  # a negated class
            i += pattern.startswith("]", i)  # a ] first in a class is itself
            in_class = True
            continue
        elif c in "^$":
            return False
        i += 1
    return True


def _rows(cursor) -> list:
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


class SpanScan:
    """A table read in spans of ids, each span's matching keys found by `span` (on the
    calling thread's connection), two spans at once where that can be done."""

    def __init__(self, db, table: str, setup: str | None = None):
        self.db, self.setup = db, setup  # `setup`: run first on the helper thread's connection
        self.bounds_sql = f'SELECT (SELECT min(id) FROM "{table}"), (SELECT max(id) FROM "{table}")'

    def span(self, lo: int, hi: int) -> list[int]:
        raise NotImplementedError

    def spans(self) -> list[tuple[int, int]]:
        lo, hi = _rows(self.db.execute_sql(self.bounds_sql))[0]
        if lo is None:
            return []
        return [(start, start + SPAN_ROWS) for start in range(lo, hi + 1, SPAN_ROWS)]

    def run(self, cancelled: Callable[[], bool] = lambda: False) -> Iterator[tuple[list[int], float]]:
        """Each span's matching keys with the share of spans done."""
        spans = self.spans()
        if len(spans) > 1 and not self.db.in_transaction():
            yield from self._in_two(spans, cancelled)
            return
        for n, (lo, hi) in enumerate(spans):
            if cancelled():
                return
            yield self.span(lo, hi), (n + 1) / len(spans)

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
                if self.setup:
                    self.db.execute_sql(self.setup).close()
                while (span := take(True)) is not None:
                    found.append(self.span(*span))
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
                keys = self.span(*span)
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


@dataclass(frozen=True)
class BlockSql:
    """How a database hands over the rows of a span (its bounds the two parameters):
    `block` gives their texts joined end to end (bytes, or UTF-8 text), the texts' lengths
    in bytes and their keys (each comma-separated, in the same order) and their count;
    `rows` gives (key, text) a row. `setup` is run first on a helper thread's connection."""

    block: str
    rows: str
    setup: str | None = None


class ColumnScan(SpanScan):
    """The keys of a table's rows whose text column passes a test, tested natively."""

    def __init__(self, db, table: str, test: RowTest, sql: BlockSql):
        super().__init__(db, table, sql.setup)
        self.test, self.block_sql, self.rows_sql = test, sql.block, sql.rows
        self.native = True  # until Arrow refuses the test; then each row in Python

    def span(self, lo: int, hi: int) -> list[int]:
        """The matching keys among the rows with lo <= id < hi (on this thread's connection)."""
        if self.native:
            block, lengths, keys, count = _rows(self.db.execute_sql(self.block_sql, (lo, hi)))[0]
            if not count:
                return []
            if isinstance(block, str):
                block = block.encode()  # as one text (PostgreSQL): ASCII is copied, not decoded
            found = self._native(block or b"", lengths, keys, count)
            if found is not None:
                return found
        one = self.test.one
        return [key for key, text in _rows(self.db.execute_sql(self.rows_sql, (lo, hi))) if one(text)]

    def _native(self, block: bytes, lengths: str, keys: str, count: int) -> list[int] | None:
        pa, pc = arrow()
        at = 0
        if self.test.first is not None:
            # One search of the whole block (one call, not one a row: many short rows cost
            # less), and the rows before its first match are not tested again.
            at = self.test.first(block)
            if at is None:
                return []
        offsets = array("i", accumulate(map(int, lengths.split(",")), initial=0))
        if len(offsets) != count + 1 or offsets[-1] != len(block):
            return None  # lengths that do not add up to the block are not handed to Arrow
        texts = pa.Array.from_buffers(pa.string(), count, [None, pa.py_buffer(offsets), pa.py_buffer(block)])
        skip = bisect_right(offsets, at) - 1 if at else 0
        # A block with no line break (most data: JSON on one line) is searched as one-line
        # texts, where RE2 anchors ^ and $; looking for a line break is one memchr.
        native = self.test.one_line if self.test.one_line and b"\n" not in block else self.test.native
        try:
            hits = native(texts.slice(skip))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            self.native = False  # a pattern Arrow's RE2 reads otherwise: not asked again
            return None
        if not pc.any(hits).as_py():
            return []
        key_list = keys.split(",")
        return [int(key_list[skip + i]) for i in pc.indices_nonzero(hits).to_pylist()]


class ConditionScan(SpanScan):
    """The keys of a table's rows that meet an SQL condition the database tests itself (a
    term's instr or LIKE, on the rows where they lie: no copy of the texts), as one list a
    span."""

    def __init__(self, db, model, key, condition, setup: str | None = None, keys: Callable = fn.group_concat):
        super().__init__(db, model._meta.table_name, setup)
        # `keys`: the database's aggregate of the keys into one comma-separated text. The
        # statement is made once; where the span's bounds go among its parameters is found
        # by marking them.
        lo, hi = _Bound(), _Bound()
        where = (model.id >= Value(lo, converter=False)) & (model.id < Value(hi, converter=False)) & condition
        self.sql, self.params = model.select(keys(key)).where(where).sql()
        self.bounds = self.params.index(lo), self.params.index(hi)

    def span(self, lo: int, hi: int) -> list[int]:
        params = list(self.params)
        params[self.bounds[0]], params[self.bounds[1]] = lo, hi
        (keys,) = _rows(self.db.execute_sql(self.sql, params))[0]
        return [] if keys is None else list(map(int, keys.split(",")))


class _Bound:
    """Marks where a span's bound goes among a statement's parameters."""

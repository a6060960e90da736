"""Filtering a results page fast, answering in stages.

The page's rows in its order are known before any filter (store/view.py holds them once
per sort), so the filter only has to say which of them match. Each term (or the regex)
is looked up where it is cheapest:

- a term of three or more characters that few rows hold: the search index (FTS5
  trigram) names the candidates and only those rows are checked; a set, at once;
- a term many rows hold, a term shorter than a trigram, a regex without a literal: rows
  are checked in the page's order, a chunk at a time, so the first screenful comes at
  once and the rows found so far can be shown while the rest is read; the full answer
  then reads whole tables in storage order (twice as fast a row as looking rows up),
  noting matches one byte an id. A search that finds little in a big page switches to
  whole tables after WALK_LIMIT seconds.

The answer is the one `search.condition()` gives in one query (a test holds the two
together); only the way to it differs.
"""

from __future__ import annotations

import time
from array import array
from dataclasses import dataclass
from itertools import compress, repeat
from operator import sub
from typing import Callable, Iterator, Sequence

from store.db import sqlite
from store.db.idlists import id_in
from store.db.models import ComponentResult, StudyResult
from store.search.filter import Filter, contains, in_index, parse_smart, required_literal

FEW = 5_000  # index candidates up to which a term is answered as a set
TICK = 0.0  # seconds to the first showing of the rows found so far (then every EVERY)
EVERY = 0.1
FIRST_CHUNK, LAST_CHUNK = 64, 32_768
WALK_LIMIT = 0.3  # seconds of row-by-row search before whole tables are read instead
CHUNK_TIME = 0.008  # seconds a chunk of the ordered walk aims at
SPANS = 16  # queries a whole-table read is split into, to show how far it has got


@dataclass(frozen=True)
class Found:
    ids: array  # matching ids in the page's order: the whole answer, or its first rows
    scanned: float  # share of the page's rows looked at so far
    complete: bool


def _db():
    return StudyResult._meta.database


def _rows(query) -> list:
    cursor = _db().execute(query)
    try:
        return [r[0] for r in cursor]
    finally:
        cursor.close()


def table_rows(model) -> int:
    """About how many rows a table has: the spread of its ids. Two subqueries, so that
    each is one look at an end of the primary key (min and max together scan the table)."""
    table = model._meta.table_name
    cursor = _db().execute_sql(f'SELECT (SELECT max(id) FROM "{table}") - (SELECT min(id) FROM "{table}") + 1')
    try:
        return cursor.fetchone()[0] or 0
    finally:
        cursor.close()


class _Part:
    """One side of a term: a table's text column, keyed by this level's row id."""

    def __init__(self, model, key, condition, fts: str | None, literal: str | None):
        self.model, self.key, self.condition = model, key, condition
        self.fts = fts if literal and len(literal) >= 3 else None
        self.literal = literal
        self.known: set[int] | None = None  # the matching rows, once worked out

    def probe(self) -> None:
        """Ask the index: few candidates make the answer a set at once."""
        if self.fts is None:
            return
        db = sqlite.unwrap(_db())
        match = sqlite.fts_trigrams(self.literal)
        # Counted in SQLite, up to FEW + 1: a common term costs no Python objects.
        cursor = db.execute_sql(
            f"SELECT count(*) FROM (SELECT 1 FROM {self.fts} WHERE {self.fts} MATCH ? LIMIT {FEW + 1})", (match,)
        )
        try:
            candidates = cursor.fetchone()[0]
        finally:
            cursor.close()
        if candidates > FEW:
            return
        in_fts = in_index(self.model.id, self.fts, self.literal)
        self.known = set(_rows(self.model.select(self.key).where(in_fts & self.condition))) if candidates else set()

    def _check(self, field, ids: Sequence[int]) -> set[int]:
        q = self.model.select(self.key).where(id_in(field, ids) & self.condition)
        return set(_rows(q))

    def among(self, ids: Sequence[int]) -> set[int]:
        if self.known is not None:
            return {i for i in ids if i in self.known}
        return self._check(self.key, ids)

    def mark(self, bits: "_IdBits") -> Iterator[float]:
        """Mark the matching rows in `bits`, reading the whole table in storage order; yields
        the share of the table read, SPANS times (a span is one query)."""
        if self.known is not None:
            for i in self.known:
                bits.add(i)
            return
        table = self.model._meta.table_name
        # Two subqueries: each one look at an end of the key (min and max together scan).
        cursor = _db().execute_sql(f'SELECT (SELECT min(id) FROM "{table}"), (SELECT max(id) FROM "{table}")')
        try:
            lo, hi = cursor.fetchone()
        finally:
            cursor.close()
        if lo is None:
            return
        step = (hi - lo) // SPANS + 1
        # One statement for every span: the span's bounds are its first two parameters.
        sql, params = self.model.select(self.key).where(
            (self.model.id >= lo) & (self.model.id < lo + step) & self.condition
        ).sql()
        add = bits.add
        for start in range(lo, hi + 1, step):
            params[0], params[1] = start, start + step
            cursor = _db().execute_sql(sql, params)
            try:
                for (i,) in cursor:  # row by row: SQLite lets go of the interpreter between rows
                    add(i)
            finally:
                cursor.close()
            yield min(1.0, (start + step - lo) / (hi - lo + 1))


class _Term:
    """Rows whose displayed text or data match (or, negated, match neither)."""

    def __init__(self, parts: list[_Part], negated: bool = False, in_python: bool = False):
        self.parts, self.negated = parts, negated
        self.in_python = in_python  # checked by a Python function (a regex, case folding)

    @property
    def known(self) -> set[int] | None:
        if all(p.known is not None for p in self.parts):
            return set().union(*(p.known for p in self.parts))
        return None

    def among(self, ids: Sequence[int]) -> set[int]:
        out: set[int] = set()
        for part in sorted(self.parts, key=lambda p: p.known is None):  # sets first: they are free
            rest = [i for i in ids if i not in out] if out else ids
            if rest:
                out |= part.among(rest)
        return out

    def everywhere(self, rows: array, lo: int, hi: int) -> Iterator[float]:
        """Which rows match, one byte an id (the generator's return value), reading whole
        tables; yields the share done. A side is not read when the others already matched
        every row."""
        bits = _IdBits(lo, hi)
        parts = sorted(self.parts, key=lambda p: p.known is None)
        for n, part in enumerate(parts):
            if not bits.empty() and all(_slices(rows, bits.all_in)):
                break
            yield from _scaled(part.mark(bits), n, len(parts))
        return bits


class _IdBits:
    """A set of ids as one byte each over [lo, hi]: no object per id, so nothing for the
    garbage collector to walk and no pause to grow or free it; a whole slice is tested
    for membership in C."""

    def __init__(self, lo: int, hi: int, full: bool = False):
        size = hi - lo + 1
        self.lo, self.bits = lo, bytearray(b"\x01" * size if full else size)

    def add(self, i: int) -> None:
        j = i - self.lo
        if 0 <= j < len(self.bits):
            self.bits[j] = 1

    def empty(self) -> bool:
        return self.bits.find(1) == -1

    def flags(self, piece: Sequence[int]) -> Iterator[int]:
        """1 or 0 for each id of the slice (every one of them within [lo, hi])."""
        return map(self.bits.__getitem__, map(sub, piece, repeat(self.lo)))

    def all_in(self, piece: Sequence[int]) -> bool:
        return all(self.flags(piece))

    def narrow(self, other: "_IdBits", negated: bool) -> None:
        """Keep the ids also in `other` (negated: not in it); on the bytes as one big integer, in C."""
        a = int.from_bytes(self.bits, "little")
        b = int.from_bytes(other.bits, "little")
        if negated:
            b = int.from_bytes(b"\x01" * len(self.bits), "little") ^ b
        self.bits = bytearray((a & b).to_bytes(len(self.bits), "little"))


def _scaled(reading: Iterator[float], n: int, of: int):
    """The n-th of `of` steps: each share `reading` yields as a share of all the steps;
    returns what `reading` returns."""
    while True:
        try:
            share = next(reading)
        except StopIteration as done:
            return done.value
        yield (n + share) / of


def _slices(ids: Sequence[int], do: Callable, step: int = 16_384) -> Iterator:
    """do(piece) for each slice of ids, letting the screen's thread run between slices: a long
    loop over a million ids would otherwise hold the interpreter for tens of milliseconds."""
    for at in range(0, len(ids), step):
        yield do(ids[at : at + step])
        time.sleep(0)


def _terms(f: Filter, level: str) -> list[_Term]:
    on_sqlite = sqlite.is_sqlite(_db())
    indexed = on_sqlite and sqlite.has_search_index(sqlite.unwrap(_db()))
    own = StudyResult if level == "study" else ComponentResult
    data_key = ComponentResult.study_result if level == "study" else ComponentResult.id
    meta_fts = "meta_fts" if indexed and level == "study" else None
    data_fts = "data_fts" if indexed else None

    def term(meta_cond, data_cond, literal, negated=False, in_python=False) -> _Term:
        return _Term(
            [_Part(own, own.id, meta_cond, meta_fts, literal), _Part(ComponentResult, data_key, data_cond, data_fts, literal)],
            negated,
            in_python and on_sqlite,
        )

    if f.regex:
        pattern = ("" if f.case_sensitive else "(?i)") + f.text
        literal = required_literal(f.text)
        return [term(own.search_text.regexp(pattern), ComponentResult.data.regexp(pattern), literal, in_python=True)]
    return [
        term(
            contains(own.search_text, t.text, f.case_sensitive, on_sqlite),
            contains(ComponentResult.data, t.text, f.case_sensitive, on_sqlite),
            t.text,
            t.negated,
            in_python=not f.case_sensitive and not t.text.isascii(),
        )
        for t in parse_smart(f.text)
    ]


def _match(terms: list[_Term], ids: Sequence[int]) -> set[int]:
    """Which of these ids the filter keeps; each term only looks at the survivors."""
    alive: Sequence[int] | set[int] = ids
    for t in terms:
        if not alive:
            break
        hits = t.among(list(alive))
        alive = set(alive) - hits if t.negated else hits
    return set(alive)


def _keep_matching(terms: list[_Term], chunk: Sequence[int], found: array) -> None:
    """Add the ids of the chunk the filter keeps to `found`, in the chunk's order."""
    hits = _match(terms, chunk)
    found.extend(i for i in chunk if i in hits)


def search(
    f: Filter, level: str, base: array, first: int, order: Callable[[Sequence[int]], array],
    cancelled: Callable[[], bool] = lambda: False,
) -> Iterator[Found]:
    """The filter's rows among `base` (the page's rows in order), in stages: rows found so
    far while the first `first` are looked for (every TICK, then EVERY seconds), then the
    first `first` rows, then everything. `order` puts a small set of ids in the page's order."""
    yield from _search(_terms(f, level), level, base, first, order, cancelled)


def _search(terms: list[_Term], level: str, base: array, first: int, order, cancelled) -> Iterator[Found]:
    start = time.perf_counter()
    for t in terms:
        for p in t.parts:
            p.probe()
    # Most selective first: terms answered by small sets, then the rest.
    terms.sort(key=lambda t: (t.negated, t.known is None, len(t.known) if t.known is not None else 0))
    positive = [t.known for t in terms if not t.negated and t.known is not None]
    if positive:
        # Some term is rare: its rows (checked against the other terms) are the answer.
        few = set.intersection(*positive)
        yield Found(order(sorted(_match(terms, sorted(few)))), 1.0, True)
        return

    rows = table_rows(StudyResult if level == "study" else ComponentResult)
    # Checks in Python keep walking: a whole-table read of them would run for seconds
    # without showing progress, and hand the interpreter to the screen less evenly.
    may_switch = not any(t.in_python for t in terms)
    found, pos, size, shown = array("q"), 0, FIRST_CHUNK, start
    while pos < len(base) and len(found) < first:
        if cancelled():
            return
        if may_switch and time.perf_counter() - start > WALK_LIMIT and (len(base) - pos) * 2 > rows:
            break  # few matches, much left: reading whole tables is twice as fast a row
        chunk = base[pos : pos + size]
        began = time.perf_counter()
        _keep_matching(terms, chunk, found)
        pos += len(chunk)
        now = time.perf_counter()
        # Chunks of about CHUNK_TIME each: slow checks (a regex in Python) stay responsive.
        size = max(FIRST_CHUNK, min(LAST_CHUNK, size * 2, int(len(chunk) * CHUNK_TIME / max(now - began, 1e-5))))
        if now - shown >= (TICK if shown == start else EVERY) and pos < len(base) and len(found) < first:
            shown = now
            yield Found(array("q", found), pos / len(base), False)
    if pos >= len(base):
        yield Found(found, 1.0, True)
        return
    yield Found(array("q", found), pos / len(base), False)

    rest = base[pos:]
    lo, hi = min(_slices(rest, min)), max(_slices(rest, max))
    if len(rest) * 8 > rows and hi - lo < 16 * len(rest) + (1 << 20):
        # Much of the table is on the page (and its ids are not spread thin): read whole
        # tables once, keep the page's rows. The share read so far is shown as it grows.
        walked = pos / len(base)
        for share in _read_whole_tables(terms, rest, lo, hi, found):
            if cancelled():
                return
            now = time.perf_counter()
            if now - shown >= EVERY:
                shown = now
                yield Found(array("q", found), walked + (1 - walked) * share, False)
        yield Found(found, 1.0, True)
        return
    for at in range(0, len(rest), LAST_CHUNK):
        if cancelled():
            return
        _keep_matching(terms, rest[at : at + LAST_CHUNK], found)
    yield Found(found, 1.0, True)


def _read_whole_tables(terms: list[_Term], rest: array, lo: int, hi: int, found: array) -> Iterator[float]:
    """Add the matching ids of `rest` (all within [lo, hi]) to `found`, in order; yields the
    share of the reading done (the caller stops it when cancelled)."""
    keep = None
    ordered = sorted(terms, key=lambda t: t.negated)
    for n, t in enumerate(ordered):
        bits = yield from _scaled(t.everywhere(rest, lo, hi), n, len(ordered))
        if keep is None and not t.negated:
            keep = bits
        else:
            keep = keep or _IdBits(lo, hi, full=True)
            keep.narrow(bits, t.negated)
    for _ in _slices(rest, lambda piece: found.extend(compress(piece, keep.flags(piece)))):
        yield 1.0

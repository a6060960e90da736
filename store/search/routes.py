"""How each term of a plan is answered: the one place that decides it.

A term is tested on two sides of a row: the row's own displayed text (its search text)
and the data of its component results. For each side the backend (store/search/
backends.py) gives the SQL test and says whether an index can name candidates for the
term's literal. A side is then answered in one of four ways, each below:

- `probe`: an index naming few candidates makes the side a set, at once;
- `among`: checked among given ids (the page's ordered walk);
- `mark`: marked while a whole table is read in storage order (the rest of a page's answer);
- `rows_where`: one condition on the selection's query (an answer run to the end).

store/search/engine.py decides which to use when. The plan's tree (field terms such as
`state:FINISHED`, `|`, parentheses, and the free terms inside them) is one SQL condition,
`tree_condition`, that narrows the rows before the free terms are looked for. Where the
backend gives a side a scan (store/search/block_scan.py: a regex, or a term the database
tests itself), its `mark`, and an answer run to the end over much of a table, read the
whole column in spans, two at once.
"""

from __future__ import annotations

import time
from array import array
from functools import reduce
from itertools import repeat
from operator import or_, sub
from typing import Callable, Iterator, Sequence

from peewee import SQL, NodeList, fn

from store.db.idlists import id_in
from store.db.models import ComponentResult, StudyResult
from store.db.sqlite import is_sqlite
from store.search import syntax
from store.search.backends import Index, Scan, backend_for
from store.search.block_scan import SpanScan
from store.search.fields import FIELDS
from store.search.filter import Filter, Matcher, Plan, plan


def db():
    return StudyResult._meta.database


def rows(query) -> list:
    cursor = db().execute(query)
    try:
        return [r[0] for r in cursor]
    finally:
        cursor.close()


class Side:
    """One side of a term: a table's text column, keyed by this level's row id."""

    def __init__(
        self, model, key, condition, index: Index | None, literal: str | None, own: bool = False,
        scan: SpanScan | None = None, column=None, confirm: Callable[[str], bool] | None = None,
    ):
        self.model, self.key, self.condition, self.own = model, key, condition, own
        self.index, self.literal = index, literal
        self.scan = scan  # reads the whole column in spans, two at once
        # The backend's test in Python of the rows `condition` keeps (backends.py), on `column`.
        self.column, self.confirm = column, confirm
        self.known: set[int] | None = None  # the matching rows, once worked out
        self.common = False  # the index holds more candidates than a probe takes: not asked

    def scanned(self, cancelled: Callable[[], bool] = lambda: False) -> Iterator[float]:
        """Work out `known` by the block scan; yields the share done."""
        known: set[int] = set()
        for keys, share in self.scan.run(cancelled):
            known.update(keys)
            yield share
        self.known = known

    def _keys(self, where) -> set[int]:
        if self.confirm is None:
            return set(rows(self.model.select(self.key).where(where)))
        cursor = db().execute(self.model.select(self.key, self.column).where(where))
        try:
            return {i for i, text in cursor if text is not None and self.confirm(text)}
        finally:
            cursor.close()

    def probe(self, few: int) -> None:
        """Ask the index: up to `few` candidates make the answer a set at once."""
        if self.index is None:
            return
        candidates = self.index.count(db(), self.literal, few + 1)
        if candidates > few:
            self.common = True
            return
        narrowed = self.index.condition(self.model.id, self.literal)
        self.known = self._keys(narrowed & self.condition) if candidates else set()

    def _narrowed(self):
        cond = self.condition
        if self.index is not None and not self.common:
            # A literal in many rows: its index condition would only double each row's test
            # (PostgreSQL: a word in every row at S, 1.2 s with it, 0.6 s without).
            cond = self.index.condition(self.model.id, self.literal) & cond
        return cond

    def confirmed(self) -> set[int] | None:
        """The level's keys of the rows that pass, where Python confirms them (else None)."""
        return None if self.confirm is None else self._keys(self._narrowed())

    def rows_where(self, level_id):
        """The side as one condition on a query of this level's rows (`level_id` its key);
        not for a side Python confirms (TermRoute puts those rows in one array)."""
        cond = self._narrowed()
        if self.own:
            return cond
        # Data through IN, never a bare condition, even on its own row: NULL data must count
        # as no match, and `NOT (x LIKE ? OR NULL)` would drop the row.
        if not is_sqlite(db()) and self.model is not level_id.model:
            # PostgreSQL cannot make an IN inside an OR a join: a subplan too big to hash in
            # work_mem runs again for every row (a word in every row at S: over 10 minutes).
            # Correlated, each row asks the key's index (1.6 s in psql).
            return fn.EXISTS(self.model.select(SQL("1")).where((self.key == level_id) & cond))
        return level_id.in_(self.model.select(self.key).where(cond))

    def among(self, ids: Sequence[int]) -> set[int]:
        if self.known is not None:
            return {i for i in ids if i in self.known}
        return self._keys(id_in(self.key, ids) & self.condition)

    def mark(self, bits: "IdBits", spans: int) -> Iterator[float]:
        """Mark the matching rows in `bits`, reading the whole table in storage order; yields
        the share of the table read, `spans` times (a span is one query)."""
        if self.known is not None:
            for i in self.known:
                bits.add(i)
            return
        if self.scan is not None:
            # Marked as each span comes, not kept as a set: a million matching rows (M) would
            # hold 60 MB more for a moment.
            for keys, share in self.scan.run():
                bits.add_all(keys)
                yield share
            return
        table = self.model._meta.table_name
        # Two subqueries: each one look at an end of the key (min and max together scan).
        cursor = db().execute_sql(f'SELECT (SELECT min(id) FROM "{table}"), (SELECT max(id) FROM "{table}")')
        try:
            lo, hi = cursor.fetchone()
        finally:
            cursor.close()
        if lo is None:
            return
        step = (hi - lo) // spans + 1
        # One statement for every span: the span's bounds are its first two parameters.
        columns = (self.key,) if self.confirm is None else (self.key, self.column)
        sql, params = self.model.select(*columns).where(
            (self.model.id >= lo) & (self.model.id < lo + step) & self.condition
        ).sql()
        add, confirm = bits.add, self.confirm
        for start in range(lo, hi + 1, step):
            params[0], params[1] = start, start + step
            cursor = db().execute_sql(sql, params)
            try:
                for row in cursor:  # row by row: SQLite lets go of the interpreter between rows
                    if confirm is None or (row[1] is not None and confirm(row[1])):
                        add(row[0])
            finally:
                cursor.close()
            yield min(1.0, (start + step - lo) / (hi - lo + 1))


class TermRoute:
    """Rows whose displayed text or data match (or, negated, match neither)."""

    def __init__(self, sides: list[Side], negated: bool = False, in_python: bool = False):
        self.sides, self.negated = sides, negated
        self.in_python = in_python  # checked by a Python function (a regex, case folding)

    @property
    def known(self) -> set[int] | None:
        if all(s.known is not None for s in self.sides):
            return set().union(*(s.known for s in self.sides))
        return None

    def among(self, ids: Sequence[int]) -> set[int]:
        out: set[int] = set()
        for side in sorted(self.sides, key=lambda s: s.known is None):  # sets first: they are free
            rest = [i for i in ids if i not in out] if out else ids
            if rest:
                out |= side.among(rest)
        return out

    def rows_where(self, level_id):
        """The term as one condition on a query of this level's rows. The rows of the sides
        Python confirms are one array: PostgreSQL read `id = ANY(a) OR id = ANY(b)` row by
        row through the arrays (7 s at S when one was empty), one array through the index."""
        conds, passed = [], None
        for side in self.sides:
            keys = side.confirmed()
            if keys is None:
                conds.append(side.rows_where(level_id))
            else:
                passed = keys if passed is None else passed | keys
        if passed is not None:
            conds.append(NodeList((level_id, SQL("= ANY(%s)", [sorted(passed)]))))
        cond = reduce(or_, conds)
        return NodeList((~cond if self.negated else cond,), parens=True)

    def everywhere(self, ids: array, lo: int, hi: int, spans: int) -> Iterator[float]:
        """Which rows match, one byte an id (the generator's return value), reading whole
        tables; yields the share done. A side is not read when the others already matched
        every one of `ids`."""
        bits = IdBits(lo, hi)
        sides = sorted(self.sides, key=lambda s: s.known is None)
        for n, side in enumerate(sides):
            if not bits.empty() and all(slices(ids, bits.all_in)):
                break
            yield from scaled(side.mark(bits, spans), n, len(sides))
        return bits


def level_id(level: str):
    """The key of a query of this level's rows."""
    return StudyResult.id if level == "study" else ComponentResult.id


def all_of(terms: list[TermRoute], level: str):
    """The terms as one condition on a query of this level's rows (None: no term)."""
    if not terms:
        return None
    # One flat "a AND b AND c": nested pairs would overflow SQLite's parser at ~100 terms.
    return NodeList([t.rows_where(level_id(level)) for t in terms], glue=" AND ", parens=True)


def routes(f: Filter, level: str) -> list[TermRoute]:
    """Each term of the filter's plan with the sides it is tested on, on this database."""
    backend = backend_for(db())
    return [_route(m, level, backend) for m in plan(f).matchers]


def tree_condition(p: Plan, level: str):
    """The plan's tree as one condition on a query of this level's rows (None: no tree).
    Field terms are their fields' SQL (store/search/fields.py), on the tables' indexes; a
    free term inside the tree is its route's one condition, as an answer run to the end
    has it."""
    if p.tree is None:
        return None
    backend = backend_for(db())

    def sql(node):
        if isinstance(node, syntax.FieldTerm):
            return NodeList((FIELDS[node.field].where(level, list(node.values)),), parens=True)
        if isinstance(node, syntax.Text):
            return _route(Matcher(node.text, False, p.case_sensitive), level, backend).rows_where(level_id(level))
        if isinstance(node, syntax.Not):
            # NOT of NULL is NULL, which drops the row: a missing value (no end time) would
            # then match neither `ended:…` nor `!ended:…`. COALESCE makes it plainly false.
            return ~fn.COALESCE(sql(node.item), False)
        glue = " AND " if isinstance(node, syntax.All) else " OR "
        return NodeList([sql(i) for i in node.items], glue=glue, parens=True)

    return sql(p.tree)


def _route(m: Matcher, level: str, backend: Scan) -> TermRoute:
    own = StudyResult if level == "study" else ComponentResult
    data_key = ComponentResult.study_result if level == "study" else ComponentResult.id
    literal = m.literal

    def side(model, key, column, is_own=False) -> Side:
        index, scan = backend.index(column, literal), backend.scan(db(), column, key, m)
        condition, confirm = backend.condition(column, m), backend.confirm(m)
        return Side(model, key, condition, index, literal, is_own, scan, column, confirm)

    sides = [side(own, own.id, own.search_text, is_own=True), side(ComponentResult, data_key, ComponentResult.data)]
    # Python's check of each row is only for the rows a walk meets where a side has a scan.
    return TermRoute(sides, m.negated, backend.in_python(m) and any(s.scan is None for s in sides))


class IdBits:
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

    def add_all(self, ids: Sequence[int]) -> None:
        bits, lo, size = self.bits, self.lo, len(self.bits)
        for i in ids:
            if 0 <= i - lo < size:
                bits[i - lo] = 1

    def discard(self, i: int) -> None:
        j = i - self.lo
        if 0 <= j < len(self.bits):
            self.bits[j] = 0

    def empty(self) -> bool:
        return self.bits.find(1) == -1

    def flags(self, piece: Sequence[int]) -> Iterator[int]:
        """1 or 0 for each id of the slice (every one of them within [lo, hi])."""
        return map(self.bits.__getitem__, map(sub, piece, repeat(self.lo)))

    def all_in(self, piece: Sequence[int]) -> bool:
        return all(self.flags(piece))

    def narrow(self, other: "IdBits", negated: bool) -> None:
        """Keep the ids also in `other` (negated: not in it); on the bytes as one big integer, in C."""
        a = int.from_bytes(self.bits, "little")
        b = int.from_bytes(other.bits, "little")
        if negated:
            b = int.from_bytes(b"\x01" * len(self.bits), "little") ^ b
        self.bits = bytearray((a & b).to_bytes(len(self.bits), "little"))


def scaled(reading: Iterator[float], n: int, of: int):
    """The n-th of `of` steps: each share `reading` yields as a share of all the steps;
    returns what `reading` returns."""
    while True:
        try:
            share = next(reading)
        except StopIteration as done:
            return done.value
        yield (n + share) / of


def slices(ids: Sequence[int], do: Callable, step: int = 16_384) -> Iterator:
    """do(piece) for each slice of ids, letting the screen's thread run between slices: a long
    loop over a million ids would otherwise hold the interpreter for tens of milliseconds."""
    for at in range(0, len(ids), step):
        yield do(ids[at : at + step])
        time.sleep(0)

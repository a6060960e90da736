"""The filter engine: one plan (store/search/filter.py), answered term by term by the
routes of store/search/routes.py, run in stages for a results page or to the end for the
command line and exports.

The page's rows in its order are known before any filter (store/pages/view.py holds them
once per sort), so the filter only has to say which of them match. Each term (or the
regex) is looked up where it is cheapest:

- a term of three or more characters that few rows hold: the search index (FTS5
  trigram) names the candidates and only those rows are checked; a set, at once;
- a term many rows hold, a term shorter than a trigram, a regex without a literal: rows
  are checked in the page's order, a chunk at a time, so the first screenful comes at
  once and the rows found so far can be shown while the rest is read; the full answer
  then reads whole tables in storage order (twice as fast a row as looking rows up),
  noting matches one byte an id. A search that finds little in a big page switches to
  whole tables after WALK_LIMIT seconds.

Field terms, `|` and parentheses (the plan's tree) are one SQL condition on the rows
(routes.py `tree_condition`): it narrows the scope first, on the tables' indexes, and the
free terms at the top level are then looked for among what is left, as above. A page
narrows its rows with `narrowed`; an answer run to the end puts the condition into every
query of its scope.

Run to the end (`complete`: the command line, exports, erase), there is no first
screenful to hurry for: a rare term is its set, as on a page; otherwise the same routes
become one condition on the selection's query, which the database answers in one pass.
"""

from __future__ import annotations

import time
from array import array
from dataclasses import dataclass
from itertools import compress
from typing import Callable, Iterator, Sequence

from peewee import NodeList

from store.db.models import ComponentResult, StudyResult
from store.search.filter import Filter, plan
from store.search.routes import IdBits, TermRoute, all_of, db, routes, scaled, slices, tree_condition

FEW = 5_000  # index candidates up to which a term is answered as a set
TICK = 0.0  # seconds to the first showing of the rows found so far (then every EVERY)
EVERY = 0.1
FIRST_CHUNK, LAST_CHUNK = 64, 32_768
# Seconds of row-by-row search before whole tables are read instead: soon, as reading them
# all takes less than half a second on 100k results, and the exact count comes with it.
WALK_LIMIT = 0.05
SCAN_SHARE = 8  # a scope of at least 1/8 of a table is answered by a block scan
CHUNK_TIME = 0.008  # seconds a chunk of the ordered walk aims at
SPANS = 16  # queries a whole-table read is split into, to show how far it has got


@dataclass(frozen=True)
class Found:
    ids: array  # matching ids in the page's order: the whole answer, or its first rows
    scanned: float  # share of the page's rows looked at so far
    complete: bool


def table_rows(model) -> int:
    """About how many rows a table has: the spread of its ids. Two subqueries, so that
    each is one look at an end of the primary key (min and max together scan the table)."""
    table = model._meta.table_name
    cursor = db().execute_sql(f'SELECT (SELECT max(id) FROM "{table}") - (SELECT min(id) FROM "{table}") + 1')
    try:
        return cursor.fetchone()[0] or 0
    finally:
        cursor.close()


def stages(
    f: Filter, level: str, base: array, first: int, order: Callable[[Sequence[int]], array],
    cancelled: Callable[[], bool] = lambda: False,
) -> Iterator[Found]:
    """The filter's rows among `base` (the page's rows in order), in stages: rows found so
    far while the first `first` are looked for (every TICK, then EVERY seconds), then the
    first `first` rows, then everything. `order` puts a small set of ids in the page's order.
    Only the free terms at the top level are looked for: `base` and `order` keep only the
    rows that meet the plan's tree already (`narrowed`)."""
    terms = routes(f, level)
    if not terms:  # field terms only: `base` is narrowed to them already
        yield Found(base, 1.0, True)
        return
    start = time.perf_counter()
    few = _rare_answer(terms)
    if few is not None:
        yield Found(order(few), 1.0, True)
        return
    yield from _look(terms, level, base, first, cancelled, start)


def complete(f: Filter, level: str, scope: Callable[..., array]) -> array:
    """The filter's whole answer among a selection's rows, ascending. `scope(condition=...,
    among=...)` gives the selection's rows, ascending, that meet a condition or are among
    some ids. A rare term is answered by its set, as on a page; otherwise every term goes into
    one query with the scope, so the database reads only the scope's rows, once."""
    condition = tree_condition(plan(f), level)
    if condition is not None:
        scope = _within(scope, condition)
    terms = routes(f, level)
    # Only terms that can be a set are asked: the one query has no use for a side's set.
    few = _rare_answer(terms, lambda t: all(s.index is not None for s in t.sides))
    if few is not None:
        return scope(among=few)
    scanned = [t for t in terms if not t.negated and all(s.scan or s.known is not None for s in t.sides)]
    in_scope = scope() if scanned else ()
    if scanned and len(in_scope) * SCAN_SHARE >= table_rows(_model(level)):
        # Much of the table in scope: block scans read it faster than a condition on each row.
        for t in scanned:
            _scan_sides(t, in_scope)
        known = [(t.known, t.negated) for t in terms]
        if all(k is not None for k, _ in known) and not all(negated for _, negated in known):
            # Every term is a set now: the answer is the scope's rows in all of them, no query.
            keep = set.intersection(*(k for k, negated in known if not negated))
            keep.difference_update(*(k for k, negated in known if negated))
            return array("q", filter(keep.__contains__, in_scope))
        # The scanned terms are sets: the answer is theirs, checked against the other terms.
        return scope(among=_rare_answer(terms, lambda t: False))
    return scope(condition=all_of(terms, level))


def _within(scope: Callable[..., array], extra) -> Callable[..., array]:
    """The scope narrowed by a condition in every query it makes."""

    def narrowed(condition=None, among=None) -> array:
        both = extra if condition is None else NodeList((extra, condition), glue=" AND ", parens=True)
        return scope(condition=both, among=among)

    return narrowed


def narrowed(
    f: Filter, level: str, base: array, scope: Callable[..., array], id_order: str | None = None,
) -> tuple[array, Callable[[Sequence[int]], array]] | None:
    """The page's rows (`base`, in order) that meet the plan's tree, and a function that keeps
    those of some ids (in their order); None when the plan has no tree. `scope(condition=...)`
    gives the page's rows meeting a condition, ascending: one query on the tables' indexes.
    A page in id order ("asc", "desc": `id_order`) is that answer as it is, or reversed."""
    condition = tree_condition(plan(f), level)
    if condition is None:
        return None
    meeting = scope(condition=condition)
    bits: list[IdBits] = []

    def keep(ids: Sequence[int]) -> array:
        if not meeting:
            return array("q")
        lo, hi = meeting[0], meeting[-1]
        if not bits:  # one byte an id, made when first asked (no set of a million ints), whole
            made = IdBits(lo, hi)
            for i in meeting:
                made.add(i)
            bits.append(made)
        flags = bits[0].bits
        return array("q", [i for i in ids if lo <= i <= hi and flags[i - lo]])

    if id_order == "asc":
        return meeting, keep
    if id_order == "desc":
        return array("q", reversed(meeting)), keep
    kept = array("q")
    for piece in slices(base, keep):
        kept.extend(piece)
    return kept, keep


def _scan_sides(term: TermRoute, in_scope: Sequence[int]) -> None:
    """Each side's matching rows by its block scan, the row's own text first (the smaller);
    a side is not read when the others already matched every row in scope."""
    found: set[int] = set()
    for side in term.sides:
        if side.known is None:
            if found and len(found) >= len(in_scope) and found.issuperset(in_scope):
                side.known = set()
                continue
            for _ in side.scanned():
                pass
        found |= side.known


def _model(level: str):
    return StudyResult if level == "study" else ComponentResult


def _rare_answer(terms: list[TermRoute], asked: Callable[[TermRoute], bool] = lambda t: True) -> list[int] | None:
    """Ask the index for each term (those `asked`); when some term is rare, its rows (checked
    against the other terms) are the answer, ascending. Sorts `terms` most selective first."""
    for t in terms:
        for s in t.sides if asked(t) else ():
            s.probe(FEW)
    # Most selective first: terms answered by small sets, then the rest.
    terms.sort(key=lambda t: (t.negated, t.known is None, len(t.known) if t.known is not None else 0))
    positive = [t.known for t in terms if not t.negated and t.known is not None]
    if not positive:
        return None
    few = set.intersection(*positive)
    return sorted(_match(terms, sorted(few)))


def _match(terms: list[TermRoute], ids: Sequence[int]) -> set[int]:
    """Which of these ids the filter keeps; each term only looks at the survivors."""
    alive: Sequence[int] | set[int] = ids
    for t in terms:
        if not alive:
            break
        hits = t.among(list(alive))
        alive = set(alive) - hits if t.negated else hits
    return set(alive)


def _keep_matching(terms: list[TermRoute], chunk: Sequence[int], found: array) -> None:
    """Add the ids of the chunk the filter keeps to `found`, in the chunk's order."""
    hits = _match(terms, chunk)
    found.extend(i for i in chunk if i in hits)


def _look(terms: list[TermRoute], level: str, base: array, first: int, cancelled, start: float) -> Iterator[Found]:
    """No term is rare: walk `base` in order until `first` rows are found, then the rest."""
    rows = table_rows(_model(level))
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
    lo, hi = min(slices(rest, min)), max(slices(rest, max))
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


def _read_whole_tables(terms: list[TermRoute], rest: array, lo: int, hi: int, found: array) -> Iterator[float]:
    """Add the matching ids of `rest` (all within [lo, hi]) to `found`, in order; yields the
    share of the reading done (the caller stops it when cancelled)."""
    keep = None
    ordered = sorted(terms, key=lambda t: t.negated)
    for n, t in enumerate(ordered):
        bits = yield from scaled(t.everywhere(rest, lo, hi, SPANS), n, len(ordered))
        if keep is None and not t.negated:
            keep = bits
        else:
            keep = keep or IdBits(lo, hi, full=True)
            keep.narrow(bits, t.negated)
    for _ in slices(rest, lambda piece: found.extend(compress(piece, keep.flags(piece)))):
        yield 1.0

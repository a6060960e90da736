"""Counts per value of a column (VisiData's frequency sheet): each value a column shows, with
how many of a page's rows show it and their share, counted in the database.

A value is the text the column shows (store/columns.py's render), so it is counted over the
row fields that render reads: one GROUP BY over those fields for the page's rows, then each
group's fields rendered once (a time in this machine's zone, a duration, "none"), and groups
that show the same text merged. A page without a filter is its scope's conditions; a
filtered page is its ids, passed as id lists (store/db/idlists.py) a chunk a query.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Callable, Iterable

from peewee import OP, SQL, Expression, fn

from store.columns import COMPONENT_ROW_FIELDS, STUDY_ROW_FIELDS, Column, RowField, columns_for
from store.db.id_arrays import not_among
from store.db.idlists import chunks, id_in
from store.db.models import Component, ComponentResult, StudyResult
from store.errors import StoreError
from store.pages.order import joined_to_results
from store.pages.rows import ComponentRow, StudyRow
from store.pages.selection import Selection

SHOWN = 1_000  # values the view lists; the rest are summed in one line (a column of ids has a value a row)
MANY_IDS = 100_000  # a filtered page's ids from which the rows it leaves out may be fewer to look up
MANY_KEYS = 500  # groups up to which the rows of a value are found by their keys in SQL


@dataclass(frozen=True)
class ValueCount:
    text: str  # as the column shows it
    count: int
    share: float  # of the rows counted, 0..1
    keys: tuple[tuple, ...]  # the grouped fields' values that show as this text


@dataclass(frozen=True)
class Frequency:
    column: Column
    values: list[ValueCount]  # by count, the largest first; at most SHOWN
    total: int  # rows counted
    more: int = 0  # values beyond SHOWN
    more_rows: int = 0  # rows with those values


@dataclass(frozen=True)
class ValueFilter:
    """A page narrowed to the rows showing some values of one column (a chosen frequency)."""

    column: Column = field(compare=False)  # a column's SQL has no hash
    values: tuple[ValueCount, ...] = field(compare=False)
    key: str = ""  # the column's key and the values' texts: what filters are told apart (and cached) by
    texts: tuple[str, ...] = ()

    @classmethod
    def of(cls, column: Column, values: Iterable[ValueCount]) -> "ValueFilter":
        values = tuple(values)
        return cls(column, values, column.key, tuple(v.text for v in values))

    def label(self) -> str:
        return f"{self.column.title} = {' | '.join(t if t else '(empty)' for t in self.texts)}"

    def field_term(self) -> str | None:
        """The structured filter's term for it (issue #13), where the column names its field."""
        if self.column.field is None:
            return None
        quoted = ",".join(f'"{t}"' if not t.isalnum() else t for t in self.texts)
        return f"{self.column.field}:{quoted}"


# -- which row fields a column shows ---------------------------------------------------------


class _Reads:
    """A row that notes which fields a render reads (each is None)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __getattr__(self, name: str):
        self.names.append(name)
        return None


def _row_fields(level: str) -> tuple[RowField, ...]:
    return COMPONENT_ROW_FIELDS if level == "component" else STUDY_ROW_FIELDS


def fields_shown(column: Column, level: str) -> tuple[RowField, ...]:
    """The row fields a column's render reads: what its values are counted over. Read off the
    render itself, so that the registry stays the one place that says what a column shows."""
    probe = _Reads()
    try:
        column.render(probe)
    except (TypeError, ValueError, AttributeError):
        pass  # a render that cannot take None has read its fields by then
    by_name = {f.name: f for f in _row_fields(level)}
    fields = tuple(by_name[n] for n in dict.fromkeys(probe.names) if n in by_name)
    if not fields or any(f.sql is None for f in fields):
        raise StoreError(f"the {column.title} column cannot be counted")
    return fields


def _text(column: Column, level: str, fields: tuple[RowField, ...], key: tuple) -> str:
    row_type = ComponentRow if level == "component" else StudyRow
    values = {f.name: (bool(v) if f.flag and v is not None else v) for f, v in zip(fields, key)}
    return column.render(row_type(**{n: None for n in row_type._fields})._replace(**values))


# -- the query -------------------------------------------------------------------------------


def _query(level: str, fields: tuple[RowField, ...], *selected):
    """The level's rows with the tables these fields need joined (on a million rows each join
    costs a second: only those)."""
    models = {getattr(f.sql, "model", None) for f in fields}
    if level == "component":
        q = ComponentResult.select(*selected).join(StudyResult, on=(ComponentResult.study_result == StudyResult.id))
        if Component in models:
            q = q.switch(ComponentResult).join(Component, on=(ComponentResult.component == Component.id))
    else:
        q = StudyResult.select(*selected)
    return joined_to_results(q, models)


def _level_id(level: str):
    return ComponentResult.id if level == "component" else StudyResult.id


def _narrowed(q, selection: Selection, level_id, ids: list[int] | None):
    """The selection's rows (all of its scope: ids None), or these ids, which are the
    selection's: looked up by their ids alone, as with the scope's conditions too the planner
    reads the scope's whole index for each chunk of ids."""
    if ids is not None:
        return q.where(id_in(level_id, ids))
    for cond in selection.where():
        q = q.where(cond)
    return q


def _raw(query) -> list[tuple]:
    cursor = StudyResult._meta.database.execute(query)  # a raw cursor: no object a group
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def _chunked(level_id, ids: array | list[int] | None, progress: Callable[[int, int], None] | None):
    """None (the whole scope) or the ids a chunk at a time, telling how far it has got."""
    if ids is None:
        yield None
        return
    done = 0
    for chunk in chunks(level_id, ids):
        yield chunk
        done += len(chunk)
        if progress is not None:
            progress(done, len(ids))


def _groups(selection: Selection, level: str, fields: tuple[RowField, ...], ids, progress) -> Counter:
    """Rows by the values of these fields: one GROUP BY, a chunk of ids at a time."""
    level_id, groups = _level_id(level), Counter()
    count = fn.COUNT(level_id)
    for chunk in _chunked(level_id, ids, progress):
        q = _narrowed(_query(level, fields, *[f.sql for f in fields], count), selection, level_id, chunk)
        # By position: PostgreSQL takes a field that is a subquery (a label) in GROUP BY no other way.
        for row in _raw(q.group_by(*[SQL(str(n)) for n in range(1, len(fields) + 1)])):
            groups[row[:-1]] += row[-1]
    return groups


def value_counts(
    selection: Selection, column: Column, ids: array | list[int] | None = None,
    progress: Callable[[int, int], None] | None = None, scope: array | None = None,
) -> Frequency:
    """How many of the selection's rows (or of these ids of them, the page as filtered) show
    each value of the column, by count, the largest first (SQL: in a worker). `scope`: the
    selection's rows, where the caller holds them (a page does), for the shortest way."""
    level = selection.level
    fields = fields_shown(column, level)
    explicit = selection.explicit_ids()
    if explicit is not None:
        groups = _groups(selection, level, fields, sorted(explicit if ids is None else explicit.intersection(ids)), progress)
    elif ids is not None and scope is not None and len(ids) >= MANY_IDS:
        # Most of a big page matching its filter: its scope's counts (from an index) less
        # those of the rows it does not show, fewer ids to look up than the rows it does.
        rest = not_among(scope, ids)
        if len(rest) < len(ids):
            groups = _groups(selection, level, fields, None, None)
            groups.subtract(_groups(selection, level, fields, rest, progress))
            groups = +groups  # values no row shown has drop out
        else:
            groups = _groups(selection, level, fields, ids, progress)
    else:
        groups = _groups(selection, level, fields, ids, progress)
    by_text: dict[str, list] = {}
    for key, n in groups.items():
        entry = by_text.setdefault(_text(column, level, fields, key), [0, []])
        entry[0] += n
        entry[1].append(key)
    total = sum(groups.values())
    ranked = sorted(by_text.items(), key=lambda kv: (-kv[1][0], kv[0]))
    values = [ValueCount(text, n, n / total if total else 0.0, tuple(keys)) for text, (n, keys) in ranked[:SHOWN]]
    rest = ranked[SHOWN:]
    return Frequency(column, values, total, len(rest), sum(n for _, (n, _k) in rest))


def state_counts(selection: Selection, ids: array | list[int] | None = None, scope: array | None = None) -> Frequency:
    """The rows' counts per state (a page's summary line)."""
    state = next(c for c in columns_for(selection.level) if c.key == "state")
    return value_counts(selection, state, ids, scope=scope)


def _key_condition(fields: tuple[RowField, ...], keys: tuple[tuple, ...]):
    """Rows whose fields are one of these keys (few: one condition each, None as IS NULL)."""
    any_of = None
    for key in keys:
        all_of = None
        for f, v in zip(fields, key):
            # Expressions, not operators: a field may be a subquery (a label), which has none.
            if v is None:
                cond = Expression(f.sql, OP.IS, None)
            elif f.flag:
                cond = f.sql if v else Expression(f.sql, OP.EQ, False)  # PostgreSQL compares no integer to a boolean
            else:
                cond = Expression(f.sql, OP.EQ, v)
            all_of = cond if all_of is None else (all_of & cond)
        any_of = all_of if any_of is None else (any_of | all_of)
    return any_of


def ids_with_values(
    selection: Selection, column: Column, values: Iterable[ValueCount], among: array | list[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> array:
    """The selection's rows (or those among these ids of them) that show one of these values,
    ascending (SQL: in a worker)."""
    level = selection.level
    fields = fields_shown(column, level)
    level_id = _level_id(level)
    values = list(values)
    keys = tuple(k for v in values for k in v.keys)
    texts = {v.text for v in values}
    explicit = selection.explicit_ids()
    found: list[int] = []
    for chunk in _chunked(level_id, among, progress):
        if not keys:
            break
        if len(keys) <= MANY_KEYS:
            q = _narrowed(_query(level, fields, level_id), selection, level_id, chunk).where(_key_condition(fields, keys))
            found.extend(map(itemgetter(0), _raw(q)))
        else:
            # A value many groups show (a duration): each row's fields rendered, as counted.
            q = _narrowed(_query(level, fields, level_id, *[f.sql for f in fields]), selection, level_id, chunk)
            found.extend(r[0] for r in _raw(q) if _text(column, level, fields, r[1:]) in texts)
    if explicit is not None:
        found = [i for i in found if i in explicit]
    return array("q", sorted(found))

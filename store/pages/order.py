"""The order of a results page's rows: what each column sorts by, and a selection's ids in
that order, held compactly (an `array`, 8 bytes a row)."""

from __future__ import annotations

import time
from array import array
from operator import itemgetter
from typing import Iterable

from peewee import JOIN

from store.columns import sortable
from store.db.idlists import id_in
from store.db.models import Batch, ComponentResult, Study, StudyResult, Worker
from store.pages.selection import Selection


def joined_to_results(q, models):
    """A query on study results with those of Worker, Batch and Study among `models` joined:
    only the joins it needs, as on a million rows each join costs a second."""
    if Worker in models:
        q = q.switch(StudyResult).join(Worker, on=(StudyResult.worker == Worker.id))
    if Batch in models:
        q = q.switch(StudyResult).join(Batch, JOIN.LEFT_OUTER, on=(StudyResult.batch == Batch.id))
    if Study in models:
        q = q.switch(StudyResult).join(Study, on=(StudyResult.study == Study.id))
    return q


def ordered_ids(
    selection: Selection, sort_key: str | None, descending: bool,
    among: Iterable[int] | None = None, limit: int | None = None,
) -> array:
    """The ids of a selection's rows in the page's order, sorted in the database (a filter
    narrows them afterwards: store/search/engine.py).
    `among` restricts them to these ids (a few: they are put in order)."""
    level = selection.level
    columns = sortable(level)  # the column registry (store/columns.py) says what each sorts by
    expr = columns[sort_key if sort_key in columns else "id"].sort
    joined = getattr(expr, "model", None)  # a field of Batch, Worker or Study joins its table
    if level == "component":
        base = ComponentResult.id
        q = ComponentResult.select(ComponentResult.id).join(StudyResult, on=(ComponentResult.study_result == StudyResult.id))
    else:
        base = StudyResult.id
        q = StudyResult.select(StudyResult.id)
    q = joined_to_results(q, {joined})
    for cond in selection.where():
        q = q.where(cond)
    if among is not None:
        q = q.where(id_in(base, among))
    order = [expr.desc(nulls="LAST") if descending else expr.asc(nulls="FIRST")]
    if expr is not base:
        order.append(base.desc() if descending else base.asc())
    q = q.order_by(*order)
    if limit is not None:
        q = q.limit(limit)
    cursor = StudyResult._meta.database.execute(q)  # a raw cursor: a million ids in well under a second
    try:
        rows = map(itemgetter(0), cursor)
        wanted = selection.explicit_ids()
        return array("q", rows if wanted is None else (i for i in rows if i in wanted))
    finally:
        cursor.close()


def position(ids: array, row_id: int, step: int = 65_536) -> int | None:
    """Where a row is in a list of ids, searched a slice at a time: a million-id search
    would hold the interpreter (and the screen's thread) for tens of milliseconds."""
    for at in range(0, len(ids), step):
        try:
            return at + ids[at : at + step].index(row_id)
        except ValueError:
            time.sleep(0)
    return None



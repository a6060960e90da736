"""The order of a results page's rows: what each column sorts by, and a selection's ids in
that order, held compactly (an `array`, 8 bytes a row)."""

from __future__ import annotations

import time
from array import array
from operator import itemgetter
from typing import Iterable

from peewee import JOIN, fn

from store.db.idlists import id_in
from store.db.models import Batch, ComponentResult, ResultFile, Study, StudyResult, Worker
from store.pages.selection import Selection


def _sort_expressions(level: str) -> dict:
    if level == "component":
        return {
            "quota": ComponentResult.quota_reached,
            "id": ComponentResult.id,
            "component_id": ComponentResult.component,
            "study_result_id": ComponentResult.study_result,
            "study_result_uuid": StudyResult.uuid,
            "study_code": StudyResult.study_code,
            "start": ComponentResult.start_date,
            "end": ComponentResult.end_date,
            "duration": ComponentResult.end_date - ComponentResult.start_date,
            "batch": Batch.title,
            "worker_id": StudyResult.worker,
            "type": Worker.worker_type,
            "group_id": StudyResult.group,
            "state": ComponentResult.state,
            "data_size": ComponentResult.data_size,
            "files_size": fn.COALESCE(
                ResultFile.select(fn.SUM(ResultFile.size)).where(ResultFile.component_result == ComponentResult.id), 0
            ),
            "message": ComponentResult.message,
        }
    return {
        "quota": StudyResult.quota_reached,
        "id": StudyResult.id,
        "uuid": StudyResult.uuid,
        "study_code": StudyResult.study_code,
        "start": StudyResult.start_date,
        "end": StudyResult.end_date,
        "last_seen": StudyResult.last_seen_date,
        "duration": fn.COALESCE(StudyResult.end_date, StudyResult.last_seen_date) - StudyResult.start_date,
        "batch": Batch.title,
        "batch_id": StudyResult.batch,
        "worker_id": StudyResult.worker,
        "type": Worker.worker_type,
        "mt_worker_id": Worker.mt_worker_id,
        "confirmation_code": StudyResult.confirmation_code,
        "group_id": StudyResult.group,
        "files": fn.EXISTS(
            ResultFile.select(ResultFile.id)
            .join(ComponentResult)
            .where(ComponentResult.study_result == StudyResult.id)
        ),
        "state": StudyResult.state,
        "message": StudyResult.message,
        "study_id": StudyResult.study,
        "study": Study.title,
    }


# Sort keys that need a table joined to the page's rows (the rest are columns of them).
_SORT_JOINS = {"batch": Batch, "type": Worker, "mt_worker_id": Worker, "study": Study}


def ordered_ids(
    selection: Selection, sort_key: str | None, descending: bool,
    among: Iterable[int] | None = None, limit: int | None = None,
) -> array:
    """The ids of a selection's rows in the page's order, sorted in the database (a filter
    narrows them afterwards: store/search/engine.py).
    `among` restricts them to these ids (a few: they are put in order)."""
    level = selection.level
    exprs = _sort_expressions(level)
    key = sort_key if sort_key in exprs else "id"
    expr = exprs[key]
    joined = _SORT_JOINS.get(key)
    if level == "component":
        base = ComponentResult.id
        q = ComponentResult.select(ComponentResult.id).join(StudyResult, on=(ComponentResult.study_result == StudyResult.id))
    else:
        base = StudyResult.id
        q = StudyResult.select(StudyResult.id)
    # Only the joins the order needs: on a million rows each join costs a second.
    if joined is Worker:
        q = q.switch(StudyResult).join(Worker, on=(StudyResult.worker == Worker.id))
    elif joined is Batch:
        q = q.switch(StudyResult).join(Batch, JOIN.LEFT_OUTER, on=(StudyResult.batch == Batch.id))
    elif joined is Study:
        q = q.switch(StudyResult).join(Study, on=(StudyResult.study == Study.id))
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



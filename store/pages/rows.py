"""Rows of the results pages, fetched in one query per window of ids.

A study-result row and a component-result row carry every field any column, export or
the filter needs, as plain tuples with named access (no model object per row).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Iterable

from peewee import JOIN

from store.columns import COMPONENT_ROW_FIELDS, STUDY_ROW_FIELDS, RowField
from store.db.idlists import chunks, id_in
from store.db.models import Batch, Component, ComponentResult, ResultFile, Study, StudyResult, Worker


def _row_type(name: str, row_fields: tuple[RowField, ...]):
    return namedtuple(name, [f.name for f in row_fields])


# Their fields, and the SQL of each, are the column registry's (store/columns.py).
StudyRow = _row_type("StudyRow", STUDY_ROW_FIELDS)
ComponentRow = _row_type("ComponentRow", COMPONENT_ROW_FIELDS)
_STUDY_FLAGS = [f.name for f in STUDY_ROW_FIELDS if f.flag]
_COMPONENT_FLAGS = [f.name for f in COMPONENT_ROW_FIELDS if f.flag]


def _flags_as_bools(row, flags: list[str]):
    return row._replace(**{name: bool(getattr(row, name)) for name in flags})


def _study_query():
    return (
        StudyResult.select(*[f.sql for f in STUDY_ROW_FIELDS])
        .join(Study, on=(StudyResult.study == Study.id))
        .switch(StudyResult)
        .join(Worker, on=(StudyResult.worker == Worker.id))
        .switch(StudyResult)
        .join(Batch, JOIN.LEFT_OUTER, on=(StudyResult.batch == Batch.id))
    )


def study_rows(ids: Iterable[int]) -> list[StudyRow]:
    """Rows for these study result ids, in the order given."""
    ids = list(ids)
    found: dict[int, StudyRow] = {}
    for chunk in chunks(StudyResult.id, ids):
        for t in _raw(_study_query().where(id_in(StudyResult.id, chunk))):
            row = _flags_as_bools(StudyRow._make(t), _STUDY_FLAGS)
            found[row.id] = row
    return [found[i] for i in ids if i in found]


def _component_query():
    return (
        ComponentResult.select(*[f.sql for f in COMPONENT_ROW_FIELDS if f.sql is not None])
        .join(Component, on=(ComponentResult.component == Component.id))
        .switch(ComponentResult)
        .join(StudyResult, on=(ComponentResult.study_result == StudyResult.id))
        .join(Worker, on=(StudyResult.worker == Worker.id))
        .switch(StudyResult)
        .join(Batch, JOIN.LEFT_OUTER, on=(StudyResult.batch == Batch.id))
    )


def files_of(component_result_ids: Iterable[int]) -> dict[int, list[tuple[str, int]]]:
    out: dict[int, list[tuple[str, int]]] = {}
    for chunk in chunks(ResultFile.component_result, component_result_ids):
        q = (
            ResultFile.select(ResultFile.component_result, ResultFile.filename, ResultFile.size)
            .where(id_in(ResultFile.component_result, chunk))
            .order_by(ResultFile.id)
            .tuples()
        )
        for cr, name, size in q:
            out.setdefault(cr, []).append((name, size))
    return out


def _raw(query) -> list[tuple]:
    """A query's rows as the driver gives them: peewee's per-value conversion is skipped
    (the rows above convert their two booleans themselves), a third of the time of a page."""
    cursor = StudyResult._meta.database.execute(query)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def component_rows(ids: Iterable[int]) -> list[ComponentRow]:
    """Rows for these component result ids, in the order given."""
    ids = list(ids)
    found: dict[int, ComponentRow] = {}
    files = files_of(ids)
    for chunk in chunks(ComponentResult.id, ids):
        for t in _raw(_component_query().where(id_in(ComponentResult.id, chunk))):
            # A row's files are its last field, read apart.
            row = _flags_as_bools(ComponentRow._make(t + (tuple(files.get(t[0], ())),)), _COMPONENT_FLAGS)
            found[row.id] = row
    return [found[i] for i in ids if i in found]


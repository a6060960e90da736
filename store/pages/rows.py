"""Rows of the results pages, fetched in one query per window of ids.

A study-result row and a component-result row carry every field any column, export or
the filter needs, as plain tuples with named access (no model object per row).
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from peewee import JOIN, fn

from store.db.idlists import chunks, id_in
from store.db.models import Batch, Component, ComponentResult, ResultFile, Study, StudyResult, Worker


class StudyRow(NamedTuple):
    id: int
    uuid: str | None
    study_code: str | None
    start_date: int | None
    end_date: int | None
    last_seen_date: int | None
    state: str
    message: str | None
    url_query_parameters: str | None
    confirmation_code: str | None
    quota_reached: bool
    study_id: int
    study_uuid: str | None
    study_title: str
    batch_id: int | None
    batch_uuid: str | None
    batch_title: str | None
    worker_id: int
    worker_type: str
    mt_worker_id: str | None
    worker_comment: str | None
    group_id: int | None
    has_files: bool


class ComponentRow(NamedTuple):
    id: int
    component_id: int
    component_uuid: str | None
    component_title: str | None
    study_result_id: int
    start_date: int | None
    end_date: int | None
    state: str
    message: str | None
    data_size: int
    data_is_null: bool
    quota_reached: bool
    study_result_uuid: str | None
    study_code: str | None
    study_id: int
    batch_title: str | None
    worker_id: int
    worker_type: str
    group_id: int | None
    files: tuple  # ((filename, size), ...)


def _study_query():
    has_files = fn.EXISTS(
        ResultFile.select(ResultFile.id)
        .join(ComponentResult)
        .where(ComponentResult.study_result == StudyResult.id)
    )
    return (
        StudyResult.select(
            StudyResult.id,
            StudyResult.uuid,
            StudyResult.study_code,
            StudyResult.start_date,
            StudyResult.end_date,
            StudyResult.last_seen_date,
            StudyResult.state,
            StudyResult.message,
            StudyResult.url_query_parameters,
            StudyResult.confirmation_code,
            StudyResult.quota_reached,
            Study.id,
            Study.uuid,
            Study.title,
            Batch.id,
            Batch.uuid,
            Batch.title,
            Worker.id,
            Worker.worker_type,
            Worker.mt_worker_id,
            Worker.comment,
            StudyResult.group,
            has_files,
        )
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
            row = StudyRow(*t[:-1], bool(t[-1]))
            found[row.id] = row._replace(quota_reached=bool(row.quota_reached))
    return [found[i] for i in ids if i in found]


def _component_query():
    return (
        ComponentResult.select(
            ComponentResult.id,
            Component.id,
            Component.uuid,
            Component.title,
            ComponentResult.study_result,
            ComponentResult.start_date,
            ComponentResult.end_date,
            ComponentResult.state,
            ComponentResult.message,
            ComponentResult.data_size,
            ComponentResult.data.is_null(),
            ComponentResult.quota_reached,
            StudyResult.uuid,
            StudyResult.study_code,
            StudyResult.study,
            Batch.title,
            Worker.id,
            Worker.worker_type,
            StudyResult.group,
        )
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
            row = ComponentRow(*t, tuple(files.get(t[0], ())))
            found[row.id] = row._replace(data_is_null=bool(row.data_is_null), quota_reached=bool(row.quota_reached))
    return [found[i] for i in ids if i in found]


"""Each row's text as the results page shows it, kept in the database for the filter.

Computed when results are imported (and when titles change), never per keystroke. It
holds every column as displayed, dates as the table shows them, as the CSV writes them
and as JATOS's filter searches them (ISO 8601 in UTC), and what researchers look results up by: URL query parameters (a Prolific
id) and the worker's comment.

Each cell is a line of the text, in the table's column order: a regex's `^` and `$` are a
cell's start and end (store/search/regex_engine.py), and a quoted phrase never runs from one
cell into the next, as on JATOS's page (it joins cells with two spaces). Stores whose texts
were written another way are rewritten once when opened (FORM, store/db/database.py).
"""

from __future__ import annotations

from typing import Callable, Iterable

import peewee

from store.columns import searched
from store.db.models import ComponentResult, StudyResult
from store.formats.jatos_values import local_short, utc_iso
from store.pages.rows import ComponentRow, StudyRow, component_rows, study_rows

# The columns' part of the text: every column the registry (store/columns.py) marks searched.
_STUDY_SEARCHED = searched("study")
_COMPONENT_SEARCHED = searched("component")
# How the texts are written: a store whose texts say another form is rewritten when opened.
FORM = "cells on lines"
CELL_SEPARATOR = "\n"


def study_row_text(row: StudyRow) -> str:
    parts = [c.render(row) for c in _STUDY_SEARCHED]
    dates = (row.start_date, row.end_date, row.last_seen_date)
    parts += [local_short(d) for d in dates if d is not None] + [utc_iso(d) for d in dates]
    parts += [row.study_title, row.url_query_parameters or "", row.worker_comment or ""]
    return CELL_SEPARATOR.join([p for p in parts if p])


def component_row_text(row: ComponentRow) -> str:
    parts = [c.render(row) for c in _COMPONENT_SEARCHED]
    dates = (row.start_date, row.end_date)
    parts += [local_short(d) for d in dates if d is not None] + [utc_iso(d) for d in dates]
    parts += [row.component_title or f"Component {row.component_id}"]
    return CELL_SEPARATOR.join([p for p in parts if p])


def refresh(
    study_result_ids: Iterable[int] = (), component_result_ids: Iterable[int] = (),
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Recompute the search text of these rows (inside the caller's transaction);
    `progress(done, total)` after each chunk."""
    db = StudyResult._meta.database
    srs, crs = sorted(set(study_result_ids)), sorted(set(component_result_ids))
    done, total = 0, len(srs) + len(crs)
    for model, ids, rows_of, render in (
        (StudyResult, srs, study_rows, study_row_text), (ComponentResult, crs, component_rows, component_row_text),
    ):
        for chunk in peewee.chunked(ids, 1000):
            _update(db, model, [(render(r), r.id) for r in rows_of(chunk)])
            done += len(chunk)
            if progress is not None:
                progress(done, total)


def _update(db, model, rows: list[tuple[str, int]]) -> None:
    if not rows:
        return
    table = model._meta.table_name
    p = db.param
    db.cursor().executemany(f'UPDATE "{table}" SET search_text = {p} WHERE id = {p}', rows)


def refresh_all(progress: Callable[[int, int], None] | None = None) -> None:
    refresh(
        [r[0] for r in StudyResult.select(StudyResult.id).tuples()],
        [r[0] for r in ComponentResult.select(ComponentResult.id).tuples()],
        progress,
    )

"""The column registry (store/columns.py): each column's facts hold on a real store."""

from __future__ import annotations

import pytest

from store import Selection
from store.columns import COMPONENT_COLUMNS, STUDY_COLUMNS, WORKER_PAGE_COLUMNS, sortable
from store.db.models import ComponentResult, StudyResult
from store.formats import archive_rows
from store.pages.order import ordered_ids
from store.pages.rows import component_rows, study_rows
from store.search.text import component_row_text, study_row_text
from tui.widgets.display import cell_text, column_width


@pytest.mark.parametrize("level", ["study", "component"])
def test_every_column_sorts_the_page(demo_store, level):
    """Each column's sort SQL runs, with the table it needs joined, and orders by the column."""
    selection = Selection(study=12) if level == "study" else Selection(component=63)  # the demo's Stroop trials
    everything = sorted(ordered_ids(selection, None, True))
    assert len(everything) > 10
    rows_of = study_rows if level == "study" else component_rows
    for key in sortable(level):
        ids = list(ordered_ids(selection, key, False))
        assert sorted(ids) == everything, key
        if key in _FIELD:
            values = [getattr(r, _FIELD[key]) for r in rows_of(ids)]
            assert values == sorted(values, key=lambda v: (v is not None, v)), key


# Columns that sort by one field of the row, ascending with the empty ones first.
_FIELD = {
    "id": "id", "quota": "quota_reached", "start": "start_date", "end": "end_date", "last_seen": "last_seen_date",
    "state": "state", "data_size": "data_size", "worker_id": "worker_id", "batch": "batch_title",
}


def test_every_column_has_a_cell_and_room_for_its_title(demo_store):
    study = study_rows([StudyResult.select(StudyResult.id).limit(1).scalar()])[0]
    component = component_rows([ComponentResult.select(ComponentResult.id).limit(1).scalar()])[0]
    for columns, row in ((STUDY_COLUMNS + WORKER_PAGE_COLUMNS, study), (COMPONENT_COLUMNS, component)):
        for col in columns:
            assert isinstance(cell_text(col, row), str)
            assert column_width(col) >= len(col.header or col.title)


def test_the_search_text_holds_every_searched_column(demo_store):
    for row, render, columns in (
        (study_rows([1005])[0], study_row_text, STUDY_COLUMNS),
        (component_rows([5005])[0], component_row_text, COMPONENT_COLUMNS),
    ):
        text = render(row)
        assert all(c.render(row) in text for c in columns if c.searched)


def test_an_import_writes_each_result_column_the_registry_names():
    assert set(archive_rows.STUDY_KEYS) <= set(StudyResult._meta.fields)
    assert set(archive_rows.DATA_KEYS) <= set(ComponentResult._meta.fields)
    assert "search_text" in archive_rows.STUDY_KEYS and "data" in archive_rows.DATA_KEYS


@pytest.fixture
def demo_store(store):
    from store.demo import ensure_demo

    ensure_demo(store, now_ms=1_764_000_000_000)
    return store

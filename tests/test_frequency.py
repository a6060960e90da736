"""Counts per value (store/pages/frequency.py): each value as the column shows it, counted in
the database for a page's scope or its filtered ids, checked against the rows themselves and
against a store of known pattern at 100k results."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from store import Selection, ensure_demo
from store.columns import COMPONENT_COLUMNS, STUDY_COLUMNS
from store.db.models import Component
from store.errors import StoreError
from store.pages import frequency
from store.pages.frequency import ValueFilter, ids_with_values, state_counts, value_counts
from store.pages.order import ordered_ids
from store.pages.rows import component_rows, study_rows
from store.pages.view import Page, ResultsView
from store.search.filter import Filter

import patterned

COUNTABLE = [c for c in STUDY_COLUMNS if c.key != "files"]


def column(key: str, columns=STUDY_COLUMNS):
    return next(c for c in columns if c.key == key)


@pytest.fixture
def demo(store, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    ensure_demo(store, now_ms=1_764_000_000_000)
    yield store
    monkeypatch.delenv("TZ")
    time.tzset()


@pytest.mark.parametrize("col", COUNTABLE, ids=lambda c: c.key)
def test_each_value_is_counted_as_the_column_shows_it(demo, col):
    """Against the rows themselves: every row rendered by the column, counted in Python."""
    selection = Selection(study=12)
    ids = ordered_ids(selection, None, True)
    truth = Counter(col.render(r) for r in study_rows(ids))
    counted = value_counts(selection, col)
    assert {v.text: v.count for v in counted.values} == dict(truth)
    assert counted.total == len(ids) and counted.more == 0
    assert [v.count for v in counted.values] == sorted(truth.values(), reverse=True)
    assert all(v.share == pytest.approx(v.count / len(ids)) for v in counted.values)
    # The rows showing the largest value are exactly those rows.
    top = counted.values[0]
    assert list(ids_with_values(selection, col, [top])) == sorted(r.id for r in study_rows(ids) if col.render(r) == top.text)


@pytest.mark.parametrize("key", [c.key for c in COMPONENT_COLUMNS if c.key != "files_size"])
def test_component_pages_and_filtered_ids(demo, key):
    component = Component.select().where(Component.study == 12).order_by(Component.id).first().id
    selection = Selection(component=component)
    col = column(key, COMPONENT_COLUMNS)
    ids = ordered_ids(selection, None, True)
    some = list(ids)[::3]  # a filtered page: a third of its rows
    truth = Counter(col.render(r) for r in component_rows(some))
    assert {v.text: v.count for v in value_counts(selection, col, some).values} == dict(truth)


@pytest.mark.parametrize("col", COUNTABLE, ids=lambda c: c.key)
def test_a_value_narrows_the_page_to_the_rows_showing_it(demo, col):
    view = ResultsView(Page("study", 12))
    values = value_counts(Selection(study=12), col).values
    chosen = ValueFilter.of(col, values[-1:])  # the smallest: a value most rows do not show
    narrowed = list(view.results(value_filter=chosen))[-1]
    rows = study_rows(view.base_ids(None, True))
    assert list(narrowed.ids) == [r.id for r in rows if col.render(r) == values[-1].text]
    assert narrowed.value_filter == ValueFilter.of(col, values[-1:]) and len({chosen, narrowed.value_filter}) == 1


def test_a_column_that_shows_no_value_is_said_in_one_line(demo):
    with pytest.raises(StoreError, match="the Files column cannot be counted"):
        value_counts(Selection(study=12), column("files"))
    with pytest.raises(StoreError, match=r"the Files \(size\) column cannot be counted"):
        value_counts(Selection(component=61), column("files_size", COMPONENT_COLUMNS))


def test_a_value_filter_names_its_field_for_the_structured_filter(demo):
    counted = value_counts(Selection(study=12), column("batch"))
    pilot = next(v for v in counted.values if v.text == "Pilot")
    vf = ValueFilter.of(column("batch"), [pilot])
    assert vf.label() == "Batch = Pilot" and vf.field_term() == "batch:Pilot"
    assert ValueFilter.of(column("message"), counted.values[:1]).field_term() is None


N = 100_000


@pytest.fixture
def big(store):
    patterned.fill(store, N)
    return store


@pytest.mark.parametrize("many_ids", [N + 1, 50_000], ids=["ids looked up", "the rows left out looked up"])
def test_100k_results_counted_by_one_group_by(big, many_ids, monkeypatch):
    monkeypatch.setattr(frequency, "MANY_IDS", many_ids)
    selection = Selection(study=77)
    t = time.perf_counter()
    states = value_counts(selection, column("state"))
    took = time.perf_counter() - t
    assert [(v.text, v.count) for v in states.values] == sorted(
        patterned.expected(N, patterned.STATES).items(), key=lambda kv: -kv[1]
    )
    assert [f"{v.share:.1%}" for v in states.values] == ["70.0%", "20.0%", "10.0%"]
    assert took < 2.0, took  # about 0.01 s on a quiet machine: the index alone (a loaded CI runner is slower)
    batches = value_counts(selection, column("batch"))
    assert {v.text: v.count for v in batches.values} == patterned.expected(N, patterned.BATCHES)
    # A filtered page: its ids, a chunk of them a query.
    some = [i for i in range(1, N + 1) if i % 7]  # two chunks of ids on SQLite (50k a query)
    scope = ordered_ids(selection, None, True)
    assert {v.text: v.count for v in state_counts(selection, some, scope).values} == patterned.expected(
        N, patterned.STATES, some
    )
    # The FINISHED ones only: no other value is listed.
    finished = [i for i in some if patterned.STATES[i % 10] == "FINISHED"]
    assert [(v.text, v.count) for v in state_counts(selection, finished, scope).values] == [("FINISHED", len(finished))]
    # Start times: a value a row; the view lists the first thousand and sums the rest.
    starts = value_counts(selection, column("start"))
    assert len(starts.values) == 1000 and starts.more == N - 1000 and starts.more_rows == N - 1000


def test_a_value_filter_narrows_the_page_at_100k(big):
    view = ResultsView(Page("study", 77))
    aborted = next(v for v in value_counts(Selection(study=77), column("state")).values if v.text == "ABORTED")
    narrowed = list(view.results(value_filter=ValueFilter.of(column("state"), [aborted])))[-1]
    assert narrowed.total == N and len(narrowed.ids) == patterned.expected(N, patterned.STATES)["ABORTED"]
    assert list(narrowed.ids) == sorted((i for i in range(1, N + 1) if patterned.STATES[i % 10] == "ABORTED"), reverse=True)
    # With a filter too: the filter's rows among those showing the value.
    view.apply(narrowed)
    both = view.compute(Filter("Pilot"))
    assert both.value_filter == narrowed.value_filter
    assert sorted(both.ids) == [i for i in range(1, N + 1) if patterned.STATES[i % 10] == "ABORTED" and i % 3 == 1]

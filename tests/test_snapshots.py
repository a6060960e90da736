"""How the main screens look, at a fixed terminal size (pytest-textual-snapshot)."""

from __future__ import annotations

import time

import pytest

from store import open_store
from store.importing.importer import import_paths
from store.pages.view import Page
from tui.app import ResultsApp

import jatos_fixtures as fx

SIZE = (150, 34)


@pytest.fixture
def app_factory(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        "tui.flows.export.default_filename", lambda kind, now=None, fmt=None: fx_name(kind)
    )
    store = open_store("results.sqlite3")  # a relative path, so the screen shows the same text every run
    import_paths(store, [fx.results_archive(tmp_path), fx.study_archive(tmp_path)])
    yield lambda page=None: ResultsApp(store, page)
    store.close()
    monkeypatch.delenv("TZ")
    time.tzset()


def fx_name(kind: str) -> str:
    import datetime as dt

    from store.exporting.export import default_filename

    return default_filename(kind, dt.datetime(2024, 5, 1, 10, 45, tzinfo=dt.timezone.utc))


async def _settled(pilot):
    from ui_helpers import settle

    await settle(pilot)


def test_home(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=SIZE, run_before=_settled)


def _pressed_then_settled(*keys):
    """Keys pressed once the page's rows are in, and the picture taken once the workers they
    start (rows, an expanded row's lines, a dialog's counts) have finished."""

    async def run_before(pilot):
        await _settled(pilot)
        await pilot.press(*keys)
        await _settled(pilot)

    return run_before


def test_study_results_expanded(snap_compare, app_factory):
    run_before = _pressed_then_settled("j", "enter", "space")
    assert snap_compare(app_factory(Page("study", 12)), terminal_size=SIZE, run_before=run_before)


def test_filter_with_regex(snap_compare, app_factory):
    run_before = _pressed_then_settled("ctrl+r", "slash", *"Personal|PROLIFIC")
    assert snap_compare(app_factory(Page("study", 12)), terminal_size=SIZE, run_before=run_before)


def test_columns_menu(snap_compare, app_factory):
    assert snap_compare(app_factory(Page("study", 12)), terminal_size=SIZE, run_before=_pressed_then_settled("c"))


def test_export_dialog(snap_compare, app_factory):
    run_before = _pressed_then_settled("space", "e")
    assert snap_compare(app_factory(Page("study", 12)), terminal_size=SIZE, run_before=run_before)


def test_delete_confirmation(snap_compare, app_factory):
    run_before = _pressed_then_settled("space", "j", "space", "x")
    assert snap_compare(app_factory(Page("study", 12)), terminal_size=SIZE, run_before=run_before)


def test_data_viewer(snap_compare, app_factory):
    run_before = _pressed_then_settled("enter")
    assert snap_compare(app_factory(Page("component", 41)), terminal_size=SIZE, run_before=run_before)


# The page at the sizes researchers' terminals have: the columns that matter fit (issue 13).
def test_study_results_80x24(snap_compare, app_factory):
    assert snap_compare(app_factory(Page("study", 12)), terminal_size=(80, 24), run_before=_pressed_then_settled("j"))


def test_study_results_100x30(snap_compare, app_factory):
    run_before = _pressed_then_settled("enter")
    assert snap_compare(app_factory(Page("study", 12)), terminal_size=(100, 30), run_before=run_before)


def test_detail_view(snap_compare, app_factory):
    assert snap_compare(app_factory(Page("study", 12)), terminal_size=(100, 30), run_before=_pressed_then_settled("i"))


def test_frequency_view(snap_compare, app_factory):
    # Counts per value of the State column (F) of the fixture study: its two results.
    run_before = _pressed_then_settled(*["right"] * 8, "F")
    assert snap_compare(app_factory(Page("study", 12)), terminal_size=SIZE, run_before=run_before)

"""The screen's thread never runs SQL: every query of the app is in a worker (issue 12).

Each SQLite connection, the app's and any opened while it runs, reports every statement it
runs to a trace hook, which keeps those run on the thread the app (and its screens) run on.
The app is driven as a person would through every screen and flow that reads the store."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from store import Page
from store.labels import labels_of
from tui.app import ResultsApp
from tui.dialogs import DeleteScreen, ExportScreen, HelpScreen, LabelScreen, PickScreen
from tui.screens.data_viewer import DataViewer
from tui.screens.frequency import FrequencyScreen
from tui.screens.health import HealthScreen
from tui.screens.home import HomeScreen
from tui.screens.results import ResultsScreen

import jatos_fixtures as fx
from conftest import ON_POSTGRES, run_cli
from ui_helpers import settle, status, table_lines, type_at_once

pytestmark = pytest.mark.usefixtures("ui_env")


class StatementsOnThread:
    """The statements SQLite runs on one thread (the app's) while `recording`."""

    def __init__(self) -> None:
        self.thread = threading.current_thread()
        self.recording = False
        self.statements: list[str] = []

    def __call__(self, statement: str) -> None:
        if self.recording and threading.current_thread() is self.thread:
            self.statements.append(statement)


@pytest.fixture
def ui_thread_sql(scenario, monkeypatch) -> StatementsOnThread:
    seen = StatementsOnThread()
    if ON_POSTGRES:
        import psycopg2
        import psycopg2.extensions

        class Traced(psycopg2.extensions.cursor):
            def execute(self, query, vars=None):
                seen(query if isinstance(query, str) else query.decode())
                return super().execute(query, vars)

            def executemany(self, query, vars_list):
                seen(query)
                return super().executemany(query, vars_list)

        pg_connect = psycopg2.connect

        def pg_traced(*args, **kwargs):
            connection = pg_connect(*args, **kwargs)
            connection.cursor_factory = Traced
            return connection

        monkeypatch.setattr(psycopg2, "connect", pg_traced)  # every connection opened from now on
        scenario.db.connection().cursor_factory = Traced  # and this thread's, opened before
        return seen
    connect = sqlite3.connect

    def traced(*args, **kwargs):
        connection = connect(*args, **kwargs)
        connection.set_trace_callback(seen)
        return connection

    monkeypatch.setattr(sqlite3, "connect", traced)  # every connection opened from now on
    scenario.db.connection().set_trace_callback(seen)  # and this thread's, opened before
    return seen


async def test_no_sql_on_the_screens_thread(scenario, ui_thread_sql, db_path, tmp_path, monkeypatch):
    copied = []
    app = ResultsApp(scenario)
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    ui_thread_sql.recording = True
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        for key in ("c", "b", "r"):  # the pickers of the home screen
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, PickScreen)
            await pilot.press("escape")
        await pilot.press("enter")  # the study's results
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        assert str(app.screen.query_one("#page-title").render()) == "Study results: Stroop Task (2)"
        await pilot.press("slash", *"prolific")
        await settle(pilot)
        await pilot.press("escape", "a")  # select all, whatever the filter
        await settle(pilot)
        assert "2 selected" in status(app)
        await pilot.press("x")  # the delete dialog states what goes; cancelled
        await settle(pilot)
        assert isinstance(app.screen, DeleteScreen)
        await pilot.press("escape", "X")
        await settle(pilot)
        await pilot.press("escape", "e")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("escape", "l")  # label the selection: the dialog prefilled, the write
        await settle(pilot)
        assert isinstance(app.screen, LabelScreen)
        await pilot.press(*"exclude", "tab", *"failed check", "enter")
        await settle(pilot)
        ui_thread_sql.recording = False  # the test's own look at the store
        assert isinstance(app.screen, ResultsScreen) and len(labels_of([101, 102])) == 2
        ui_thread_sql.recording = True
        # Field terms: a bad one (checked on this thread: no SQL), then a group; the test-run
        # toggle (the page's scope anew, the selection checked in a worker), and back.
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"(state:FINISHED | sate:x")
        await settle(pilot)
        assert "unknown field 'sate'" in str(app.screen.query_one("#filter-error").render())
        await pilot.press("ctrl+a", "ctrl+k", *"(state:FINISHED | batch:Default) !type:Jatos", "enter")
        await settle(pilot)
        assert status(app).startswith("2 of 2 shown")
        await pilot.press("t")
        await settle(pilot)
        assert "test runs hidden" in status(app) and "2 selected" in status(app)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("slash", "ctrl+a", "ctrl+k", "enter")  # the filter cleared
        await settle(pilot)
        # Counts per value: the view, the page narrowed to a value and cleared, marked values
        # results selected; the summary line counts again each time.
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FrequencyScreen) and app.screen.frequency is not None
        await pilot.press("enter")
        await settle(pilot)
        assert "Quota reached = false" in status(app)
        await pilot.press("backspace", "n", "F")
        await settle(pilot)
        await pilot.press("space", "s")
        await settle(pilot)
        assert "2 selected" in status(app) and str(app.screen.query_one("#state-summary").render()) != ""
        await pilot.press("y", "Y", "ctrl+y")  # copy a cell, a row, the data
        await settle(pilot)
        assert len(copied) == 3
        await pilot.press("s", "right", "s")  # sort
        await settle(pilot)
        await pilot.press("g", "j", "enter")  # expand a row, open its data
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DataViewer)
        await pilot.press("t")  # its trials, read in a worker
        await settle(pilot)
        assert str(app.screen.query_one("#trials-summary").render()) != "Reading the trials…"
        await pilot.press("escape", "e")  # the trials export, from the dialog
        await settle(pilot)
        app.screen.query_one("#kind-trials").value = True
        app.screen.query_one("#path").value = str(tmp_path / "trials.csv")
        await pilot.click("#go")
        await settle(pilot)
        assert (tmp_path / "trials.csv").exists()
        await pilot.press("w")  # the worker's page
        await settle(pilot)
        assert str(app.screen.query_one("#page-title").render()).startswith("Worker ")
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "H")  # the study's health, and its group of stuck runs selected
        await settle(pilot)
        assert isinstance(app.screen, HealthScreen) and app.screen.report.flag("stuck").ids == (102,)
        await pilot.press("r")  # read again
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen) and app.screen.view.selected == {102}
        # Another process imports: the page polls, reloads, and fetches the rows it lacks
        # as they come on screen (past the first page of rows).
        more = fx.synthetic_archive(tmp_path / "more.zip", 250, first_id=500)
        assert run_cli("import", str(more), env={"JATOS_RESULTS_DB": str(db_path)}).returncode == 0
        app.screen.poll_changes()
        await settle(pilot)
        assert status(app).startswith("252 of 252 shown")
        await pilot.press("G")
        await settle(pilot)
        lines = table_lines(app)  # sorted by Result ID, ascending: the last row is 749
        assert "749" in lines[-1] and not any(" …" in line for line in lines)
        await pilot.press("escape")  # home polls too
        app.screen.poll_changes()
        await settle(pilot)
        ui_thread_sql.recording = False
    assert ui_thread_sql.statements == []


async def test_keys_after_a_query_wait_for_its_answer(scenario, monkeypatch):
    """An action that asks the store in a worker holds the keys typed after it: they act on
    its answer (all selected before the delete dialog counts; the row expanded before the
    cursor moves into it, the data loaded before it is copied)."""
    copied = []
    app = ResultsApp(scenario, Page("study", 12))
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "a", "x")
        assert isinstance(app.screen, DeleteScreen)
        assert str(app.screen.query_one("#delete-statement").render()).startswith("Delete 2 study results")
        await pilot.press("escape")
        await type_at_once(pilot, "n", "j", "enter", "j", "j", "j", "enter", "y")
        assert isinstance(app.screen, DataViewer)
        assert copied == [fx.DATA[302].decode()]


async def test_no_sql_on_the_screens_thread_in_the_detail_and_participant_views(scenario, ui_thread_sql):
    from tui.screens.detail import DetailScreen
    from tui.screens.participant import ParticipantScreen

    app = ResultsApp(scenario, Page("study", 12))
    ui_thread_sql.recording = True
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("i")  # 102, the newest, in full
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert "abc123" in str(app.screen.query_one("#detail-params").render())
        await pilot.press("escape", "P")  # its participant's runs, and one of them in full
        await settle(pilot)
        assert isinstance(app.screen, ParticipantScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("escape", "escape", "j", "P")  # 101 has no participant: a notification
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        ui_thread_sql.recording = False
    assert ui_thread_sql.statements == []

"""The trials in the app (issue #14): the export dialog's two trials kinds write the table
(with progress, and the left-out count at the end); the data viewer's trials tab."""

from __future__ import annotations

import csv
import io

import pytest
from textual.widgets import DataTable, Label, TabbedContent

from store import component_data, human_size
from store.pages.view import Page
from tui.app import ResultsApp
from tui.dialogs import ExportScreen
from tui.screens.data_viewer import DataViewer
from tui.screens.results import ResultsScreen
from tui.screens.trial_cells import MAX_WIDTH, trials_shown

from trials_fixtures import EXPECTED, HEADER, import_mixed
from ui_helpers import settle

SIZE = (170, 40)

pytestmark = pytest.mark.usefixtures("ui_env")


@pytest.fixture
def mixed(store, tmp_path):
    return import_mixed(store, tmp_path)


async def _export(app, pilot, choice: str, path) -> None:
    await pilot.press("e")
    await settle(pilot)
    dialog = app.screen
    assert isinstance(dialog, ExportScreen)
    dialog.query_one(f"#kind-{choice}").value = True
    await pilot.pause()
    assert dialog.query_one("#path").value.startswith("jatos_results_trials_")  # the kind's own name
    assert dialog.query_one("#path").value.endswith(".parquet" if choice == "trials-parquet" else ".csv")
    dialog.query_one("#path").value = str(path)
    await pilot.click("#go")
    await settle(pilot)
    assert isinstance(app.screen, ResultsScreen)


async def test_export_dialog_writes_the_trials(mixed, store, monkeypatch):
    app = ResultsApp(store, Page("study", 20))
    told: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: told.append(message))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _export(app, pilot, "trials", mixed / "t.csv")
        assert told[-1] == (
            f"Exported {mixed / 't.csv'} ({human_size((mixed / 't.csv').stat().st_size)}): 4 study results, 6 component results, 6 trial rows; 2 component results left out: 1 truncated JSON, 1 no data."
        )
        rows = list(csv.reader(io.StringIO((mixed / "t.csv").read_text(), newline="")))
        assert rows == [HEADER, *EXPECTED]
        pq = pytest.importorskip("pyarrow.parquet")
        # Parquet as chosen, whatever the name typed says.
        await _export(app, pilot, "trials-parquet", mixed / "t.table")
        assert "6 trial rows; 2 component results left out" in told[-1]
        got = pq.read_table(mixed / "t.table")
        assert got.column_names == HEADER and got.column("component_result_id").to_pylist() == [405, 405, 406, 401, 401, 409]


async def test_data_viewer_trials_tab(mixed, store):
    app = ResultsApp(store, Page("study", 20))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.push_screen(DataViewer(component_data(405)))
        await settle(pilot)
        viewer = app.screen
        assert viewer.query_one("#tabs", TabbedContent).active == "tab-data"
        await pilot.press("t")
        await settle(pilot)
        assert viewer.query_one("#tabs", TabbedContent).active == "tab-trials"
        table = viewer.query_one("#trials", DataTable)
        assert app.focused is table
        assert str(viewer.query_one("#trials-summary", Label).render()) == "2 trials, 7 columns (jsPsych, json array)"
        assert [str(c.label) for c in table.ordered_columns] == [
            "rt", "stimulus", "response", "trial_type", "trial_index", "time_elapsed", "response.Q0"
        ]
        assert [table.get_row_at(i) for i in range(table.row_count)] == [
            ["", "<p>Hi</p>", "a", "html-keyboard-response", "0", "2103", ""],
            ["812", "", "", "survey-text", "1", "9120", "=1+2"],
        ]
        # Each column as wide as its widest cell or title: all seven fit the screen.
        assert [c.width for c in table.ordered_columns] == [3, 9, 8, 22, 11, 12, 11]
        shown = "\n".join(table.render_line(y).text for y in range(3))
        assert "response.Q0" in shown and "html-keyboard-response" in shown and "survey-text" in shown
        await pilot.press("t")
        assert viewer.query_one("#tabs", TabbedContent).active == "tab-data" and app.focused is viewer.query_one("#data")
        await pilot.press("escape")
        await app.push_screen(DataViewer(component_data(407)))  # cut short: no rows, and why
        await settle(pilot)
        await pilot.press("t")
        assert str(app.screen.query_one("#trials-summary", Label).render()) == (
            "No trials: truncated JSON at byte 8. The trials export leaves this component result out."
        )
        assert app.screen.query_one("#trials", DataTable).row_count == 0


def test_long_cells_end_in_an_ellipsis_at_the_cap():
    long = "<p style='font-size:48px'>" + "x" * 100 + "</p>"
    shown = trials_shown('[{"stimulus":"%s","rt":5,"wide":"語語語語語語語語語語語語語語語語語語語語語語"}]' % long)
    assert shown.widths == [MAX_WIDTH, 2, MAX_WIDTH - 1]
    assert shown.rows[0][0] == long[: MAX_WIDTH - 1] + "…" and shown.rows[0][2] == "語" * 19 + "…"
    assert shown.summary == "1 trial, 3 columns (json array)"

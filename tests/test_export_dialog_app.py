"""The export dialog as a new user meets it (walk-through): the kind list has the keys first,
the done message counts what was written as the command line does, and data the store knows
only from metadata can be left out from the dialog (the app has no --allow-missing-data)."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, RadioSet

from store.importing.importer import import_paths
from store.pages.view import Page
from tui.app import ResultsApp
from tui.dialogs import ExportScreen

import jatos_fixtures as fx
from ui_helpers import settle, told_of

SIZE = (170, 40)

pytestmark = pytest.mark.usefixtures("ui_env")


async def test_the_kind_list_has_the_keys_and_the_done_message_counts(scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = ResultsApp(scenario, Page("study", 12))
    told = told_of(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        assert isinstance(app.screen.focused, RadioSet) and app.screen.focused.id == "kind"
        await pilot.press("down", "enter")  # Down moves in the list at once; enter chooses "Data only: plain text"
        assert app.screen.query_one("#kind-data").value
        app.screen.query_one("#path").value = "out.txt"
        await pilot.click("#go")
        await settle(pilot)
    size = (tmp_path / "out.txt").stat().st_size
    assert told[-1] == f"Exported out.txt ({size} B): 2 study results, 3 component results."


async def test_missing_data_is_left_out_from_the_dialog(store, tmp_path, monkeypatch):
    import_paths(store, [fx.metadata_json(tmp_path)])  # data sizes known, the data not here
    monkeypatch.chdir(tmp_path)
    app = ResultsApp(store, Page("study", 12))
    told = told_of(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#kind-data").value = True
        app.screen.query_one("#path").value = "a.txt"
        await pilot.click("#go")
        await settle(pilot)
        assert "--allow-missing-data" not in told[-1]
        assert "not in the store" in told[-1] and "Export without the missing data" in told[-1]
        assert not (tmp_path / "a.txt").exists()
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#kind-data").value = True
        app.screen.query_one("#path").value = "a.txt"
        app.screen.query_one("#allow-missing", Checkbox).value = True
        await pilot.click("#go")
        await settle(pilot)
    assert (tmp_path / "a.txt").exists()
    assert "left out the data of 2 component results, which is not in the store" in told[-1]

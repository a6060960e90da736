"""The delete and export dialogs say exactly what they act on, and act on nothing else.

The delete dialog opens with Cancel focused and names the first ids and the count; the
counts of both dialogs leave out results another process deleted, and so does the page's
selection once the page reloads.
"""

from __future__ import annotations

import pytest

from store.db.models import StudyResult
from store.importing.importer import import_paths
from store.pages.view import Page
from tui.app import ResultsApp
from tui.dialogs import DeleteScreen, ExportScreen
from tui.screens.results import ResultsScreen

import jatos_fixtures as fx
from conftest import run_cli
from ui_helpers import settle, status, type_at_once

SIZE = (170, 40)


pytestmark = pytest.mark.usefixtures("ui_env")




def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def delete_elsewhere(db_path, ids: str) -> None:
    """Another process deletes these results."""
    r = run_cli("delete", "--ids", ids, "--yes", env={"JATOS_RESULTS_DB": str(db_path)})
    assert r.returncode == 0, r.stderr


async def test_delete_dialog_names_the_ids_and_opens_with_cancel_focused(scenario, tmp_path):
    import_paths(scenario, [fx.synthetic_archive(tmp_path / "more.zip", 12, first_id=500)])
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "x")
        await settle(pilot)
        assert isinstance(app.screen, DeleteScreen) and app.screen.focused.id == "no"
        assert text(app, "#delete-statement") == (
            "Delete 14 study results of 'Stroop Task': result data, files and metadata."
        )
        assert text(app, "#delete-ids") == (
            "Study result ids 101, 102, 500, 501, 502, 503, 504, 505, 506, 507, … (14 in all)"
        )
        await pilot.press("enter")  # enter alone cancels
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen) and status(app).startswith("14 of 14 shown · 14 selected")
        await pilot.press("X")  # every result: Cancel first too
        await settle(pilot)
        assert app.screen.focused.id == "no"
        assert text(app, "#typed-label") == "This is every result of the page. Type 14 to confirm (tab to the field):"
        await pilot.press("enter")
        await settle(pilot)
    assert StudyResult.select().count() == 14


async def test_delete_then_enter_typed_at_once_deletes_nothing(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "space", "x", "enter")
        assert isinstance(app.screen, ResultsScreen) and app.screen.view.selected == {102}
        await type_at_once(pilot, "X", "2", "enter")
        assert isinstance(app.screen, ResultsScreen)
    assert sorted(r.id for r in StudyResult.select()) == [101, 102]


async def test_selection_drops_results_another_process_deleted(scenario, db_path):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert status(app).startswith("2 of 2 shown · 2 selected")
        delete_elsewhere(db_path, "101")
        app.screen.poll_changes()  # what the 2-second timer does
        await settle(pilot)
        assert app.screen.view.selected == {102}
        assert status(app).startswith("1 of 1 shown · 1 selected")


async def test_dialogs_count_and_delete_only_what_still_exists(scenario, db_path, monkeypatch):
    app = ResultsApp(scenario, Page("study", 12))
    told = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: told.append(message))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        delete_elsewhere(db_path, "101")  # the page has not looked yet
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        assert str(app.screen.query_one("#scope-selected").label) == "Selected (1 study results)"
        assert str(app.screen.query_one("#scope-all").label) == "All (1 study results of this page)"
        await pilot.press("escape", "x")
        await settle(pilot)
        assert text(app, "#delete-statement") == "Delete 1 study results of 'Stroop Task': result data, files and metadata."
        assert text(app, "#delete-ids") == "Study result id 102"
        await pilot.click("#yes")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen) and status(app).startswith("0 of 0 shown · 0 selected")
        assert told == ["Deleted 1 study results with 1 component results and 0 files. Press u to undo."]
    assert StudyResult.select().count() == 0


async def test_nothing_left_to_delete_says_so(scenario, db_path):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space")
        delete_elsewhere(db_path, "102")
        await pilot.press("x")
        await settle(pilot)
        assert text(app, "#delete-statement") == (
            "None of these results is in the store any more: another process deleted them."
        )
        assert app.screen.query_one("#yes").disabled


@pytest.mark.parametrize("keys, dialog, answer", [
    (("space", "x"), DeleteScreen, lambda d: d._resolved([101], "Delete 1 study result")),
    (("e",), ExportScreen, lambda d: d._counted([101], 2)),
])
async def test_a_count_that_comes_while_the_dialog_closes_is_dropped(scenario, keys, dialog, answer):
    """The count's worker can answer after enter or escape has dismissed the dialog, while
    Textual is removing its widgets (the delete dialog crashed the app so, once in CI)."""
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, dialog)
        await screen.query("Static, RadioButton").remove()  # part way through the removal
        answer(screen)  # the late answer: dropped, not a crash
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)


def test_data_of_a_component_result_deleted_elsewhere_is_one_line(scenario):
    """The page may still show a row another process deleted: opening its data says so in
    one line (a notification in the app), not a traceback."""
    from store import StoreError, component_data

    with pytest.raises(StoreError, match="component result 99999 is no longer in the store"):
        component_data(99999)

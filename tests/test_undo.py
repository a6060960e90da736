"""`u` on a results page undoes its last delete: the results come back from the trash,
on screen and in the store, exactly as they were."""

from __future__ import annotations

import pytest

from store.db.models import StudyResult, TrashEntry
from store.importing.importer import import_paths
from store.pages.view import Page
from tui.app import ResultsApp
from tui.dialogs import DeleteScreen

import jatos_fixtures as fx
from conftest import store_state
from ui_helpers import settle, status, table_lines

SIZE = (170, 40)


pytestmark = pytest.mark.usefixtures("ui_env")


async def test_u_undoes_the_last_delete(store, db_path, tmp_path, monkeypatch):
    import_paths(store, [fx.results_archive(tmp_path), fx.study_archive(tmp_path)])
    before = store_state(db_path)
    app = ResultsApp(store, Page("study", 12))
    told = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: told.append(message))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("u")
        assert told[-1] == "Nothing to undo: no delete on this page since it opened."
        await pilot.press("space", "x")  # the cursor's row: 102, the newest first
        await settle(pilot)
        assert isinstance(app.screen, DeleteScreen)
        assert "u undoes the delete" in str(app.screen.query_one(".warning").render())
        await pilot.click("#yes")
        await settle(pilot)
        assert [r.id for r in StudyResult.select()] == [101]
        assert status(app).startswith("1 of 1 shown")
        assert told[-1] == "Deleted 1 study results with 1 component results and 0 files. Press u to undo."
        await pilot.press("u")
        await settle(pilot)
        assert told[-1] == "Restored 1 study results, 1 component results and 0 files."
        assert status(app).startswith("2 of 2 shown")
        assert any(" 102 " in line for line in table_lines(app))
        await pilot.press("u")  # once: the delete is undone
        assert told[-1] == "Nothing to undo: the page's last delete is undone already."
    assert TrashEntry.select().count() == 0
    assert store_state(db_path) == before

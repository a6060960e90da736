"""A filter with an error (issue: new-user walk-through): the page keeps the last valid
filter's rows and names that filter, and the actions that take the filter's answer as a set
refuse with one line until the filter is fixed or cleared."""

from __future__ import annotations

import pytest
from varied_runs import varied_archive

from store.importing.importer import import_paths
from store.pages.view import Page
from tui.app import ResultsApp
from tui.screens.results import ResultsScreen

from ui_helpers import settle, status, type_at_once

SIZE = (170, 40)
REFUSED = "The filter has an error: fix it or clear it first."

pytestmark = pytest.mark.usefixtures("ui_env")


@pytest.fixture
def varied(scenario, tmp_path):
    import_paths(scenario, [varied_archive(tmp_path)])
    return scenario


async def test_select_filtered_and_health_refuse_while_the_filter_has_an_error(varied, monkeypatch):
    app = ResultsApp(varied, Page("study", 12))
    told: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: told.append(message))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "slash", *"state:FINISHEDX")
        await settle(pilot)
        assert "FINISHEDX" in str(app.screen.query_one("#filter-error").render())
        assert app.screen.filter_bar.error  # the bar knows its text has an error
        # The page shows the rows of the filter actually applied (the prefix that parsed), and says which.
        assert app.screen.view.ids and "filter: state:FINISHED ·" in status(app)
        await type_at_once(pilot, "enter", "f")
        assert app.screen.view.selected == set() and told[-1] == REFUSED
        await type_at_once(pilot, "H")
        assert isinstance(app.screen, ResultsScreen) and told[-1] == REFUSED
        await type_at_once(pilot, "F")
        assert isinstance(app.screen, ResultsScreen) and told[-1] == REFUSED
        await type_at_once(pilot, "e")
        assert isinstance(app.screen, ResultsScreen) and told[-1] == REFUSED
        # Fixed: f selects the filter's rows.
        await pilot.press("slash", "end", "backspace", "enter")
        await settle(pilot)
        assert not app.screen.filter_bar.error
        await type_at_once(pilot, "f")
        assert app.screen.view.selected and app.screen.view.selected == set(app.screen.view.ids)

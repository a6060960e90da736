"""The help of a results page (walk-through): each key said once, the filter's fields a table
whose text wraps inside its own column, and a filter placeholder that mentions field terms."""

from __future__ import annotations

import pytest

from store.pages.view import Page
from tui.app import ResultsApp
from tui.dialogs import HelpScreen

from ui_helpers import settle

pytestmark = pytest.mark.usefixtures("ui_env")


def lines_of(widget) -> list[str]:
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


@pytest.mark.parametrize("size", [(80, 24), (170, 40)])
async def test_help_says_each_key_once_and_the_fields_wrap_in_their_column(scenario, size):
    from store.search.fields import FIELDS

    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        placeholder = app.screen.query_one("#filter").placeholder
        assert "state:FINISHED" in placeholder and "?" in placeholder
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = [line.split()[0] for line in lines_of(app.screen.query_one("#help-text")) if line.strip()]
        assert keys.count("enter") == 1 and len(keys) == len(set(keys))
        enter = next(line for line in lines_of(app.screen.query_one("#help-text")) if line.split()[:1] == ["enter"])
        assert "Open" in enter and "Done" in enter
        table = lines_of(app.screen.query_one("#help-fields"))
        # Every line of the table keeps its first column: a line that goes on a field's text
        # starts blank where the field names stand (never back in the left margin).
        names = [f"{name}:" for name in FIELDS]
        indent = min(len(line) - len(line.lstrip()) for line in table if line.strip())
        starts = [line[indent:].split()[0] for line in table if line.strip() and not line[indent].isspace()]
        assert starts[0].lower().startswith("field") and starts[1:] == names


async def test_question_mark_lists_the_keys_of_every_other_page(scenario):
    """The studies list, the counts per value and the health page say their keys too (? did
    nothing on the last two)."""
    from tui.screens.frequency import FrequencyScreen
    from tui.screens.health import HealthScreen

    async def keys_said(pilot) -> list[str]:
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)
        said = [line.split()[0] for line in lines_of(pilot.app.screen.query_one("#help-text")) if line.strip()]
        await pilot.press("escape")
        await settle(pilot)
        return said

    app = ResultsApp(scenario)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert {"enter", "c", "?"} <= set(await keys_said(pilot))
        await pilot.press("enter")  # the study's results
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FrequencyScreen)
        assert {"enter", "space", "s", "?"} <= set(await keys_said(pilot))
        await pilot.press("escape", "H")
        await settle(pilot)
        assert isinstance(app.screen, HealthScreen)
        assert {"escape", "r", "?"} <= set(await keys_said(pilot))

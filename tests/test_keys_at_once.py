"""Keys typed at any moment go where a person expects them, however fast they come.

A terminal hands the app every key it has read: typed quickly, pasted by a terminal macro or
sent over a slow SSH link, several keys are in the app's queue before it handles the first.
Each test sends its keys that way (ui_helpers.type_at_once) right when a page opens.
"""

from __future__ import annotations

import asyncio

import pytest
from textual.screen import ModalScreen

from store.db.models import StudyResult
from store.pages.view import Page
from tui.app import ResultsApp
from tui.screens.results import ResultsScreen
from tui.widgets.results_table import ResultsTable

from ui_helpers import settle, status, type_at_once

SIZE = (170, 40)


pytestmark = pytest.mark.usefixtures("ui_env")




def filter_value(app) -> str:
    return app.screen.query_one("#filter").value


def no_dialog(app) -> bool:
    return not any(isinstance(s, ModalScreen) for s in app.screen_stack)


def page_title(app) -> str:
    return str(app.screen.query_one("#page-title").render())


@pytest.mark.parametrize("word", ["word", "export", "xvawcs"])
async def test_filter_typed_as_the_study_opens(scenario, word):
    app = ResultsApp(scenario)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "enter", "slash", *word)
        assert isinstance(app.screen, ResultsScreen) and len(app.screen_stack) == 3  # home, then the study
        assert page_title(app) == "Study results: Stroop Task (2)"
        assert filter_value(app) == word and app.screen.focused.id == "filter"
        assert no_dialog(app) and app.screen.view.selected == set()
        assert f"filter: {word}" in status(app)


async def test_filter_typed_right_after_enter_with_pilot(scenario):
    app = ResultsApp(scenario)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.press("/", "w", "o", "r", "d")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen) and filter_value(app) == "word" and no_dialog(app)


async def test_filter_typed_at_once_on_an_open_page(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "slash", *"word")
        assert page_title(app) == "Study results: Stroop Task (2)"  # no worker's page
        assert filter_value(app) == "word" and no_dialog(app)


async def test_keys_after_enter_in_the_filter_are_the_tables(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "slash", *"prolific", "enter", "space")
        assert filter_value(app) == "prolific" and app.screen.focused.id == "results"
        assert app.screen.view.selected == {102}
        assert status(app).startswith("1 of 2 shown · 1 selected · filter: prolific")


async def test_keys_after_escape_in_the_filter_are_the_tables(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "slash", *"Stroop", "escape", "j", "space")
        assert filter_value(app) == "Stroop" and app.screen.view.selected == {101}


async def test_keys_typed_as_a_worker_page_opens_are_its(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "j", "w", "slash", *"Stroop")
        assert page_title(app) == "Worker 57 (1)" and len(app.screen_stack) == 4
        assert filter_value(app) == "Stroop" and no_dialog(app)
        await type_at_once(pilot, "escape", "escape", "slash", *"abc")  # back on the study's page
        assert page_title(app) == "Study results: Stroop Task (2)" and filter_value(app) == "abc"


async def test_keys_typed_as_a_component_page_opens_are_its(scenario):
    app = ResultsApp(scenario)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "c", "enter", "slash", *"wax")
        assert page_title(app) == "Component results: Instructions (2)" and len(app.screen_stack) == 3
        assert filter_value(app) == "wax" and no_dialog(app)


async def test_delete_key_in_the_filter_deletes_a_character(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "slash", *"abc", "left", "delete")
        await settle(pilot)
        assert filter_value(app) == "ab" and no_dialog(app)
    assert StudyResult.select().count() == 2


async def test_keys_typed_while_the_page_mounts_wait_for_it(scenario, monkeypatch):
    """A page that takes a while to mount: the keys typed meanwhile are still its, and its
    focus does not move after they have been typed."""

    async def slow_mount(self) -> None:
        for _ in range(200):  # hands the event loop on, many times (no clock involved)
            await asyncio.sleep(0)

    monkeypatch.setattr(ResultsTable, "on_mount", slow_mount, raising=False)
    app = ResultsApp(scenario)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "enter", "slash", *"export")
        assert isinstance(app.screen, ResultsScreen) and filter_value(app) == "export" and no_dialog(app)
        assert app.screen.focused.id == "filter"

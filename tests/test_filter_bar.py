"""The filter bar of a results page: RegEx and Aa are what the user set, and the filter uses them."""

from __future__ import annotations

import re

import pytest
from textual import events

from store.pages.view import Page
from tui.app import ResultsApp

from ui_helpers import hold_filter, settle, status, table_lines

SIZE = (170, 40)


pytestmark = pytest.mark.usefixtures("ui_env")




def shown_ids(app) -> list[str]:
    """The result ids of the rows the table shows."""
    return [m.group(1) for line in table_lines(app)[1:] if (m := re.match(r"\[.\] [▶▼]\s+(\d+)", line))]


def toggle_on(app, button: str) -> bool:
    return app.screen.query_one(button).has_class("-on")


async def test_regex_switched_off_stays_off_while_typing(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r", "slash", *"Person.l|PROLI.I")
        await settle(pilot)
        assert toggle_on(app, "#regex")
        assert shown_ids(app) == ["102", "101"] and "(RegEx)" in status(app)
        await pilot.press("ctrl+r")  # off: the same text is now plain terms (either of two) no row holds
        await settle(pilot)
        assert not toggle_on(app, "#regex")
        assert shown_ids(app) == [] and "(RegEx)" not in status(app)
        await pilot.press("C")  # one more character: RegEx is still off, and the filter says so
        await settle(pilot)
        assert not toggle_on(app, "#regex")
        assert status(app).startswith("0 of 2 shown") and "filter: Person.l|PROLI.IC" in status(app)
        assert "(RegEx)" not in status(app)
        await pilot.click("#regex")  # the button does what ctrl+r does, and the keys stay in the filter
        await pilot.press("|", "x")
        await settle(pilot)
        assert toggle_on(app, "#regex")
        assert app.screen.query_one("#filter").value == "Person.l|PROLI.IC|x"
        assert shown_ids(app) == ["102", "101"] and "(RegEx)" in status(app)


async def test_case_sensitive_switched_off_stays_off_while_typing(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"prolifi")
        await settle(pilot)
        assert shown_ids(app) == ["102"]
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert toggle_on(app, "#case") and shown_ids(app) == [] and "(Aa)" in status(app)
        await pilot.press("ctrl+t", "c")
        await settle(pilot)
        assert not toggle_on(app, "#case")
        assert shown_ids(app) == ["102"] and status(app).startswith("1 of 2 shown · 0 selected · filter: prolific ·")
        await pilot.click("#case")
        await settle(pilot)
        assert toggle_on(app, "#case") and shown_ids(app) == [] and "(Aa)" in status(app)


def error_line(app) -> str:
    error = app.screen.query_one("#filter-error")
    return str(error.render()) if error.display else ""


async def test_pasted_invalid_regex_shows_its_error_while_the_last_valid_filter_arrives(scenario, monkeypatch):
    release = hold_filter(monkeypatch, "Personal")
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r", "slash", *"Personal")  # valid: its rows are on their way
        app.post_message(events.Paste("|(["))  # what the terminal sends for a paste
        await pilot.pause()
        release.set()
        await settle(pilot)
        assert app.screen.query_one("#filter").value == "Personal|(["
        assert error_line(app) == (
            "invalid regular expression 'Personal|([': unterminated character set at position 11; "
            "showing the last valid filter"
        )
        assert shown_ids(app) == ["101"] and "filter: Personal (RegEx)" in status(app)
        await pilot.press("backspace", "backspace", "backspace")  # valid again: the error goes
        await settle(pilot)
        assert error_line(app) == "" and shown_ids(app) == ["101"]


async def test_a_paste_on_the_table_goes_into_the_filter(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        assert app.screen.focused is app.screen.query_one("#results")
        app.post_message(events.Paste("(["))
        await settle(pilot)
        assert app.screen.query_one("#filter").value == "(["
        assert error_line(app).startswith("invalid regular expression '([': ")
        assert error_line(app).endswith("; showing the last valid filter")
        assert shown_ids(app) == ["102", "101"] and "filter" not in status(app)

"""The filter bar of a results page: RegEx and Aa are what the user set, and the filter uses them."""

from __future__ import annotations

import re
import time

import pytest

import jatos_fixtures as fx
from store.importer import import_paths
from store.view import Page
from tui.app import ResultsApp
from ui_helpers import settle, status, table_lines

SIZE = (170, 40)


@pytest.fixture(autouse=True)
def utc(monkeypatch, tmp_path):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


@pytest.fixture
def scenario(store, tmp_path):
    import_paths(store, [fx.results_archive(tmp_path), fx.study_archive(tmp_path)])
    return store


def shown_ids(app) -> list[str]:
    """The result ids of the rows the table shows."""
    return [m.group(1) for line in table_lines(app)[1:] if (m := re.match(r"\[.\] [▶▼]\s+(\d+)", line))]


def toggle_on(app, button: str) -> bool:
    return app.screen.query_one(button).has_class("-on")


async def test_regex_switched_off_stays_off_while_typing(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r", "slash", *"Personal|PROLIFI")
        await settle(pilot)
        assert toggle_on(app, "#regex")
        assert shown_ids(app) == ["102", "101"] and "(RegEx)" in status(app)
        await pilot.press("ctrl+r")  # off: the same text is now a plain term no row holds
        await settle(pilot)
        assert not toggle_on(app, "#regex")
        assert shown_ids(app) == [] and "(RegEx)" not in status(app)
        await pilot.press("C")  # one more character: RegEx is still off, and the filter says so
        await settle(pilot)
        assert not toggle_on(app, "#regex")
        assert status(app).startswith("0 of 2 shown") and "filter: Personal|PROLIFIC" in status(app)
        assert "(RegEx)" not in status(app)
        await pilot.click("#regex")  # the button does what ctrl+r does, and the keys stay in the filter
        await pilot.press("|", "x")
        await settle(pilot)
        assert toggle_on(app, "#regex")
        assert app.screen.query_one("#filter").value == "Personal|PROLIFIC|x"
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

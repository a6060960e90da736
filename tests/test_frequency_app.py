"""The frequency view (F) and the summary line, driven as a person would with Pilot: the
counts and shares the view shows for the page as filtered, enter narrowing the page to a
value, marked values selecting their results, the counts per state above the table."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from store.pages.view import Page
from tui import settings
from tui.app import ResultsApp
from tui.screens.frequency import FrequencyScreen
from tui.screens.results import ResultsScreen

import patterned
from ui_helpers import settle, status, table_lines, type_at_once

SIZE = (150, 40)
N = 50

pytestmark = pytest.mark.usefixtures("ui_env")


@pytest.fixture
def small(store):
    patterned.fill(store, N)
    return store


def shown(app) -> list[str]:
    """What the frequency view's table shows, line by line (the header first)."""
    table = app.screen.query_one(DataTable)
    return [" ".join(table.render_line(y).text.split()) for y in range(table.row_count + 1)]


def summary(app) -> str:
    return str(app.screen.query_one("#state-summary").render())


def counts(pattern: list[str], among) -> list[str]:
    """The view's lines for these results: value, count, share, by count, the largest first."""
    found = patterned.expected(0, pattern, among)
    total = sum(found.values())
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    return [f"{text} {n:,} {n / total:.1%}" for text, n in ranked]


async def open_counts(pilot, column: str) -> None:
    """The cursor to a column of the page (id, batch, state), then F."""
    await pilot.press(*["right"] * ["id", "batch", "state"].index(column), "F")
    await settle(pilot)
    assert isinstance(pilot.app.screen, FrequencyScreen)


@pytest.mark.parametrize("n", [N, 100_000])
async def test_F_shows_counts_and_shares_of_the_page_as_filtered(store, n):
    patterned.fill(store, n)
    settings.save_columns("study", ["id", "batch", "state"])
    app = ResultsApp(store, Page("study", 77))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_counts(pilot, "state")
        lines = shown(app)
        assert [line.rsplit(" ", 1)[0] if "█" in line else line for line in lines[1:]] == counts(
            patterned.STATES, range(1, n + 1)
        )
        assert "FINISHED" in lines[1] and lines[1].endswith("█" * 20)  # the largest share's bar is whole
        assert str(app.screen.query_one("#frequency-status").render()) == f"3 values · {n:,} results"
        # The page filtered: the view counts its rows only, and says so.
        await pilot.press("escape", "slash", *"Pilot", "escape", "left", "F")  # the Batch column
        await settle(pilot)
        assert "(the page as filtered)" in str(app.screen.query_one("#frequency-title").render())
        assert shown(app)[1:] == [f"Pilot 1 {len(range(1, n + 1, 3)):,} 100.0% {'█' * 20}"]
        await pilot.press("escape", "right", "F")
        await settle(pilot)
        pilots = [i for i in range(1, n + 1) if i % 3 == 1]
        assert [line.rsplit(" ", 1)[0] for line in shown(app)[1:]] == counts(patterned.STATES, pilots)


async def test_enter_narrows_the_page_to_the_value_and_backspace_clears_it(small):
    settings.save_columns("study", ["id", "batch", "state"])
    app = ResultsApp(small, Page("study", 77))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert summary(app) == "FINISHED 35 · ABORTED 10 · FAIL 5"
        await open_counts(pilot, "state")
        await pilot.press("j", "enter")  # the second value: ABORTED
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        aborted = [i for i in range(1, N + 1) if patterned.STATES[i % 10] == "ABORTED"]
        assert status(app).startswith(f"{len(aborted)} of {N} shown") and "State = ABORTED" in status(app)
        assert "State = ABORTED" in str(app.screen.query_one("#value-filter-label").render())
        rows = table_lines(app)[1 : len(aborted) + 1]
        assert [next(int(t) for t in line.split() if t.isdigit()) for line in rows] == sorted(aborted, reverse=True)
        assert all("ABORTED" in line for line in rows) and summary(app) == "ABORTED 10"
        # With the filter: both narrow the page. In the filter, backspace is the filter's.
        await type_at_once(pilot, "slash", *"Pilotx", "backspace")
        assert app.screen.filter_bar.input.value == "Pilot"
        both = [i for i in aborted if i % 3 == 1]
        assert status(app).startswith(f"{len(both)} of {N} shown") and summary(app) == f"ABORTED {len(both)}"
        await type_at_once(pilot, "escape", "backspace")
        assert "State =" not in status(app) and not app.screen.query_one("#value-filter").display
        assert status(app).startswith(f"{len(range(1, N + 1, 3))} of {N} shown")
        assert summary(app) == "FINISHED 12 · ABORTED 3 · FAIL 2"


async def test_marked_values_select_their_results(small):
    settings.save_columns("study", ["id", "batch", "state"])
    app = ResultsApp(small, Page("study", 77))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_counts(pilot, "batch")
        assert [line.split()[0] for line in shown(app)[1:]] == ["Pilot", "Prolific", "Default"]  # 17, 17, 16
        await pilot.press("space", "space")  # Pilot 1 and Prolific marked
        assert [line.startswith("●") for line in shown(app)[1:]] == [True, True, False]
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        wanted = {i for i in range(1, N + 1) if i % 3 in (1, 2)}
        assert app.screen.view.selected == wanted and f"{len(wanted)} selected" in status(app)
        # On a filtered page, only the page's rows: the FAIL ones among them.
        await pilot.press("n", "slash", *"Prolific", "escape", "right", "F")  # the State column
        await settle(pilot)
        await pilot.press("j", "j", "s")  # FAIL, the current value (none marked)
        await settle(pilot)
        fail = {i for i in range(1, N + 1) if i % 3 == 2 and patterned.STATES[i % 10] == "FAIL"}
        assert app.screen.view.selected == fail and fail


async def test_a_column_without_values_is_said_in_the_view(small):
    settings.save_columns("study", ["files", "state"])
    app = ResultsApp(small, Page("study", 77))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        assert str(app.screen.query_one("#frequency-status").render()) == "the Files column cannot be counted"
        await pilot.press("enter", "s", "space")  # nothing to choose: nothing happens
        assert isinstance(app.screen, FrequencyScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ResultsScreen)


async def test_keys_typed_at_once_act_in_order(small):
    """Down, down, enter as a terminal hands them over in one burst: enter chooses the value
    the cursor reached (a priority binding on enter acted before the table had moved)."""
    settings.save_columns("study", ["id", "batch", "state"])
    app = ResultsApp(small, Page("study", 77))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_counts(pilot, "state")
        await type_at_once(pilot, "down", "down", "enter")  # FINISHED, ABORTED, then FAIL
        assert isinstance(app.screen, ResultsScreen)
        assert "State = FAIL" in status(app)
        await type_at_once(pilot, "backspace")  # the whole page again
        await pilot.press("F")  # the cursor is still on State
        await settle(pilot)
        await type_at_once(pilot, "j", "space", "j", "space", "s")  # ABORTED and FAIL marked, selected
        assert isinstance(app.screen, ResultsScreen)
        chosen = [i for i in range(1, N + 1) if patterned.STATES[i % 10] in ("ABORTED", "FAIL")]
        assert sorted(app.screen.view.selected) == chosen


async def test_with_test_runs_hidden_nothing_counts_or_selects_them(small):
    """t hides JATOS's test runs: the summary line, the counts per value and the results a
    value selects are of the runs the page shows (the summary and F counted all of them)."""
    settings.save_columns("study", ["id", "batch", "state"])
    app = ResultsApp(small, Page("study", 77))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        shown = [i for i in range(1, N + 1) if patterned.TYPES[i % 5] != "Jatos"]
        assert status(app).startswith(f"{len(shown)} of {len(shown)} shown")
        want = counts(patterned.STATES, shown)
        assert summary(app) == " · ".join(" ".join(line.split()[:2]) for line in want)
        await open_counts(pilot, "state")
        assert [" ".join(line.split()[:3]) for line in shown_lines(app)] == want
        await type_at_once(pilot, "a", "s")  # every value marked, their results selected
        assert isinstance(app.screen, ResultsScreen)
        assert sorted(app.screen.view.selected) == shown


def shown_lines(app) -> list[str]:
    return shown(app)[1:]

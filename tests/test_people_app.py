"""Participants, the detail view and a table that fits the terminal, driven as a person would
with Pilot: what the screen shows, at the sizes researchers' terminals have."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static

from store.importing.importer import import_paths
from store.pages.view import Page
from store.participants import set_parameters
from tui import settings
from tui.app import ResultsApp
from tui.screens.detail import DetailScreen
from tui.screens.participant import ParticipantScreen
from tui.screens.results import ResultsScreen

from people_fixtures import LONG_MESSAGE, people_archive
from ui_helpers import settle, table_lines, told_of, type_at_once

pytestmark = pytest.mark.usefixtures("ui_env")

WIDE = (170, 40)


@pytest.fixture
def people(store, tmp_path):
    import_paths(store, [people_archive(tmp_path)])
    return store


def row_of(app, result_id: int) -> str:
    return next(line for line in table_lines(app)[1:] if str(result_id) in line.split()[:4])


async def go_to(pilot, result_id: int) -> None:
    """The cursor onto the row of this result (the newest first)."""
    app = pilot.app
    for _ in range(10):
        line = app.screen.table.current_line()
        if line.row_id == result_id:
            return
        await pilot.press("j")
        await settle(pilot)
    raise AssertionError(f"no row {result_id}")


async def test_the_participant_column_marks_who_took_part_twice(people):
    settings.save_columns("study", ["id", "participant", "state"])
    app = ResultsApp(people, Page("study", 12))
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert "Participant" in table_lines(app)[0]
        assert "abc123 ×2" in row_of(app, 102) and "abc123 ×2" in row_of(app, 103)
        assert "abc123" not in row_of(app, 101) and "s77" not in row_of(app, 104)


async def test_a_configured_parameter_name_shows_in_the_column(people):
    set_parameters(people, ("sona_id", "PROLIFIC_PID"))
    settings.save_columns("study", ["id", "participant", "state"])
    app = ResultsApp(people, Page("study", 12))
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert "s77" in row_of(app, 104) and "×" not in row_of(app, 104)


async def test_P_lists_every_run_of_the_participant_across_studies(people, monkeypatch):
    app = ResultsApp(people, Page("study", 12))
    told = told_of(app, monkeypatch)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await go_to(pilot, 103)
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, ParticipantScreen)
        table = app.screen.query_one("#runs", DataTable)
        runs = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [(r[0], r[1], r[2], r[3]) for r in runs] == [
            ("Stroop Task (12)", "Default", "102", "DATA_RETRIEVED"),
            ("Stroop Task (12)", "Default", "103", "FAIL"),
            ("Memory (13)", "Pilot", "201", "DATA_RETRIEVED"),
        ]
        assert runs[1][5] == "3m20s" and runs[0][5] == "3m05s▸"
        assert "3 runs in 2 studies" in str(app.screen.query_one("#page-title").render())
        # enter on a run: that run in full
        await pilot.press("j", "j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.result_id == 201
        # keys typed at once act in order: up, up, down, enter is the second run
        await pilot.press("escape")
        await type_at_once(pilot, "up", "up", "down", "enter")
        assert isinstance(app.screen, DetailScreen) and app.screen.result_id == 103
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        # A run without a participant id: one line, no page.
        await go_to(pilot, 101)
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        assert len(told) == 1 and told[0].startswith("Study result 101 has no participant id")


def section(app, name: str) -> str:
    return str(app.screen.query_one(f"#{name}", Static).render())


async def test_i_shows_one_result_whole(people):
    from store.labels import set_labels

    set_labels(people, [103], "exclude", "participated twice")
    app = ResultsApp(people, Page("study", 12))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await go_to(pilot, 103)
        # The table cuts the message to its column, with "…"; the detail view has it all.
        assert row_of(app, 103).rstrip().endswith("…") and LONG_MESSAGE not in row_of(app, 103)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        message = section(app, "detail-message")
        assert " ".join(message.split()) == LONG_MESSAGE
        fields = section(app, "detail-fields")
        assert "Duration:" in fields and "00:03:20" in fields  # JATOS's text, not the table's 3m20s
        assert "Type:" in fields and "General Multiple" in fields
        assert "Participant:" in fields and "abc123 (took part 2 times in this study)" in fields
        assert section(app, "detail-params").split() == ["PROLIFIC_PID:", "abc123"]
        label = section(app, "detail-label")
        assert "exclude" in label and "participated twice" in label
        assert "304" in section(app, "detail-components") and "DATA_RETRIEVED" in section(app, "detail-components")
        await pilot.press("escape")
        assert isinstance(app.screen, ResultsScreen)


async def test_i_on_a_run_with_two_parameters_lists_both(people):
    app = ResultsApp(people, Page("study", 12))
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await go_to(pilot, 104)
        await pilot.press("i")
        await settle(pilot)
        assert section(app, "detail-params").splitlines() == ["sona_id: s77", "lang:    de"]


def header(app) -> str:
    return table_lines(app)[0]


@pytest.mark.parametrize("size, shown", [
    ((80, 24), ("Result ID", "Duration", "Worker ID", "Type", "State")),
    ((100, 30), ("Result ID", "Start time", "Duration", "Worker ID", "Type", "State")),
])
async def test_the_columns_that_matter_fit_the_terminal(people, size, shown):
    app = ResultsApp(people, Page("study", 12))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.table
        width = table.scrollable_content_region.width
        head = header(app)
        for title in shown:
            assert title in head
            assert head.index(title) + len(title) <= width
        # The cells of those columns are whole: the state, the compact duration, the short type.
        row = row_of(app, 104)
        assert "DATA_RETRIEVED" in row and "3m05s▸" in row
        # The short type names whole at every size (the longest is PersSingle).
        assert "GenMulti" in row and "PersSingle" in row_of(app, 101)
        if size[0] == 100:
            assert "60" in row.split()
            assert "2024-05-01 10:40" in row or "05-01 10:40" in row


async def test_result_id_stays_while_scrolling_right(people):
    # More columns than 80 cells hold, even squeezed.
    settings.save_columns("study", ["quota", "id", "start", "duration", "state", "message", "note", "participant", "label"])
    app = ResultsApp(people, Page("study", 12))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go_to(pilot, 103)
        before = row_of(app, 103)
        for _ in range(12):
            await pilot.press("right")
        await settle(pilot)
        assert app.screen.table.scroll_offset.x > 0
        after = row_of(app, 103)
        assert after != before  # the columns moved
        assert after.split()[3] == "103" and header(app).split()[1:3] == ["Result", "ID"]
        # The last columns are reached: the participant and the label.
        assert "abc123" in after and "Label" in header(app) and "Start time" not in header(app)


DEFAULT_AND_PARTICIPANT = [
    "quota", "id", "start", "last_seen", "duration", "batch", "worker_id", "type", "state", "message", "participant",
]


@pytest.mark.parametrize("size", [(120, 30), (100, 30)])
async def test_a_chosen_participant_column_shows_its_duplicate_mark(people, size):
    """Chosen with c, the Participant column keeps room before Message gets any: the id and
    its ×N whole at 120 columns, and the mark visible where the id must be cut."""
    from store.db.models import StudyResult

    settings.save_columns("study", DEFAULT_AND_PARTICIPANT)
    app = ResultsApp(people, Page("study", 12))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert "Participant" in header(app)
        assert "abc123 ×2" in row_of(app, 102)
        # A long id is cut before its mark, never the mark.
        StudyResult.update(participant="KrAdAAutH7Fq2x9Lm").where(StudyResult.id.in_([102, 103])).execute()
    app = ResultsApp(people, Page("study", 12))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        cell = next(w for w in row_of(app, 102).split("  ") if "KrAdA" in w).strip()
        assert cell.startswith("KrAdA") and "…" in cell and cell.endswith("×2")


@pytest.mark.parametrize("width", [100, 120])
async def test_the_test_runs_toggle_says_its_state_whole(people, width):
    app = ResultsApp(people, Page("study", 12))
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        button = app.screen.query_one("#test-runs")
        label = str(button.label)
        assert label == "Tests: hidden"  # short: "Test runs: hidden" was cut to "Test runs:" at 100-120
        # On the screen with room to spare (a scroll bar, a wider glyph), and the whole label in it.
        assert button.region.right <= width - 3 and button.content_region.width >= len(label)
        assert button.render_line(0).text.strip() == label  # drawn whole, on its one line
        await pilot.press("t")
        await settle(pilot)
        assert button.render_line(0).text.strip() == "Tests: shown"

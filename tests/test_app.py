"""The results pages, driven as a person would with Pilot, on a real file database."""

from __future__ import annotations

import itertools

import pytest

from store.db.models import ComponentResult, StudyResult
from store.pages.view import Page
from tui import settings
from tui.app import ResultsApp
from tui.dialogs import ColumnsScreen, DeleteScreen, ExportScreen
from tui.screens.data_viewer import DataViewer
from tui.screens.home import HomeScreen
from tui.screens.results import ResultsScreen
from tui.widgets.filter_bar import FilterBar

import jatos_fixtures as fx
from conftest import run_cli
from ui_helpers import hold_filter, settle, status, table_lines, type_at_once

SIZE = (170, 40)


pytestmark = pytest.mark.usefixtures("ui_env")




async def open_study(pilot):
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_home_lists_studies_and_opens_results(scenario):
    app = ResultsApp(scenario)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#studies")
        assert table.row_count == 1
        assert [str(c) for c in table.get_row_at(0)[:3]] == ["12", "Stroop Task", "2"]
        await open_study(pilot)
        assert isinstance(app.screen, ResultsScreen)
        assert str(app.screen.query_one("#page-title").render()) == "Study results: Stroop Task (2)"
        lines = table_lines(app)
        assert "Result ID" in lines[0] and "Worker ID" in lines[0] and "UUID" not in lines[0]
        # JATOS's default order: Result ID descending
        # The table's compact cells: 3m05s and still running (JATOS's text is in exports and the filter)
        assert "102" in lines[1] and "DATA_RETRIEVED" in lines[1] and "3m05s▸" in lines[1]
        assert "101" in lines[2] and "PersSingle" in lines[2]
        assert status(app).startswith("2 of 2 shown · 0 selected")
        await pilot.press("escape")  # back: the home screen again, the only screen on it
        assert isinstance(app.screen, HomeScreen)
        assert [type(screen) for screen in app.screen_stack[1:]] == [HomeScreen]


async def test_the_screen_waits_a_millisecond_at_most_for_the_interpreter(scenario):
    import sys

    from tui.app import SWITCH_INTERVAL

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # Python's own: an app run earlier in this process set it
    try:
        async with ResultsApp(scenario).run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL) and SWITCH_INTERVAL <= 0.001
    finally:
        sys.setswitchinterval(before)


async def test_the_native_scans_library_is_imported_as_the_app_starts(scenario, monkeypatch):
    """pyarrow's import holds the interpreter for up to 90 ms: at start, in a worker, not at
    the first filter's scan (the screen froze then)."""
    import tui.app

    loaded = []
    monkeypatch.setattr(tui.app, "load_arrow", lambda: loaded.append(True))
    app = ResultsApp(scenario)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        assert loaded == [True]


async def test_page_opened_directly_and_component_page(scenario):
    app = ResultsApp(scenario, Page("component", 40))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert str(app.screen.query_one("#page-title").render()) == "Component results: Instructions (2)"
        lines = table_lines(app)
        assert "Comp. result ID" in lines[0] and "Data size" in lines[0]
        assert "303" in lines[1] and "0 B" in lines[1]
        assert "301" in lines[2] and "27 B" in lines[2]


async def test_expand_row_shows_component_results(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        lines = table_lines(app)
        assert "▼" in lines[2]
        assert "301" in lines[3] and "Instructions" in lines[3] and "27 B" in lines[3]
        assert '{"trial":1,"rt":532,"ok":1}' in lines[4]
        assert "302" in lines[5] and "Stroop trials" in lines[5] and "audio.webm (48.2 kB)" in lines[5]
        await pilot.press("enter")  # collapse
        assert "▶" in table_lines(app)[2]


async def test_data_viewer_pretty_prints_and_copies(scenario, monkeypatch):
    copied = []
    app = ResultsApp(scenario, Page("study", 12))
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter", "j", "j", "j", "enter")
        assert isinstance(app.screen, DataViewer)
        text = app.screen.query_one("#data").text
        assert text == '[\n  {\n    "trial": 2,\n    "rt": 611,\n    "ok": 0\n  }\n]'
        await pilot.press("y")
        assert copied == [fx.DATA[302].decode()]
        await pilot.press("escape")
        assert isinstance(app.screen, ResultsScreen)


async def test_selection_survives_filter_and_sort(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "space")  # select 101
        assert status(app).startswith("2 of 2 shown · 1 selected")
        assert "[x]" in table_lines(app)[2]
        await pilot.press("slash", *"prolific")
        await settle(pilot)
        assert status(app).startswith("1 of 2 shown · 1 selected · filter: prolific")
        await pilot.press("escape", "f")  # select filtered
        assert status(app).startswith("1 of 2 shown · 2 selected")
        await pilot.press("n")
        assert "0 selected" in status(app)
        await pilot.press("a")
        assert "2 selected" in status(app)


async def test_filter_runs_in_worker_and_newest_keystroke_wins(scenario, monkeypatch):
    # The rows for "p" (both results match) are held until "personal" (one matches) is on
    # screen: they arrive last, and must not replace the newest keystroke's.
    release = hold_filter(monkeypatch, "p")
    changes: dict[int, FilterBar.Changed] = {}  # each once, as it bubbles up (kept: ids stay unique)

    def seen(message) -> None:
        if isinstance(message, FilterBar.Changed):
            changes.setdefault(id(message), message)

    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await settle(pilot)
        await pilot.press("slash", "p")
        held = [w for w in app.screen.workers if w.group == "compute" and not w.is_finished]
        await pilot.press(*"ersonal")
        for worker in app.screen.workers:
            if worker not in held:
                await worker.wait()
        await pilot.pause()
        filters = [change.filter.text for change in changes.values()]
        assert filters == list(itertools.accumulate("personal"))  # one request each keystroke
        assert len(held) == 1 and not held[0].is_finished  # "p" still on its way
        assert status(app).startswith("1 of 2 shown") and "filter: personal" in status(app)
        release.set()
        await settle(pilot)
        assert held[0].is_finished
        assert status(app).startswith("1 of 2 shown") and "filter: personal" in status(app)
        assert "101" in table_lines(app)[1] and "102" not in "".join(table_lines(app))


async def test_invalid_regex_shows_inline_error_and_keeps_table(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = table_lines(app)
        await pilot.press("ctrl+r")
        assert app.screen.query_one("#regex").has_class("-on")
        await pilot.press("slash", "(", "[")
        await settle(pilot)
        error = str(app.screen.query_one("#filter-error").render())
        assert error.startswith("invalid regular expression")
        assert [ln for ln in table_lines(app) if ln] == [ln for ln in before if ln]
        await pilot.press("backspace", "backspace", *"PROLIFIC|^qq")
        await settle(pilot)
        assert str(app.screen.query_one("#filter-error").render()) == ""
        assert status(app).startswith("1 of 2 shown") and "(RegEx)" in status(app)


async def test_sort_cycles_and_header_click(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right")  # to the Result ID column
        await pilot.press("s")
        await settle(pilot)
        assert list(app.screen.view.ids) == [101, 102]
        assert "Result ID ▲" in table_lines(app)[0]
        await pilot.press("s")
        await settle(pilot)
        assert list(app.screen.view.ids) == [102, 101]
        await pilot.press("s")
        await settle(pilot)
        assert app.screen.view.sort_key is None
        # a click on the Type header sorts by worker type
        header = table_lines(app)[0]
        await pilot.click("#results", offset=(header.index("Type") + 1, 0))
        await settle(pilot)
        assert app.screen.view.sort_key == "type"
        assert list(app.screen.view.ids) == [102, 101]  # General Multiple < Personal Single


async def test_columns_menu_is_immediate_and_remembered(scenario, tmp_path):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        assert isinstance(app.screen, ColumnsScreen)
        sel = app.screen.query_one("#columns")
        sel.select("uuid")
        sel.deselect("message")
        await pilot.pause()
        await pilot.press("escape")
        header = table_lines(app)[0]
        assert "UUID" in header and "Message" not in header
    assert (tmp_path / "config" / "jatos-results" / "columns.json").exists()
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        header = table_lines(app)[0]
        assert "UUID" in header and "Message" not in header


async def test_export_dialog_writes_the_file(scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        await settle(pilot)  # the dialog counts in a worker
        app.screen.query_one("#kind-data").value = True
        app.screen.query_one("#path").value = "out.txt"
        await pilot.click("#go")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
    assert (tmp_path / "out.txt").read_bytes() == fx.DATA[301] + b"\n" + fx.DATA[302] + b"\n"
    assert oct((tmp_path / "out.txt").stat().st_mode & 0o777) == "0o600"


async def test_export_selected_metadata_csv_uses_visible_columns(scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "space", "e")
        await settle(pilot)  # the dialog counts in a worker
        app.screen.query_one("#kind-metadata-csv").value = True
        app.screen.query_one("#path").value = "m.csv"
        await pilot.click("#go")
        await settle(pilot)
    lines = (tmp_path / "m.csv").read_text().splitlines()
    assert lines[0].startswith('"Quota reached","Result ID"')
    assert len(lines) == 2 and lines[1].startswith('"false","101"')


async def test_export_never_overwrites_without_asking(scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("precious")
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)  # the dialog counts in a worker
        app.screen.query_one("#kind-data").value = True
        app.screen.query_one("#path").value = "keep.txt"
        await pilot.click("#go")
        await settle(pilot)
        assert "Replace it?" in str(app.screen.query_one(".dialog-text").render())
        await pilot.click("#no")
        await settle(pilot)
    assert (tmp_path / "keep.txt").read_text() == "precious"


async def test_delete_selected_states_exactly_what_goes(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "space", "x")
        assert isinstance(app.screen, DeleteScreen)
        await settle(pilot)  # the dialog counts in a worker
        assert str(app.screen.query_one("#delete-statement").render()) == (
            "Delete 1 study results of 'Stroop Task': result data, files and metadata."
        )
        await pilot.click("#yes")
        await settle(pilot)
        assert status(app).startswith("1 of 1 shown · 0 selected")
        assert str(app.screen.query_one("#page-title").render()) == "Study results: Stroop Task (1)"
    assert [r.id for r in StudyResult.select()] == [102]
    assert not (scenario.files_root / "study-result_101").exists()


async def test_delete_all_needs_the_number_typed(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("X")
        assert isinstance(app.screen, DeleteScreen)
        await settle(pilot)  # the dialog counts in a worker
        await pilot.click("#yes")
        assert isinstance(app.screen, DeleteScreen)  # not typed yet
        assert "Type 2" in str(app.screen.query_one("#delete-error").render())
        app.screen.query_one("#typed").focus()
        await pilot.press("2", "enter")
        await settle(pilot)
    assert StudyResult.select().count() == 0
    assert ComponentResult.select().count() == 0


async def test_worker_page(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "w")
        await settle(pilot)
        assert str(app.screen.query_one("#page-title").render()) == "Worker 57 (1)"
        header = table_lines(app)[0]
        assert "Study ID" in header and "Worker ID" not in header


async def test_page_notices_another_process_importing(scenario, db_path, tmp_path):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "space")  # cursor and selection on 101
        more = fx.synthetic_archive(tmp_path / "more.zip", 3, first_id=500)
        r = run_cli("import", str(more), env={"JATOS_RESULTS_DB": str(db_path)})
        assert r.returncode == 0, r.stderr
        app.screen.poll_changes()  # what the 2-second timer does
        await settle(pilot)
        assert status(app).startswith("5 of 5 shown · 1 selected")
        line = app.screen.query_one("#results").current_line()
        assert app.screen.view.ids[line.index] == 101  # the cursor stayed on its row
        assert 101 in app.screen.view.selected


async def test_help_lists_every_key(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        text = str(app.screen.query_one("#help-text").render())
        for key in ("space", "enter", "ctrl+r", "ctrl+t", "x,delete", "up,k", "home,g"):
            assert key in text


def test_cli_opens_unknown_page_with_a_clear_error(db_path):
    r = run_cli("--study", "77")
    assert r.returncode == 2 and r.stderr.strip() == "jatos-results: there is no study with id 77 in the store"



async def test_a_picker_opens_the_option_the_keys_typed_at_once_reach(scenario):
    """down, enter in one burst: the second component's page (enter, read at once, opened the
    first while the list still held the down key)."""
    app = ResultsApp(scenario)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert [text for _, text in app.screen.items] == ["Instructions (40)", "Stroop trials (41)"]
        await type_at_once(pilot, "down", "enter")
        assert app.screen.view.page == Page("component", 41)
        await type_at_once(pilot, "escape", "c")
        await type_at_once(pilot, "j", "k", "enter")
        assert app.screen.view.page == Page("component", 40)


async def test_text_in_brackets_is_shown_as_typed_never_as_markup(scenario):
    """A filter such as [I] or [b]x[/b] is text: the status line quotes it whole (it vanished,
    read as Rich markup), and so do the counts per value."""
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"[I] [b]x[/b]")  # ("/" typed in the filter is a character)
        await settle(pilot)
        assert app.screen.filter_bar.input.value == "[I] [b]x[/b]"
        assert "filter: [I] [b]x[/b] ·" in status(app)


async def test_filter_editing_keys_typed_at_once_act_in_order(scenario):
    """ctrl+u, backspace and the arrows act when the filter takes them, in the order typed
    (Textual looked them up later, once they had bubbled back: ctrl+u then wiped the letters
    typed after it, and enter right after it kept the old filter)."""
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        bar = app.screen.filter_bar
        await type_at_once(pilot, "slash", "q", "w", "enter")
        assert bar.input.value == "qw" and "filter: qw" in status(app)
        await type_at_once(pilot, "slash", "ctrl+u", "enter")
        assert bar.input.value == "" and "filter:" not in status(app)
        await type_at_once(pilot, "slash", "ctrl+u", "a", "b", "c", "backspace", "left", "x")
        assert bar.input.value == "axb"


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_scrolling_sideways_shows_the_current_column_whole_and_no_column_cut(scenario, size):
    """Right and left through more columns than fit: the column under the cursor is shown whole,
    and the scrolled part starts at a column's edge (it showed "t time" for Start time)."""
    settings.save_columns("study", ["quota", "id", "start", "duration", "worker_id", "type", "state",
                                    "message", "label", "note", "participant"])
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.table
        titles = {c.key: c.title for c in app.screen.view.columns}
        for key in ["right"] * 12 + ["left"] * 12:
            await pilot.press(key)
            await settle(pilot)
            header = table_lines(app)[0]
            rest = header[table._pinned():]
            assert any(rest.startswith(title) for title in titles.values()), (key, header)
            current = table.current_column_key()
            assert current == "quota" or titles[current] in header, (key, header)  # (quota's header is a mark)

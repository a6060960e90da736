"""Labelling in the app, driven as a person would with Pilot: l on the selection or the row
under the cursor, the dialog, what the page then shows and what the store holds."""

from __future__ import annotations

import pytest

from store.labels import labels_of, set_labels
from store.pages.view import Page
from tui import settings
from tui.app import ResultsApp
from tui.dialogs import ExportScreen, LabelScreen
from tui.screens.results import ResultsScreen

from ui_helpers import settle, status, table_lines, told_of, type_at_once

SIZE = (170, 40)

pytestmark = pytest.mark.usefixtures("ui_env")


def held() -> dict[int, tuple[str, str]]:
    return {i: (r.label, r.note) for i, r in labels_of([101, 102]).items()}


def row_of(app, result_id: int) -> str:
    return next(line for line in table_lines(app)[1:] if str(result_id) in line.split()[:4])


async def test_l_labels_the_selection_typed_at_once(scenario, monkeypatch):
    settings.save_columns("study", ["id", "state", "label", "note"])
    app = ResultsApp(scenario, Page("study", 12))
    told = told_of(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Both rows selected, l, and the label typed before the dialog has been drawn.
        await type_at_once(pilot, "a", "l", *"Exclude", "tab", *"failed check", "enter")
        assert isinstance(app.screen, ResultsScreen)
        assert held() == {101: ("exclude", "failed check"), 102: ("exclude", "failed check")}
        assert told[-1] == "Labelled 2 study results."
        assert "exclude" in row_of(app, 101) and "failed check" in row_of(app, 102)
        # The filter finds them by their note at once (the row's search text followed it);
        # the l of "failed" is the filter's, not a label's.
        await type_at_once(pilot, "slash", *"failed check")
        assert isinstance(app.screen, ResultsScreen) and app.screen.filter_bar.input.value == "failed check"
        assert status(app).startswith("2 of 2 shown")
        await type_at_once(pilot, *"x")
        assert status(app).startswith("0 of 2 shown")


async def test_l_on_the_current_row_picks_a_label_and_edits_the_note(scenario, monkeypatch):
    set_labels(scenario, [101], "pending", "ask the PI")
    set_labels(scenario, [102], "exclude", "not this one")
    settings.save_columns("study", ["id", "label", "note"])
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "l")  # the second row: 101 (the newest first)
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, LabelScreen)
        # Prefilled with what the row carries; the label field has the keys.
        assert dialog.query_one("#label").value == "pending" and dialog.query_one("#note").value == "ask the PI"
        assert app.focused is dialog.query_one("#label")
        await pilot.click("#pick-include")
        assert dialog.query_one("#label").value == "include" and app.focused is dialog.query_one("#note")
        dialog.query_one("#note").value = "PI said yes"
        await pilot.click("#save")
        await settle(pilot)
        assert held() == {101: ("include", "PI said yes"), 102: ("exclude", "not this one")}
        assert "PI said yes" in row_of(app, 101)
        # l again, Clear label: gone from the store and the page.
        await pilot.press("l")
        await settle(pilot)
        await pilot.click("#clear")
        await settle(pilot)
        assert held() == {102: ("exclude", "not this one")}
        assert "PI said yes" not in row_of(app, 101) and "include" not in row_of(app, 101)


async def test_differing_notes_are_kept_unless_one_is_typed(scenario, monkeypatch):
    set_labels(scenario, [101], "exclude", "participated twice")
    set_labels(scenario, [102], "exclude", "failed attention check")
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "a", "l")
        dialog = app.screen
        assert dialog.query_one("#label").value == "exclude" and dialog.query_one("#note").value == ""
        assert "notes differ" in str(dialog.query_one("#label-hint").render())
        dialog.query_one("#label").value = "pending"
        await pilot.click("#save")
        await settle(pilot)
    assert held() == {101: ("pending", "participated twice"), 102: ("pending", "failed attention check")}


async def test_an_empty_label_is_said_in_the_dialog(scenario, monkeypatch):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "l", "enter")
        assert isinstance(app.screen, LabelScreen)
        assert "Pick or type a label" in str(app.screen.query_one("#label-error").render())
        await type_at_once(pilot, "escape")
        assert isinstance(app.screen, ResultsScreen)
    assert held() == {}


@pytest.mark.parametrize("page", [Page("study", 12), Page("component", 40)])
async def test_what_cannot_be_labelled_is_one_notification(scenario, monkeypatch, page):
    app = ResultsApp(scenario, page)
    told = told_of(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "l")
        if page.kind == "component":
            assert isinstance(app.screen, ResultsScreen)
            assert len(told) == 1 and "Labels belong to study results" in told[0]
        else:
            app.screen.query_one("#label").value = "ex\x07"  # a paste can bring what typing cannot
            await pilot.click("#save")
            await settle(pilot)
            assert told == ["a label cannot hold control characters"]
    assert held() == {}


async def test_the_export_dialog_leaves_out_labels(scenario, tmp_path, monkeypatch):
    set_labels(scenario, [101], "exclude", "failed attention check")
    monkeypatch.chdir(tmp_path)
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for kind, name, excluded in (("metadata-csv", "m.csv", "Exclude, pending"), ("exclusion-report", "r.csv", "")):
            await pilot.press("e")
            assert isinstance(app.screen, ExportScreen)
            await settle(pilot)
            app.screen.query_one(f"#kind-{kind}").value = True
            app.screen.query_one("#exclude-labels").value = excluded
            app.screen.query_one("#path").value = name
            await pilot.click("#go")
            await settle(pilot)
    rows = (tmp_path / "m.csv").read_text().splitlines()
    assert len(rows) == 2 and '"102"' in rows[1]  # 101 is left out
    report = (tmp_path / "r.csv").read_text().splitlines()
    assert len(report) == 2 and report[1].startswith('"101","12","57"') and "failed attention check" in report[1]



async def test_at_80x24_the_buttons_come_into_view_when_focused(scenario):
    """On a small terminal the dialog scrolls: Save, Clear label and Cancel were cut off below it."""
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LabelScreen)
        for button_id in ("save", "clear", "cancel"):
            button = app.screen.query_one(f"#{button_id}")
            button.focus()
            await settle(pilot)
            inside = app.screen.query_one("#label-dialog").scrollable_content_region
            assert inside.contains_region(button.region), (button_id, button.region, inside)

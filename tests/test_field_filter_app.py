"""Field terms and the test-run toggle in the app (issue #13), driven with Pilot: what the
page shows, and what the store holds after select-all and delete."""

from __future__ import annotations

import pytest
from varied_runs import varied_archive

from store.db.models import ComponentResult, StudyResult, Worker
from store.importing.importer import import_paths
from store.pages.view import Page
from tui.app import ResultsApp
from tui.dialogs import DeleteScreen, HelpScreen
from tui.screens.results import ResultsScreen
from tui.widgets.toolbar import Toolbar

from ui_helpers import settle, status, table_lines, type_at_once

SIZE = (170, 40)

pytestmark = pytest.mark.usefixtures("ui_env")


@pytest.fixture
def varied(scenario, tmp_path):
    import_paths(scenario, [varied_archive(tmp_path)])
    return scenario


def study_results(*conditions) -> set[int]:
    q = StudyResult.select(StudyResult.id).join(Worker)
    for c in conditions:
        q = q.where(c)
    return {sr.id for sr in q}


def error_line(app) -> str:
    return str(app.screen.query_one("#filter-error").render())


async def test_a_field_term_in_the_filter_bar(varied):
    app = ResultsApp(varied, Page("study", 12))
    everything = study_results()
    finished = study_results(StudyResult.state == "FINISHED")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "slash", *"state:FINISHED")
        assert status(app).startswith(f"{len(finished)} of {len(everything)} shown")
        assert set(app.screen.view.ids) == finished
        rows = [line for line in table_lines(app)[1:] if line.strip()]
        assert rows and all("FINISHED" in line and "not finished yet" not in line for line in rows)
        # With a free term and a group, narrowed once and searched among what is left.
        await type_at_once(pilot, *" (type:Jatos | batch:Pilot) !trial")
        expected = {
            i for i in finished & (study_results(Worker.worker_type == "Jatos") | study_results(StudyResult.batch == 15))
            if not any("trial" in (c.data or "") for c in ComponentResult.select().where(ComponentResult.study_result == i))
        }
        assert expected and set(app.screen.view.ids) == expected
        assert status(app).startswith(f"{len(expected)} of {len(everything)} shown")


@pytest.mark.parametrize(("typed", "said"), [
    ("sate:FINISHED", "filter: unknown field 'sate'"),
    ("state:FINSHED", "filter: state: 'FINSHED' is not a state"),
    ("(state:FAIL", "filter: unbalanced parentheses: ( is never closed (at character 1"),
    ("started:2024-02-30", "filter: started: '2024-02-30' is not a date"),
])
async def test_a_bad_field_term_is_one_line_under_the_filter(varied, typed, said):
    """The line says what is wrong; the rows of the last valid filter stay."""
    app = ResultsApp(varied, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "slash", *"batch:Pilot ")
        pilot_rows = list(app.screen.view.ids)
        before = table_lines(app)
        app.screen.filter_bar.paste(typed)  # at once: typed, its first letters are a valid filter
        await settle(pilot)
        assert app.screen.filter_bar.input.value == "batch:Pilot " + typed
        assert error_line(app).startswith(said) and error_line(app).endswith("; showing the last valid filter")
        assert list(app.screen.view.ids) == pilot_rows == sorted(study_results(StudyResult.batch == 15), reverse=True)
        shown = table_lines(app)  # the error line takes room from the table: fewer lines, the same rows
        assert len(shown) > 10 and shown == before[: len(shown)]
        for _ in typed:
            await pilot.press("backspace")
        await settle(pilot)
        assert error_line(app) == "" and list(app.screen.view.ids) == pilot_rows


async def test_t_hides_test_runs_from_the_page_and_its_delete(varied):
    app = ResultsApp(varied, Page("study", 12))
    test_runs = study_results(Worker.worker_type == "Jatos")
    others = study_results(Worker.worker_type != "Jatos")
    assert test_runs and others
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        toolbar = app.screen.query_one(Toolbar)
        button = toolbar.query_one("#test-runs")
        assert str(button.label) == "Tests: shown" and not button.has_class("-on")
        await type_at_once(pilot, "a")  # everything selected, test runs too
        assert len(app.screen.view.selected) == len(test_runs | others)
        await type_at_once(pilot, "t")
        assert toolbar.test_runs_hidden and str(button.label) == "Tests: hidden" and button.has_class("-on")
        assert status(app).startswith(f"{len(others)} of {len(others)} shown · {len(others)} selected · test runs hidden")
        assert set(app.screen.view.ids) == others  # the hidden ones are let go from the selection
        assert not any(" Jatos " in line for line in table_lines(app)[1:])
        # With a filter: the field term among the page's rows without test runs.
        await type_at_once(pilot, "slash", *"state:FAIL", "enter")
        failed = others & study_results(StudyResult.state == "FAIL")
        assert set(app.screen.view.ids) == failed
        assert status(app).startswith(f"{len(failed)} of {len(others)} shown")
        # Delete all of the page: everything but the test runs goes.
        await type_at_once(pilot, "X")
        assert isinstance(app.screen, DeleteScreen)
        await settle(pilot)
        app.screen.query_one("#typed").value = str(len(others))
        await pilot.click("#yes")
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)
        assert study_results() == test_runs
        # Shown again: the test runs are the page.
        await pilot.press("slash")
        assert app.focused is app.screen.filter_bar.input
        await pilot.press("end", *["backspace"] * len("state:FAIL"), "enter", "t")
        await settle(pilot)
        assert str(button.label) == "Tests: shown"
        assert set(app.screen.view.ids) == test_runs and status(app).startswith(f"{len(test_runs)} of {len(test_runs)} shown")


async def test_the_test_run_button_on_a_component_page(varied):
    app = ResultsApp(varied, Page("component", 41))
    on_page = {cr.id for cr in ComponentResult.select().where(ComponentResult.component == 41)}
    not_tests = {
        cr.id for cr in ComponentResult.select().join(StudyResult).join(Worker)
        .where((ComponentResult.component == 41) & (Worker.worker_type != "Jatos"))
    }
    assert not_tests < on_page
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert set(app.screen.view.ids) == on_page
        await pilot.click("#test-runs")
        await settle(pilot)
        assert set(app.screen.view.ids) == not_tests
        await type_at_once(pilot, "a")
        assert app.screen.view.selected == not_tests


async def test_help_explains_the_filter(varied):
    from store.search.fields import FIELDS

    app = ResultsApp(varied, Page("study", 12))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-filter").render())
        assert "(state:FAIL | data:<10B) batch:Pilot" in text
        assert "^ and $ are a cell's or a data line's start and end" in text
        fields = app.screen.query_one("#help-fields")
        table = [fields.render_line(y).text for y in range(fields.size.height)]
        # The example column, read down (an example may fold onto the next line of its cell).
        start = table[0].index("e.g.")
        examples = "".join(line[start:].replace(" ", "") for line in table[1:])
        for name, field in FIELDS.items():
            assert any(line.startswith(f"{name}:") for line in table) and field.example.replace(" ", "") in examples
        assert "Test runs" in str(app.screen.query_one("#help-text").render())


async def test_pages_opened_after_the_toggle_start_with_it(varied):
    """Hidden on one page, test runs stay hidden on the pages opened afterwards (the study's
    page again from home, a worker's page), until a page shows them again."""
    app = ResultsApp(varied)
    others = study_results(Worker.worker_type != "Jatos")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "enter")  # the study's page, from home
        assert isinstance(app.screen, ResultsScreen) and set(app.screen.view.ids) == others | study_results(Worker.worker_type == "Jatos")
        await type_at_once(pilot, "t", "escape", "enter")  # hidden, back home, the study's page anew
        assert isinstance(app.screen, ResultsScreen) and set(app.screen.view.ids) == others
        assert str(app.screen.query_one("#test-runs").label) == "Tests: hidden"
        assert "test runs hidden" in status(app)
        await type_at_once(pilot, "w")  # a worker's page: the first row's worker, no test run
        assert app.screen.page.kind == "worker" and app.screen.view.hide_test_runs
        assert str(app.screen.query_one("#test-runs").label) == "Tests: hidden"
        await type_at_once(pilot, "t", "escape", "escape", "enter")  # shown on the worker's page: shown from then on
        assert set(app.screen.view.ids) == others | study_results(Worker.worker_type == "Jatos")
        assert str(app.screen.query_one("#test-runs").label) == "Tests: shown"

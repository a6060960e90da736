"""The health page, driven as a person would with Pilot: H on a results page, the figures on
screen, a group chosen and selected on the page, labelled with l; the report read in a worker
while the screen goes on drawing."""

from __future__ import annotations

import threading

import pytest

from store import Page
from store.importing.importer import import_paths
from store.labels import labels_of
from tui.app import ResultsApp
from tui.dialogs import LabelScreen
from tui.screens import health as health_screen
from tui.screens.health import HealthScreen
from tui.screens.results import ResultsScreen
from tui.widgets.flag_groups import FlagGroups
from tui.widgets.progress import Progress

import health_fixtures as hf
from ui_helpers import settle, status, told_of, type_at_once

SIZE = (170, 50)

pytestmark = pytest.mark.usefixtures("ui_env")


@pytest.fixture
def known(store, tmp_path):
    import_paths(store, hf.archive(tmp_path, hf.KNOWN))
    return store


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def groups(screen) -> list[str]:
    flags = screen.query_one(FlagGroups)
    return [str(flags.get_option_at_index(i).prompt) for i in range(flags.option_count)]


async def test_h_shows_the_figures_and_a_chosen_group_is_selected_and_labelled(known, monkeypatch):
    app = ResultsApp(known, Page("study", 70))
    told = told_of(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "space", "H")  # something selected before: the group replaces it
        screen = app.screen
        assert isinstance(screen, HealthScreen) and screen.report is not None
        assert text(screen, "#page-title") == "Study health: Health check (study 70), 9 study results"
        assert text(screen, "#health-states").splitlines() == [
            "Study results by state: DATA_RETRIEVED 2 · FINISHED 6 · ABORTED 1",
            "Component results by state: DATA_RETRIEVED 2 · FINISHED 20 · RELOADED 1 · ABORTED 1",
        ]
        funnel = [line.split() for line in text(screen, "#health-funnel").splitlines()]
        assert funnel[1:] == [["Consent", "(71)", "9", "8", "0"], ["Trials", "(72)", "8", "6", "6"],
                              ["Survey", "(73)", "6", "6", "6"]]
        assert [" ".join(line.split()) for line in groups(screen)] == [
            "1 Finished without data 1", "2 Data in another format 1", "3 Reloaded components 1",
            "4 Data not in the store 1", "5 Stuck 2", "6 Participated more than once 2", "7 Exceptionally fast 0",
        ]
        # The highlighted group says why, and which runs.
        assert text(screen, "#health-why").splitlines() == [
            "Finished without data: " + screen.report.flag("finished-without-data").explanation, "ids: 2",
        ]
        await pilot.press("down", "down", "down", "down")
        assert text(screen, "#health-why").endswith("ids: 4-5")
        durations = text(screen, "#health-durations").splitlines()
        assert durations[0].startswith("6 finished runs: mean 00:10:00, SD 00:00:00, median 00:10:00")
        assert durations[1] == "Exceptionally fast (mean − 3 SD): under 00:10:00"
        assert durations[2].startswith("00:10:00 – 00:10:00 │████") and durations[2].endswith("│ 6")
        assert not screen.query_one(Progress).display
        # One key: the group of participants who took part twice, selected on the page.
        await type_at_once(pilot, "6")
        assert isinstance(app.screen, ResultsScreen)
        assert app.screen.view.selected == {1, 3} and "· 2 selected" in status(app)
        assert told[-1] == "Selected the 2 study results of “Participated more than once”: l labels them."
        await type_at_once(pilot, "l")
        assert isinstance(app.screen, LabelScreen)
        await type_at_once(pilot, *"exclude", "tab", *"took part twice", "enter")
    assert {i: (r.label, r.note) for i, r in labels_of([1, 2, 3]).items()} == {
        1: ("exclude", "took part twice"), 3: ("exclude", "took part twice"),
    }


async def test_enter_on_a_highlighted_group_and_an_empty_group(known, monkeypatch):
    app = ResultsApp(known, Page("study", 70))
    told = told_of(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "H", "7")  # exceptionally fast: none
        assert isinstance(app.screen, HealthScreen) and told == ["No runs in “Exceptionally fast”."]
        await type_at_once(pilot, "down", "enter")  # the first group with runs was highlighted: now the second
        assert isinstance(app.screen, ResultsScreen) and app.screen.view.selected == {3}
        await type_at_once(pilot, "H", "escape")  # back without a group: the selection stays
        assert isinstance(app.screen, ResultsScreen) and app.screen.view.selected == {3}


async def test_the_report_follows_the_pages_filter_and_scope(known, monkeypatch):
    app = ResultsApp(known, Page("study", 70))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "slash", *"aaa111", "enter", "H")
        assert text(app.screen, "#page-title") == "Study health: Health check (study 70), 2 study results (filter 'aaa111')"
    app = ResultsApp(known, Page("component", 72))
    told = told_of(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "H")
        assert isinstance(app.screen, ResultsScreen) and "Study health is about one study's results" in told[0]


async def test_the_report_is_read_in_a_worker_with_progress(known, monkeypatch):
    """While the report is read the page shows its progress and takes keys; closed meanwhile,
    the report stops at its next step and shows nothing."""
    release, steps = threading.Event(), []
    real = health_screen.study_health

    def held(store, selection, options=None, progress=None):
        def step(done, total):
            steps.append(done)
            assert release.wait(10)
            progress(done, total)

        return real(store, selection, progress=step)

    monkeypatch.setattr(health_screen, "study_health", held)
    app = ResultsApp(known, Page("study", 70))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("H")
        screen = app.screen
        assert isinstance(screen, HealthScreen)
        while not steps:  # the worker has reached its first step and waits there
            await pilot.pause()
        assert screen.query_one(Progress).display and screen.report is None
        assert "Reading the study's health" in text(screen, "#progress-label")
        assert text(screen, "#page-title") == "Study health — Study results: Health check"  # the page it came from
        await pilot.press("escape")  # the screen is not frozen: back at once
        assert isinstance(app.screen, ResultsScreen)
        release.set()
        await settle(pilot)
        assert steps == [1] and screen.report is None  # it stopped after the step it was in


async def test_a_failed_report_is_one_line_on_the_page(known, monkeypatch):
    from store import StoreError

    def fails(*args, **kw):
        raise StoreError("there is no study with id 70 in the store")

    monkeypatch.setattr(health_screen, "study_health", fails)
    app = ResultsApp(known, Page("study", 70))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "H")
        assert text(app.screen, "#health-error") == "there is no study with id 70 in the store"
        assert not app.screen.query_one(Progress).display


async def test_the_report_and_its_groups_keep_to_the_pages_scope(known, monkeypatch):
    """Test runs hidden on the page (t): the report leaves them out and says so, and a group
    selects only runs the page shows."""
    from store.db.models import Worker

    Worker.update(worker_type="Jatos").where(Worker.id == 1003).execute()  # run 3: a test run
    app = ResultsApp(known, Page("study", 70))
    told = told_of(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_at_once(pilot, "t")
        await settle(pilot)
        assert "8 of 8 shown" in status(app) and "test runs hidden" in status(app)
        await type_at_once(pilot, "H")
        screen = app.screen
        assert text(screen, "#page-title") == "Study health: Health check (study 70), 8 study results (test runs left out)"
        # Run 1's participant took part twice in the study (once in a test run): run 1 alone here.
        assert [" ".join(line.split()) for line in groups(screen)][5] == "6 Participated more than once 1"
        await type_at_once(pilot, "2")  # data in another format: run 3 alone, hidden: no runs here
        assert told[-1] == "No runs in “Data in another format”."
        await type_at_once(pilot, "escape")
        assert isinstance(app.screen, ResultsScreen) and app.screen.view.selected == set()

"""Helpers for driving the real app with Pilot."""

from __future__ import annotations

import threading

from textual.worker import WorkerCancelled

from store import ResultsView
from tui.widgets.results_table import ResultsTable


async def settle(pilot) -> None:
    """Wait until every worker has finished and the screen has caught up (no sleeps).

    Done when two rounds in a row began with no worker running: a worker that hands rows to
    a widget at the end of a round would otherwise leave its layout (a table's column
    widths, worked out when the table next idles) for after the picture."""
    quiet = 0
    while quiet < 2:
        busy = any(not w.is_finished for w in pilot.app.workers)
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # superseded by a newer request (exclusive workers): wait again
            quiet = 0
            continue
        await pilot.pause()
        quiet = 0 if busy else quiet + 1


def told_of(app, monkeypatch) -> list[str]:
    """The notifications the app shows from now on, as a list that fills as they come."""
    told: list[str] = []
    monkeypatch.setattr(app, "notify", lambda message, **kw: told.append(message))
    return told


def table_lines(app) -> list[str]:
    """What the results table shows, line by line (the header first)."""
    table = app.screen.query_one(ResultsTable)
    return [table.render_line(y).text.rstrip() for y in range(table.scrollable_content_region.height)]


def status(app) -> str:
    return str(app.screen.query_one("#status").render())


CHARACTERS = {"slash": "/", "space": " ", "enter": "\r", "escape": "\x1b", "tab": "\t", "question_mark": "?"}


async def type_at_once(pilot, *keys: str) -> None:
    """Keys as a terminal hands them over when they come faster than the app takes them: all
    in the app's queue before it handles the first (pilot.press waits for the app after each
    key, so it never shows a race). Then wait until the app has caught up."""
    from textual import events

    for key in keys:
        pilot.app.post_message(events.Key(key, CHARACTERS.get(key, key if len(key) == 1 else None)))
    await settle(pilot)


def hold_filter(monkeypatch, text: str) -> threading.Event:
    """The page's worker for this filter text waits for the returned event: the rows of a valid
    filter arrive after whatever the test does next (as on a big study)."""
    release = threading.Event()
    results = ResultsView.results

    def held(self, filter_=None, *args, **kw):
        if filter_ is not None and filter_.text == text:
            assert release.wait(10)
        yield from results(self, filter_, *args, **kw)

    monkeypatch.setattr(ResultsView, "results", held)
    return release

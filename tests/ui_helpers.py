"""Helpers for driving the real app with Pilot."""

from __future__ import annotations

from textual.worker import WorkerCancelled

from tui.results_table import ResultsTable


async def settle(pilot) -> None:
    """Wait until every worker has finished and the screen has caught up (no sleeps)."""
    for _ in range(2):
        while True:
            try:
                await pilot.app.workers.wait_for_complete()
                break
            except WorkerCancelled:  # superseded by a newer request (exclusive workers): wait again
                continue
        await pilot.pause()


def table_lines(app) -> list[str]:
    """What the results table shows, line by line (the header first)."""
    table = app.screen.query_one(ResultsTable)
    return [table.render_line(y).text.rstrip() for y in range(table.scrollable_content_region.height)]


def status(app) -> str:
    return str(app.screen.query_one("#status").render())

"""Helpers for driving the real app with Pilot."""

from __future__ import annotations

from tui.results_table import ResultsTable


async def settle(pilot) -> None:
    """Wait until every worker has finished and the screen has caught up (no sleeps)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def table_lines(app) -> list[str]:
    """What the results table shows, line by line (the header first)."""
    table = app.screen.query_one(ResultsTable)
    return [table.render_line(y).text.rstrip() for y in range(table.scrollable_content_region.height)]


def status(app) -> str:
    return str(app.screen.query_one("#status").render())

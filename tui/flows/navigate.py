"""Going from a results page to what a row leads to: enter expands a study result or opens a
component result's data, w the worker's page, i the detail view, P the participant's runs.
Whatever must be read first is read in a worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store import Page, StoreError
from tui.threads import off_thread

if TYPE_CHECKING:
    from tui.screens.results import ResultsScreen


class NavigateFlow:
    def __init__(self, screen: ResultsScreen) -> None:
        self.screen = screen

    async def open(self) -> None:
        s = self.screen
        line = s.table.current_line()
        if line is None:
            return
        if line.kind == "row" and s.view.level == "study":
            await s.loader.toggle_expanded(line.row_id)
        elif line.kind in ("child", "preview") and line.child is not None:
            await self.open_data(line.child.id)
        elif line.kind == "row":
            await self.open_data(line.row_id)

    async def open_data(self, component_result_id: int) -> None:
        from store import component_data  # loaded on first use: start-up stays fast
        from tui.screens.data_viewer import DataViewer

        try:
            data = await off_thread(self.screen, lambda: component_data(component_result_id))
        except StoreError as exc:
            self.screen.app.notify(str(exc), severity="warning")
            return
        await self.screen.app.push_screen(DataViewer(data))

    async def worker_page(self, worker_id: int) -> None:
        from tui.screens.results import ResultsScreen

        await self.screen.app.push_screen(ResultsScreen(Page("worker", worker_id)))

    async def detail(self) -> None:
        from tui.screens.detail import DetailScreen

        sr_id = await self.study_result_id()
        if sr_id is not None:
            await self.screen.app.push_screen(DetailScreen(sr_id))

    async def participant(self) -> None:
        from tui.screens.participant import open_participant

        sr_id = await self.study_result_id()
        if sr_id is not None:
            await open_participant(self.screen, sr_id)

    async def study_result_id(self) -> int | None:
        """The study result of the line under the cursor (a component result's own)."""
        s = self.screen
        line = s.table.current_line()
        if line is None:
            return None
        if line.child is not None:
            return line.child.study_result_id
        if s.view.level == "study":
            return line.row_id
        row = await s.current_row()
        return row.study_result_id if row is not None else None

"""Copy from a results page: the current cell, row, or the result data of the current line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store import data_text
from tui import clipboard
from tui.threads import off_thread
from tui.widgets.display import cell_text

if TYPE_CHECKING:
    from tui.screens.results import ResultsScreen


class CopyFlow:
    def __init__(self, screen: ResultsScreen) -> None:
        self.screen = screen

    async def cell(self) -> None:
        row, cols = await self.screen.current_row(), self.screen.view.columns
        if row is None or not cols:
            return
        col = cols[self.screen.table.column]
        text = col.render(row) if col.key not in ("quota", "files") else cell_text(col, row).strip()
        clipboard.copy(self.screen.app, text, f"{col.title} of result {row.id}")

    async def row(self) -> None:
        row = await self.screen.current_row()
        if row is None:
            return
        text = "\t".join(c.render(row) for c in self.screen.view.columns)
        clipboard.copy(self.screen.app, text, f"row {row.id}")

    async def data(self) -> None:
        line = self.screen.table.current_line()
        if line is None:
            return
        if line.child is not None:
            ask = lambda: data_text([line.child.id])
        elif self.screen.view.level == "component":
            ask = lambda: data_text([line.row_id])
        else:
            ask = lambda: data_text(study_result_ids=[line.row_id])
        clipboard.copy(self.screen.app, await off_thread(self.screen, ask), "the result data")

"""The cursor keys of a screen that is one DataTable to choose from (the studies, the counts
per value): priority bindings, acted on as each key arrives, like the screen's enter. Left to
the table, a move waits in its queue while enter, read at once, chooses the row the cursor
had left ("down, down, enter" chose the first row)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


def cursor_bindings(screen: str) -> list[Binding]:
    """The moves, their binding ids named after the screen."""
    moves = (
        ("down,j", "down", "Down"),
        ("up,k", "up", "Up"),
        ("pagedown", "page_down", "Page down"),
        ("pageup", "page_up", "Page up"),
        ("home,g", "top", "Top"),
        ("end,G", "bottom", "Bottom"),
    )
    return [
        Binding(keys, action, title, show=False, priority=True, id=f"{screen}.{action.replace('_', '-')}")
        for keys, action, title in moves
    ]


class TableCursor:
    """The actions of cursor_bindings, on the screen's DataTable (a mixin for the Screen)."""

    def _cursor_table(self) -> DataTable:
        return self.query_one(DataTable)

    def action_down(self) -> None:
        self._cursor_table().action_cursor_down()

    def action_up(self) -> None:
        self._cursor_table().action_cursor_up()

    def action_page_down(self) -> None:
        self._cursor_table().action_page_down()

    def action_page_up(self) -> None:
        self._cursor_table().action_page_up()

    def action_top(self) -> None:
        self._cursor_table().move_cursor(row=0)

    def action_bottom(self) -> None:
        table = self._cursor_table()
        table.move_cursor(row=table.row_count - 1)

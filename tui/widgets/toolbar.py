"""A results page's buttons, for the mouse: each does what one of the page's keys does."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Label

from tui.widgets.filter_bar import ClickButton

# button id -> (label, the page's action, extra classes)
BUTTONS = {
    "sel-all": ("All", "select_all", ""),
    "sel-visible": ("Visible", "select_visible", ""),
    "sel-filtered": ("Filtered", "select_filtered", ""),
    "sel-none": ("Deselect", "deselect", ""),
    "columns": ("Columns", "columns", ""),
    "export": ("Export", "export", ""),
    "delete": ("Delete", "delete_selected", "-danger"),
}


class Toolbar(Horizontal):
    class Pressed(Message):
        """A button was clicked: run this action of the page."""

        def __init__(self, action: str) -> None:
            super().__init__()
            self.action = action

    def compose(self) -> ComposeResult:
        yield Label("Select:", classes="toolbar-label")
        for button_id, (label, _action, extra) in BUTTONS.items():
            if button_id == "columns":
                yield Label(" ", classes="toolbar-gap")
            yield ClickButton(label, id=button_id, classes=f"tool {extra}".strip())

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Pressed(BUTTONS[event.button.id or ""][1]))

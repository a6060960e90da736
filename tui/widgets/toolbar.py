"""A results page's buttons, for the mouse: each does what one of the page's keys does; and
the page's test-run toggle, which the toolbar owns and shows ("Tests: hidden")."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
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


def test_runs_label(hidden: bool) -> str:
    # Short, so that the state stays on screen at 100 columns ("Test runs:" alone was cut there).
    return f"Tests: {'hidden' if hidden else 'shown'}"


class Toolbar(Horizontal):
    # Whether the page leaves out JATOS's own test runs (worker type Jatos), as JATOS's batch
    # page does: `t` or a click on the button toggles it; the page is told by TestRunsChanged.
    test_runs_hidden: reactive[bool] = reactive(False, init=False)

    class TestRunsChanged(Message):
        """The page's test runs are to be hidden (or shown again)."""

        def __init__(self, hidden: bool) -> None:
            super().__init__()
            self.hidden = hidden

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
        yield Label(" ", classes="toolbar-gap")
        yield ClickButton(test_runs_label(False), id="test-runs", classes="tool toggle-wide")

    def toggle_test_runs(self) -> None:
        self.test_runs_hidden = not self.test_runs_hidden

    def watch_test_runs_hidden(self, hidden: bool) -> None:
        button = self.query_one("#test-runs", Button)
        button.label = test_runs_label(hidden)
        button.set_class(hidden, "-on")
        self.post_message(self.TestRunsChanged(hidden))

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "test-runs":
            self.toggle_test_runs()
        else:
            self.post_message(self.Pressed(BUTTONS[event.button.id or ""][1]))

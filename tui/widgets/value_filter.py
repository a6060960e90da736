"""Beside the counts per state: the value a page is narrowed to from its frequency view
(`State = FINISHED`), with a button that clears it (backspace does the same)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Label

from store import ValueFilter, visible
from tui.widgets.filter_bar import ClickButton


class ValueFilterTag(Horizontal):
    value_filter: reactive[ValueFilter | None] = reactive(None)

    class Cleared(Message):
        """The clear button was clicked: show the page without the value filter."""

    def compose(self) -> ComposeResult:
        yield Label("", id="value-filter-label", markup=False)
        yield ClickButton("✕", id="value-filter-clear")

    def watch_value_filter(self, value_filter: ValueFilter | None) -> None:
        self.display = value_filter is not None
        if value_filter is not None:
            self.query_one("#value-filter-label", Label).update(visible(value_filter.label()) + " (backspace clears)")

    @on(Button.Pressed, "#value-filter-clear")
    def clear(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Cleared())

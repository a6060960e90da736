"""The keys of a screen, and what the filter takes (its syntax and fields, from the store)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss(None)", "Close", priority=True, id="help.close")]

    def __init__(self, bindings: list[tuple[str, str]], filter_lines: list[str] | None = None) -> None:
        super().__init__()
        self.rows = bindings
        self.filter_lines = filter_lines or []

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help-dialog"):
            yield Label("Keys", classes="dialog-title")
            yield Static("\n".join(f"{k:>14}  {d}" for k, d in self.rows), id="help-text")
            if self.filter_lines:
                yield Label("Filter (/)", classes="dialog-title")
                yield Static("\n".join(self.filter_lines), id="help-filter", markup=False)
            yield Button("Close", id="close")

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)

"""Which columns a page shows."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList

from store import Column


class ColumnsScreen(ModalScreen[None]):
    """Every column with a checkbox; changes apply at once (the caller is told each time)."""

    BINDINGS = [Binding("escape,c", "dismiss(None)", "Close", priority=True, id="columns.close")]

    def __init__(self, columns: tuple[Column, ...], visible: list[str], on_change) -> None:
        super().__init__()
        self.columns = columns
        self.shown_keys = visible
        self.on_change = on_change

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="columns-dialog"):
            yield Label("Columns", classes="dialog-title")
            yield SelectionList[str](
                *[(c.title, c.key, c.key in self.shown_keys) for c in self.columns], id="columns"
            )
            yield Button("Close", id="close")

    @on(SelectionList.SelectedChanged)
    def changed(self, event: SelectionList.SelectedChanged) -> None:
        chosen = set(event.selection_list.selected)
        self.on_change([c.key for c in self.columns if c.key in chosen])

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)

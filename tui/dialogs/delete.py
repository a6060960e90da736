"""What a delete removes, stated exactly before anything goes."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.widgets.display import id_list


class DeleteScreen(ModalScreen[list[int] | None]):
    """States exactly what goes, with the first ids, as JATOS lists them; deleting everything
    asks for the number to be typed. It opens with Cancel focused: enter alone never deletes.
    `resolve` (run in a worker) returns the ids that exist, which are the ones deleted, and
    the statement. Answers with those ids, or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", priority=True, id="dialog.cancel")]
    AUTO_FOCUS = "#no"

    def __init__(self, resolve: Callable[[], tuple[list[int], str]], level: str, everything: bool) -> None:
        super().__init__()
        self.resolve = resolve
        self.level = level
        self.everything = everything
        self.ids: list[int] | None = None  # None: still counting

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="delete-dialog"):
            yield Label("Delete results", classes="dialog-title")
            yield Static("Counting the results…", classes="dialog-text", id="delete-statement")
            yield Static("", classes="dialog-text", id="delete-ids")
            yield Static("They go to the trash: u undoes the delete.", classes="warning")
            if self.everything:
                yield Label("This is every result of the page.", id="typed-label")
                yield Input(id="typed")
            yield Static("", id="delete-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Delete", variant="error", id="yes", disabled=True)
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#no", Button))
        self._resolve()

    @work(thread=True, group="dialog")
    def _resolve(self) -> None:
        ids, statement = self.resolve()
        self.app.call_from_thread(self._resolved, ids, statement)

    def _resolved(self, ids: list[int], statement: str) -> None:
        try:
            self._show(ids, statement)
        except NoMatches:  # dismissed meanwhile (enter typed at once): its widgets are going
            pass

    def _show(self, ids: list[int], statement: str) -> None:
        self.ids = ids
        self.query_one("#delete-statement", Static).update(statement)
        self.query_one("#delete-ids", Static).update(id_list(self.level, ids))
        if self.everything:
            self.query_one("#typed-label", Label).update(
                f"This is every result of the page. Type {len(ids)} to confirm (tab to the field):"
            )
            # No placeholder: the number shown dimmed in the field looked typed already.
        self.query_one("#yes", Button).disabled = not ids

    @on(Input.Submitted)
    @on(Button.Pressed, "#yes")
    def yes(self) -> None:
        if not self.ids:
            return  # still counting, or nothing left to delete
        if self.everything and self.query_one("#typed", Input).value.strip() != str(len(self.ids)):
            self.query_one("#delete-error", Static).update(f"Type {len(self.ids)} to delete everything.")
            return
        self.dismiss(self.ids)

    @on(Button.Pressed, "#no")
    def no(self) -> None:
        self.dismiss(None)

"""Modal dialogs, each a typed ModalScreen that returns its answer with dismiss()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, SelectionList, Static
from textual.widgets.option_list import Option

from store.columns import Column


class PickScreen(ModalScreen[None]):
    """Choose one item (a component, batch or group of a study): its page takes this one's place."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", priority=True, id="pick.cancel"),
        Binding("enter", "choose", "Open", priority=True, id="pick.open"),
    ]

    def __init__(self, title: str, items: list[tuple[int, str]], page: Callable[[int], Screen]) -> None:
        super().__init__()
        self.title_text = title
        self.items = items
        self.page = page

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            if self.items:
                yield OptionList(*[Option(text, id=str(i)) for i, text in self.items], id="pick")
            else:
                yield Label("Nothing to choose from.")
                yield Button("Close", id="close")

    async def action_choose(self) -> None:
        if not self.items:
            self.dismiss(None)
            return
        option_list = self.query_one("#pick", OptionList)
        if option_list.highlighted is not None:
            await self._open(option_list.get_option_at_index(option_list.highlighted).id)

    @on(OptionList.OptionSelected)
    async def chosen(self, event: OptionList.OptionSelected) -> None:
        await self._open(event.option.id)  # a click

    async def _open(self, option_id: str | None) -> None:
        # Replaced, and the page mounted, before the next key is routed: it is the page's.
        await self.app.switch_screen(self.page(int(option_id)))

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", priority=True, id="dialog.cancel")]

    def __init__(self, question: str, yes: str = "Yes", variant: str = "primary") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.variant = variant

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, variant=self.variant, id="yes")
                yield Button("Cancel", id="no")

    @on(Button.Pressed)
    def answer(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class PromptScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", priority=True, id="dialog.cancel")]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            yield Input(self.value, id="answer")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def ok(self) -> None:
        self.dismiss(self.query_one("#answer", Input).value)

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)


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


EXPORT_KINDS = [
    ("archive", "JATOS Results Archive"),
    ("data", "Data only: plain text"),
    ("data-zip", "Data only: ZIP"),
    ("files", "Files only"),
    ("metadata-json", "Metadata only: JSON"),
    ("metadata-csv", "Metadata only: CSV (visible columns)"),
]


@dataclass
class ExportRequest:
    kind: str
    scope: str  # "selected" or "all"
    path: Path


class ExportScreen(ModalScreen[ExportRequest | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", priority=True, id="dialog.cancel")]

    def __init__(self, selected: int, total: int, level: str, default_name) -> None:
        super().__init__()
        self.selected = selected
        self.total = total
        self.level = level
        self.default_name = default_name

    def compose(self) -> ComposeResult:
        what = "study results" if self.level == "study" else "component results"
        with VerticalScroll(classes="dialog", id="export-dialog"):
            yield Label("Export", classes="dialog-title")
            with RadioSet(id="kind"):
                for i, (key, text) in enumerate(EXPORT_KINDS):
                    yield RadioButton(text, value=i == 0, id=f"kind-{key}")
            with RadioSet(id="scope"):
                yield RadioButton(f"Selected ({self.selected} {what})", value=self.selected > 0, id="scope-selected")
                yield RadioButton(f"All ({self.total} {what} of this page)", value=self.selected == 0, id="scope-all")
            yield Label("File (a relative name is in the folder you started from):")
            yield Input(self.default_name("archive"), id="path")
            yield Static("", id="export-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="go")
                yield Button("Cancel", id="cancel")

    def _kind(self) -> str:
        pressed = self.query_one("#kind", RadioSet).pressed_button
        return pressed.id.removeprefix("kind-") if pressed else "archive"

    @on(RadioSet.Changed, "#kind")
    def kind_changed(self) -> None:
        path = self.query_one("#path", Input)
        current = Path(path.value)
        if current.name.startswith("jatos_results"):
            path.value = str(current.with_name(self.default_name(self._kind())))

    @on(Input.Submitted)
    @on(Button.Pressed, "#go")
    def go(self) -> None:
        scope_btn = self.query_one("#scope", RadioSet).pressed_button
        scope = "selected" if scope_btn and scope_btn.id == "scope-selected" else "all"
        if scope == "selected" and self.selected == 0:
            self.query_one("#export-error", Static).update("No results selected.")
            return
        value = self.query_one("#path", Input).value.strip()
        if not value:
            self.query_one("#export-error", Static).update("Give a file name.")
            return
        self.dismiss(ExportRequest(self._kind(), scope, Path(value).expanduser()))

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)


class DeleteScreen(ModalScreen[bool]):
    """States exactly what goes; deleting everything asks for the number to be typed."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", priority=True, id="dialog.cancel")]

    def __init__(self, statement: str, count: int, everything: bool) -> None:
        super().__init__()
        self.statement = statement
        self.count = count
        self.everything = everything

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="delete-dialog"):
            yield Label("Delete results", classes="dialog-title")
            yield Static(self.statement, classes="dialog-text", id="delete-statement")
            yield Static("There is no undo.", classes="warning")
            if self.everything:
                yield Label(f"This is every result of the page. Type {self.count} to confirm:")
                yield Input(id="typed", placeholder=str(self.count))
            yield Static("", id="delete-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Delete", variant="error", id="yes")
                yield Button("Cancel", id="no")

    @on(Input.Submitted)
    @on(Button.Pressed, "#yes")
    def yes(self) -> None:
        if self.everything and self.query_one("#typed", Input).value.strip() != str(self.count):
            self.query_one("#delete-error", Static).update(f"Type {self.count} to delete everything.")
            return
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def no(self) -> None:
        self.dismiss(False)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss(None)", "Close", priority=True, id="help.close")]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help-dialog"):
            yield Label("Keys", classes="dialog-title")
            yield Static("\n".join(f"{k:>14}  {d}" for k, d in self.rows), id="help-text")
            yield Button("Close", id="close")

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)

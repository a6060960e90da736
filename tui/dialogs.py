"""Modal dialogs, each a typed ModalScreen that returns its answer with dismiss()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, SelectionList, Static
from textual.widgets.option_list import Option

from store.columns import Column
from tui.widgets.display import id_list


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
    ids: list[int] = field(default_factory=list)  # the selected results that exist, for "selected"


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Counts what it offers to export in a worker (`count` returns the selected results that
    still exist and the number of the page's results): the counts shown are those acted on."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", priority=True, id="dialog.cancel")]

    def __init__(self, count: Callable[[], tuple[list[int], int]], level: str, default_name, selected_first: bool) -> None:
        super().__init__()
        self.count = count
        self.what = "study results" if level == "study" else "component results"
        self.default_name = default_name
        self.selected_first = selected_first
        self.selected: list[int] | None = None  # None: still counting

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="export-dialog"):
            yield Label("Export", classes="dialog-title")
            with RadioSet(id="kind"):
                for i, (key, text) in enumerate(EXPORT_KINDS):
                    yield RadioButton(text, value=i == 0, id=f"kind-{key}")
            with RadioSet(id="scope"):
                yield RadioButton("Selected (counting…)", value=self.selected_first, id="scope-selected")
                yield RadioButton("All (counting…)", value=not self.selected_first, id="scope-all")
            yield Label("File (a relative name is in the folder you started from):")
            yield Input(self.default_name("archive"), id="path")
            yield Static("", id="export-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="go", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._count()

    @work(thread=True, group="dialog")
    def _count(self) -> None:
        selected, total = self.count()
        self.app.call_from_thread(self._counted, selected, total)

    def _counted(self, selected: list[int], total: int) -> None:
        if not self.is_attached:
            return  # closed meanwhile
        self.selected = selected
        self.query_one("#scope-selected", RadioButton).label = f"Selected ({len(selected)} {self.what})"
        self.query_one("#scope-all", RadioButton).label = f"All ({total} {self.what} of this page)"
        if not selected:
            self.query_one("#scope-all", RadioButton).value = True
        self.query_one("#go", Button).disabled = False

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
        if self.selected is None:
            return  # still counting
        scope_btn = self.query_one("#scope", RadioSet).pressed_button
        scope = "selected" if scope_btn and scope_btn.id == "scope-selected" else "all"
        if scope == "selected" and not self.selected:
            self.query_one("#export-error", Static).update("No results selected.")
            return
        value = self.query_one("#path", Input).value.strip()
        if not value:
            self.query_one("#export-error", Static).update("Give a file name.")
            return
        self.dismiss(ExportRequest(self._kind(), scope, Path(value).expanduser(), self.selected if scope == "selected" else []))

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)


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
        if not self.is_attached:
            return  # closed meanwhile
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

"""What to export, of which results, to which file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from store import label_list

EXPORT_KINDS = [
    ("archive", "JATOS Results Archive"),
    ("data", "Data only: plain text"),
    ("data-zip", "Data only: ZIP"),
    ("files", "Files only"),
    ("metadata-json", "Metadata only: JSON"),
    ("metadata-csv", "Metadata only: CSV (visible columns)"),
    ("exclusion-report", "Exclusion report: labelled results, CSV"),
    ("trials", "Trials: a row per trial with its result's metadata, CSV"),
    ("trials-parquet", "Trials: a row per trial with its result's metadata, Parquet"),
]
# A choice above that is an export kind in a format of its own: (kind, format).
KIND_FORMATS = {"trials": ("trials", "csv"), "trials-parquet": ("trials", "parquet")}


@dataclass
class ExportRequest:
    kind: str
    scope: str  # "selected" or "all"
    path: Path
    ids: list[int] = field(default_factory=list)  # the selected results that exist, for "selected"
    exclude_labels: tuple[str, ...] = ()  # results with these labels are left out
    fmt: str | None = None  # the trials' format
    allow_missing_data: bool = False  # leave out data and files known only from metadata


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
            with Horizontal(id="exclude-labels-row"):
                yield Label("Leave out results labelled: ", id="exclude-labels-label")
                # An input as the file's (a compact one, without a border, read as a hint); the
                # dialog scrolls where 24 rows do not hold it.
                yield Input("", id="exclude-labels", placeholder="exclude, pending (comma-separated)")
            # As the command line's --allow-missing-data; what is left out is described as JATOS
            # describes results without data (size 0, no data.txt), and counted when done.
            yield Checkbox(
                "Export without the missing data (as JATOS: size 0, no data.txt)",
                id="allow-missing", compact=True,
            )
            yield Label("File (a relative name is in the folder you started from):")
            yield Input(self.default_name("archive"), id="path")
            yield Static("", id="export-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="go", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#kind", RadioSet).focus()  # the first choice: Down moves in it at once
        self.query_one("#export-error", Static).display = False  # a row only when there is something to say
        self._count()

    @work(thread=True, group="dialog")
    def _count(self) -> None:
        selected, total = self.count()
        self.app.call_from_thread(self._counted, selected, total)

    def _counted(self, selected: list[int], total: int) -> None:
        try:
            self._show_counts(selected, total)
        except NoMatches:  # dismissed meanwhile: its widgets are going
            pass

    def _show_counts(self, selected: list[int], total: int) -> None:
        self.selected = selected
        self.query_one("#scope-selected", RadioButton).label = f"Selected ({len(selected)} {self.what})"
        self.query_one("#scope-all", RadioButton).label = f"All ({total} {self.what} of this page)"
        if not selected:
            self.query_one("#scope-all", RadioButton).value = True
        self.query_one("#go", Button).disabled = False

    def _kind(self) -> tuple[str, str | None]:
        pressed = self.query_one("#kind", RadioSet).pressed_button
        key = pressed.id.removeprefix("kind-") if pressed else "archive"
        return KIND_FORMATS.get(key, (key, None))

    @on(RadioSet.Changed, "#kind")
    def kind_changed(self) -> None:
        path = self.query_one("#path", Input)
        current = Path(path.value)
        if current.name.startswith("jatos_results"):
            kind, fmt = self._kind()
            path.value = str(current.with_name(self.default_name(kind, fmt=fmt)))

    @on(Input.Submitted)
    @on(Button.Pressed, "#go")
    def go(self) -> None:
        if self.selected is None:
            return  # still counting
        scope_btn = self.query_one("#scope", RadioSet).pressed_button
        scope = "selected" if scope_btn and scope_btn.id == "scope-selected" else "all"
        if scope == "selected" and not self.selected:
            self._error("No results selected.")
            return
        value = self.query_one("#path", Input).value.strip()
        if not value:
            self._error("Give a file name.")
            return
        labels = label_list(self.query_one("#exclude-labels", Input).value)
        kind, fmt = self._kind()
        self.dismiss(ExportRequest(
            kind, scope, Path(value).expanduser(), self.selected if scope == "selected" else [], labels, fmt,
            self.query_one("#allow-missing", Checkbox).value,
        ))

    def _error(self, message: str) -> None:
        line = self.query_one("#export-error", Static)
        line.update(message)
        line.display = True

    @on(Button.Pressed, "#cancel")
    def cancel(self) -> None:
        self.dismiss(None)

"""The full result data of one component result, with its files; and its trials as a table
(the trials export's, for this one component result), read in a worker."""

from __future__ import annotations

import json
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, OptionList, TabbedContent, TabPane, TextArea
from textual.widgets.option_list import Option

from store import ComponentData, Selection, StoreError, export, human_size, visible
from tui import clipboard
from tui.dialogs import ConfirmScreen, PromptScreen
from tui.screens.trial_cells import TrialsShown, trials_shown


def pretty(text: str) -> tuple[str, bool]:
    """JSON pretty-printed (and so highlighted); anything else as it is."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False), True
    except (ValueError, RecursionError):
        return text, False


class DataViewer(Screen):
    # Priority bindings, acted on when each key arrives (see ResultsScreen): escape shows
    # the results page again before the next key is routed, so that key is the page's.
    BINDINGS = [
        Binding("escape", "back", "Back", priority=True, id="data.back"),
        Binding("q", "app.quit", "Quit", show=False, priority=True, id="data.quit"),
        Binding("y", "copy", "Copy data", priority=True, id="data.copy"),
        Binding("s", "save_file", "Save file", priority=True, id="data.save"),
        Binding("tab", "focus_next", "Files/data", show=False, priority=True, id="data.next"),
        Binding("t", "switch_tab", "Data/trials", priority=True, id="data.trials"),
    ]

    def __init__(self, shown: ComponentData) -> None:
        """`shown` is read in a worker (store.component_data) before the viewer opens."""
        super().__init__()
        self.cr_id = shown.id
        self.data = shown.data
        self.title_text = shown.title
        self.files = shown.files

    def compose(self) -> ComposeResult:
        yield Label(visible(self.title_text), id="page-title", markup=False)
        with TabbedContent(id="tabs"):
            with TabPane("data", id="tab-data"):
                yield from self._data_pane()
            with TabPane("trials", id="tab-trials"):
                yield Label("Reading the trials…", id="trials-summary")
                yield DataTable(id="trials", zebra_stripes=True, cursor_type="row")
        yield Footer()

    def _data_pane(self) -> ComposeResult:
        if self.files:
            yield Label("Files (s saves the highlighted one):", id="files-label")
            yield OptionList(*[Option(visible(f"{n} ({human_size(s)})"), id=n) for n, s in self.files], id="files")
        if self.data is None:
            text, is_json = "no data", False
        elif self.data == "":
            text, is_json = "(empty)", False
        else:
            text, is_json = pretty(self.data)
            text = visible(text, keep_lines=True)
        area = TextArea(text, read_only=True, id="data", soft_wrap=not is_json, show_line_numbers=True)
        if is_json and "json" in area.available_languages:
            area.language = "json"
        yield area

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#data", TextArea))
        self._read_trials()

    @work(thread=True, group="trials")
    def _read_trials(self) -> None:
        shown = trials_shown(self.data)
        self.app.call_from_thread(self._show_trials, shown)

    def _show_trials(self, shown: TrialsShown) -> None:
        self.query_one("#trials-summary", Label).update(shown.summary)
        table = self.query_one("#trials", DataTable)
        for title, width in zip(shown.columns, shown.widths):
            table.add_column(title, width=width)
        table.add_rows(shown.rows)

    def action_switch_tab(self) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        tabs.active = "tab-trials" if tabs.active == "tab-data" else "tab-data"
        self.set_focus(self.query_one("#trials" if tabs.active == "tab-trials" else "#data"))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_copy(self) -> None:
        if self.data is None:
            self.app.notify("This component result has no data.", severity="warning")
            return
        clipboard.copy(self.app, self.data, f"the data of component result {self.cr_id}")

    async def action_save_file(self) -> None:
        if not self.files:
            self.app.notify("This component result has no files.", severity="warning")
            return
        lst = self.query_one("#files", OptionList)
        index = lst.highlighted if lst.highlighted is not None else 0
        name = self.files[index][0]
        await self.app.push_screen(
            PromptScreen(f"Save {name} to:", str(Path.cwd() / name)), lambda path: self._save(name, path)
        )

    @on(OptionList.OptionSelected, "#files")
    async def file_chosen(self) -> None:
        await self.action_save_file()

    def _save(self, name: str, path: str | None, force: bool = False) -> None:
        if not path:
            return
        target = Path(path).expanduser()
        if target.exists() and not force:
            self.app.push_screen(
                ConfirmScreen(f"{target} exists. Replace it?", "Replace", "warning"),
                lambda yes: self._save(name, path, True) if yes else None,
            )
            return
        self._save_worker(name, target, force)

    @work(thread=True, group="save")
    def _save_worker(self, name: str, target: Path, force: bool) -> None:
        try:
            result = export(
                self.app.store, "file", Selection(component_result_ids=[self.cr_id]), target, force=force, filename=name
            )
        except (StoreError, OSError) as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.app.notify, f"Saved {result.path} ({human_size(result.bytes)}).")

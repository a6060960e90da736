"""A results page: study, component, batch, group or worker results (jatos.md §5)."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import ClassVar

import peewee
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Footer, Label, ProgressBar, Static

from store import StoreError
from store.pages.order import position
from store.pages.view import Computed, Page, ResultsView
from store.pages.visible import visible
from store.search.filter import Filter
from tui import settings
from tui.dialogs import ColumnsScreen, HelpScreen
from tui.screens.result_actions import ResultActions
from tui.widgets.display import time_zone_name
from tui.widgets.filter_bar import ClickButton, FilterBar
from tui.widgets.results_table import ResultsTable


class ResultsScreen(ResultActions, Screen):
    # Every key of the page is a priority binding: the app acts on it when the key arrives,
    # before it routes the next one. A plain binding acts only once the key has travelled to
    # the focused widget and back, by when the keys typed after it have already been routed:
    # "/word" typed at once sent "word" to the table ("w" opened a worker's page, "e" the
    # export dialog). Actions that move the keys elsewhere do it before they return: focus
    # with set_focus, a new screen awaited until it is mounted. Keys the filter types
    # (printable ones) are left to it by Textual; check_action leaves it delete, and gives
    # enter there its own meaning.
    BINDINGS = [
        Binding("escape", "back", "Back", priority=True, id="results.back"),
        Binding("slash", "focus_filter", "Filter", priority=True, id="results.filter"),
        Binding("ctrl+r", "toggle_regex", "RegEx", priority=True, id="results.regex"),
        Binding("ctrl+t", "toggle_case", "Aa", priority=True, id="results.case"),
        Binding("space", "toggle_row", "Select", show=False, priority=True, id="results.select"),
        Binding("enter", "open", "Open", priority=True, id="results.open"),
        Binding("enter", "end_filter", "Done", show=False, priority=True, id="results.end-filter"),
        Binding("a", "select_all", "All", show=False, priority=True, id="results.select-all"),
        Binding("v", "select_visible", "Visible", show=False, priority=True, id="results.select-visible"),
        Binding("f", "select_filtered", "Filtered", show=False, priority=True, id="results.select-filtered"),
        Binding("n", "deselect", "Deselect", show=False, priority=True, id="results.deselect"),
        Binding("s", "sort", "Sort", priority=True, id="results.sort"),
        Binding("c", "columns", "Columns", priority=True, id="results.columns"),
        Binding("e", "export", "Export", priority=True, id="results.export"),
        Binding("x,delete", "delete", "Delete", priority=True, id="results.delete"),
        Binding("X", "delete_all", "Delete all", show=False, priority=True, id="results.delete-all"),
        Binding("u", "undo", "Undo", show=False, priority=True, id="results.undo"),
        Binding("w", "worker", "Worker", show=False, priority=True, id="results.worker"),
        Binding("y", "copy_cell", "Copy cell", show=False, priority=True, id="results.copy-cell"),
        Binding("Y", "copy_row", "Copy row", show=False, priority=True, id="results.copy-row"),
        Binding("ctrl+y", "copy_data", "Copy data", show=False, priority=True, id="results.copy-data"),
        Binding("question_mark", "help", "Help", priority=True, id="results.help"),
        Binding("q", "app.quit", "Quit", show=False, priority=True, id="results.quit"),
    ]
    AUTO_FOCUS = "#results"

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page
        self.view = ResultsView(page)
        saved = settings.load_columns(page.kind)
        if saved:
            by_key = {c.key: c for c in self.view.all_columns}
            cols = [by_key[k] for k in saved if k in by_key]
            if cols:
                self.view.columns = cols
        self._generation = 0
        self.applied_generation = -1  # the newest request whose rows are on screen
        self.applied_at = 0.0
        self.settled_generation = -1
        self._shown_title = self._shown_status = self._shown_error = None
        self._invalid = ""  # why the filter as set cannot be applied
        self._failed = ""  # why the newest request failed in the store
        self.filter_edits = 0  # filter changes handled so far (benchmarks wait on it)
        self._cancel = threading.Event()
        self._token = None

    def compose(self) -> ComposeResult:
        yield Label(visible(self.page.title()), id="page-title")
        yield FilterBar(id="filter-bar")
        yield Static("", id="filter-error", classes="error")
        with Horizontal(id="toolbar"):
            yield Label("Select:", classes="toolbar-label")
            yield ClickButton("All", id="sel-all", classes="tool")
            yield ClickButton("Visible", id="sel-visible", classes="tool")
            yield ClickButton("Filtered", id="sel-filtered", classes="tool")
            yield ClickButton("Deselect", id="sel-none", classes="tool")
            yield Label(" ", classes="toolbar-gap")
            yield ClickButton("Columns", id="columns", classes="tool")
            yield ClickButton("Export", id="export", classes="tool")
            yield ClickButton("Delete", id="delete", classes="tool -danger")
        yield ResultsTable(self.view, id="results")
        with Horizontal(id="progress-bar", classes="hidden"):
            yield Label("", id="progress-label")
            yield ProgressBar(id="progress", show_eta=False)
        yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._show_error()
        self.set_focus(self.table)  # now, not later: the next key is the table's
        self._token = self.app.store.change_token()
        self.recompute()
        self.set_interval(2.0, self.poll_changes)

    @property
    def table(self) -> ResultsTable:
        return self.query_one(ResultsTable)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    # -- computing in a worker: the newest request wins ------------------------------------------

    def recompute(self, filter_: Filter | None = None, sort_key=..., descending=None, keep: int | None = None) -> None:
        # The newest request wins: older workers see the generation move on and stop,
        # even inside a running query (the connection's progress handler asks).
        self._generation += 1
        if keep is None:
            line = self.table.current_line()
            keep = line.row_id if line else None
        self._compute(self._generation, filter_, sort_key, descending, keep)

    @work(thread=True, group="compute")
    def _compute(self, generation: int, filter_, sort_key, descending, keep) -> None:
        stale = lambda: generation != self._generation  # noqa: E731
        connection = self.app.store.db.connection()
        if self.app.store.is_sqlite:
            connection.set_progress_handler(lambda: 1 if stale() else 0, 20_000)
        try:
            # Stages: the rows found so far, the first screenful, then all rows and the count.
            for computed in self.view.results(filter_, sort_key, descending, cancelled=stale):
                if stale():
                    return
                # Where the cursor's row now is, found here rather than on the screen's thread.
                at = position(computed.ids, keep) if keep is not None else None
                self.app.call_from_thread(self._computed, generation, computed, at)
        except StoreError as exc:
            self.app.call_from_thread(self._compute_failed, generation, str(exc))
        except (peewee.OperationalError, sqlite3.OperationalError) as exc:
            if "interrupt" in str(exc) and stale():
                return  # a newer request took over
            raise
        finally:
            if self.app.store.is_sqlite:
                connection.set_progress_handler(None, 0)
            # Each worker is a thread with a connection (and its page cache) of its own:
            # closed now, not whenever the garbage collector finds it.
            self.app.store.db.close()

    def _compute_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._failed = message
            self._show_error()

    def _computed(self, generation: int, computed: Computed, keep_at: int | None) -> None:
        if generation != self._generation:
            return  # a newer keystroke already asked for something else
        self.view.apply(computed)
        self.applied_generation = generation
        self.applied_at = time.perf_counter()
        if not computed.looking:
            self.settled_generation = generation  # the first screenful is final
        self._failed = ""
        self._show_error()
        self.table.refresh_layout()
        if keep_at is not None:
            self.table.move_to(self.view.line_of_index(keep_at))
        self.update_status()

    def _show_error(self) -> None:
        # A filter that cannot be applied says so until the user changes it: the rows of the
        # last valid filter, still arriving, do not clear it.
        message = self._invalid or self._failed
        if message == self._shown_error:
            return
        self._shown_error = message
        error = self.query_one("#filter-error", Static)
        error.update(message)
        error.display = bool(message)

    def update_status(self) -> None:
        # Each widget is touched only when its text changes, and the fixed-size ones without
        # a layout pass: a keystroke then repaints a few lines instead of laying out the screen.
        title = visible(self.page.title(self.view.total))
        if title != self._shown_title:
            self._shown_title = title
            self.query_one("#page-title", Label).update(title)
        sort = self.view.sort_label()
        text = self.view.status() + (f" · sorted by {sort}" if sort else "") + f" · times in {time_zone_name()}"
        if text != self._shown_status:
            self._shown_status = text
            self.query_one("#status", Static).update(text, layout=False)

    def poll_changes(self) -> None:
        """Another process (an import) changed the database: show it, keep cursor and selection."""
        token = self.app.store.change_token()
        if token == self._token:
            return
        self._token = token
        self.view.reload_rows()
        self.recompute()
        self.prune_selection()

    # -- the filter ---------------------------------------------------------------------------------

    @on(FilterBar.Changed)
    def filter_changed(self, event: FilterBar.Changed) -> None:
        self.filter_edits += 1
        self._invalid = ""
        self._show_error()
        self.recompute(filter_=event.filter)

    @on(FilterBar.Invalid)
    def filter_invalid(self, event: FilterBar.Invalid) -> None:
        # Say so beside the filter and leave the table as it was.
        self.filter_edits += 1
        self._invalid = f"{event.error}; showing the last valid filter"
        self._show_error()

    def on_paste(self, event: events.Paste) -> None:
        """A paste outside the filter (the table has the keys) goes into the filter, the
        page's only text field, as it would be typed there."""
        event.stop()
        field = self.filter_bar.input
        self.set_focus(field)
        field.post_message(events.Paste(event.text))

    def action_focus_filter(self) -> None:
        self.set_focus(self.filter_bar.input)

    def action_toggle_regex(self) -> None:
        self.filter_bar.toggle_regex()

    def action_toggle_case(self) -> None:
        self.filter_bar.toggle_case()

    # -- buttons --------------------------------------------------------------------------------------

    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {
        "sel-all": "select_all",
        "sel-visible": "select_visible",
        "sel-filtered": "select_filtered",
        "sel-none": "deselect",
        "columns": "columns",
        "export": "export",
        "delete": "delete_selected",
    }

    @on(Button.Pressed)
    async def button(self, event: Button.Pressed) -> None:
        action = self.BUTTON_ACTIONS.get(event.button.id or "")
        if action:
            await self.run_action(action)

    # -- navigation -----------------------------------------------------------------------------------

    def action_back(self) -> None:
        if not self.query_one("#progress-bar").has_class("hidden"):
            self._cancel.set()  # escape while an export runs cancels it; nothing is written
        elif self.focused is self.filter_bar.input:
            self.set_focus(self.table)
        else:
            self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        in_filter = self.focused is not None and self.focused.id == "filter"
        if action in ("open", "delete"):
            return not in_filter  # in the filter, enter ends it and delete deletes a character
        if action == "end_filter":
            return in_filter
        return True

    def action_end_filter(self) -> None:
        self.set_focus(self.table)  # now: the keys typed after enter are the table's

    async def action_open(self) -> None:
        line = self.table.current_line()
        if line is None:
            return
        if line.kind == "row" and self.view.level == "study":
            self.view.toggle_expanded(line.row_id)
            self.table.refresh_layout()
        elif line.kind in ("child", "preview") and line.child is not None:
            await self._open_data(line.child.id)
        elif line.kind == "row":
            await self._open_data(line.row_id)

    async def _open_data(self, component_result_id: int) -> None:
        from tui.screens.data_viewer import DataViewer

        await self.app.push_screen(DataViewer(component_result_id))

    async def action_worker(self) -> None:
        line = self.table.current_line()
        if line is None:
            return
        row = self.view.row(line.index)
        if row is not None:
            await self.app.push_screen(ResultsScreen(Page("worker", row.worker_id)))

    @on(ResultsTable.CellClicked)
    def cell_clicked(self, event: ResultsTable.CellClicked) -> None:
        if event.key == "worker_id":
            row = self.view.row(event.line.index)
            if row is not None:
                self.app.push_screen(ResultsScreen(Page("worker", row.worker_id)))

    @on(ResultsTable.CheckboxClicked)
    def checkbox_clicked(self, event: ResultsTable.CheckboxClicked) -> None:
        self.view.toggle(event.line.row_id)
        self.table.refresh()
        self.update_status()

    @on(ResultsTable.ArrowClicked)
    def arrow_clicked(self, event: ResultsTable.ArrowClicked) -> None:
        self.view.toggle_expanded(event.line.row_id)
        self.table.refresh_layout()

    @on(ResultsTable.HeaderClicked)
    def header_clicked(self, event: ResultsTable.HeaderClicked) -> None:
        self._sort_by(event.key)

    def action_sort(self) -> None:
        key = self.table.current_column_key()
        if key:
            self._sort_by(key)

    def _sort_by(self, key: str) -> None:
        sort_key, descending = self.view.cycle_sort(key)
        self.recompute(sort_key=sort_key, descending=descending)

    # -- selection ------------------------------------------------------------------------------------

    def action_toggle_row(self) -> None:
        line = self.table.current_line()
        if line is not None and line.kind == "row":
            self.view.toggle(line.row_id)
            self.table.move_to(self.table.cursor + 1)
            self.table.refresh()
            self.update_status()

    def _selection_changed(self) -> None:
        self.table.refresh()
        self.update_status()

    def action_select_all(self) -> None:
        self.view.select_all()
        self._selection_changed()

    def action_select_filtered(self) -> None:
        self.view.select_filtered()
        self._selection_changed()

    def action_select_visible(self) -> None:
        top = int(self.table.scroll_offset.y)
        rows = []
        for y in range(top, top + self.table.body_height):
            line = self.view.line(y)
            if line is not None and line.kind == "row":
                rows.append(line.row_id)
        self.view.select_ids(rows)
        self._selection_changed()

    def action_deselect(self) -> None:
        self.view.deselect_all()
        self._selection_changed()

    # -- columns ----------------------------------------------------------------------------------------

    async def action_columns(self) -> None:
        await self.app.push_screen(
            ColumnsScreen(self.view.all_columns, [c.key for c in self.view.columns], self._set_columns)
        )

    def _set_columns(self, keys: list[str]) -> None:
        by_key = {c.key: c for c in self.view.all_columns}
        self.view.columns = [by_key[k] for k in keys]
        settings.save_columns(self.page.kind, keys)
        self.table.refresh_layout()

    # -- help ---------------------------------------------------------------------------------------------------

    async def action_help(self) -> None:
        rows = []
        for b in list(ResultsTable.BINDINGS) + list(self.BINDINGS):
            rows.append((b.key.replace("question_mark", "?").replace("slash", "/"), b.description))
        await self.app.push_screen(HelpScreen(rows))


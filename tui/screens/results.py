"""A results page: study, component, batch, group or worker results (jatos.md §5).

The screen composes its parts and connects them: the filter bar (posts the filter), the
toolbar (posts the action of a clicked button), the table (draws what the view holds and
asks for rows it lacks), the progress of long work, and the export, delete, label and copy flows.
Every query runs in a worker (tui/screens/page_loader.py); the newest request wins.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Label, Static

from store import Page, ResultsView, visible
from tui import settings
from tui.dialogs import ColumnsScreen, HelpScreen
from tui.dialogs.help import key_rows
from tui.flows.copy import CopyFlow
from tui.flows.delete import DeleteFlow
from tui.flows.export import ExportFlow
from tui.flows.frequency import FrequencyFlow
from tui.flows.health import HealthFlow
from tui.flows.label import LabelFlow
from tui.flows.navigate import NavigateFlow
from tui.probe import Probe
from tui.screens.page_loader import PageLoader
from tui.threads import off_thread
from tui.widgets.display import time_zone_name
from tui.widgets.filter_bar import FilterBar, FilterError
from tui.widgets.progress import Progress
from tui.widgets.results_table import ResultsTable
from tui.widgets.state_summary import StateSummary
from tui.widgets.toolbar import Toolbar
from tui.widgets.value_filter import ValueFilterTag

FILTER_ACTIONS = frozenset({"end_filter", "filter_regex", "filter_case"})  # keys only while the filter has them


class ResultsScreen(Screen):
    # Every key of the page is a priority binding: the app acts on it when the key arrives,
    # before it routes the next one. A plain binding acts only once the key has travelled to
    # the focused widget and back, by when the keys typed after it have already been routed:
    # "/word" typed at once sent "word" to the table ("w" opened a worker's page, "e" the
    # export dialog). Actions that move the keys elsewhere do it before they return: focus
    # with set_focus, a new screen awaited until it is mounted, a query awaited in a worker.
    # Keys the filter types (printable ones) are left to it by Textual; check_action leaves
    # it delete, and gives enter there its own meaning.
    BINDINGS = [
        Binding("escape", "back", "Back", priority=True, id="results.back"),
        # The filter bar says its key: the footer, which must fit 80 columns, names RegEx and
        # Aa only while the filter has the keys (check_action picks the binding shown).
        Binding("slash", "focus_filter", "Filter", show=False, priority=True, id="results.filter"),
        Binding("ctrl+r", "filter_regex", "RegEx", priority=True, id="results.filter-regex"),
        Binding("ctrl+t", "filter_case", "Aa", priority=True, id="results.filter-case"),
        Binding("ctrl+r", "toggle_regex", "RegEx", show=False, priority=True, id="results.regex"),
        Binding("ctrl+t", "toggle_case", "Aa", show=False, priority=True, id="results.case"),
        Binding("space", "toggle_row", "Select", show=False, priority=True, id="results.select"),
        Binding("enter", "open", "Open", priority=True, id="results.open"),
        Binding("enter", "end_filter", "Done", show=False, priority=True, id="results.end-filter"),
        Binding("a", "select_all", "All", show=False, priority=True, id="results.select-all"),
        Binding("v", "select_visible", "Visible", show=False, priority=True, id="results.select-visible"),
        Binding("f", "select_filtered", "Filtered", show=False, priority=True, id="results.select-filtered"),
        Binding("n", "deselect", "Deselect", show=False, priority=True, id="results.deselect"),
        Binding("s", "sort", "Sort", priority=True, id="results.sort"),
        Binding("F", "frequency", "Counts", show=False, priority=True, id="results.frequency"),
        Binding("backspace", "clear_value_filter", "Clear value", show=False, priority=True, id="results.clear-value"),
        Binding("c", "columns", "Columns", priority=True, id="results.columns"),
        Binding("e", "export", "Export", priority=True, id="results.export"),
        Binding("x,delete", "delete", "Delete", priority=True, id="results.delete"),
        Binding("l", "label", "Label", show=False, priority=True, id="results.label"),
        Binding("H", "health", "Health", show=False, priority=True, id="results.health"),
        Binding("X", "delete_all", "Delete all", show=False, priority=True, id="results.delete-all"),
        Binding("u", "undo", "Undo", show=False, priority=True, id="results.undo"),
        Binding("w", "worker", "Worker", show=False, priority=True, id="results.worker"),
        Binding("i", "detail", "Details", priority=True, id="results.detail"),
        Binding("P", "participant", "Participant", show=False, priority=True, id="results.participant"),
        Binding("t", "toggle_test_runs", "Test runs", show=False, priority=True, id="results.test-runs"),
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
        self.probe = Probe()
        self.exports, self.deletes, self.copies = ExportFlow(self), DeleteFlow(self), CopyFlow(self)
        self.labels, self.frequencies, self.health = LabelFlow(self), FrequencyFlow(self), HealthFlow(self)
        self.navigate = NavigateFlow(self)
        self.loader: PageLoader | None = None  # made when mounted: it needs the app's store
        self._shown_title = self._shown_status = None

    def compose(self) -> ComposeResult:
        yield Label("", id="page-title", markup=False)  # titles and filters are text, never markup
        yield FilterBar(id="filter-bar")
        yield FilterError(id="filter-error", classes="error")
        yield Toolbar(id="toolbar")
        with Horizontal(id="page-summary"):
            yield StateSummary(id="state-summary")
            yield ValueFilterTag(id="value-filter")
        yield ResultsTable(self.view, self.probe, id="results")
        yield Progress(id="progress-bar")
        yield Static("", id="status", markup=False)
        yield Footer(compact=True)  # its keys fit an 80-column terminal

    def on_mount(self) -> None:
        self.set_focus(self.table)  # now, not later: the next key is the table's
        # Test runs hidden on the last page that chose: this page's first rows already without them.
        self.view.hide_test_runs = self.app.hide_test_runs
        self.query_one(Toolbar).test_runs_hidden = self.view.hide_test_runs
        self.loader = PageLoader(self)
        self.loader.start()

    def on_unmount(self) -> None:
        self.loader.stop()

    @property
    def table(self) -> ResultsTable:
        return self.query_one(ResultsTable)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    @property
    def filter_error(self) -> FilterError:
        return self.query_one(FilterError)

    @property
    def progress(self) -> Progress:
        return self.query_one(Progress)

    # -- the filter ---------------------------------------------------------------------------------

    @on(FilterBar.Changed)
    def filter_changed(self, event: FilterBar.Changed) -> None:
        self.probe.filter_edits += 1
        self.filter_error.invalid = ""
        self.loader.recompute(filter_=event.filter)

    @on(FilterBar.Invalid)
    def filter_invalid(self, event: FilterBar.Invalid) -> None:
        # Said beside the filter; the table keeps the rows of the last valid filter.
        self.probe.filter_edits += 1
        self.filter_error.invalid = f"{event.error}; showing the last valid filter"

    def on_paste(self, event: events.Paste) -> None:
        """A paste outside the filter (the table has the keys) goes into the filter, the
        page's only text field, as it would be typed there."""
        event.stop()
        self.filter_bar.paste(event.text)

    def action_focus_filter(self) -> None:
        self.set_focus(self.filter_bar.input)

    def action_toggle_regex(self) -> None:
        self.filter_bar.toggle_regex()

    def action_toggle_case(self) -> None:
        self.filter_bar.toggle_case()

    action_filter_regex, action_filter_case = action_toggle_regex, action_toggle_case  # the filter's own

    def action_end_filter(self) -> None:
        self.set_focus(self.table)  # now: the keys typed after enter are the table's

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        in_filter = self.focused is not None and self.focused.id == "filter"
        if action in ("open", "delete", "clear_value_filter", "focus_filter"):
            # In the filter, enter ends it, delete and backspace delete a character, and / is typed.
            return not in_filter
        if action in FILTER_ACTIONS:
            return in_filter
        return True

    # -- buttons and navigation -----------------------------------------------------------------

    def action_toggle_test_runs(self) -> None:
        self.query_one(Toolbar).toggle_test_runs()

    @on(Toolbar.TestRunsChanged)
    def test_runs_changed(self, event: Toolbar.TestRunsChanged) -> None:
        # The page's scope (ResultsView.selection) changes: its rows, counts, select-all,
        # export and delete of all; selected rows the page no longer shows are let go.
        self.app.hide_test_runs = event.hidden
        if event.hidden == self.view.hide_test_runs:
            return  # the page opened so: its rows are on their way
        self.view.hide_test_runs = event.hidden
        self.loader.recompute()
        self.loader.keep_selection_on_page()
        self.update_status()

    @on(Toolbar.Pressed)
    async def toolbar_pressed(self, event: Toolbar.Pressed) -> None:
        await self.run_action(event.action)

    def action_back(self) -> None:
        if self.progress.running:
            self.progress.cancel()  # escape while an export runs cancels it; nothing is written
        elif self.focused is self.filter_bar.input:
            self.set_focus(self.table)
        else:
            self.app.pop_screen()

    async def action_open(self) -> None:
        await self.navigate.open()

    async def action_worker(self) -> None:
        row = await self.current_row()
        if row is not None:
            await self.navigate.worker_page(row.worker_id)

    async def action_detail(self) -> None:
        await self.navigate.detail()

    async def action_participant(self) -> None:
        await self.navigate.participant()

    @on(ResultsTable.CellClicked)
    async def cell_clicked(self, event: ResultsTable.CellClicked) -> None:
        if event.key == "worker_id":
            row = await self.loader.row_at(event.line.index)
            if row is not None:
                await self.navigate.worker_page(row.worker_id)

    @on(ResultsTable.CheckboxClicked)
    def checkbox_clicked(self, event: ResultsTable.CheckboxClicked) -> None:
        self.view.toggle(event.line.row_id)
        self.selection_changed()

    @on(ResultsTable.ArrowClicked)
    async def arrow_clicked(self, event: ResultsTable.ArrowClicked) -> None:
        await self.loader.toggle_expanded(event.line.row_id)

    @on(ResultsTable.HeaderClicked)
    def header_clicked(self, event: ResultsTable.HeaderClicked) -> None:
        self._sort_by(event.key)

    def action_sort(self) -> None:
        key = self.table.current_column_key()
        if key:
            self._sort_by(key)

    def _sort_by(self, key: str) -> None:
        sort_key, descending = self.view.cycle_sort(key)
        self.loader.recompute(sort_key=sort_key, descending=descending)

    async def action_frequency(self) -> None:
        await self.frequencies.start()

    @on(ValueFilterTag.Cleared)
    def action_clear_value_filter(self) -> None:  # backspace, or the tag's button
        self.frequencies.clear()

    # -- what the page shows about itself, what other parts ask of it ---------------------------

    def update_status(self) -> None:
        # Each widget is touched only when its text changes, and the fixed-size ones without
        # a layout pass: a keystroke then repaints a few lines instead of laying out the screen.
        if self.loader.heading is not None:
            title = visible(self.page.title(self.view.total, self.loader.heading))
            if title != self._shown_title:
                self._shown_title = title
                self.query_one("#page-title", Label).update(title)
        sort = self.view.sort_label()
        text = self.view.status() + (f" · sorted by {sort}" if sort else "") + f" · times in {time_zone_name()}"
        if text != self._shown_status:
            self._shown_status = text
            self.query_one("#status", Static).update(text, layout=False)

    def answer_final(self) -> None:
        """The page's whole answer is on screen (tui/screens/page_loader.py)."""
        self.frequencies.summarise()

    def selection_changed(self) -> None:
        self.table.refresh()
        self.update_status()

    @on(ResultsTable.RowsWanted)
    def rows_wanted(self, event: ResultsTable.RowsWanted) -> None:
        self.loader.fetch_rows(event.ids)

    async def current_row(self):
        line = self.table.current_line()
        return await self.loader.row_at(line.index) if line is not None else None

    def reload(self) -> None:
        self.loader.reload()

    def prune_selection(self) -> None:
        self.loader.prune_selection()

    def poll_changes(self) -> None:
        """What the 2-second timer does."""
        self.loader.poll_changes()

    # -- selection ------------------------------------------------------------------------------------

    def action_toggle_row(self) -> None:
        line = self.table.current_line()
        if line is not None and line.kind == "row":
            self.view.toggle(line.row_id)
            self.table.move_to(self.table.cursor + 1)
            self.selection_changed()

    async def action_select_all(self) -> None:
        self.view.select_ids(await off_thread(self, self.view.all_ids))
        self.selection_changed()

    def action_select_filtered(self) -> None:
        if self.filter_bar.refuses():
            return
        self.view.select_filtered()
        self.selection_changed()

    def action_select_visible(self) -> None:
        top = int(self.table.scroll_offset.y)
        lines = [self.view.line(y) for y in range(top, top + self.table.body_height)]
        self.view.select_ids(line.row_id for line in lines if line is not None and line.kind == "row")
        self.selection_changed()

    def action_deselect(self) -> None:
        self.view.deselect_all()
        self.selection_changed()

    # -- what the flows do ---------------------------------------------------------------------------

    async def action_export(self) -> None:
        await self.exports.start()

    async def action_delete_selected(self) -> None:
        await self.deletes.selected()

    action_delete = action_delete_selected  # the key's action (check_action leaves delete to the filter)

    async def action_delete_all(self) -> None:
        await self.deletes.everything()

    async def action_label(self) -> None:
        await self.labels.start()

    async def action_health(self) -> None:
        await self.health.start()

    def action_undo(self) -> None:
        self.deletes.undo()

    async def action_copy_cell(self) -> None:
        await self.copies.cell()

    async def action_copy_row(self) -> None:
        await self.copies.row()

    async def action_copy_data(self) -> None:
        await self.copies.data()

    # -- columns and help --------------------------------------------------------------------------------

    async def action_columns(self) -> None:
        await self.app.push_screen(
            ColumnsScreen(self.view.all_columns, [c.key for c in self.view.columns], self._set_columns)
        )

    def _set_columns(self, keys: list[str]) -> None:
        by_key = {c.key: c for c in self.view.all_columns}
        self.view.columns = [by_key[k] for k in keys]
        settings.save_columns(self.page.kind, keys)
        self.table.refresh_layout()

    async def action_help(self) -> None:
        rows = key_rows(list(ResultsTable.BINDINGS) + list(self.BINDINGS), FILTER_ACTIONS)
        await self.app.push_screen(HelpScreen(rows, filter_lines=True))

"""The studies in the store; from one, its results page or a component, batch or group page."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from store import ChangeWatch, Page, batches_of, components_of, groups_of, studies, visible
from tui.dialogs import PickScreen
from tui.dialogs.help import KeysHelp
from tui.screens.connection import ConnectionNotice
from tui.screens.results import ResultsScreen
from tui.threads import closing, off_thread
from tui.widgets.display import short_time, time_zone_name
from tui.widgets.table_keys import TableCursor, cursor_bindings


class HomeScreen(KeysHelp, TableCursor, Screen):
    # Priority bindings, acted on when each key arrives (see ResultsScreen): the page a key
    # opens is mounted, its table focused, before the next key is routed. The table's own
    # moves are here too, so that "down, enter" opens the study below in that order.
    BINDINGS = [
        Binding("enter", "open_study", "Results", priority=True, id="home.open"),
        Binding("c", "components", "Components", priority=True, id="home.components"),
        Binding("b", "batches", "Batches", priority=True, id="home.batches"),
        Binding("r", "groups", "Groups", priority=True, id="home.groups"),
        *cursor_bindings("home"),
        Binding("question_mark", "help", "Help", priority=True, id="home.help"),
        Binding("q", "app.quit", "Quit", priority=True, id="home.quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Label("Studies", id="page-title")
        yield DataTable(id="studies", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("ID", key="id")
        table.add_column("Title", key="title")
        table.add_column("Results", key="results")
        table.add_column(f"Last activity ({time_zone_name()})", key="last")
        self.connection = ConnectionNotice(self, self.reload)
        self.reload()
        self._watch = ChangeWatch(self.app.store)
        self.poll_changes()  # the first look: later changes are told from this one
        self.set_interval(2.0, self.poll_changes)
        self.set_focus(table)

    def on_unmount(self) -> None:
        self._watch.close()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="studies")
    def _load(self) -> None:
        """Counting every study's results scans them all: not on the screen's thread."""
        self.connection.guard(lambda: self.app.call_from_thread(self._show, closing(self.app.store, studies)()))()

    def _show(self, rows) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for s in rows:
            table.add_row(str(s.id), Text(visible(s.title)), str(s.study_results), short_time(s.last_activity), key=str(s.id))
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        # A table sizes its columns to new rows when it next idles; rows handed over from a
        # worker leave it nothing to process, so without this prompt the titles stay cut to
        # the header's width until the next key.
        table.check_idle()
        status = f"{len(rows)} studies in {self.app.store.location}"
        if not rows:
            status = f"No studies yet: import a results archive with `jatos-results import FILE` ({self.app.store.location})"
        self.query_one("#status", Static).update(status)

    def poll_changes(self) -> None:
        if self.is_current:  # under a results page it waits: it reloads when it is back on top
            self._poll()

    @work(thread=True, exclusive=True, group="poll")
    def _poll(self) -> None:
        self.connection.guard(self._look_for_changes)()

    def _look_for_changes(self) -> None:
        changed = self._watch.changed()
        if self.connection.lost:
            self.connection.reached()  # it reloads
        elif changed:
            self.app.call_from_thread(self.reload)

    def on_screen_resume(self) -> None:
        self.reload()

    def _study_id(self) -> int | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        return int(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)

    @on(DataTable.RowSelected)
    async def row_selected(self) -> None:
        await self.action_open_study()  # a click on the current row

    async def action_open_study(self) -> None:
        sid = self._study_id()
        if sid is not None:
            await self.app.push_screen(ResultsScreen(Page("study", sid)))

    async def _pick(self, kind: str, title: str, choices) -> None:
        sid = self._study_id()
        if sid is None:
            return
        items = [(i, visible(text)) for i, text in await off_thread(self, lambda: choices(sid))]
        await self.app.push_screen(PickScreen(title, items, lambda chosen: ResultsScreen(Page(kind, chosen))))

    async def action_components(self) -> None:
        await self._pick("component", "Component results of", components_of)

    async def action_batches(self) -> None:
        await self._pick("batch", "Batch results of", batches_of)

    async def action_groups(self) -> None:
        await self._pick("group", "Group results of", groups_of)


"""Counts per value of one column of a results page (VisiData's frequency sheet, shift+f):
each value the column shows with how many of the page's rows (as filtered) show it and their
share, the largest first. enter narrows the page to the value under the cursor; space marks
values and s selects the results of the marked ones (or of the current one) on the page.

The screen counts in a thread worker of its own (the question is the page's), showing its
progress, and hands the page a Choice when it is dismissed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, ProgressBar

from store import Frequency, StoreError, ValueCount, visible
from tui.dialogs.help import KeysHelp
from tui.threads import closing
from tui.widgets.table_keys import TableCursor, cursor_bindings

BAR = 20  # cells of the widest share's bar


@dataclass(frozen=True)
class Choice:
    """What the page does with the view's answer: narrow itself to the values ("filter") or
    select their results ("select")."""

    action: str
    values: tuple[ValueCount, ...]


Progress = Callable[[int, int], None]


class FrequencyScreen(KeysHelp, TableCursor, Screen[Choice | None]):
    CSS_PATH = "frequency.tcss"
    # Priority: the table's own enter and space would otherwise act first.
    BINDINGS = [
        Binding("escape", "back", "Back", priority=True, id="frequency.back"),
        Binding("enter", "narrow", "Filter to value", priority=True, id="frequency.filter"),
        Binding("space", "mark", "Mark", priority=True, id="frequency.mark"),
        Binding("a", "mark_all", "Mark all", show=False, priority=True, id="frequency.mark-all"),
        Binding("n", "unmark", "Unmark", show=False, priority=True, id="frequency.unmark"),
        Binding("s", "select", "Select their results", priority=True, id="frequency.select"),
        *cursor_bindings("frequency"),
        Binding("question_mark", "help", "Help", priority=True, id="frequency.help"),  # (tui/widgets/table_keys.py: why priority)
        Binding("q", "app.quit", "Quit", show=False, priority=True, id="frequency.quit"),
    ]
    AUTO_FOCUS = "#frequency-table"

    def __init__(self, title: str, count: Callable[[Progress], Frequency]) -> None:
        super().__init__()
        self.title_text = title
        self.count = count  # (progress) -> the counts; SQL: run in this screen's worker
        self.frequency: Frequency | None = None
        self.marked: set[int] = set()  # indexes of marked values

    def compose(self) -> ComposeResult:
        yield Label(visible(self.title_text), id="frequency-title", markup=False)
        yield Label("Counting…", id="frequency-status")
        yield ProgressBar(id="frequency-progress", show_eta=False)
        yield DataTable(id="frequency-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (("mark", " "), ("value", "Value"), ("count", "Count"), ("share", "Share"), ("bar", "")):
            table.add_column(Text(label, justify="right" if key in ("count", "share") else "left"), key=key)
        call = self.app.call_from_thread
        progress = self.query_one(ProgressBar)

        def work() -> None:
            try:
                counted = self.count(lambda done, total: call(progress.update, total=max(total, 1), progress=done))
            except StoreError as exc:
                call(self._failed, str(exc))
                return
            call(self._counted, counted)

        self.run_worker(closing(self.app.store, work), thread=True, group="frequency", exit_on_error=False)

    def _failed(self, message: str) -> None:
        if self.is_attached:
            self.query_one(ProgressBar).display = False
            self.query_one("#frequency-status", Label).update(message)

    def _counted(self, counted: Frequency) -> None:
        if not self.is_attached:
            return  # left before the counts came
        self.frequency = counted
        self.query_one(ProgressBar).display = False
        table = self.query_one(DataTable)
        widest = max((v.share for v in counted.values), default=1.0) or 1.0
        for i, v in enumerate(counted.values):
            text = Text(visible(v.text) if v.text != "" else "(empty)")  # a value is text, never markup
            bar = "█" * max(1, round(BAR * v.share / widest)) if v.count else ""
            count, share = Text(f"{v.count:,}", justify="right"), Text(f"{v.share:.1%}", justify="right")
            table.add_row(" ", text, count, share, bar, key=str(i))
        status = f"{len(counted.values)} values · {counted.total:,} results"
        if counted.more:
            status += f" · {counted.more:,} more values ({counted.more_rows:,} results) not listed"
        self.query_one("#frequency-status", Label).update(status)

    # -- keys --------------------------------------------------------------------------------

    def _current(self) -> int | None:
        table = self.query_one(DataTable)
        if self.frequency is None or not self.frequency.values:
            return None
        return table.cursor_row

    def action_back(self) -> None:
        self.dismiss(None)

    def action_narrow(self) -> None:
        at = self._current()
        if at is not None:
            self.dismiss(Choice("filter", (self.frequency.values[at],)))

    def action_select(self) -> None:
        at = self._current()
        if at is None:
            return
        marked = sorted(self.marked) or [at]
        self.dismiss(Choice("select", tuple(self.frequency.values[i] for i in marked)))

    def _show_marks(self, rows: range | None = None) -> None:
        table = self.query_one(DataTable)
        for i in rows if rows is not None else range(len(self.frequency.values)):
            table.update_cell(str(i), "mark", "●" if i in self.marked else " ")

    def action_mark(self) -> None:
        at = self._current()
        if at is not None:
            self.marked.symmetric_difference_update({at})
            self._show_marks(range(at, at + 1))
            self.query_one(DataTable).move_cursor(row=at + 1)

    def action_mark_all(self) -> None:
        if self.frequency is not None:
            self.marked = set(range(len(self.frequency.values)))
            self._show_marks()

    def action_unmark(self) -> None:
        if self.frequency is not None:
            self.marked.clear()
            self._show_marks()

"""Counts per value from a results page: the frequency view of the current column (F), the
page narrowed to a chosen value or the results of marked values selected, and the summary
line of counts per state, counted again whenever the page's answer is final.

A chosen value narrows the page as a ValueFilter (store/pages/frequency.py): the page's rows
that show it, shown beside the summary and cleared with backspace. Each registry column
names its structured-filter field (`Column.field`), so that the choice can become a filter
term (`ValueFilter.field_term()`, `state:FINISHED`) once the filter takes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from store import StoreError, ValueFilter, ids_with_values, state_counts, value_counts
from tui.screens.frequency import Choice, FrequencyScreen
from tui.threads import closing
from tui.widgets.state_summary import StateSummary
from tui.widgets.value_filter import ValueFilterTag

if TYPE_CHECKING:
    from tui.screens.results import ResultsScreen


class FrequencyFlow:
    def __init__(self, screen: ResultsScreen) -> None:
        self.screen = screen
        self._column = None  # the column the open frequency view counts
        self._among = None  # the rows it counted (None: the page's whole scope)

    async def start(self) -> None:
        screen, view = self.screen, self.screen.view
        if screen.filter_bar.refuses():  # it counts the page as filtered
            return
        key = screen.table.current_column_key()
        column = next((c for c in view.all_columns if c.key == key), None)
        if column is None:
            return
        self._column, selection = column, view.selection()
        final = not (view.partial or view.looking)
        shown = view.counted_ids()

        def count(progress):
            # A page still counting its filter's rows: the whole answer first, here.
            self._among = shown if final else _whole_answer(view)
            scope = view.scope_ids() if self._among is not None else None
            return value_counts(selection, column, self._among, progress, scope)

        narrowed = " (the page as filtered)" if view.filter.active or view.value_filter is not None else ""
        title = f"Counts per value of {column.title}{narrowed} · {screen.loader.heading or screen.page.kind}"
        await screen.app.push_screen(FrequencyScreen(title, count), self._chosen)

    def _chosen(self, choice: Choice | None) -> None:
        if choice is None:
            return
        if choice.action == "filter":
            self.screen.loader.recompute(value_filter=ValueFilter.of(self._column, choice.values))
            return
        self._select(choice)

    def _select(self, choice: Choice) -> None:
        screen, column, among = self.screen, self._column, self._among
        selection = screen.view.selection()
        label = ValueFilter.of(column, choice.values).label()
        screen.progress.start(f"Selecting the results with {label}")

        def work() -> None:
            call = screen.app.call_from_thread
            try:
                found = ids_with_values(selection, column, choice.values, among)
            except StoreError as exc:
                call(screen.progress.failed, str(exc))
                return
            call(self._selected, found, label)

        screen.run_worker(closing(screen.app.store, work), thread=True, exclusive=True, group="frequency-select")

    def _selected(self, found, label: str) -> None:
        self.screen.view.select_ids(found)
        self.screen.selection_changed()
        self.screen.progress.done(f"Selected {len(found)} results with {label}.")

    def clear(self) -> None:
        if self.screen.view.value_filter is not None:
            self.screen.loader.recompute(value_filter=None)

    def summarise(self) -> None:
        """The page's answer is final: show its value filter and count its states."""
        view = self.screen.view
        self.screen.query_one(ValueFilterTag).value_filter = view.value_filter
        selection, ids = view.selection(), view.counted_ids()
        self.screen.query_one(StateSummary).recount(
            lambda: state_counts(selection, ids, view.scope_ids() if ids is not None else None)
        )


def _whole_answer(view):
    return view.compute().ids if view.filter.active or view.value_filter is not None else None

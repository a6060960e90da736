"""What a results page asks the store, each question in a thread worker: the page's rows for
a filter and sort (the newest request wins), rows the table lacks, an expanded row's lines,
the page's heading, whether another process changed the store, which selected results are
gone. Answers come back on the screen's thread with call_from_thread, which never runs SQL.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import peewee

from store import ChangeWatch, Computed, Filter, StoreError, existing_ids, position
from tui.screens.connection import ConnectionNotice
from tui.threads import closing, off_thread

if TYPE_CHECKING:
    from tui.screens.results import ResultsScreen

SCREENFUL = 60  # rows fetched with each stage of an answer, from the cursor's row on


class PageLoader:
    def __init__(self, screen: ResultsScreen) -> None:
        self.screen = screen
        self.view = screen.view
        self.probe = screen.probe
        self.heading: str | None = None  # "Study results: title", once looked up
        self._generation = 0  # the newest compute request
        self._fetching: set[int] = set()  # row ids asked for and not come yet
        self._watch = ChangeWatch(screen.app.store)
        self._stopped = False  # the page has gone: answers still on their way are dropped
        self.connection = ConnectionNotice(screen, self._store_changed)

    def start(self) -> None:
        self._look_up_heading()
        self.recompute()
        self.poll_changes()  # the first look: later changes are told from this one
        self.screen.set_interval(2.0, self.poll_changes)

    def stop(self) -> None:
        self._stopped = True
        self._watch.close()

    def _in_thread(self, work: Callable[[], None], group: str, exclusive: bool = False) -> None:
        self.screen.run_worker(self.connection.guard(work), thread=True, group=group, exclusive=exclusive)

    def _answer(self, callback, *args) -> None:
        """From a worker: `callback(*args)` on the screen's thread, unless the page has gone
        meanwhile (escape while its rows were on their way: its widgets are no more)."""
        self.screen.app.call_from_thread(self._if_shown, callback, *args)

    def _if_shown(self, callback, *args) -> None:
        # Off the screen stack the moment it is popped; its widgets go, then it is unmounted.
        if not self._stopped and self.screen in self.screen.app.screen_stack:
            callback(*args)

    # -- the page's rows: the newest request wins -----------------------------------------------

    def recompute(self, filter_: Filter | None = None, sort_key=..., descending=None, value_filter=...) -> None:
        # Older workers see the generation move on and stop, even inside a running query
        # (the connection's progress handler asks).
        self._generation += 1
        self.probe.requested = generation = self._generation
        line = self.screen.table.current_line()
        keep, version = (line.row_id if line else None), self.view.version
        change = (filter_, sort_key, descending, value_filter)
        self._in_thread(lambda: self._compute(generation, change, keep, version), "compute")

    def _compute(self, generation: int, change: tuple, keep, version: int) -> None:
        stale = lambda: generation != self._generation  # noqa: E731
        store = self.screen.app.store
        connection = store.db.connection()
        if store.is_sqlite:
            connection.set_progress_handler(lambda: 1 if stale() else 0, 20_000)
        fetched: set[int] = set()
        try:
            # Stages: the rows found so far, the first screenful, then all rows and the count.
            filter_, sort_key, descending, value_filter = change
            for computed in self.view.results(filter_, sort_key, descending, cancelled=stale, value_filter=value_filter):
                if stale():
                    return
                # Where the cursor's row now is, and the rows to draw there, found here
                # rather than on the screen's thread.
                at = position(computed.ids, keep) if keep is not None else None
                ids = [i for i in self.view.missing(at or 0, (at or 0) + SCREENFUL, computed.ids) if i not in fetched]
                rows = self.view.fetch(ids) if ids else []
                fetched.update(ids)
                self._answer(self._computed, generation, computed, at, (ids, rows, version))
        except StoreError as exc:
            self._answer(self._compute_failed, generation, str(exc))
        except (peewee.OperationalError, sqlite3.OperationalError) as exc:
            if "interrupt" in str(exc) and stale():
                return  # a newer request took over
            raise
        finally:
            if store.is_sqlite:
                connection.set_progress_handler(None, 0)
            store.db.close()

    def _compute_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.screen.filter_error.failed = message

    def _computed(self, generation: int, computed: Computed, keep_at: int | None, fetched: tuple) -> None:
        if generation != self._generation:
            return  # a newer keystroke already asked for something else
        self.view.add_rows(*fetched)
        self.view.apply(computed)
        self.probe.applied, self.probe.applied_at = generation, time.perf_counter()
        if not computed.looking:
            self.probe.settled = generation  # the first screenful is final
        self.screen.filter_error.failed = ""
        table = self.screen.table
        table.refresh_layout()
        if keep_at is not None:
            table.move_to(self.view.line_of_index(keep_at))
        self.screen.update_status()
        if computed.complete:
            self.screen.answer_final()  # what waits for the whole answer (the counts per state)

    def reload(self) -> None:
        """The store changed (a delete, an undo, another process): fetch everything anew."""
        self.view.reload_rows()
        self.recompute()
        self._look_up_heading()
        if self.view.expanded:
            row_ids, version = list(self.view.expanded), self.view.version
            self._in_thread(lambda: self._refresh_children(row_ids, version), "children", exclusive=True)

    # -- rows and lines the table lacks ----------------------------------------------------------

    def fetch_rows(self, ids: list[int]) -> None:
        """Rows the table is drawing placeholders for."""
        ids = [i for i in ids if i not in self._fetching]
        if ids:
            self._fetching.update(ids)
            version = self.view.version
            self._in_thread(lambda: self._fetch_rows(ids, version), "rows")

    def _fetch_rows(self, ids: list[int], version: int) -> None:
        rows = closing(self.screen.app.store, lambda: self.view.fetch(ids))()
        self._answer(self._rows_fetched, ids, rows, version)

    def _rows_fetched(self, ids: list[int], rows: list, version: int) -> None:
        self._fetching.difference_update(ids)
        self.view.add_rows(ids, rows, version)
        self.screen.table.rows_arrived()

    async def row_at(self, index: int):
        """The row at `index`, fetched (awaited in a worker) if the table has not drawn it yet."""
        row = self.view.row(index)
        if row is None and 0 <= index < len(self.view.ids):
            ids, version = [self.view.ids[index]], self.view.version
            self.view.add_rows(ids, await off_thread(self.screen, lambda: self.view.fetch(ids)), version)
            row = self.view.row(index)
        return row

    async def toggle_expanded(self, row_id: int) -> None:
        if row_id in self.view.expanded:
            self.view.set_expanded(row_id, None)
        else:
            self.view.set_expanded(row_id, await off_thread(self.screen, lambda: self.view.child_lines(row_id)))
        self.screen.table.refresh_layout()

    def _refresh_children(self, row_ids: list[int], version: int) -> None:
        lines = closing(self.screen.app.store, lambda: {rid: self.view.child_lines(rid) for rid in row_ids})()
        self._answer(self._children_refreshed, lines, version)

    def _children_refreshed(self, lines: dict, version: int) -> None:
        if version == self.view.version:
            for rid, child_lines in lines.items():
                if rid in self.view.expanded:
                    self.view.set_expanded(rid, child_lines)
            self.screen.table.refresh_layout()

    # -- the heading -----------------------------------------------------------------------------

    def _look_up_heading(self) -> None:
        self._in_thread(self._heading_work, "heading", exclusive=True)

    def _heading_work(self) -> None:
        self._answer(self._heading_found, closing(self.screen.app.store, self.view.page.heading)())

    def _heading_found(self, heading: str) -> None:
        self.heading = heading
        self.screen.update_status()

    # -- changes by another process ----------------------------------------------------------------

    def poll_changes(self) -> None:
        """Another process (an import) changed the database: show it, keep cursor and selection."""
        self._in_thread(self._poll, "poll", exclusive=True)

    def _poll(self) -> None:
        changed = self._watch.changed()
        if self.connection.lost:
            self.connection.reached()  # it reloads the page
        elif changed:
            self._answer(self._store_changed)

    def _store_changed(self) -> None:
        self.reload()
        self.prune_selection()

    def prune_selection(self) -> None:
        """Drop selected results another process deleted (after the page reloaded)."""
        if self.view.selected:
            level, ids = self.view.level, sorted(self.view.selected)
            self._in_thread(lambda: self._prune(level, ids), "prune", exclusive=True)

    def _prune(self, level: str, ids: list[int]) -> None:
        gone = set(ids).difference(closing(self.screen.app.store, lambda: existing_ids(level, ids))())
        if gone:
            self._answer(self._pruned, gone)

    def keep_selection_on_page(self) -> None:
        """Let go of selected rows the page's scope no longer holds (test runs just hidden)."""
        if self.view.selected:
            selected = set(self.view.selected)  # a copy: the screen's thread changes the selection
            self._in_thread(lambda: self._on_page(selected), "prune-scope", exclusive=True)

    def _on_page(self, selected: set[int]) -> None:
        on_page = set(closing(self.screen.app.store, self.view.all_ids)())
        self._answer(self._pruned, selected - on_page)

    def _pruned(self, gone: set[int]) -> None:
        # Only what was found gone: a row selected meanwhile stays selected.
        self.view.selected.difference_update(gone)
        self.screen.selection_changed()

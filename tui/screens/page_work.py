"""What a results page asks the store, each question in a thread worker: the page's rows for
a filter and sort (the newest request wins), rows the table lacks, an expanded row's lines,
the page's heading, whether another process changed the store. Answers come back on the
screen's thread with call_from_thread; the screen's thread never runs SQL.
"""

from __future__ import annotations

import sqlite3
import time

import peewee
from textual import work

from store import ChangeWatch, Computed, Filter, StoreError, existing_ids, position, regex_engine, visible
from tui.threads import closing, off_thread
from tui.widgets.display import time_zone_name

SCREENFUL = 60  # rows fetched with each stage of an answer, from the cursor's row on


class PageWork:
    """Part of ResultsScreen (its `view`, `table`, `page`, `probe`)."""

    def init_work(self) -> None:
        self._generation = 0
        self._heading: str | None = None  # "Study results: title", looked up in a worker
        self._shown_title = self._shown_status = None
        self._fetching: set[int] = set()  # row ids asked for and not come yet

    def start_work(self) -> None:
        self._watch = ChangeWatch(self.app.store)
        self._look_up_heading()
        self.recompute()
        self.poll_changes()  # the first look: later changes are told from this one
        self.set_interval(2.0, self.poll_changes)

    def on_unmount(self) -> None:
        self._watch.close()

    # -- the page's rows: the newest request wins -----------------------------------------------

    def recompute(self, filter_: Filter | None = None, sort_key=..., descending=None, keep: int | None = None) -> None:
        # Older workers see the generation move on and stop, even inside a running query
        # (the connection's progress handler asks).
        self._generation += 1
        self.probe.requested = self._generation
        if keep is None:
            line = self.table.current_line()
            keep = line.row_id if line else None
        self._compute(self._generation, filter_, sort_key, descending, keep, self.view.version)

    @work(thread=True, group="compute")
    def _compute(self, generation: int, filter_, sort_key, descending, keep, version: int) -> None:
        stale = lambda: generation != self._generation  # noqa: E731
        store = self.app.store
        connection = store.db.connection()
        if store.is_sqlite:
            connection.set_progress_handler(lambda: 1 if stale() else 0, 20_000)
        fetched: set[int] = set()
        try:
            # Stages: the rows found so far, the first screenful, then all rows and the count.
            with regex_engine.translated():
                for computed in self.view.results(filter_, sort_key, descending, cancelled=stale):
                    if stale():
                        return
                    # Where the cursor's row now is, and the rows to draw there, found here
                    # rather than on the screen's thread.
                    at = position(computed.ids, keep) if keep is not None else None
                    ids = [i for i in self.view.missing(at or 0, (at or 0) + SCREENFUL, computed.ids) if i not in fetched]
                    rows = self.view.fetch(ids) if ids else []
                    fetched.update(ids)
                    self.app.call_from_thread(self._computed, generation, computed, at, (ids, rows, version))
        except StoreError as exc:
            self.app.call_from_thread(self._compute_failed, generation, str(exc))
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
            self.filter_error.failed = message

    def _computed(self, generation: int, computed: Computed, keep_at: int | None, fetched: tuple) -> None:
        if generation != self._generation:
            return  # a newer keystroke already asked for something else
        self.view.add_rows(*fetched)
        self.view.apply(computed)
        self.probe.applied, self.probe.applied_at = generation, time.perf_counter()
        if not computed.looking:
            self.probe.settled = generation  # the first screenful is final
        self.filter_error.failed = ""
        self.table.refresh_layout()
        if keep_at is not None:
            self.table.move_to(self.view.line_of_index(keep_at))
        self.update_status()

    def reload(self) -> None:
        """The store changed (a delete, an undo, another process): fetch everything anew."""
        self.view.reload_rows()
        self.recompute()
        self._look_up_heading()
        if self.view.expanded:
            self._refresh_children(list(self.view.expanded), self.view.version)

    # -- rows and lines the table lacks ----------------------------------------------------------

    def on_results_table_rows_wanted(self, event) -> None:
        ids = [i for i in event.ids if i not in self._fetching]
        if ids:
            self._fetching.update(ids)
            self._fetch_rows(ids, self.view.version)

    @work(thread=True, group="rows")
    def _fetch_rows(self, ids: list[int], version: int) -> None:
        rows = closing(self.app.store, lambda: self.view.fetch(ids))()
        self.app.call_from_thread(self._rows_fetched, ids, rows, version)

    def _rows_fetched(self, ids: list[int], rows: list, version: int) -> None:
        self._fetching.difference_update(ids)
        self.view.add_rows(ids, rows, version)
        self.table.refresh()

    async def row_at(self, index: int):
        """The row at `index`, fetched in a worker if the table has not drawn it yet."""
        row = self.view.row(index)
        if row is None and 0 <= index < len(self.view.ids):
            ids, version = [self.view.ids[index]], self.view.version
            self.view.add_rows(ids, await off_thread(self, lambda: self.view.fetch(ids)), version)
            row = self.view.row(index)
        return row

    async def current_row(self):
        line = self.table.current_line()
        return await self.row_at(line.index) if line is not None else None

    async def toggle_expanded(self, row_id: int) -> None:
        if row_id in self.view.expanded:
            self.view.set_expanded(row_id, None)
        else:
            self.view.set_expanded(row_id, await off_thread(self, lambda: self.view.child_lines(row_id)))
        self.table.refresh_layout()

    @work(thread=True, exclusive=True, group="children")
    def _refresh_children(self, row_ids: list[int], version: int) -> None:
        lines = closing(self.app.store, lambda: {rid: self.view.child_lines(rid) for rid in row_ids})()
        self.app.call_from_thread(self._children_refreshed, lines, version)

    def _children_refreshed(self, lines: dict, version: int) -> None:
        if version == self.view.version:
            for rid, child_lines in lines.items():
                if rid in self.view.expanded:
                    self.view.set_expanded(rid, child_lines)
            self.table.refresh_layout()

    # -- the heading and the status ----------------------------------------------------

    @work(thread=True, exclusive=True, group="heading")
    def _look_up_heading(self) -> None:
        heading = closing(self.app.store, self.page.heading)()
        self.app.call_from_thread(self._heading_found, heading)

    def _heading_found(self, heading: str) -> None:
        self._heading = heading
        self.update_status()

    def update_status(self) -> None:
        # Each widget is touched only when its text changes, and the fixed-size ones without
        # a layout pass: a keystroke then repaints a few lines instead of laying out the screen.
        if self._heading is not None:
            title = visible(self.page.title(self.view.total, self._heading))
            if title != self._shown_title:
                self._shown_title = title
                self.query_one("#page-title").update(title)
        sort = self.view.sort_label()
        text = self.view.status() + (f" · sorted by {sort}" if sort else "") + f" · times in {time_zone_name()}"
        if text != self._shown_status:
            self._shown_status = text
            self.query_one("#status").update(text, layout=False)

    def selection_changed(self) -> None:
        self.table.refresh()
        self.update_status()

    # -- changes by another process ----------------------------------------------------------------

    def poll_changes(self) -> None:
        """Another process (an import) changed the database: show it, keep cursor and selection."""
        self._poll()

    @work(thread=True, exclusive=True, group="poll")
    def _poll(self) -> None:
        if self._watch.changed():
            self.app.call_from_thread(self._store_changed)

    def _store_changed(self) -> None:
        self.reload()
        self.prune_selection()

    def prune_selection(self) -> None:
        """Drop selected results another process deleted (after the page reloaded)."""
        if self.view.selected:
            self._prune(self.view.level, sorted(self.view.selected))

    @work(thread=True, exclusive=True, group="prune")
    def _prune(self, level: str, ids: list[int]) -> None:
        gone = set(ids).difference(closing(self.app.store, lambda: existing_ids(level, ids))())
        if gone:
            self.app.call_from_thread(self._pruned, gone)

    def _pruned(self, gone: set[int]) -> None:
        # Only what was found gone: a row selected meanwhile stays selected.
        self.view.selected.difference_update(gone)
        self.selection_changed()

"""What a results page does to results: export, delete and copy them (jatos.md §5), with progress.

A page holds the ids it once read; another process may have deleted some since. The dialogs
count, in a worker, what still exists, show those counts and act on exactly those results.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.widgets import Label, ProgressBar

from store import Selection, StoreError
from store.columns import Column
from store.db.existing import existing_ids
from store.exporting.export import default_filename, export
from store.formats.jatos_values import human_size
from store.pages.order import ordered_ids
from store.pages.view import Line
from store.pages.visible import visible
from store.removal import trash
from store.removal.delete import DeleteResult, delete_ids, describe
from tui import clipboard
from tui.dialogs import ConfirmScreen, DeleteScreen, ExportRequest, ExportScreen
from tui.widgets.display import cell_text


class ResultActions:
    """Export, delete, copy and progress of a ResultsScreen (its `view`, `table` and `page`)."""

    last_delete: int | None = None  # the page's last delete, in the trash: u undoes it
    nothing_to_undo = "Nothing to undo: no delete on this page since it opened."

    def _in_worker(self, question: Callable):
        """`question` for a dialog's worker thread, which closes its own connection after."""
        store = self.app.store

        def ask():
            try:
                return question()
            finally:
                store.db.close()

        return ask

    # -- the selection --------------------------------------------------------------------------

    def prune_selection(self) -> None:
        """Drop selected results another process deleted (after the page reloaded)."""
        if self.view.selected:
            self._prune_worker(self.view.level, sorted(self.view.selected))

    @work(thread=True, exclusive=True, group="prune")
    def _prune_worker(self, level: str, ids: list[int]) -> None:
        found = self._in_worker(lambda: existing_ids(level, ids))()
        gone = set(ids).difference(found)
        if gone:
            self.app.call_from_thread(self._pruned, gone)

    def _pruned(self, gone: set[int]) -> None:
        # Only what was found gone: a row selected meanwhile stays selected.
        self.view.selected.difference_update(gone)
        self._selection_changed()

    # -- export -----------------------------------------------------------------------------------

    def _selected_selection(self, ids: list[int], for_csv: bool = False) -> Selection:
        if for_csv:
            # JATOS's CSV takes the selected rows that also match the filter (§3.2).
            shown = set(self.view.ids)
            ids = [i for i in ids if i in shown]
        if self.view.level == "component":
            return Selection(component_result_ids=ids)
        return Selection(study_result_ids=ids)

    async def action_export(self) -> None:
        level, page, selected = self.view.level, self.page, self.view.selected_in_order()

        def count() -> tuple[list[int], int]:
            return existing_ids(level, selected), len(ordered_ids(page.selection(), None, True))

        screen = ExportScreen(self._in_worker(count), level, default_filename, selected_first=bool(selected))
        await self.app.push_screen(screen, self._export_chosen)

    def _export_chosen(self, request: ExportRequest | None) -> None:
        if request is None:
            return
        if request.path.exists():
            self.app.push_screen(
                ConfirmScreen(f"{request.path} exists. Replace it?", "Replace", "warning"),
                lambda yes: self._run_export(request, force=True) if yes else None,
            )
        else:
            self._run_export(request, force=False)

    def _run_export(self, request: ExportRequest, force: bool) -> None:
        if request.scope == "selected":
            selection = self._selected_selection(request.ids, for_csv=request.kind == "metadata-csv")
        else:
            selection = self.page.selection()
        self._cancel.clear()
        self._show_progress(f"Exporting to {request.path.name} (escape cancels)")
        self._export_worker(request, selection, force)

    @work(thread=True, exclusive=True, group="export")
    def _export_worker(self, request: ExportRequest, selection: Selection, force: bool) -> None:
        try:
            result = export(
                self.app.store,
                request.kind,
                selection,
                request.path,
                force=force,
                columns=list(self.view.columns),
                progress=lambda d, t: self.app.call_from_thread(self._progress, d, t),
                cancelled=self._cancel.is_set,
            )
        except (StoreError, OSError) as exc:
            self.app.call_from_thread(self._work_failed, str(exc))
            return
        note = ""
        if result.without_components:
            note = f" ({result.without_components} study results without component results are never exported, as in JATOS)"
        self.app.call_from_thread(
            self._work_done, f"Exported {result.path} ({human_size(result.bytes)}){note}."
        )

    # -- delete -----------------------------------------------------------------------------------

    async def action_delete(self) -> None:
        await self.action_delete_selected()

    async def action_delete_selected(self) -> None:
        ids = self.view.selected_in_order()
        if not ids:
            self.app.notify("No results selected: select some (space, a, v, f), or delete all with X.", severity="warning")
            return
        await self._confirm_delete(ids)

    async def action_delete_all(self) -> None:
        """Every result of this page, whatever the filter shows."""
        await self._confirm_delete(None)

    async def _confirm_delete(self, selected: list[int] | None) -> None:
        level, page = self.view.level, self.page

        def resolve() -> tuple[list[int], str]:
            if selected is None:
                ids = sorted(ordered_ids(page.selection(), None, True))
            else:
                ids = existing_ids(level, selected)
            if not ids:
                return ids, "None of these results is in the store any more: another process deleted them."
            return ids, visible(f"Delete {describe(level, ids)}: result data, files and metadata.")

        await self.app.push_screen(
            DeleteScreen(self._in_worker(resolve), level, everything=selected is None),
            lambda ids: self._run_delete(ids) if ids else None,
        )

    def _run_delete(self, ids: list[int]) -> None:
        self._show_progress(f"Deleting {len(ids)} results")
        self._delete_worker(ids)

    @work(thread=True, exclusive=True, group="delete")
    def _delete_worker(self, ids: list[int]) -> None:
        try:
            result = delete_ids(self.app.store, self.view.level, ids)
        except (StoreError, OSError) as exc:
            self.app.call_from_thread(self._work_failed, str(exc))
            return
        self.app.call_from_thread(self._deleted, ids, result)

    def _deleted(self, ids: list[int], result: DeleteResult) -> None:
        self.view.selected.difference_update(ids)
        self.last_delete = result.op
        line = result.what()
        self._work_done(line[0].upper() + line[1:] + ". Press u to undo.")
        self._reload()
        self.prune_selection()  # and whatever another process deleted meanwhile

    def _reload(self) -> None:
        self.view.reload_rows()
        self.recompute()

    # -- undo -------------------------------------------------------------------------------------

    def action_undo(self) -> None:
        """Put the page's last delete back from the trash."""
        if self.last_delete is None:
            self.app.notify(self.nothing_to_undo, severity="warning")
            return
        op, self.last_delete = self.last_delete, None
        self.nothing_to_undo = "Nothing to undo: the page's last delete is undone already."
        self._show_progress("Restoring the deleted results")
        self._undo_worker(op)

    @work(thread=True, exclusive=True, group="delete")
    def _undo_worker(self, op: int) -> None:
        try:
            result = trash.restore(self.app.store, op=op)
        except (StoreError, OSError) as exc:
            self.app.call_from_thread(self._work_failed, str(exc))
            return
        finally:
            self.app.store.db.close()
        line = result.line()
        self.app.call_from_thread(self._work_done, line[0].upper() + line[1:] + ".")
        self.app.call_from_thread(self._reload)

    # -- clipboard ----------------------------------------------------------------------------------------

    def _row_and_columns(self) -> tuple[Line | None, object, list[Column]]:
        line = self.table.current_line()
        row = self.view.row(line.index) if line else None
        return line, row, self.view.columns

    def action_copy_cell(self) -> None:
        line, row, cols = self._row_and_columns()
        if row is None or not cols:
            return
        col = cols[self.table.column]
        text = col.render(row) if col.key not in ("quota", "files") else cell_text(col, row).strip()
        clipboard.copy(self.app, text, f"{col.title} of result {row.id}")

    def action_copy_row(self) -> None:
        line, row, cols = self._row_and_columns()
        if row is None:
            return
        text = "\t".join(c.render(row) for c in cols)
        clipboard.copy(self.app, text, f"row {row.id}")

    def action_copy_data(self) -> None:
        line = self.table.current_line()
        if line is None:
            return
        from store.exporting.export import iter_data
        from store.pages.selection import component_ids_of

        if line.child is not None:
            ids = [line.child.id]
        elif self.view.level == "component":
            ids = [line.row_id]
        else:
            ids = component_ids_of([line.row_id])
        text = b"".join(d + b"\n" for _, d in iter_data(ids) if d is not None).decode("utf-8")
        clipboard.copy(self.app, text, "the result data")

    # -- progress ---------------------------------------------------------------------------------

    def _show_progress(self, label: str) -> None:
        self.query_one("#progress-label", Label).update(label)
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#progress-bar").remove_class("hidden")

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#progress", ProgressBar).update(total=max(total, 1), progress=done)

    def _hide_progress(self) -> None:
        self.query_one("#progress-bar").add_class("hidden")

    def _work_done(self, message: str) -> None:
        self._hide_progress()
        self.app.notify(message, timeout=8)

    def _work_failed(self, message: str) -> None:
        self._hide_progress()
        self.app.notify(message, severity="error", timeout=10)

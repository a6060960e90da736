"""Export from a results page: the dialog, the question before a file is replaced, the export
in a worker with progress (escape cancels; nothing is written then)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from store import MissingData, Selection, StoreError, default_filename, existing_ids, export
from tui.dialogs import ConfirmScreen, ExportRequest, ExportScreen
from tui.threads import closing

if TYPE_CHECKING:
    from tui.screens.results import ResultsScreen


class ExportFlow:
    def __init__(self, screen: ResultsScreen) -> None:
        self.screen = screen

    async def start(self) -> None:
        screen = self.screen
        if screen.filter_bar.refuses():  # a metadata CSV of the selected takes the filter's rows
            return
        view, selected = screen.view, screen.view.selected_in_order()

        def count() -> tuple[list[int], int]:
            return existing_ids(view.level, selected), len(view.all_ids())

        dialog = ExportScreen(closing(screen.app.store, count), view.level, default_filename, selected_first=bool(selected))
        await screen.app.push_screen(dialog, self._chosen)

    def _chosen(self, request: ExportRequest | None) -> None:
        if request is None:
            return
        if request.path.exists():
            self.screen.app.push_screen(
                ConfirmScreen(f"{request.path} exists. Replace it?", "Replace", "warning"),
                lambda yes: self._run(request, force=True) if yes else None,
            )
        else:
            self._run(request, force=False)

    def _selection(self, request: ExportRequest) -> Selection:
        view = self.screen.view
        if request.scope != "selected":
            return dataclasses.replace(view.selection(), exclude_labels=request.exclude_labels)
        ids = request.ids
        if request.kind == "metadata-csv":
            # JATOS's CSV takes the selected rows that also match the filter (§3.2).
            shown = set(view.ids)
            ids = [i for i in ids if i in shown]
        if view.level == "component":
            return Selection(component_result_ids=ids, exclude_labels=request.exclude_labels)
        return Selection(study_result_ids=ids, exclude_labels=request.exclude_labels)

    def _run(self, request: ExportRequest, force: bool) -> None:
        screen = self.screen
        selection, columns, progress = self._selection(request), list(screen.view.columns), screen.progress
        progress.start(f"Exporting to {request.path.name} (escape cancels)")

        def work() -> None:
            call = screen.app.call_from_thread
            try:
                result = export(
                    screen.app.store, request.kind, selection, request.path, force=force, columns=columns,
                    progress=lambda done, total: call(progress.advance, done, total), cancelled=progress.cancelled,
                    trial_format=request.fmt, allow_missing_data=request.allow_missing_data,
                )
            except MissingData as exc:  # the app's way to leave it out, not the command line's
                call(progress.failed, f"{exc.what}; or tick “Export without the missing data” in the export dialog")
                return
            except (StoreError, OSError) as exc:
                call(progress.failed, str(exc))
                return
            note = ""
            if result.without_components:
                note = f" ({result.without_components} study results without component results are never exported, as in JATOS)"
            # The command line's summary: what was written, how many results, what was left out.
            call(progress.done, f"Exported {result.line().removeprefix('wrote ')}{note}.")

        screen.run_worker(closing(screen.app.store, work), thread=True, exclusive=True, group="export")

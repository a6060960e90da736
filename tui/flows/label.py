"""Labelling from a results page: l opens the dialog for the selection (or, with none, the
row under the cursor), prefilled with what those results carry; the store writes in a worker
and the page reloads, so the Label and Note columns and the filter show the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store import SUGGESTED_LABELS, clear_labels, labels_of, set_labels
from tui.dialogs import LabelRequest, LabelScreen
from tui.dialogs.label import Current
from tui.flows.store_work import change_in_worker
from tui.threads import off_thread

if TYPE_CHECKING:
    from tui.screens.results import ResultsScreen


def current_of(ids: list[int]) -> Current:
    """What these study results carry now (in a worker: it asks the store)."""
    held = labels_of(ids)
    labels = {held[i].label if i in held else "" for i in ids}
    notes = {held[i].note if i in held else "" for i in ids}
    return Current(
        labels.pop() if len(labels) == 1 else "", notes.pop() if len(notes) == 1 else "", len(labels) > 1, len(notes) > 1
    )


class LabelFlow:
    def __init__(self, screen: ResultsScreen) -> None:
        self.screen = screen

    async def start(self) -> None:
        screen = self.screen
        if screen.view.level != "study":
            screen.app.notify(
                "Labels belong to study results: label them on the study's (or a batch's) results page.",
                severity="warning",
            )
            return
        ids = screen.view.selected_in_order()
        if not ids:
            line = screen.table.current_line()
            if line is None:
                screen.app.notify("No result to label on this page.", severity="warning")
                return
            ids = [line.row_id]  # a component line under an expanded row labels its study result
        current = await off_thread(screen, lambda: current_of(ids))
        await screen.app.push_screen(
            LabelScreen(len(ids), current, SUGGESTED_LABELS), lambda request: self._run(ids, request) if request else None
        )

    def _run(self, ids: list[int], request: LabelRequest) -> None:
        store = self.screen.app.store

        def change():
            if request.clear:
                return clear_labels(store, ids)
            return set_labels(store, ids, request.label, request.note)

        change_in_worker(self.screen, f"Labelling {len(ids)} study results", change, "label")

"""Delete from a results page, and undo: the dialog that states exactly what goes, the delete
in a worker (the results go to the trash), and u to put the page's last delete back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from store import DeleteResult, delete_ids, describe, existing_ids, trash, visible
from tui.dialogs import DeleteScreen
from tui.flows.store_work import change_in_worker, sentence
from tui.threads import closing

if TYPE_CHECKING:
    from tui.screens.results import ResultsScreen


class DeleteFlow:
    def __init__(self, screen: ResultsScreen) -> None:
        self.screen = screen
        self.last_delete: int | None = None  # the page's last delete, in the trash: u undoes it
        self.nothing_to_undo = "Nothing to undo: no delete on this page since it opened."

    async def selected(self) -> None:
        ids = self.screen.view.selected_in_order()
        if not ids:
            self.screen.app.notify(
                "No results selected: select some (space, a, v, f), or delete all with X.", severity="warning"
            )
            return
        await self._confirm(ids)

    async def everything(self) -> None:
        """Every result of the page, whatever the filter shows."""
        await self._confirm(None)

    async def _confirm(self, selected: list[int] | None) -> None:
        view = self.screen.view

        def resolve() -> tuple[list[int], str]:
            ids = sorted(view.all_ids()) if selected is None else existing_ids(view.level, selected)
            if not ids:
                return ids, "None of these results is in the store any more: another process deleted them."
            return ids, visible(f"Delete {describe(view.level, ids)}: result data, files and metadata.")

        await self.screen.app.push_screen(
            DeleteScreen(closing(self.screen.app.store, resolve), view.level, everything=selected is None),
            lambda ids: self._run(ids) if ids else None,
        )

    def _run(self, ids: list[int]) -> None:
        screen, level = self.screen, self.screen.view.level
        change_in_worker(
            screen, f"Deleting {len(ids)} results", lambda: delete_ids(screen.app.store, level, ids), "delete",
            done=lambda result: self._deleted(ids, result),
        )

    def _deleted(self, ids: list[int], result: DeleteResult) -> None:
        self.screen.view.selected.difference_update(ids)
        self.last_delete = result.op
        self.screen.progress.done(sentence(result.what()) + " Press u to undo.")
        self.screen.reload()
        self.screen.prune_selection()  # and whatever another process deleted meanwhile

    def undo(self) -> None:
        """Put the page's last delete back from the trash."""
        screen = self.screen
        if self.last_delete is None:
            screen.app.notify(self.nothing_to_undo, severity="warning")
            return
        op, self.last_delete = self.last_delete, None
        self.nothing_to_undo = "Nothing to undo: the page's last delete is undone already."
        change_in_worker(screen, "Restoring the deleted results", lambda: trash.restore(screen.app.store, op=op), "delete")

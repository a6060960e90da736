"""A change to the store from a results page, in a worker: progress while it runs, its
summary line (or its one-line error) at the end, and the page reloaded to show it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from store import StoreError
from tui.threads import closing

if TYPE_CHECKING:
    from tui.screens.results import ResultsScreen


def change_in_worker(screen: ResultsScreen, doing: str, change: Callable[[], object], group: str) -> None:
    """Run `change()` (it returns something with a `line()`) in a worker of the screen."""
    screen.progress.start(doing)

    def work() -> None:
        try:
            result = change()
        except (StoreError, OSError) as exc:
            screen.app.call_from_thread(screen.progress.failed, str(exc))
            return
        line = result.line()
        screen.app.call_from_thread(screen.progress.done, line[0].upper() + line[1:] + ".")
        screen.app.call_from_thread(screen.reload)

    screen.run_worker(closing(screen.app.store, work), thread=True, exclusive=True, group=group)

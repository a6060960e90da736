"""A change to the store from a results page, in a worker: progress while it runs, its
summary line (or its one-line error) at the end, and the page reloaded to show it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from store import StoreError
from tui.threads import closing

if TYPE_CHECKING:
    from tui.screens.results import ResultsScreen


def sentence(line: str) -> str:
    """A summary line as the status shows it: a capital letter and a full stop."""
    return line[0].upper() + line[1:] + "."


def change_in_worker(
    screen: ResultsScreen, doing: str, change: Callable[[], object], group: str,
    done: Callable[[object], None] | None = None,
) -> None:
    """Run `change()` in a worker of the screen; `done(result)` runs on the screen's thread
    after it (by default: the result's `line()` in the status, and the page reloaded)."""
    screen.progress.start(doing)

    def summarised(result) -> None:
        screen.progress.done(sentence(result.line()))
        screen.reload()

    def work() -> None:
        try:
            result = change()
        except (StoreError, OSError) as exc:
            screen.app.call_from_thread(screen.progress.failed, str(exc))
            return
        screen.app.call_from_thread(done or summarised, result)

    screen.run_worker(closing(screen.app.store, work), thread=True, exclusive=True, group=group)

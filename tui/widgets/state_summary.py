"""One line above a results page's table: the page's counts per state, as filtered
(`FINISHED 812 · ABORTED 90 · FAIL 12`). Counted in a thread worker once the page's answer
is final, so typing in the filter never waits for it; a count overtaken by a newer one is
dropped."""

from __future__ import annotations

from collections.abc import Callable

from textual.reactive import reactive
from textual.widgets import Static

from store import Frequency, StoreError
from tui.threads import closing


class StateSummary(Static):
    counts: reactive[tuple[tuple[str, int], ...] | None] = reactive(None, layout=False)

    def __init__(self, **kw) -> None:
        super().__init__("", **kw)
        self._asked = 0  # the newest count asked for

    def recount(self, question: Callable[[], Frequency]) -> None:
        """Count anew in a worker: `question()` runs there (SQL)."""
        self._asked += 1
        asked = self._asked

        def work() -> None:
            if asked != self._asked:
                return  # a newer answer came before this one started
            try:
                counted = question()
            except StoreError:
                counted = None
            self.app.call_from_thread(self._counted, asked, counted)

        self.run_worker(closing(self.app.store, work), thread=True, group="state-summary", exit_on_error=False)

    def _counted(self, asked: int, counted: Frequency | None) -> None:
        if asked == self._asked and counted is not None and self.is_attached:
            self.counts = tuple((v.text, v.count) for v in counted.values)

    def watch_counts(self, counts) -> None:
        if counts is not None:
            self.update(" · ".join(f"{text} {n}" for text, n in counts) or "no results")

"""A page's word about its database server (PostgreSQL): when the server is out of reach
(restarting, down), one notification instead of a crash, the page keeps what it shows; when
a later poll reaches it again, one notification and the page reloads."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen

from tui.threads import closing

LOST = "The database server cannot be reached ({why}); the page keeps what it shows and tries again every 2 s."
BACK = "Connected to the database server again."


class ConnectionNotice:
    def __init__(self, screen: Screen, on_back: Callable[[], None]) -> None:
        self.screen = screen
        self.on_back = on_back
        self.lost = False  # changed on the screen's thread only

    def guard(self, work: Callable[[], None]) -> Callable[[], None]:
        """`work` for a thread worker: an unreachable server ends it with the notice."""
        store = self.screen.app.store

        def guarded() -> None:
            try:
                work()
            except Exception as exc:
                if not store.unreachable(exc):
                    raise
                why = (str(getattr(exc, "orig", exc)) or type(exc).__name__).strip().splitlines()[0]
                self.screen.app.call_from_thread(self._went, why)

        return guarded

    def reached(self) -> None:
        """From a worker, each poll: if the server was gone, ask it something (raising while
        it is still away); an answer means it is back."""
        if self.lost:
            closing(self.screen.app.store, self.screen.app.store.ping)()
            self.screen.app.call_from_thread(self._came_back)

    def _went(self, why: str) -> None:
        if not self.lost:
            self.lost = True
            self.screen.app.notify(LOST.format(why=why), severity="warning")

    def _came_back(self) -> None:
        if self.lost:
            self.lost = False
            self.screen.app.notify(BACK)
            self.on_back()

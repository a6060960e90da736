"""The Textual app: the results pages of JATOS, in a terminal."""

from __future__ import annotations

import gc
import sys

from textual.app import App
from textual.binding import Binding

from store import Page, Store, load_arrow, open_store
from tui.screens.home import HomeScreen
from tui.screens.results import ResultsScreen


class ResultsApp(App):
    # A screen's own CSS_PATH is read when the screen first opens, and the whole app's styles
    # are worked out again then (a stall of ~70 ms): the pages' files are read at start.
    CSS_PATH = ["app.tcss", "screens/health.tcss", "screens/detail.tcss"]
    TITLE = "jatos-results"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, id="app.quit")]

    def __init__(self, store: Store, page: Page | None = None) -> None:
        super().__init__()
        self.store = store
        self.start_page = page
        # The last choice of a page's test-run toggle: each page opened afterwards starts with it.
        self.hide_test_runs = False

    async def on_mount(self) -> None:
        # Each screen mounted, its table focused, before the first key is routed: keys typed
        # while the app starts are the page's.
        await self.push_screen(HomeScreen())
        if self.start_page is not None:
            await self.push_screen(ResultsScreen(self.start_page))
        self.call_after_refresh(_settle_garbage_collector)
        sys.setswitchinterval(SWITCH_INTERVAL)
        # pyarrow's import holds the interpreter for up to 90 ms: here, while the first page
        # loads, not at the first filter's scan or count, where the screen froze that long.
        self.run_worker(load_arrow, thread=True, group="warm-up", exit_on_error=False)


# Workers run Python between their native scans (a span's keys, the page's rows): the
# screen's thread, asking for the interpreter, waited up to Python's 5 ms each time, more
# behind two or three workers (stalls of 60-70 ms at M while a filter ran; 12-20 ms with 1 ms).
SWITCH_INTERVAL = 0.001


def _settle_garbage_collector() -> None:
    # A filter over a million rows makes millions of short-lived objects, and each full
    # collection walked every widget and style of the app while holding the interpreter:
    # the screen froze for 60-90 ms. Objects that live as long as the app are moved out of
    # the collector's sight, and young objects are collected less often.
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def page_from_args(args) -> Page | None:
    for kind in ("study", "component", "batch", "group", "worker"):
        value = getattr(args, kind, None)
        if value is not None:
            return Page(kind, value)
    return None


def run_app(db, args) -> int:
    store = open_store(db)
    try:
        page = page_from_args(args)
        if page is not None:
            page.selection().check_scope()
        ResultsApp(store, page).run(mouse=not getattr(args, "no_mouse", False))
    finally:
        store.close()
    return 0




"""The progress of a page's long work (export, delete, undo): shown only while one runs."""

from __future__ import annotations

import threading

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label, ProgressBar


class Progress(Horizontal):
    running: reactive[bool] = reactive(False)

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        yield Label("", id="progress-label")
        yield ProgressBar(id="progress", show_eta=False)

    def watch_running(self, running: bool) -> None:
        self.display = running

    def start(self, label: str) -> None:
        self._cancel.clear()
        self.query_one("#progress-label", Label).update(label)
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.running = True

    def advance(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)

    def stop(self) -> None:
        self.running = False

    def done(self, message: str) -> None:
        """The work ended: say what it did."""
        self.stop()
        self.app.notify(message, timeout=8)

    def failed(self, message: str) -> None:
        self.stop()
        self.app.notify(message, severity="error", timeout=10)

    def cancel(self) -> None:
        """Ask the running work to stop (work that checks `cancelled`: an export)."""
        self._cancel.set()

    def cancelled(self) -> bool:
        """Safe to call from the worker."""
        return self._cancel.is_set()

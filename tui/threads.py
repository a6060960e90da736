"""Database work off the screen's thread: every query of the app runs in a thread worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.dom import DOMNode
from textual.worker import WorkerFailed

T = TypeVar("T")


def closing(store, question: Callable[[], T]) -> Callable[[], T]:
    """`question` for a worker thread, which closes its own connection after: each worker is
    a thread with a connection (and its page cache) of its own, closed now rather than
    whenever the garbage collector finds it."""

    def ask() -> T:
        try:
            return question()
        finally:
            store.db.close()

    return ask


async def off_thread(node: DOMNode, question: Callable[[], T], group: str = "query") -> T:
    """The answer of `question()`, asked in a thread worker of `node` and awaited.

    The screen keeps drawing meanwhile; an action that awaits this holds the keys typed
    after it until it has its answer, so they still act in the order typed."""
    worker = node.run_worker(closing(node.app.store, question), thread=True, group=group, exit_on_error=False)
    try:
        return await worker.wait()
    except WorkerFailed as failed:
        raise failed.error from None

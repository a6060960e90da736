"""Run a producer in a thread while the caller consumes what it makes.

An import reads, inflates and renders in Python while SQLite writes and indexes in C
without the interpreter lock: with the two in separate threads, both cores work.
"""

from __future__ import annotations

import queue
import threading
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")

_END = object()


class _Failed:
    def __init__(self, exc: BaseException):
        self.exc = exc


def prefetched(items: Iterable[T], depth: int = 3) -> Iterator[T]:
    """Yield what `items` yields, computed ahead in a thread (at most `depth` items ahead).

    An exception in the producer is raised here, in the consumer. When the consumer stops
    early (an exception, a cancel, `close()`), the producer stops at its next item and the
    thread is joined before this generator finishes.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # handed to the consumer, raised there
            put(_Failed(exc))

    thread = threading.Thread(target=run, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join()

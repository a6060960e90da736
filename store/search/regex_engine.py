"""The filter's regular expressions: Python's dialect, through the `regex` module, with a
time budget per row and the interpreter lock released while matching.

Python's `re` backtracks without limit: `(a+)+$` on one long row runs for minutes and,
holding the interpreter lock, freezes the screen. `regex` takes a timeout per search and
matches with the lock released (`concurrent`), so the screen keeps answering keys. A
pattern that needs more than ROW_BUDGET seconds on one row is refused with one line
instead of running on.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from functools import lru_cache

import peewee
import regex

from store.errors import StoreError

ROW_BUDGET = 0.25  # seconds a pattern may take on one row's text

_slow = threading.local()  # the pattern that ran out of time, per thread (SQLite calls back)


class RegexTooSlow(StoreError):
    def __init__(self, pattern: str):
        from store.pages.visible import visible

        super().__init__(
            f"the regular expression {visible(pattern)!r} takes too long on the results' data "
            "(it backtracks without end, as (a+)+$ does); write it without nested repeats"
        )


@lru_cache(maxsize=64)
def _compiled(pattern: str, flags: int = 0):
    return regex.compile(pattern, regex.VERSION0 | flags)


def compile_pattern(pattern: str, case_sensitive: bool):
    """Raises regex.error (or OverflowError, RecursionError) for a pattern it cannot take;
    its message counts positions in the pattern as the user wrote it."""
    return _compiled(pattern, 0 if case_sensitive else regex.IGNORECASE)


def search(compiled, text: str) -> bool:
    """Whether the pattern is found in the text, within the budget."""
    try:
        return compiled.search(text, timeout=ROW_BUDGET, concurrent=True) is not None
    except TimeoutError:
        _slow.pattern = compiled.pattern
        raise RegexTooSlow(compiled.pattern) from None


def sqlite_regexp(pattern: str, value) -> bool:
    """SQLite's `value REGEXP pattern` (a user function: SQLite passes the pattern first)."""
    if value is None:
        return False
    return search(_compiled(pattern), value)


def raise_if_too_slow(exc: BaseException) -> None:
    """After an SQLite error from a query: if a regex ran out of time in it, say that."""
    pattern = getattr(_slow, "pattern", None)
    if pattern is not None:
        _slow.pattern = None
        raise RegexTooSlow(pattern.removeprefix("(?i)")) from None


@contextlib.contextmanager
def translated():
    """Around a query that may run the filter's regex: a search out of time becomes
    RegexTooSlow (SQLite reports only that its callback raised)."""
    _slow.pattern = None
    try:
        yield
    except (sqlite3.OperationalError, peewee.OperationalError) as exc:
        raise_if_too_slow(exc)
        raise

"""Set operations on long arrays of ids, in Arrow's C without the interpreter lock.

A Python loop over a million ids (or one C call such as `list(compress(...))`) holds the
interpreter for tens of milliseconds at a time, and the screen's thread waits that long to
draw: a worker counting a page's states held it so.
"""

from __future__ import annotations

from array import array
from typing import Sequence

from store.arrow import arrow


def _int64(ids: Sequence[int]):
    pa, _ = arrow()
    if isinstance(ids, array) and ids.typecode == "q":
        return pa.Array.from_buffers(pa.int64(), len(ids), [None, pa.py_buffer(ids)])  # no copy
    return pa.array(ids, pa.int64())


def not_among(scope: Sequence[int], ids: Sequence[int]) -> array:
    """The ids of `scope` that are not among `ids`, in scope's order."""
    _, pc = arrow()
    whole = _int64(scope)
    kept = pc.filter(whole, pc.invert(pc.is_in(whole, value_set=_int64(ids))))
    out = array("q")
    data = kept.buffers()[1]
    if data is not None:
        out.frombytes(memoryview(data)[kept.offset * 8 : (kept.offset + len(kept)) * 8])
    return out

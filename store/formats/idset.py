"""A set of ids held as runs of consecutive ids, for what an import notes of every result
it reads (a million at M): ids met in ascending order, as JATOS numbers and lists them,
cost a few bytes a run instead of ~70 bytes an id in a plain set; ids met out of order
go into a plain set beside the runs.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from typing import Iterable, Iterator


class IdSet:
    __slots__ = ("_lo", "_hi", "_rest")

    def __init__(self, ids: Iterable[int] = ()):
        self._lo = array("q")  # run k holds the ids _lo[k] to _hi[k]; runs ascend, apart
        self._hi = array("q")
        self._rest: set[int] = set()  # ids below the last run's end that no run holds
        self.update(ids)

    def add(self, i: int) -> None:
        hi = self._hi
        if hi and i == hi[-1] + 1:
            hi[-1] = i
        elif not hi or i > hi[-1] + 1:
            self._lo.append(i)
            hi.append(i)
        elif i not in self:
            self._rest.add(i)

    def update(self, ids: Iterable[int]) -> None:
        for i in ids:
            self.add(i)

    def __contains__(self, i) -> bool:
        k = bisect_right(self._lo, i) - 1
        return (k >= 0 and i <= self._hi[k]) or i in self._rest

    def __len__(self) -> int:
        return sum(self._hi) - sum(self._lo) + len(self._lo) + len(self._rest)

    def __iter__(self) -> Iterator[int]:
        for lo, hi in zip(self._lo, self._hi):
            yield from range(lo, hi + 1)
        yield from self._rest

    def __bool__(self) -> bool:
        return bool(self._lo) or bool(self._rest)

    def __eq__(self, other) -> bool:
        return set(self) == set(other)

    __hash__ = None

"""Moments the benchmark (tests/bench/screen.py) and the tests wait on. The product only
records them here; nothing in it reads them."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class Probe:
    requested: int = 0  # the newest compute request of the page
    applied: int = -1  # the newest request whose rows are on screen
    applied_at: float = 0.0
    settled: int = -1  # the newest request whose first screenful is final
    filter_edits: int = 0  # filter changes the page has handled
    painted_at: float = 0.0  # when the table was last drawn (its header line)
    placeholder_at: float = 0.0  # when it last drew a row not fetched yet

    def painted(self) -> None:
        self.painted_at = time.perf_counter()

    def placeholder(self) -> None:
        self.placeholder_at = time.perf_counter()

    @property
    def complete_paint_at(self) -> float:
        """When the table was last drawn with every row on it fetched (0: not since it last
        drew a placeholder)."""
        return self.painted_at if self.placeholder_at < self.painted_at else 0.0

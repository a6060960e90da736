"""How long finished runs took (end − start), as a histogram, and the runs that were
exceptionally fast by Prolific's rule: more than 3 standard deviations faster than the mean.

Everything is counted in SQL (a few aggregates over the scope's finished runs); only the
fast runs' ids come back. The standard deviation is the sample's (n − 1), as
`statistics.stdev` computes it. The bins are spaced on a log scale: durations run from
seconds to days (a tab left open overnight), and on a linear scale every run but those
would share the first bin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from peewee import SQL, Case, Value, fn

from store.db.models import StudyResult
from store.health.flags import Flag
from store.health.scope import Scope

BINS = 12
SR = StudyResult
MS = 1000.0


@dataclass(frozen=True)
class Bin:
    low: float  # seconds; the first bin also holds anything faster
    high: float  # seconds; the last bin also holds its upper edge
    runs: int
    fast: int  # of them, exceptionally fast


@dataclass(frozen=True)
class Durations:
    runs: int  # finished runs with a start and an end
    mean: float | None  # seconds
    sd: float | None  # seconds, the sample's; None for fewer than two runs
    median: float | None
    shortest: float | None
    longest: float | None
    cutoff: float | None  # mean − 3 SD, seconds
    bins: tuple[Bin, ...]


def _finished(scope: Scope) -> list:
    return [*scope.conditions, SR.state == "FINISHED", SR.start_date.is_null(False), SR.end_date.is_null(False)]


def durations(scope: Scope) -> tuple[Durations, Flag]:
    duration = SR.end_date - SR.start_date  # ms
    where = _finished(scope)
    n, mean, lo, hi = SR.select(fn.COUNT(SR.id), fn.AVG(duration), fn.MIN(duration), fn.MAX(duration)).where(*where).tuples()[0]
    if not n:
        return Durations(0, None, None, None, None, None, None, ()), _fast_flag((), None)
    mean = float(mean)
    sd = None
    if n > 1:
        # Two passes (the mean first): the sum of squares minus the squared sum loses the
        # digits that matter when durations are long and alike.
        squares = SR.select(fn.SUM((duration - mean) * (duration - mean))).where(*where).scalar()
        sd = math.sqrt(float(squares) / (n - 1))
    cutoff = mean - 3 * sd if sd is not None else None
    middle = SR.select(duration).where(*where).order_by(duration).limit(2 - n % 2).offset((n - 1) // 2).tuples()
    median = sum(float(d) for (d,) in middle) / (2 - n % 2)
    bins = _histogram(where, duration, float(lo), float(hi), cutoff)
    fast: tuple[int, ...] = ()
    if cutoff is not None and cutoff > lo:
        fast = tuple(r[0] for r in SR.select(SR.id).where(*where, duration < cutoff).order_by(SR.id).tuples())
    seconds = lambda v: v / MS if v is not None else None  # noqa: E731
    figures = Durations(
        int(n), seconds(mean), seconds(sd), seconds(median), seconds(float(lo)), seconds(float(hi)), seconds(cutoff), bins,
    )
    return figures, _fast_flag(fast, seconds(cutoff))


def edges(lo: float, hi: float, bins: int = BINS) -> list[float]:
    """Bin edges (ms) spaced evenly on a log scale from the shortest run (at least a second)
    to the longest: bins + 1 of them."""
    low = max(lo, MS)
    high = max(hi, low)
    if high <= low:
        return [low, low]  # every run took as long (or under a second): one bin
    ratio = high / low
    return [low * ratio ** (i / bins) for i in range(bins)] + [high]


def _histogram(where: list, duration, lo: float, hi: float, cutoff: float | None) -> tuple[Bin, ...]:
    cuts = edges(lo, hi)
    inner = cuts[1:-1]
    # The bin of each run: the first inner edge it is under; the last bin if none.
    which = Case(None, [(duration < e, i) for i, e in enumerate(inner)], len(inner)) if inner else Value(0)
    fast = fn.SUM(Case(None, [(duration < cutoff, 1)], 0)) if cutoff is not None else fn.SUM(0)
    counts = {b: (int(n), int(f or 0)) for b, n, f in SR.select(which, fn.COUNT(SR.id), fast).where(*where).group_by(SQL("1")).tuples()}
    return tuple(
        Bin(cuts[i] / MS, cuts[i + 1] / MS, *counts.get(i, (0, 0))) for i in range(len(cuts) - 1)
    )


def _fast_flag(ids: tuple[int, ...], cutoff: float | None) -> Flag:
    under = f" (under {cutoff:.1f} s)" if cutoff is not None and cutoff > 0 else ""
    return Flag(
        "exceptionally-fast", "Exceptionally fast",
        f"FINISHED runs more than 3 standard deviations faster than the mean{under}: Prolific's rule",
        ids,
    )

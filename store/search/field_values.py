"""The values a field term takes (store/search/fields.py): each parser turns the text after
`field:` into what the field compares, or raises ValueError with the reason in words.

Ordered values (ids, times, durations, sizes) become half-open intervals [lo, hi) of the
stored number (None: open): `>=x`, `>x`, `<=x`, `<x`, `x..y` (either end may be left
out), or `x` alone. A point is as wide as it is written: a day (`2024-05-01`) is the whole
day in this machine's time zone, as the table shows times; a minute (`2024-05-01T10:30`)
the whole minute; an id, a duration or a size is exact. So `started:>2024-05-01` starts
the next day and `started:2024-05-01..2024-05-07` takes the 7th whole.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Callable

from store.columns import SHORT_TYPES
from store.formats.jatos_values import COMPONENT_STATES, STUDY_STATES, WORKER_TYPE_NAMES


@dataclass(frozen=True)
class Interval:
    lo: int | None  # the stored number is at least this (None: no lower bound)
    hi: int | None  # ... and below this (None: no upper bound)

    def holds(self, value: int | None) -> bool:
        return value is not None and (self.lo is None or value >= self.lo) and (self.hi is None or value < self.hi)

    @property
    def point(self) -> bool:
        """One exact value."""
        return self.lo is not None and self.hi == self.lo + 1


LARGEST = 2**63 - 1  # what a database's integer holds


def _bounded(lo: int, hi: int, text: str) -> tuple[int, int]:
    if not -LARGEST <= lo < hi <= LARGEST:
        raise ValueError(f"{text!r} is too large")
    return lo, hi


# -- points: the text of one value -> [lo, hi) ------------------------------------------------


def integer_point(text: str) -> tuple[int, int]:
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a whole number")
    return _bounded(int(text), int(text) + 1, text)


_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:T(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def time_point(text: str) -> tuple[int, int]:
    """A day or a time of day in this machine's zone, as epoch ms, as wide as written."""
    m = _DATE.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not a date: write 2024-05-01 or 2024-05-01T10:30")
    parts = [int(p) for p in m.groups() if p is not None]
    try:
        start = _dt.datetime(*parts)
        end = start + {3: _dt.timedelta(days=1), 5: _dt.timedelta(minutes=1), 6: _dt.timedelta(seconds=1)}[len(parts)]
        # Naive: this machine's zone.
        return int(start.astimezone().timestamp() * 1000), int(end.astimezone().timestamp() * 1000)
    except (ValueError, OverflowError, OSError) as exc:
        raise ValueError(f"{text!r} is not a date ({exc})") from None


_UNITS = {"d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)(ms|d|h|m|s))+")
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2}):(\d{2})")


def duration_point(text: str) -> tuple[int, int]:
    """`90s`, `10m`, `1h30m`, `2d`, `500ms`, or the table's `[D:]HH:MM:SS`, exact to the ms."""
    low = text.lower()
    clock = _CLOCK.fullmatch(low)
    if clock:
        d, h, m, s = (int(x or 0) for x in clock.groups())
        value = ((d * 24 + h) * 60 + m) * 60_000 + s * 1000
        return _bounded(value, value + 1, text)
    if not _DURATION.fullmatch(low):
        raise ValueError(f"{text!r} is not a duration: write 90s, 10m, 1h30m, 2d or 00:10:00")
    value = sum(float(n) * _UNITS[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)", low))
    return _bounded(int(value), int(value) + 1, text)


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?")
_SIZE_UNITS = {None: 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3}  # SI, as JATOS shows sizes


def size_point(text: str) -> tuple[int, int]:
    """A data size in bytes: `10B`, `1.5KB`, `2MB`, `1GB` (SI: 1 KB is 1000 bytes, as the Data
    size column shows sizes), exact."""
    m = _SIZE.fullmatch(text.lower())
    if not m:
        raise ValueError(f"{text!r} is not a size: write 10B, 1.5KB, 2MB or 1GB")
    value = float(m.group(1)) * _SIZE_UNITS[m.group(2)]
    if value > LARGEST:
        raise ValueError(f"{text!r} is too large")
    return int(value), int(value) + 1


def ordered(point: Callable[[str], tuple[int, int]]) -> Callable[[str], Interval]:
    """The parser of comparisons and ranges over one kind of point."""

    def parse(text: str) -> Interval:
        for op in (">=", "<=", ">", "<", "="):
            if text.startswith(op):
                lo, hi = point(text[len(op):])
                return {
                    ">=": Interval(lo, None), "<=": Interval(None, hi), ">": Interval(hi, None),
                    "<": Interval(None, lo), "=": Interval(lo, hi),
                }[op]
        if ".." in text:
            first, _, last = text.partition("..")
            if not first and not last:
                raise ValueError("a range needs at least one end: 10..20, 10.. or ..20")
            lo = point(first)[0] if first else None
            hi = point(last)[1] if last else None
            if lo is not None and hi is not None and hi <= lo:
                raise ValueError(f"the range {text!r} is empty: its end is before its start")
            return Interval(lo, hi)
        return Interval(*point(text))

    return parse


# -- names ------------------------------------------------------------------------------------

STATES = tuple(dict.fromkeys(STUDY_STATES + COMPONENT_STATES))


def state(text: str) -> str:
    name = text.upper()
    if name not in STATES:
        raise ValueError(f"{text!r} is not a state; states are {', '.join(STATES)}")
    return name


def _squeezed(text: str) -> str:
    return "".join(text.split()).lower()


# JATOS's names, the page's long names and the table's short ones (what the Type cell shows).
_TYPES = (
    {_squeezed(k): k for k in WORKER_TYPE_NAMES}
    | {_squeezed(v): k for k, v in WORKER_TYPE_NAMES.items()}
    | {_squeezed(v): k for k, v in SHORT_TYPES.items()}
)


def worker_type(text: str) -> str:
    """A worker type by JATOS's name (`PersonalSingle`), the page's (`Personal Single`) or
    the table's short one (`PersSingle`), in any case; exactly that type (`MTurk` is not `MTurk Sandbox`)."""
    found = _TYPES.get(_squeezed(text))
    if found is None:
        names = ", ".join(WORKER_TYPE_NAMES.values())
        raise ValueError(f"{text!r} is not a worker type; types are {names}")
    return found


def title(text: str) -> str:
    """A title (or an id), compared whole and without regard to case."""
    if not text.strip():
        raise ValueError("an empty title")
    return text.strip().casefold()


def label(text: str) -> str:
    """A label as labels are stored (store/labels.py `normalise`): lower case, spaces squeezed."""
    name = " ".join(text.split()).lower()
    if not name:
        raise ValueError("an empty label")
    return name


def participant(text: str) -> str:
    """A participant id exactly as the URL gave it (ids are case-sensitive), or `dup`."""
    if not text.strip():
        raise ValueError("an empty participant id")
    return text.strip()


def choice(*names: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.lower() not in names:
            raise ValueError(f"{text!r} is not one of {', '.join(names)}")
        return text.lower()

    return parse

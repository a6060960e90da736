"""JATOS's enums and the way JATOS renders values (jatos.md §1.4, §1.7, §3.0, §5)."""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

STUDY_STATES = ("PRE", "STARTED", "DATA_RETRIEVED", "FINISHED", "ABORTED", "FAIL")
COMPONENT_STATES = (
    "STARTED",
    "DATA_RETRIEVED",
    "RESULTDATA_POSTED",
    "FINISHED",
    "RELOADED",
    "ABORTED",
    "FAIL",
)
GROUP_STATES = ("STARTED", "FINISHED", "FIXED")

WORKER_TYPE_NAMES = {
    "Jatos": "Jatos",
    "PersonalSingle": "Personal Single",
    "PersonalMultiple": "Personal Multiple",
    "GeneralSingle": "General Single",
    "GeneralMultiple": "General Multiple",
    "MT": "MTurk",
    "MTSandbox": "MTurk Sandbox",
}
WORKER_TYPES = tuple(WORKER_TYPE_NAMES)


def worker_type_name(worker_type: str) -> str:
    return WORKER_TYPE_NAMES.get(worker_type, worker_type)


@lru_cache(maxsize=8192)  # an import renders one per row, and sizes repeat
def human_size(size: int) -> str:
    """Helpers.humanReadableByteCount: SI units, one decimal, Java's half-up rounding."""
    if -1000 < size < 1000:
        return f"{size} B"
    units = "kMGTPE"
    i = 0
    while size <= -999_950 or size >= 999_950:
        size = _java_div(size, 1000)
        i += 1
    # Java formats the shortest decimal form of the double half-up (8250 B -> "8.3 kB").
    value = Decimal(repr(size / 1000.0)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value} {units[i]}B"


def _java_div(a: int, b: int) -> int:
    """Java's long division truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _java_rem(a: int, b: int) -> int:
    return a - b * _java_div(a, b)


def duration_pretty(start_ms: int | None, end_ms: int | None) -> str | None:
    """JsonUtils.getDurationPretty: [D:]HH:MM:SS, or None without an end."""
    if end_ms is None or start_ms is None:
        return None
    ms = end_ms - start_ms
    if ms >= 0:  # the usual case: floor and truncation agree
        s_total = ms // 1000
        days, rest = divmod(s_total, 86_400)
        text = f"{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"
        return text if days == 0 else f"{days}:{text}"
    seconds = _java_rem(_java_div(ms, 1000), 60)
    minutes = _java_rem(_java_div(ms, 60_000), 60)
    hours = _java_rem(_java_div(ms, 3_600_000), 24)
    days = _java_div(ms, 86_400_000)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return text if days == 0 else f"{days}:{text}"


def study_duration_display(start_ms, end_ms, last_seen_ms) -> str:
    """Duration column of the study results pages (§5)."""
    if end_ms is not None:
        return duration_pretty(start_ms, end_ms)
    if last_seen_ms is None or start_ms is None:
        return "none"
    return f"{duration_pretty(start_ms, last_seen_ms)} (not finished yet)"


def component_duration_display(start_ms, end_ms) -> str:
    return duration_pretty(start_ms, end_ms) if end_ms is not None else "not yet"


# Times are formatted for every row of an import (three or four per row): datetime is
# asked once per quarter hour and per day, and the rest is arithmetic. Every UTC offset in
# use since 1900 is a whole number of quarter hours, so a quarter hour of UTC is one of
# local time too; an odd historical offset falls back to datetime.


@lru_cache(maxsize=65_536)
def _local_quarter(quarter: int) -> tuple[str, int, int, str] | None:
    """Local date, hour, minute and UTC offset ("+02:00") at the start of a quarter hour."""
    dt = _dt.datetime.fromtimestamp(quarter * 900, tz=_dt.timezone.utc).astimezone()
    offset = dt.utcoffset()
    if offset is None or offset.total_seconds() % 900:
        return None
    return dt.strftime("%Y-%m-%d"), dt.hour, dt.minute, dt.isoformat()[19:]


@lru_cache(maxsize=65_536)
def _utc_day(day: int) -> str:
    return (_dt.date(1970, 1, 1) + _dt.timedelta(days=day)).isoformat()


@lru_cache(maxsize=64)  # a row's search text asks for each of its times twice
def _local_parts(ms: int) -> tuple[str, str, str]:
    """(date, time to the second, offset) in this machine's zone."""
    seconds = ms // 1000
    quarter, into = divmod(seconds, 900)
    parts = _local_quarter(quarter)
    if parts is None:
        dt = _dt.datetime.fromtimestamp(seconds, tz=_dt.timezone.utc).astimezone()
        return dt.strftime("%Y-%m-%d"), dt.strftime("%H:%M:%S"), dt.isoformat()[19:]
    date, hour, minute, offset = parts
    return date, f"{hour:02d}:{minute + into // 60:02d}:{into % 60:02d}", offset


def local_time(ms: int | None) -> str:
    """A time in the server's (this machine's) time zone as ISO 8601 with offset."""
    if ms is None:
        return "never"
    date, time, offset = _local_parts(ms)
    return f"{date}T{time}{offset}"


def local_short(ms: int | None) -> str:
    """A time in this machine's zone to the second, as the results table shows it."""
    if ms is None:
        return "never"
    date, time, _ = _local_parts(ms)
    return f"{date} {time}"


def utc_iso(ms: int | None) -> str:
    """JavaScript's Date.toISOString(), which JATOS's filter searches dates by."""
    if ms is None:
        return ""
    seconds, milli = divmod(ms, 1000)
    day, into = divmod(seconds, 86_400)
    hour, rest = divmod(into, 3600)
    return f"{_utc_day(day)}T{hour:02d}:{rest // 60:02d}:{rest % 60:02d}.{milli:03d}Z"


def parse_id_list(text: str) -> list[int]:
    """JATOS's id lists: comma-separated ids and inclusive ranges, "1-10, 12"."""
    ids: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            if sep:
                a, b = int(lo.strip()), int(hi.strip())
                if a > b:
                    raise ValueError
                if b - a > 10_000_000:
                    raise ValueError
                ids.extend(range(a, b + 1))
            else:
                a = b = int(part)
                ids.append(a)
            if not (0 <= a and b <= MAX_ID) or not part.isascii():
                raise ValueError
        except ValueError:
            raise ValueError(f"not an id or id range: {part!r}") from None
    return ids


MAX_ID = 2**63 - 1  # JATOS's ids are Java longs


def format_id_list(ids) -> str:
    """The inverse of parse_id_list: ascending ids as "1-10, 12", which --ids takes back."""
    parts: list[str] = []
    ids = sorted(set(ids))
    at = 0
    while at < len(ids):
        end = at
        while end + 1 < len(ids) and ids[end + 1] == ids[end] + 1:
            end += 1
        parts.append(str(ids[at]) if end == at else f"{ids[at]}-{ids[end]}")
        at = end + 1
    return ", ".join(parts)


def parse_id(text: str) -> int:
    """One id as JATOS has them: a whole number from 0 to 2^63 - 1, in ASCII digits."""
    text = str(text).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        raise ValueError(f"not an id: {text!r} (ids are whole numbers from 0 to {MAX_ID})")
    return int(text)

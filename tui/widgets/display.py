"""How the results table shows a cell (the store's columns give the JATOS text)."""

from __future__ import annotations

import datetime as _dt

from store import Column, local_short

WIDTHS = {
    "quota": 2, "id": 10, "uuid": 36, "study_code": 11, "start": 19, "end": 19, "last_seen": 19,
    "duration": 28, "batch": 14, "batch_id": 8, "worker_id": 9, "type": 17, "mt_worker_id": 14,
    "confirmation_code": 36, "group_id": 8, "files": 5, "state": 14, "message": 40, "study_id": 8,
    "study": 24, "component_id": 8, "study_result_id": 15, "study_result_uuid": 36, "data_size": 9,
    "files_size": 28,
}
TIME_KEYS = {"start", "end", "last_seen"}


def column_width(key: str, title: str) -> int:
    # room for the title and a sort arrow
    return max(WIDTHS.get(key, 12), len(header_text(key, title)) + (2 if key != "quota" else 0))


def header_text(key: str, title: str) -> str:
    """Quota reached is a narrow flag, as JATOS shows it (⚠ where a run hit the quota)."""
    return "⚠" if key == "quota" else title


def short_time(ms: int | None) -> str:
    """A time in the server's (this machine's) time zone, to the second."""
    return local_short(ms)


def time_zone_name() -> str:
    return _dt.datetime.now().astimezone().tzname() or "local time"


def cell_text(col: Column, row) -> str:
    if col.key == "quota":
        return "⚠" if row.quota_reached else ""
    if col.key == "files":
        return " ●" if row.has_files else ""
    if col.key in TIME_KEYS:
        return short_time(getattr(row, {"start": "start_date", "end": "end_date", "last_seen": "last_seen_date"}[col.key]))
    return col.render(row)


def id_list(level: str, ids: list[int], shown: int = 10) -> str:
    """"Study result ids 3, 4, 7, … (12 in all)": the first ids of some results (ascending),
    as JATOS lists them when it asks before deleting."""
    what = "Study result" if level == "study" else "Component result"
    if not ids:
        return ""
    if len(ids) == 1:
        return f"{what} id {ids[0]}"
    head = ", ".join(str(i) for i in ids[:shown])
    return f"{what} ids {head}" + (f", … ({len(ids)} in all)" if len(ids) > shown else "")

"""The columns of JATOS 3.10's results pages (jatos.md §3.2, §5), with their renderings.

One list per page kind. Each column renders a row (store/rows.py) to the text the page
shows, which is also what the metadata CSV writes and what the filter searches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from store.formats.jatos_values import (
    component_duration_display,
    human_size,
    local_time,
    study_duration_display,
    worker_type_name,
)


def _none(value) -> str:
    return "none" if value is None or value == "" else str(value)


def _flag(value: bool) -> str:
    return "true" if value else "false"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    render: Callable
    default_visible: bool = False


STUDY_COLUMNS: tuple[Column, ...] = (
    Column("quota", "Quota reached", lambda r: _flag(r.quota_reached), True),
    Column("id", "Result ID", lambda r: str(r.id), True),
    Column("uuid", "UUID", lambda r: _none(r.uuid)),
    Column("study_code", "Study code", lambda r: _none(r.study_code)),
    Column("start", "Start time", lambda r: local_time(r.start_date), True),
    Column("end", "End time", lambda r: local_time(r.end_date)),
    Column("last_seen", "Last seen", lambda r: local_time(r.last_seen_date), True),
    Column(
        "duration", "Duration", lambda r: study_duration_display(r.start_date, r.end_date, r.last_seen_date), True
    ),
    Column("batch", "Batch", lambda r: _none(r.batch_title), True),
    Column("batch_id", "Batch ID", lambda r: _none(r.batch_id)),
    Column("worker_id", "Worker ID", lambda r: str(r.worker_id), True),
    Column("type", "Type", lambda r: worker_type_name(r.worker_type), True),
    Column("mt_worker_id", "MTurk worker ID", lambda r: _none(r.mt_worker_id)),
    Column("confirmation_code", "MTurk confirmation code", lambda r: _none(r.confirmation_code)),
    Column("group_id", "Group ID", lambda r: _none(r.group_id)),
    Column("files", "Files", lambda r: ""),  # an icon in JATOS: contributes no text
    Column("state", "State", lambda r: r.state, True),
    Column("message", "Message", lambda r: _none(r.message), True),
)

# The worker page shows the study instead of the worker (§5).
WORKER_PAGE_COLUMNS: tuple[Column, ...] = (
    STUDY_COLUMNS[:10]
    + (
        Column("study_id", "Study ID", lambda r: str(r.study_id), True),
        Column("study", "Study", lambda r: r.study_title, True),
    )
    + STUDY_COLUMNS[12:]
)


def _files_size(r) -> str:
    return "".join(f"{name} ({human_size(size)})" for name, size in r.files)


COMPONENT_COLUMNS: tuple[Column, ...] = (
    Column("quota", "Quota reached", lambda r: _flag(r.quota_reached), True),
    Column("id", "Comp. result ID", lambda r: str(r.id), True),
    Column("component_id", "Comp. ID", lambda r: str(r.component_id)),
    Column("study_result_id", "Study result ID", lambda r: str(r.study_result_id)),
    Column("study_result_uuid", "Study result UUID", lambda r: _none(r.study_result_uuid)),
    Column("study_code", "Study code", lambda r: _none(r.study_code)),
    Column("start", "Start time", lambda r: local_time(r.start_date), True),
    Column("end", "End time", lambda r: local_time(r.end_date)),
    Column("duration", "Duration", lambda r: component_duration_display(r.start_date, r.end_date), True),
    Column("batch", "Batch", lambda r: _none(r.batch_title), True),
    Column("worker_id", "Worker ID", lambda r: str(r.worker_id), True),
    Column("type", "Type", lambda r: worker_type_name(r.worker_type), True),
    Column("group_id", "Group ID", lambda r: _none(r.group_id)),
    Column("state", "State", lambda r: r.state, True),
    Column("data_size", "Data size", lambda r: human_size(r.data_size), True),
    Column("files_size", "Files (size)", _files_size, True),
    Column("message", "Message", lambda r: _none(r.message), True),
)


def columns_for(level: str, page: str = "study") -> tuple[Column, ...]:
    if level == "component":
        return COMPONENT_COLUMNS
    return WORKER_PAGE_COLUMNS if page == "worker" else STUDY_COLUMNS


def default_columns(level: str, page: str = "study") -> list[Column]:
    return [c for c in columns_for(level, page) if c.default_visible]


def pick_columns(level: str, spec: str | None, page: str = "study") -> list[Column]:
    """Columns named by title or key, comma-separated; "all"; or the page's defaults."""
    cols = columns_for(level, page)
    if not spec:
        return default_columns(level, page)
    if spec.strip().lower() == "all":
        return list(cols)
    by_name = {}
    for c in cols:
        by_name[c.title.lower()] = c
        by_name[c.key.lower()] = c
    picked = []
    for name in spec.split(","):
        name = name.strip().lower()
        if not name:
            continue
        if name not in by_name:
            titles = ", ".join(c.title for c in cols)
            raise ValueError(f"unknown column {name!r}; columns are: {titles}")
        picked.append(by_name[name])
    return picked

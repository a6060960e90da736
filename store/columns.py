"""The column registry: every fact about a column of JATOS 3.10's results pages (jatos.md
§3.2, §5) in one entry, and the row fields the columns read.

A column says its title, how it renders a row (the text the page shows, the metadata CSV
writes and the stored search text holds, store/search/text.py), what it sorts by
(store/pages/order.py), its width and its cell in the results table where that differs
from the text (tui/widgets/display.py). A row field says what a page's row carries, the
SQL that fetches it (store/pages/rows.py) and, for a result's own columns, the column an
import writes it to (store/formats/archive_rows.py, store/importing/writes.py).

Adding a column is one `Column(...)` below; a column over data the rows do not carry yet
adds its `RowField` here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from peewee import fn

from store import participants
from store.db.models import Batch, Component, ComponentResult, ResultFile, ResultLabel, Study, StudyResult, Worker
from store.formats.jatos_values import (
    component_duration_display,
    duration_pretty,
    human_size,
    local_short,
    local_time,
    study_duration_display,
    worker_type_name,
)

# -- row fields ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowField:
    name: str
    sql: object  # what the page's query selects (None: filled in apart, as a row's files)
    imported_as: str | None = None  # the result's own column an import writes the value to
    flag: bool = False  # a boolean: drivers hand back 0/1
    local: bool = False  # the store's own (a label): never in JATOS's data, so an incoming row has none


def _has_files():
    return fn.EXISTS(
        ResultFile.select(ResultFile.id).join(ComponentResult).where(ComponentResult.study_result == StudyResult.id)
    )


def _labelled(field):
    # A subquery, not a join: the page's query and its order stay as they are (store/pages/order.py).
    return ResultLabel.select(field).where(ResultLabel.study_result == StudyResult.id)


def _files_size():
    return fn.COALESCE(
        ResultFile.select(fn.SUM(ResultFile.size)).where(ResultFile.component_result == ComponentResult.id), 0
    )


STUDY_ROW_FIELDS: tuple[RowField, ...] = (
    RowField("id", StudyResult.id, "id"),
    RowField("uuid", StudyResult.uuid, "uuid"),
    RowField("study_code", StudyResult.study_code, "study_code"),
    RowField("start_date", StudyResult.start_date, "start_date"),
    RowField("end_date", StudyResult.end_date, "end_date"),
    RowField("last_seen_date", StudyResult.last_seen_date, "last_seen_date"),
    RowField("state", StudyResult.state, "state"),
    RowField("message", StudyResult.message, "message"),
    RowField("url_query_parameters", StudyResult.url_query_parameters, "url_query_parameters"),
    RowField("confirmation_code", StudyResult.confirmation_code, "confirmation_code"),
    RowField("quota_reached", StudyResult.quota_reached, "quota_reached", flag=True),
    RowField("study_id", Study.id, "study"),
    RowField("study_uuid", Study.uuid),
    RowField("study_title", Study.title),
    RowField("batch_id", Batch.id, "batch"),
    RowField("batch_uuid", Batch.uuid),
    RowField("batch_title", Batch.title),
    RowField("worker_id", Worker.id, "worker"),
    RowField("worker_type", Worker.worker_type),
    RowField("mt_worker_id", Worker.mt_worker_id),
    RowField("worker_comment", Worker.comment),
    RowField("group_id", StudyResult.group, "group"),
    RowField("has_files", _has_files(), flag=True),
    RowField("label", _labelled(ResultLabel.label), local=True),
    RowField("note", _labelled(ResultLabel.note), local=True),
    # Written by the import from the URL query parameters (store/participants.py); the count
    # of the participant's runs in the study is the store's to say (an incoming row has none).
    RowField("participant", StudyResult.participant, "participant"),
    RowField("participant_runs", participants.runs_in_study(), local=True),
)

COMPONENT_ROW_FIELDS: tuple[RowField, ...] = (
    RowField("id", ComponentResult.id, "id"),
    RowField("component_id", Component.id, "component"),
    RowField("component_uuid", Component.uuid),
    RowField("component_title", Component.title),
    RowField("study_result_id", ComponentResult.study_result, "study_result"),
    RowField("start_date", ComponentResult.start_date, "start_date"),
    RowField("end_date", ComponentResult.end_date, "end_date"),
    RowField("state", ComponentResult.state, "state"),
    RowField("message", ComponentResult.message),  # not in JATOS's exports: an import leaves it
    RowField("data_size", ComponentResult.data_size, "data_size"),
    RowField("data_is_null", ComponentResult.data.is_null(), flag=True),
    RowField("quota_reached", ComponentResult.quota_reached, "quota_reached", flag=True),
    RowField("study_result_uuid", StudyResult.uuid),
    RowField("study_code", StudyResult.study_code),
    RowField("study_id", StudyResult.study),
    RowField("batch_title", Batch.title),
    RowField("worker_id", Worker.id),
    RowField("worker_type", Worker.worker_type),
    RowField("group_id", StudyResult.group),
    RowField("files", None),  # ((file name, size), ...), read apart: the last field (store/pages/rows.py)
)


def imported(row_fields: tuple[RowField, ...]) -> tuple[tuple[str, str], ...]:
    """(row field, result column) of the fields an import writes, in the registry's order."""
    return tuple((f.name, f.imported_as) for f in row_fields if f.imported_as)


# -- columns ----------------------------------------------------------------------------------


def _none(value) -> str:
    return "none" if value is None or value == "" else str(value)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _participant_mark(r) -> str:
    return f" ×{r.participant_runs}" if r.participant and (r.participant_runs or 0) > 1 else ""


def _participant_cell(r) -> str:
    """The id, and how often this participant took part in the study where more than once."""
    if not r.participant:
        return ""
    return r.participant + _participant_mark(r)


def _files_listed(r) -> str:
    return "".join(f"{name} ({human_size(size)})" for name, size in r.files)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    render: Callable  # row -> JATOS's text (page, CSV, search text)
    default_visible: bool = False
    sort: object = None  # the SQL the page sorts by; a joined table's field joins it
    width: int = 12  # cells in the results table (at least the title and a sort arrow)
    cell: Callable | None = None  # row -> the table's cell, where it is not the text
    header: str | None = None  # the table's header, where it is not the title (no arrow room)
    searched: bool = True  # part of the stored search text
    # How the table fits a narrow terminal (tui/widgets/fit.py): columns give up room in the
    # order of their ranks, `squeeze` down to `min_width` (None: never narrower), `drop`
    # (None: never) out of the table; the detail view shows every text whole.
    min_width: int | None = None
    squeeze: int = 0
    drop: int | None = None
    narrow: Callable | None = None  # row -> a shorter cell for a squeezed column (a time)
    mark: Callable | None = None  # row -> the cell's end that stays visible when the cell is cut (×2)
    field: str | None = None  # its name in the structured filter (`state:FINISHED`), where it has one


_QUOTA_CELL = dict(width=2, header="⚠", cell=lambda r: "⚠" if r.quota_reached else "")


def _time(key: str, title: str, field: str, sort, visible: bool = False, **fit) -> Column:
    """A time: ISO 8601 with offset as JATOS writes it; the table shows it to the second, or
    squeezed, month, day and minute."""
    return Column(
        key, title, lambda r: local_time(getattr(r, field)), visible, sort, 19,
        cell=lambda r: local_short(getattr(r, field)), min_width=11,
        narrow=lambda r: local_short(getattr(r, field))[5:16], **fit,
    )


# What the table's cells say in fewer characters than JATOS's text (the text is unchanged
# for exports and the filter).
SHORT_TYPES = {
    "Jatos": "Jatos", "PersonalSingle": "PersSingle", "PersonalMultiple": "PersMulti", "GeneralSingle": "GenSingle",
    "GeneralMultiple": "GenMulti", "MT": "MTurk", "MTSandbox": "MTSandbox",
}
NOT_FINISHED = "▸"  # a duration still growing: start to last seen (JATOS's "(not finished yet)")


def compact_duration(start_ms: int | None, end_ms: int | None) -> str:
    """42s, 3m05s, 1h02m, 2d03h: at most 6 characters (JATOS's HH:MM:SS is in the text)."""
    if start_ms is None or end_ms is None:
        return "none"
    s = (end_ms - start_ms) // 1000
    if s < 0:
        return duration_pretty(start_ms, end_ms)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86_400:
        return f"{s // 3600}h{s // 60 % 60:02d}m"
    return f"{s // 86_400}d{s // 3600 % 24:02d}h"


def _study_duration_cell(r) -> str:
    if r.end_date is not None:
        return compact_duration(r.start_date, r.end_date)
    if r.last_seen_date is None or r.start_date is None:
        return "none"
    return compact_duration(r.start_date, r.last_seen_date) + NOT_FINISHED


def _component_duration_cell(r) -> str:
    return compact_duration(r.start_date, r.end_date) if r.end_date is not None else "not yet"


# The Type column is never narrower than its longest short name (PersSingle).
_TYPE_CELL = dict(
    cell=lambda r: SHORT_TYPES.get(r.worker_type, r.worker_type), min_width=max(map(len, SHORT_TYPES.values())), squeeze=6
)
# Ranks (lower gives up room first): the long texts (mostly short in fact: "none"), the
# extra times and codes, the batch; then the extra times leave; then the start, type,
# worker and duration squeeze.
_LONG_TEXT = dict(min_width=8, squeeze=0)
_EXTRA_TIME = dict(squeeze=1, drop=4)
_CODE = dict(min_width=8, squeeze=1, drop=3)
_SMALL_ID = dict(drop=5)


# Both levels' (a component result's batch, worker and type are its study result's).
_BATCH = Column(
    "batch", "Batch", lambda r: _none(r.batch_title), True, Batch.title, 14, min_width=6, squeeze=2, drop=7, field="batch"
)
_WORKER_ID = Column(
    "worker_id", "Worker ID", lambda r: str(r.worker_id), True, StudyResult.worker, 9, min_width=9, squeeze=7,
    field="worker",
)
_TYPE = Column(
    "type", "Type", lambda r: worker_type_name(r.worker_type), True, Worker.worker_type, 10, **_TYPE_CELL, field="type"
)

STUDY_COLUMNS: tuple[Column, ...] = (
    Column("quota", "Quota reached", lambda r: _flag(r.quota_reached), True, StudyResult.quota_reached, **_QUOTA_CELL),
    Column("id", "Result ID", lambda r: str(r.id), True, StudyResult.id, 10),
    Column("uuid", "UUID", lambda r: _none(r.uuid), False, StudyResult.uuid, 36, **_CODE),
    Column("study_code", "Study code", lambda r: _none(r.study_code), False, StudyResult.study_code, 11, **_CODE),
    _time("start", "Start time", "start_date", StudyResult.start_date, True, squeeze=5),
    _time("end", "End time", "end_date", StudyResult.end_date, **_EXTRA_TIME),
    _time("last_seen", "Last seen", "last_seen_date", StudyResult.last_seen_date, True, **_EXTRA_TIME),
    Column(
        "duration", "Duration", lambda r: study_duration_display(r.start_date, r.end_date, r.last_seen_date), True,
        fn.COALESCE(StudyResult.end_date, StudyResult.last_seen_date) - StudyResult.start_date, 7,
        cell=_study_duration_cell, min_width=8, squeeze=8,
    ),
    _BATCH,
    Column("batch_id", "Batch ID", lambda r: _none(r.batch_id), False, StudyResult.batch, 8, **_SMALL_ID),
    _WORKER_ID,
    _TYPE,
    Column(
        "mt_worker_id", "MTurk worker ID", lambda r: _none(r.mt_worker_id), False, Worker.mt_worker_id, 14, **_CODE
    ),
    Column(
        "confirmation_code", "MTurk confirmation code", lambda r: _none(r.confirmation_code), False,
        StudyResult.confirmation_code, 36, **_CODE,
    ),
    Column("group_id", "Group ID", lambda r: _none(r.group_id), False, StudyResult.group, 8, **_SMALL_ID),
    # An icon in JATOS: contributes no text.
    Column(
        "files", "Files", lambda r: "", False, _has_files(), 5, cell=lambda r: " ●" if r.has_files else "",
        **_SMALL_ID,
    ),
    Column("state", "State", lambda r: r.state, True, StudyResult.state, 14, field="state"),
    Column("message", "Message", lambda r: _none(r.message), True, StudyResult.message, 40, **_LONG_TEXT),
    # The researcher's decision (store/labels.py); hidden until chosen (c), as JATOS's own
    # columns fill the page already. No text without one.
    Column(
        "label", "Label", lambda r: r.label or "", False, fn.COALESCE(_labelled(ResultLabel.label), ""), 9,
        min_width=6, squeeze=0, field="label",
    ),
    Column(
        "note", "Note", lambda r: r.note or "", False, fn.COALESCE(_labelled(ResultLabel.note), ""), 30, **_LONG_TEXT
    ),
    # From the URL query parameters (store/participants.py): hidden until chosen, so that a
    # metadata CSV's default columns stay JATOS's; the search text holds the parameters already.
    Column(
        "participant", "Participant", lambda r: r.participant or "", False,
        fn.COALESCE(StudyResult.participant, ""), 14, cell=_participant_cell, searched=False,
        # Chosen by the user: it keeps room (and its ×N mark) before the message and the batch.
        min_width=11, squeeze=6, mark=_participant_mark,
    ),
)

# The worker page shows the study instead of the worker (§5).
WORKER_PAGE_COLUMNS: tuple[Column, ...] = (
    STUDY_COLUMNS[:10]
    + (
        Column("study_id", "Study ID", lambda r: str(r.study_id), True, StudyResult.study, 8),
        Column("study", "Study", lambda r: r.study_title, True, Study.title, 24, min_width=8, squeeze=2),
    )
    + STUDY_COLUMNS[12:]
)

COMPONENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "quota", "Quota reached", lambda r: _flag(r.quota_reached), True, ComponentResult.quota_reached, **_QUOTA_CELL
    ),
    Column("id", "Comp. result ID", lambda r: str(r.id), True, ComponentResult.id, 10),
    Column(
        "component_id", "Comp. ID", lambda r: str(r.component_id), False, ComponentResult.component, 8, **_SMALL_ID
    ),
    Column(
        "study_result_id", "Study result ID", lambda r: str(r.study_result_id), False, ComponentResult.study_result, 15,
        **_SMALL_ID,
    ),
    Column(
        "study_result_uuid", "Study result UUID", lambda r: _none(r.study_result_uuid), False, StudyResult.uuid, 36,
        **_CODE,
    ),
    Column("study_code", "Study code", lambda r: _none(r.study_code), False, StudyResult.study_code, 11, **_CODE),
    _time("start", "Start time", "start_date", ComponentResult.start_date, True, squeeze=5),
    _time("end", "End time", "end_date", ComponentResult.end_date, **_EXTRA_TIME),
    Column(
        "duration", "Duration", lambda r: component_duration_display(r.start_date, r.end_date), True,
        ComponentResult.end_date - ComponentResult.start_date, 7, cell=_component_duration_cell, min_width=8, squeeze=8,
    ),
    _BATCH,
    _WORKER_ID,
    _TYPE,
    Column("group_id", "Group ID", lambda r: _none(r.group_id), False, StudyResult.group, 8, **_SMALL_ID),
    Column("state", "State", lambda r: r.state, True, ComponentResult.state, 14, field="state"),
    Column("data_size", "Data size", lambda r: human_size(r.data_size), True, ComponentResult.data_size, 9),
    Column("files_size", "Files (size)", _files_listed, True, _files_size(), 28, **_LONG_TEXT),
    Column("message", "Message", lambda r: _none(r.message), True, ComponentResult.message, 40, **_LONG_TEXT),
)


def columns_for(level: str, page: str = "study") -> tuple[Column, ...]:
    if level == "component":
        return COMPONENT_COLUMNS
    return WORKER_PAGE_COLUMNS if page == "worker" else STUDY_COLUMNS


def sortable(level: str) -> dict[str, Column]:
    """Every column a page of this level can sort by, by key (the worker page's too)."""
    if level == "component":
        return {c.key: c for c in COMPONENT_COLUMNS}
    return {c.key: c for c in STUDY_COLUMNS + WORKER_PAGE_COLUMNS}


def searched(level: str) -> tuple[Column, ...]:
    """The columns whose text the stored search text holds (the study page's, for study results)."""
    return tuple(c for c in (COMPONENT_COLUMNS if level == "component" else STUDY_COLUMNS) if c.searched)


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

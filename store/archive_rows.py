"""The study and component result rows of a results archive that has its metadata.json,
built complete (data and search text included) so that each row is written once.

`plan()` checks every entry against the metadata before anything is written;
`row_batches()` then reads, inflates and renders batch after batch (in a thread, see
store/prefetch.py) while the importer writes and indexes the batch before it. Rows
that were already in the store keep the importer's general path for what depends on
the store (their search text is recomputed from the database at the end).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

from .archive_read import Entry, Source
from .errors import BadInput
from .rows import ComponentRow, StudyRow
from .search_text import component_row_text, study_row_text

# Column order of the tuples below, as the importer's upserts name them.
STUDY_KEYS = (
    "id", "uuid", "study_code", "study", "batch", "worker", "group", "start_date", "end_date",
    "last_seen_date", "state", "message", "url_query_parameters", "confirmation_code",
    "quota_reached", "search_text",
)
DATA_KEYS = (
    "id", "study_result", "component", "start_date", "end_date", "state", "quota_reached",
    "data", "data_size", "search_text",
)
NO_DATA_KEYS = (
    "id", "study_result", "component", "start_date", "end_date", "state", "quota_reached",
    "data_size", "search_text",
)

BATCH = 2500  # study results a batch


@dataclass
class Plan:
    """What the metadata and the entries say, checked, plus what rendering needs from the store."""

    listed: dict[int, tuple[int, int]]  # component result -> (study result, size in metadata)
    data: dict[int, Entry] = field(default_factory=dict)  # component result -> its data.txt
    files: dict[int, list[Entry]] = field(default_factory=dict)  # component result -> its files
    existing_srs: set[int] = field(default_factory=set)
    existing_crs: set[int] = field(default_factory=set)
    # Filled by the importer after it has written the small tables:
    components: dict[int, tuple] = field(default_factory=dict)  # id -> (uuid, title)
    workers: dict[int, dict] = field(default_factory=dict)  # id -> the metadata's last say
    batches: dict[int, dict] = field(default_factory=dict)
    mt_worker_ids: dict[int, str] = field(default_factory=dict)


def plan(source: Source) -> Plan:
    """Check that every entry belongs to a result the metadata lists, under the right study result."""
    listed: dict[int, tuple[int, int]] = {}
    for st in source.metadata:
        for sr in st["results"]:
            for cr in sr["components"]:
                if cr["id"] in listed and listed[cr["id"]][0] != sr["id"]:
                    raise BadInput(f"{source.path}: component result {cr['id']} is listed under two study results")
                listed[cr["id"]] = (sr["id"], cr["data_size"])
    p = Plan(listed)
    for entry in source.entries:
        cr_id = entry.component_result_id
        if cr_id not in listed:
            raise BadInput(
                f"{source.path}: entry {entry.label!r}: component result {cr_id} is not listed in metadata.json"
            )
        sr_id = listed[cr_id][0]
        if entry.study_result_id is not None and entry.study_result_id != sr_id:
            raise BadInput(
                f"{source.path}: entry {entry.label!r}: component result {cr_id} belongs to study result {sr_id}"
            )
        if entry.kind == "data":
            p.data[cr_id] = entry
        else:
            p.files.setdefault(cr_id, []).append(entry)
    return p


@dataclass
class RowBatch:
    study_results: list[tuple] = field(default_factory=list)  # STUDY_KEYS
    with_data: list[tuple] = field(default_factory=list)  # DATA_KEYS
    without_data: list[tuple] = field(default_factory=list)  # NO_DATA_KEYS
    files: list[tuple] = field(default_factory=list)  # (component result, file name, size), staged
    new_srs: list[int] = field(default_factory=list)  # rows that were not in the store
    new_crs: list[int] = field(default_factory=list)
    bytes: int = 0
    entries: int = 0


def row_batches(
    source: Source,
    p: Plan,
    read_data: Callable[[Entry], tuple[str, int, int]],
    stage_file: Callable[[Entry, int], int],
) -> Iterator[RowBatch]:
    """The archive's rows, BATCH study results at a time, data read and files staged."""
    batch = RowBatch()
    for st in source.metadata:
        for sr in st["results"]:
            _add_study_result(batch, st, sr, p, read_data, stage_file)
            if len(batch.study_results) >= BATCH:
                yield batch
                batch = RowBatch()
    if batch.study_results:
        yield batch


def _add_study_result(batch: RowBatch, st, sr, p: Plan, read_data, stage_file) -> None:
    sr_id = sr["id"]
    worker = p.workers[sr["worker_id"]]
    batch_title = p.batches[sr["batch_id"]]["title"] if sr["batch_id"] is not None else None
    has_files = False
    for cr in sr["components"]:
        cr_id = cr["id"]
        files: dict[str, int] = {}
        for entry in p.files.get(cr_id, ()):
            files[entry.name] = stage_file(entry, sr_id)
            batch.files.append((cr_id, entry.name, files[entry.name]))
            batch.bytes += entry.size
            batch.entries += 1
        has_files = has_files or bool(files)
        entry = p.data.get(cr_id)
        if entry is not None:
            text, size, _ = read_data(entry)
            batch.bytes += entry.size
            batch.entries += 1
        else:
            text, size = None, cr["data_size"]
        uuid, title = p.components[cr["component_id"]]
        row = ComponentRow(
            cr_id, cr["component_id"], uuid, title, sr_id, cr["start_date"], cr["end_date"], cr["state"],
            None, size, text is None, cr["quota_reached"], sr["uuid"], sr["study_code"], st["id"],
            batch_title, sr["worker_id"], worker["worker_type"], sr["group_id"], tuple(files.items()),
        )
        head = (cr_id, sr_id, cr["component_id"], cr["start_date"], cr["end_date"], cr["state"], cr["quota_reached"])
        if entry is not None:
            batch.with_data.append(head + (text, size, component_row_text(row)))
        else:
            batch.without_data.append(head + (size, component_row_text(row)))
        if cr_id not in p.existing_crs:
            batch.new_crs.append(cr_id)
    row = StudyRow(
        sr_id, sr["uuid"], sr["study_code"], sr["start_date"], sr["end_date"], sr["last_seen_date"], sr["state"],
        sr["message"], sr["url_query_parameters"], sr["confirmation_code"], sr["quota_reached"], st["id"],
        st["uuid"], st["title"], sr["batch_id"], p.batches[sr["batch_id"]]["uuid"] if sr["batch_id"] is not None else None,
        batch_title, sr["worker_id"], worker["worker_type"], p.mt_worker_ids.get(sr["worker_id"]),
        worker["comment"], sr["group_id"], has_files,
    )
    batch.study_results.append(
        (
            sr_id, sr["uuid"], sr["study_code"], st["id"], sr["batch_id"], sr["worker_id"], sr["group_id"],
            sr["start_date"], sr["end_date"], sr["last_seen_date"], sr["state"], sr["message"],
            sr["url_query_parameters"], sr["confirmation_code"], sr["quota_reached"], study_row_text(row),
        )
    )
    if sr_id not in p.existing_srs:
        batch.new_srs.append(sr_id)

"""The rows a results archive with its metadata.json writes, made in a thread, batch by
batch, complete (data and search text included) so that each row is written once.

The importer (store/importer.py) writes and indexes one `RowBatch` while this module
normalises the metadata, reads and inflates the data and renders the search text of
the next (store/prefetch.py). `Tables` (studies, batches, workers, groups, components)
come last on SQLite, which checks foreign keys at commit, so that nothing waits for a
pass over all of the metadata; first on other databases.

Rendering uses each study result's own say about its worker and batch. In one export
these are the same wherever a worker or batch appears; if a file says otherwise,
`Tables.conflicting` is set and the importer renders every row again from the store.
Rows the store held before are rendered again from the store too (their files and
titles may come from earlier imports).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Callable, Iterator

from store.errors import BadInput
from store.formats.archive_read import Entry, Source
from store.pages.rows import ComponentRow, StudyRow
from store.search.text import component_row_text, study_row_text

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
FIRST_BATCH = 250  # smaller: the writing starts sooner
# Result data a batch holds at most (plus the one value that crosses it): a batch of huge
# values is handed on early, so that memory holds a few batches' worth, not a few thousand values.
BATCH_BYTES = 32 << 20


@dataclass
class Lookups:
    """What rendering needs from the store, read before the import writes anything."""

    components: dict[int, str | None] = field(default_factory=dict)  # id -> title
    titles: dict[str, str] = field(default_factory=dict)  # component uuid -> title (study archives)
    mt_worker_ids: dict[int, str] = field(default_factory=dict)


@dataclass
class RowBatch:
    study_results: list[tuple] = field(default_factory=list)  # STUDY_KEYS
    with_data: list[tuple] = field(default_factory=list)  # DATA_KEYS
    without_data: list[tuple] = field(default_factory=list)  # NO_DATA_KEYS
    files: list[tuple] = field(default_factory=list)  # (component result, file name, size), staged
    bytes: int = 0


@dataclass
class Tables:
    studies: dict[int, dict] = field(default_factory=dict)
    batches: dict[int, dict] = field(default_factory=dict)
    workers: dict[int, dict] = field(default_factory=dict)
    groups: dict[int, dict] = field(default_factory=dict)
    components: dict[int, dict] = field(default_factory=dict)
    listed: dict[int, tuple[int, int]] = field(default_factory=dict)  # cr -> (sr, size in metadata)
    study_results: set[int] = field(default_factory=set)  # with or without component results
    with_data: set[int] = field(default_factory=set)  # component results with a data.txt here
    conflicting: bool = False  # a worker, batch or component said two different things

    def add(self, source: Source, st: dict, sr: dict) -> None:
        self._say(self.studies, {"id": st["id"], "uuid": st["uuid"], "title": st["title"]})
        if sr["batch_id"] is not None:
            self._say(self.batches, {"id": sr["batch_id"], "uuid": sr["batch_uuid"], "study": st["id"],
                                     "title": sr["batch_title"]})
        self._say(self.workers, {"id": sr["worker_id"], "worker_type": sr["worker_type"], "comment": sr["comment"]})
        self.study_results.add(sr["id"])
        if sr["group_id"] is not None:
            self.groups[sr["group_id"]] = {"id": sr["group_id"], "batch": sr["batch_id"]}
        for cr in sr["components"]:
            component = {"id": cr["component_id"], "uuid": cr["component_uuid"], "study": st["id"]}
            first = self.components.setdefault(cr["component_id"], component)
            self.conflicting |= first["uuid"] != component["uuid"]
            if cr["id"] in self.listed and self.listed[cr["id"]][0] != sr["id"]:
                raise BadInput(f"{source.path}: component result {cr['id']} is listed under two study results")
            self.listed[cr["id"]] = (sr["id"], cr["data_size"])

    def _say(self, table: dict[int, dict], row: dict) -> None:
        before = table.get(row["id"])
        self.conflicting |= before is not None and before != row
        table[row["id"]] = row  # the last say is what the store keeps


def work(
    source: Source,
    lookups: Lookups,
    read_data: Callable[[Entry], tuple[str, int, int]],
    stage_file: Callable[[Entry, int], int],
    tables_first: bool,
) -> Iterator[RowBatch | Tables]:
    data: dict[int, Entry] = {}
    files: dict[int, list[Entry]] = {}
    for entry in source.entries:
        if entry.kind == "data":
            data[entry.component_result_id] = entry
        else:
            files.setdefault(entry.component_result_id, []).append(entry)
    tables = Tables()
    results = source.iter_results()
    if tables_first:
        results = list(results)
        for st, sr in results:
            tables.add(source, st, sr)
        yield tables
    batch = RowBatch()
    yielded = False
    held = 0  # bytes of result data in the batch, as Python holds them
    for st, sr in results:
        if not tables_first:
            tables.add(source, st, sr)
        held += _add(batch, source, st, sr, tables, lookups, data, files, read_data, stage_file)
        if len(batch.study_results) >= (BATCH if yielded else FIRST_BATCH) or held >= BATCH_BYTES:
            yield batch
            yielded = True
            batch = RowBatch()
            held = 0
    if batch.study_results:
        yield batch
    for entry in source.entries:
        if entry.component_result_id not in tables.listed:
            raise BadInput(
                f"{source.path}: entry {entry.label!r}: component result {entry.component_result_id} is not "
                "listed in metadata.json"
            )
    if not tables_first:
        yield tables


def _add(
    batch: RowBatch, source: Source, st, sr, tables: Tables, lookups: Lookups, data, files, read_data, stage_file
) -> int:
    """Add one study result's rows; returns the bytes of result data they hold."""
    sr_id = sr["id"]
    has_files = False
    held = 0
    for cr in sr["components"]:
        cr_id = cr["id"]
        mine: dict[str, int] = {}
        entry = data.get(cr_id)
        for e in ([entry] if entry else []) + files.get(cr_id, []):
            if e.study_result_id is not None and e.study_result_id != sr_id:
                raise BadInput(
                    f"{source.path}: entry {e.label!r}: component result {cr_id} belongs to study result {sr_id}"
                )
        for e in files.get(cr_id, ()):
            mine[e.name] = stage_file(e, sr_id)
            batch.files.append((cr_id, e.name, mine[e.name]))
            batch.bytes += e.size
        has_files = has_files or bool(mine)
        if entry is not None:
            text, size, _ = read_data(entry)
            batch.bytes += entry.size
            held += sys.getsizeof(text)  # a str of one non-ASCII character takes 2 or 4 bytes a character
            tables.with_data.add(cr_id)
        else:
            text, size = None, cr["data_size"]
        title = lookups.titles.get(cr["component_uuid"], lookups.components.get(cr["component_id"]))
        row = ComponentRow(
            cr_id, cr["component_id"], cr["component_uuid"], title, sr_id, cr["start_date"], cr["end_date"],
            cr["state"], None, size, text is None, cr["quota_reached"], sr["uuid"], sr["study_code"], st["id"],
            sr["batch_title"] if sr["batch_id"] is not None else None, sr["worker_id"], sr["worker_type"],
            sr["group_id"], tuple(mine.items()),
        )
        head = (cr_id, sr_id, cr["component_id"], cr["start_date"], cr["end_date"], cr["state"], cr["quota_reached"])
        if entry is not None:
            batch.with_data.append(head + (text, size, component_row_text(row)))
        else:
            batch.without_data.append(head + (size, component_row_text(row)))
    in_batch = sr["batch_id"] is not None
    row = StudyRow(
        sr_id, sr["uuid"], sr["study_code"], sr["start_date"], sr["end_date"], sr["last_seen_date"], sr["state"],
        sr["message"], sr["url_query_parameters"], sr["confirmation_code"], sr["quota_reached"], st["id"],
        st["uuid"], st["title"], sr["batch_id"], sr["batch_uuid"] if in_batch else None,
        sr["batch_title"] if in_batch else None, sr["worker_id"], sr["worker_type"],
        lookups.mt_worker_ids.get(sr["worker_id"]), sr["comment"], sr["group_id"], has_files,
    )
    batch.study_results.append(
        (
            sr_id, sr["uuid"], sr["study_code"], st["id"], sr["batch_id"], sr["worker_id"], sr["group_id"],
            sr["start_date"], sr["end_date"], sr["last_seen_date"], sr["state"], sr["message"],
            sr["url_query_parameters"], sr["confirmation_code"], sr["quota_reached"], study_row_text(row),
        )
    )
    return held

"""The rows a source with metadata writes (a results archive, an unpacked one, a metadata
file alone), made in a thread, batch by batch, complete (data and search text included)
so that each row is written once. Rows are named records: the result's columns that the
column registry (store/columns.py) says an import writes, built from page rows by name.

The import (store/importing/source.py) writes and indexes one `RowBatch` while this
module normalises the metadata, reads and inflates the data and renders the search text
of the next (store/importing/prefetch.py). `Tables` (studies, batches, workers, groups,
components) come last on SQLite, which checks foreign keys at commit, so that nothing
waits for a pass over all of the metadata; first on other databases.

Rendering uses each study result's own say about its worker and batch. In one export
these are the same wherever a worker or batch appears; if a file says otherwise,
`Tables.conflicting` is set and the import renders its rows again from the store.
Rows the store held before are rendered again from the store too (their files and
data may come from earlier imports).
"""

from __future__ import annotations

import sys
from collections import namedtuple
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Callable, Iterator

from store import participants
from store.columns import COMPONENT_ROW_FIELDS, STUDY_ROW_FIELDS, imported
from store.errors import BadInput
from store.formats.archive_read import Entry, Source
from store.formats.idset import IdSet
from store.pages.rows import ComponentRow, StudyRow
from store.search.text import component_row_text, study_row_text

# The rows an import writes, by the result's column names: the fields the column registry
# (store/columns.py) says an import writes, then the search text (and the data).
_STUDY_IMPORTED = imported(STUDY_ROW_FIELDS)
_COMPONENT_IMPORTED = imported(COMPONENT_ROW_FIELDS)
STUDY_KEYS = tuple(column for _, column in _STUDY_IMPORTED) + ("search_text",)
DATA_KEYS = tuple(column for _, column in _COMPONENT_IMPORTED) + ("data", "search_text")
NO_DATA_KEYS = tuple(column for _, column in _COMPONENT_IMPORTED) + ("search_text",)
StudyRecord = namedtuple("StudyRecord", STUDY_KEYS)
DataRecord = namedtuple("DataRecord", DATA_KEYS)
NoDataRecord = namedtuple("NoDataRecord", NO_DATA_KEYS)
StagedFile = namedtuple("StagedFile", "component_result filename size")
# C-speed getters, by name: a page row's values as the import writes them, and a page row
# from the metadata's (normalised) study or component result and what the import adds.
_study_values = attrgetter(*[name for name, _ in _STUDY_IMPORTED])
_component_values = attrgetter(*[name for name, _ in _COMPONENT_IMPORTED])
_study_row_of = itemgetter(*StudyRow._fields)
_STUDY_LOCAL = {f.name: None for f in STUDY_ROW_FIELDS if f.local}  # a label: the store's, not the source's
_component_row_of = itemgetter(*ComponentRow._fields)

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
    participant_names: tuple[str, ...] = participants.DEFAULT_PARAMETERS  # the store's setting


@dataclass
class RowBatch:
    study_results: list[StudyRecord] = field(default_factory=list)
    with_data: list[DataRecord] = field(default_factory=list)
    without_data: list[NoDataRecord] = field(default_factory=list)
    files: list[StagedFile] = field(default_factory=list)  # staged
    listed: list[StagedFile] = field(default_factory=list)  # files metadata alone says exist (not staged)
    bytes: int = 0


@dataclass
class Tables:
    studies: dict[int, tuple] = field(default_factory=dict)  # id -> (names, values…): rows()
    batches: dict[int, tuple] = field(default_factory=dict)
    workers: dict[int, tuple] = field(default_factory=dict)
    groups: dict[int, dict] = field(default_factory=dict)
    components: dict[int, dict] = field(default_factory=dict)
    listed: dict[int, int] = field(default_factory=dict)  # component result -> its study result
    # cr -> data size in metadata, of those without a data.txt here (the others' sizes are
    # their data's: not held for every result of an archive)
    sizes: dict[int, int] = field(default_factory=dict)
    study_results: IdSet = field(default_factory=IdSet)  # with or without component results
    with_data: IdSet = field(default_factory=IdSet)  # component results with a data.txt here
    conflicting: bool = False  # a worker, batch or component said two different things
    _names: dict[tuple, tuple] = field(default_factory=dict)

    def add(self, source: Source, st: dict, sr: dict) -> None:
        self._say(self.studies, {"id": st["id"], "uuid": st["uuid"], "title": st["title"]})
        if sr["batch_id"] is not None:
            self._say(self.batches, {"id": sr["batch_id"], "uuid": sr["batch_uuid"], "study": st["id"],
                                     "title": sr["batch_title"]})
        worker = {"id": sr["worker_id"], "worker_type": sr["worker_type"], "comment": sr["comment"]}
        if "mt_worker_id" in sr:  # not in JATOS's metadata: where a source knows it (the demo)
            worker["mt_worker_id"] = sr["mt_worker_id"]
        self._say(self.workers, worker)
        self.study_results.add(sr["id"])
        if sr["group_id"] is not None:
            self.groups[sr["group_id"]] = {"id": sr["group_id"], "batch": sr["batch_id"]}
        for cr in sr["components"]:
            component = {"id": cr["component_id"], "uuid": cr["component_uuid"], "study": st["id"]}
            first = self.components.setdefault(cr["component_id"], component)
            self.conflicting |= first["uuid"] != component["uuid"]
            if self.listed.get(cr["id"], sr["id"]) != sr["id"]:
                raise BadInput(f"{source.path}: component result {cr['id']} is listed under two study results")
            self.listed[cr["id"]] = sr["id"]

    def _say(self, table: dict[int, tuple], row: dict) -> None:
        # Held as (names, values…), the names' tuple shared: an archive of a million runs has
        # a million workers, and a tuple is half a dict.
        names = tuple(row)
        said = (self._names.setdefault(names, names), *row.values())
        before = table.get(row["id"])
        self.conflicting |= before is not None and before != said
        table[row["id"]] = said  # the last say is what the store keeps

    @staticmethod
    def rows(table: dict[int, tuple]) -> Iterator[dict]:
        """The rows of studies, batches or workers, as dicts."""
        for said in table.values():
            yield dict(zip(said[0], said[1:]))


def work(
    source: Source,
    lookups: Lookups,
    read_data: Callable[[Entry], tuple[str, int, int]],
    stage_file: Callable[[Entry, int], int],
    tables_first: bool,
    listed_files: bool = False,
) -> Iterator[RowBatch | Tables]:
    """`listed_files`: note the files the metadata lists (metadata alone brings none)."""
    data: dict[int, int] = {}  # component result -> the position of its data.txt in source.entries
    files: dict[int, list[Entry]] = {}
    for n, entry in enumerate(source.entries):
        if entry.kind == "data":
            data[entry.component_result_id] = n
        else:
            files.setdefault(entry.component_result_id, []).append(entry)
    tables = Tables()
    if tables_first:
        # A pass of their own, and the metadata read again for the results: a list of every
        # normalised result would be most of the memory of a big import.
        for st, sr in source.iter_results():
            tables.add(source, st, sr)
        yield tables
    results = source.iter_results()
    batch = RowBatch()
    yielded = False
    held = 0  # bytes of result data in the batch, as Python holds them
    for st, sr in results:
        if not tables_first:
            tables.add(source, st, sr)
        held += _add(batch, source, st, sr, tables, lookups, data, files, read_data, stage_file)
        if listed_files:
            batch.listed.extend(
                StagedFile(cr["id"], f["filename"], f["size"] or 0) for cr in sr["components"] for f in cr["files"]
            )
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
    in_batch = sr["batch_id"] is not None
    # What every component result of this run shows of it, by the page row's field names.
    shared = {
        "study_result_id": sr_id, "study_result_uuid": sr["uuid"], "study_code": sr["study_code"],
        "study_id": st["id"], "batch_title": sr["batch_title"] if in_batch else None, "worker_id": sr["worker_id"],
        "worker_type": sr["worker_type"], "group_id": sr["group_id"], "message": None,
    }
    has_files = False
    held = 0
    for cr in sr["components"]:
        cr_id = cr["id"]
        mine: dict[str, int] = {}
        at = data.get(cr_id)
        entry = source.entries[at] if at is not None else None
        for e in ([entry] if entry else []) + files.get(cr_id, []):
            if e.study_result_id is not None and e.study_result_id != sr_id:
                raise BadInput(
                    f"{source.path}: entry {e.label!r}: component result {cr_id} belongs to study result {sr_id}"
                )
        for e in files.get(cr_id, ()):
            mine[e.name] = stage_file(e, sr_id)
            batch.files.append(StagedFile(cr_id, e.name, mine[e.name]))
            batch.bytes += e.size
        has_files = has_files or bool(mine)
        if entry is not None:
            text, size, _ = read_data(entry)
            batch.bytes += entry.size
            held += sys.getsizeof(text)  # a str of one non-ASCII character takes 2 or 4 bytes a character
            tables.with_data.add(cr_id)
        else:
            text, size = None, cr["data_size"]
            tables.sizes[cr_id] = size
        title = lookups.titles.get(cr["component_uuid"], lookups.components.get(cr["component_id"]))
        row = ComponentRow._make(_component_row_of({
            **cr, **shared, "component_title": title, "data_size": size, "data_is_null": text is None,
            "files": tuple(mine.items()),
        }))
        if entry is not None:
            batch.with_data.append(component_record(row, text))
        else:
            batch.without_data.append(component_record(row))
    mt_worker_id = sr.get("mt_worker_id", lookups.mt_worker_ids.get(sr["worker_id"]))  # the demo's source says
    row = StudyRow._make(_study_row_of({
        **_STUDY_LOCAL,
        "mt_worker_id": mt_worker_id,
        "participant": participants.stored_id(sr["url_query_parameters"], mt_worker_id, lookups.participant_names),
        **sr, "study_id": st["id"], "study_uuid": st["uuid"], "study_title": st["title"],
        "batch_uuid": sr["batch_uuid"] if in_batch else None, "batch_title": shared["batch_title"],
        "worker_comment": sr["comment"],
        "has_files": has_files,
    }))
    batch.study_results.append(StudyRecord._make(_study_values(row) + (study_row_text(row),)))
    return held


def component_record(row: ComponentRow, data: str | None = None) -> DataRecord | NoDataRecord:
    """What an import writes of a component result's row (the data too, when it brings
    some), with the row's search text."""
    if data is None:
        return NoDataRecord._make(_component_values(row) + (component_row_text(row),))
    return DataRecord._make(_component_values(row) + (data, component_row_text(row)))

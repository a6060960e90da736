"""Import of JATOS exports into the store: all or nothing, idempotent, newer wins.

Every file named in one call is read and checked first; then one write transaction
applies them all. Result files go to a staging folder and are moved into place only
after the commit (store/files.py), so a failure at any point leaves the database and
the files root as they were.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import peewee

from . import archive_rows, files, search_text, sqlite
from .archive_read import Entry, Source, read_source
from .database import Store
from .errors import BadInput, Cancelled
from .idlists import chunks, id_in
from .prefetch import prefetched
from .models import (
    Batch,
    Component,
    ComponentResult,
    ComponentTitle,
    GroupResult,
    PendingFileOp,
    ResultFile,
    Study,
    StudyResult,
    Worker,
)

Progress = Callable[[int, int], None]


@dataclass
class ImportSummary:
    studies: set = field(default_factory=set)
    study_results: set = field(default_factory=set)
    component_results: set = field(default_factory=set)
    files: int = 0
    bytes: int = 0
    titles: int = 0
    titles_kept: int = 0

    def listed(self, tables: archive_rows.Tables) -> None:
        """Count what a source's metadata lists."""
        self.studies.update(tables.studies)
        self.study_results.update(tables.study_results)
        self.component_results.update(tables.listed)

    def line(self) -> str:
        text = (
            f"imported {len(self.studies)} studies, {len(self.study_results)} study results, "
            f"{len(self.component_results)} component results, {self.files} files, {self.bytes} bytes"
        )
        if self.titles or self.titles_kept:
            text += f"; component titles: {self.titles} attached"
            if self.titles_kept:
                text += f", {self.titles_kept} kept for components not yet imported"
        return text


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ImportSummary:
    sources: list[Source] = []
    try:
        for p in paths:
            sources.append(read_source(p))
        return _import_sources(store, sources, progress, cancelled)
    finally:
        for s in sources:
            s.close()


def _import_sources(store: Store, sources: list[Source], progress, cancelled) -> ImportSummary:
    summary = ImportSummary()
    total = sum(s.total_bytes for s in sources) or 1
    staging = files.Staging(store.files_root)
    staged_any = False
    op_id = None
    try:
        with store.write():
            done = 0
            for source in sources:
                if source.kind == "study-archive":
                    crs, srs = _title_targets(source.study_archive)
                    with store.bulk_change(crs, srs):
                        _attach_titles(source.study_archive, summary)
                        search_text.refresh(srs, crs)
                    continue
                archive = source.has_metadata and source.path.suffix.lower() != ".json"
                # An archive's path finds the rows it touches as it goes (they are not known yet).
                crs, srs = ((), ()) if archive else _touched(source)
                with store.bulk_change(crs, srs) as index:
                    if archive:
                        done, staged = _import_archive(
                            store, source, summary, staging, index, done, total, progress, cancelled
                        )
                    else:
                        done, staged = _import_entries(source, summary, staging, done, total, progress, cancelled)
                        search_text.refresh(srs, crs)
                    staged_any = staged_any or staged
                _count_studies(summary)
            if staged_any:
                op_id = PendingFileOp.create(kind="import", staging=staging.token, created=int(time.time() * 1000)).id
        if staged_any:
            files.apply_import(store.files_root, staging.token)
            with store.write():
                PendingFileOp.delete().where(PendingFileOp.id == op_id).execute()
            staging.release()
        else:
            staging.discard()
    except BaseException:
        if op_id is None:
            staging.discard()
        else:
            staging.release()  # committed: the next open finishes moving the files
        raise
    return summary


def _import_entries(source, summary, staging, done, total, progress, cancelled) -> tuple[int, bool]:
    """A source without metadata.json (or metadata alone): rows are found in the store."""
    listed = _apply_metadata(source, summary) if source.metadata else {}
    staged = False
    batch: list[tuple] = []
    for entry in source.entries:
        if cancelled and cancelled():
            raise Cancelled("import cancelled; nothing was changed")
        sr_id = _owner(source, entry, listed)
        if entry.kind == "data":
            batch.append(_read_data(source, entry))
            if len(batch) >= 500:
                _write_data(batch)
        else:
            size = _stage_file(staging, source, entry, sr_id)
            _add_file(entry.component_result_id, entry.name, size)
            staged = True
            summary.files += 1
        summary.component_results.add(entry.component_result_id)
        summary.study_results.add(sr_id)
        summary.bytes += entry.size
        done += entry.size
        if progress:
            progress(done, total)
    _write_data(batch)
    return done, staged


def _import_archive(store, source, summary, staging, index, done, total, progress, cancelled) -> tuple[int, bool]:
    """A results archive with its metadata.json: each row written once, complete, and the
    index built batch by batch while a thread reads and renders the next batch
    (store/archive_rows.py). Rows the store held before are taken out of the index when
    first met, before they change, and rendered and indexed again at the end."""
    lookups = archive_rows.Lookups(
        components=dict(Component.select(Component.id, Component.title).tuples()),
        titles=dict(ComponentTitle.select(ComponentTitle.uuid, ComponentTitle.title).tuples()),
        mt_worker_ids=dict(
            Worker.select(Worker.id, Worker.mt_worker_id).where(Worker.mt_worker_id.is_null(False)).tuples()
        ),
    )
    tables_first = not _defers_foreign_keys(store)
    if not tables_first:
        # Results go in before their studies, workers and components: SQLite checks at commit.
        store.db.execute_sql("PRAGMA defer_foreign_keys = ON").close()
    seen_srs: set[int] = set()
    seen_crs: set[int] = set()
    old_srs: set[int] = set()
    old_crs: set[int] = set()
    new_srs: list[int] = []
    tables = None
    staged = False
    work = archive_rows.work(
        source, lookups, lambda e: _read_data(source, e), lambda e, sr_id: _stage_file(staging, source, e, sr_id),
        tables_first,
    )
    with contextlib.closing(prefetched(work)) as items:
        for item in items:
            if cancelled and cancelled():
                raise Cancelled("import cancelled; nothing was changed")
            if isinstance(item, archive_rows.Tables):
                tables = item
                _write_tables(item)
                continue
            srs = _first_sight(StudyResult, [r[0] for r in item.study_results], seen_srs, old_srs)
            crs = _first_sight(
                ComponentResult, [r[0] for r in item.with_data + item.without_data], seen_crs, old_crs
            )
            index.unindex(crs.held, srs.held)
            _upsert_rows(StudyResult, archive_rows.STUDY_KEYS, item.study_results)
            _upsert_rows(ComponentResult, archive_rows.DATA_KEYS, item.with_data)
            _upsert_rows(ComponentResult, archive_rows.NO_DATA_KEYS, item.without_data, keep=("data_size",))
            for cr_id, name, size in item.files:
                _add_file(cr_id, name, size)
            index.index_now(crs.new, srs.new)
            new_srs.extend(srs.new)
            staged = staged or bool(item.files)
            summary.files += len(item.files)
            summary.bytes += item.bytes
            done += item.bytes
            if progress:
                progress(done, total)
    summary.listed(tables)
    # Rows already in the store that this archive has no data.txt for keep their data;
    # where they have none, the metadata's size stands, and an empty result is NULL (§7).
    kept = [cr for cr in old_crs if cr not in tables.with_data]
    _sizes_from_metadata(kept, tables.listed)
    empty = [cr for cr in kept if tables.listed[cr][1] == 0]
    for chunk in peewee.chunked(empty, 500):
        ComponentResult.update(data=None, data_size=0).where(ComponentResult.id.in_(chunk)).execute()
    if tables.conflicting:
        # A file that says two things about one worker, batch or component: the store
        # kept the last say; render every row from the store.
        index.unindex((), new_srs)
        old_srs, old_crs = seen_srs, seen_crs
    search_text.refresh(old_srs, old_crs)
    return done, staged


def _defers_foreign_keys(store: Store) -> bool:
    return store.is_sqlite


@dataclass
class _Sighting:
    new: list[int]
    held: list[int]


def _first_sight(model, ids: list[int], seen: set[int], old: set[int]) -> _Sighting:
    """Of rows an import writes, those it meets for the first time: the new ones, and the
    ones the store already held (added to `old`)."""
    fresh = [i for i in ids if i not in seen]
    seen.update(fresh)
    held = _existing(model, fresh) if fresh else set()
    old.update(held)
    return _Sighting([i for i in fresh if i not in held], sorted(held))


def _write_tables(tables: archive_rows.Tables) -> None:
    _upsert(Study, list(tables.studies.values()))
    _upsert(Batch, list(tables.batches.values()))
    _upsert(Worker, list(tables.workers.values()))
    _upsert(GroupResult, list(tables.groups.values()))
    _upsert(Component, list(tables.components.values()))
    _attach_known_titles(list(tables.components))


def _existing(model, ids) -> set[int]:
    ids = list(ids)
    if not ids:
        return set()
    # Into a fresh store or past its last result, one probe of the range says "none".
    low, high = min(ids), max(ids)
    if not model.select(model.id).where((model.id >= low) & (model.id <= high)).limit(1).tuples():
        return set()
    found: set[int] = set()
    for chunk in chunks(model.id, ids):
        found.update(r[0] for r in model.select(model.id).where(id_in(model.id, chunk)).tuples())
    return found


def _touched(source: Source) -> tuple[set[int], set[int]]:
    """The component and study results a source writes (for the search index)."""
    crs = {e.component_result_id for e in source.entries}
    srs: set[int] = set()
    for st in source.metadata or []:
        for sr in st["results"]:
            srs.add(sr["id"])
            crs.update(cr["id"] for cr in sr["components"])
    return crs, srs


def _title_targets(study: dict) -> tuple[list[int], list[int]]:
    """Rows whose search text a study archive's titles change."""
    uuids = [c["uuid"] for c in study["components"]]
    crs: list[int] = []
    for chunk in peewee.chunked(uuids, 500):
        q = ComponentResult.select(ComponentResult.id).join(Component).where(Component.uuid.in_(chunk)).tuples()
        crs.extend(r[0] for r in q)
    srs: list[int] = []
    if study.get("uuid"):
        q = StudyResult.select(StudyResult.id).join(Study).where(Study.uuid == study["uuid"]).tuples()
        srs = [r[0] for r in q]
    return crs, srs


def _count_studies(summary: ImportSummary) -> None:
    ids = list(summary.study_results)
    for chunk in peewee.chunked(ids, 500):
        q = StudyResult.select(StudyResult.study).where(StudyResult.id.in_(chunk)).distinct().tuples()
        summary.studies.update(r[0] for r in q)


# -- metadata ---------------------------------------------------------------------------------


def _upsert(model, rows: list[dict], keep: tuple[str, ...] = ()) -> None:
    if rows:
        keys = tuple(rows[0])
        _upsert_rows(model, keys, [tuple(r[k] for k in keys) for r in rows], keep)


def _upsert_rows(model, keys: tuple[str, ...], rows: list[tuple], keep: tuple[str, ...] = ()) -> None:
    """Insert rows (tuples of `keys`), or update the existing row of the same id; columns in
    `keep` are written only into new rows.

    Many rows go into one statement (multi-row VALUES): SQLite then runs a whole batch
    without the interpreter lock, where executemany would take it back for every row and,
    beside a busy reading thread, wait for it each time."""
    if not rows:
        return
    db = model._meta.database
    table = model._meta.table_name
    cols = [model._meta.fields[k].column_name for k in keys]
    p = db.param
    names = ", ".join(f'"{c}"' for c in cols)
    group = "(" + ", ".join([p] * len(cols)) + ")"
    rest = [c for k, c in zip(keys, cols) if c != "id" and k not in keep]
    if isinstance(sqlite.unwrap(db), peewee.MySQLDatabase):
        # "id = id" keeps the row as it is where there is nothing to update.
        updates = [f"`{c}` = VALUES(`{c}`)" for c in rest] or ["`id` = `id`"]
        head = f"INSERT INTO `{table}` ({names.replace(chr(34), '`')}) VALUES "
        tail = f" ON DUPLICATE KEY UPDATE {', '.join(updates)}"
    else:
        head = f'INSERT INTO "{table}" ({names}) VALUES '
        if rest:
            tail = ' ON CONFLICT ("id") DO UPDATE SET ' + ", ".join(f'"{c}" = excluded."{c}"' for c in rest)
        else:
            tail = ' ON CONFLICT ("id") DO NOTHING'
    # SQLite takes 32,766 parameters a statement, PostgreSQL and MySQL 65,535.
    per = max(1, 30_000 // len(cols))
    cursor = db.cursor()
    for at in range(0, len(rows), per):
        chunk = rows[at : at + per]
        cursor.execute(head + ", ".join([group] * len(chunk)) + tail, [v for r in chunk for v in r])


def _apply_metadata(source: Source, summary: ImportSummary) -> dict[int, tuple[int, int]]:
    """Write the metadata's tables and results (without data); return {cr: (sr, size)}."""
    tables = archive_rows.Tables()
    for st, sr in source.iter_results():
        tables.add(source, st, sr)
    _write_tables(tables)
    summary.listed(tables)
    srs, crs = [], []
    for st in source.metadata:
        for sr in st["results"]:
            srs.append(
                {
                    "id": sr["id"],
                    "uuid": sr["uuid"],
                    "study_code": sr["study_code"],
                    "study": st["id"],
                    "batch": sr["batch_id"],
                    "worker": sr["worker_id"],
                    "group": sr["group_id"],
                    "start_date": sr["start_date"],
                    "end_date": sr["end_date"],
                    "last_seen_date": sr["last_seen_date"],
                    "state": sr["state"],
                    "message": sr["message"],
                    "url_query_parameters": sr["url_query_parameters"],
                    "confirmation_code": sr["confirmation_code"],
                    "quota_reached": sr["quota_reached"],
                }
            )
            for cr in sr["components"]:
                crs.append(
                    {
                        "id": cr["id"],
                        "study_result": sr["id"],
                        "component": cr["component_id"],
                        "start_date": cr["start_date"],
                        "end_date": cr["end_date"],
                        "state": cr["state"],
                        "quota_reached": cr["quota_reached"],
                        "data_size": cr["data_size"],
                    }
                )
    _upsert(StudyResult, srs)
    _upsert(ComponentResult, crs, keep=("data_size",))
    _sizes_from_metadata(list(tables.listed), tables.listed)
    return tables.listed


def _sizes_from_metadata(cr_ids: list[int], listed: dict[int, tuple[int, int]]) -> None:
    """Data size from metadata only where the data itself is not here (yet)."""
    by_size: dict[int, list[int]] = {}
    for cr_id in cr_ids:
        by_size.setdefault(listed[cr_id][1], []).append(cr_id)
    for size, ids in by_size.items():
        for chunk in peewee.chunked(ids, 500):
            ComponentResult.update(data_size=size).where(
                ComponentResult.id.in_(chunk) & ComponentResult.data.is_null()
            ).execute()


def _attach_known_titles(component_ids: list[int]) -> None:
    for chunk in peewee.chunked(component_ids, 500):
        q = (
            Component.select(Component.id, ComponentTitle.title, ComponentTitle.position)
            .join(ComponentTitle, on=(Component.uuid == ComponentTitle.uuid))
            .where(Component.id.in_(chunk))
            .tuples()
        )
        for cid, title, pos in list(q):
            Component.update(title=title, position=pos).where(Component.id == cid).execute()


def _attach_titles(study: dict, summary: ImportSummary) -> None:
    rows = [{"uuid": c["uuid"], "title": c["title"], "position": c["position"]} for c in study["components"]]
    for chunk in peewee.chunked(rows, 200):
        ComponentTitle.insert_many(chunk).on_conflict_replace().execute()
    for c in study["components"]:
        n = Component.update(title=c["title"], position=c["position"]).where(Component.uuid == c["uuid"]).execute()
        if n:
            summary.titles += n
        else:
            summary.titles_kept += 1
    if study.get("uuid") and study.get("title"):
        Study.update(title=study["title"]).where(Study.uuid == study["uuid"]).execute()


# -- entries ----------------------------------------------------------------------------------


def _owner(source: Source, entry: Entry, listed: dict[int, tuple[int, int]]) -> int:
    """The study result an entry belongs to, checked against the metadata or the store."""
    cr_id = entry.component_result_id
    if source.metadata is not None:
        if cr_id not in listed:
            raise BadInput(
                f"{source.path}: entry {entry.label!r}: component result {cr_id} is not listed in metadata.json"
            )
        sr_id = listed[cr_id][0]
    else:
        row = ComponentResult.select(ComponentResult.study_result).where(ComponentResult.id == cr_id).tuples().first()
        if row is None:
            raise BadInput(
                f"{source.path}: entry {entry.label!r}: component result {cr_id} is not in the store and the "
                "archive has no metadata.json (import the results archive or its metadata first)"
            )
        sr_id = row[0]
    if entry.study_result_id is not None and entry.study_result_id != sr_id:
        raise BadInput(
            f"{source.path}: entry {entry.label!r}: component result {cr_id} belongs to study result {sr_id}"
        )
    return sr_id


def _read_all(source: Source, entry: Entry) -> bytes:
    try:
        raw = entry.read(entry.size + 1)
    except Exception as exc:  # ZipError (CRC, inflate), OSError
        raise BadInput(f"{source.path}: entry {entry.label!r} is damaged or inflates beyond its declared size ({exc})") from None
    if len(raw) != entry.size:
        raise BadInput(f"{source.path}: entry {entry.label!r} inflates beyond its declared size")
    return raw


def _read_data(source: Source, entry: Entry) -> tuple[str, int, int]:
    raw = _read_all(source, entry)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{source.path}: entry {entry.label!r}: result data is not UTF-8 text") from None
    return text, len(raw), entry.component_result_id


def _write_data(batch: list[tuple]) -> None:
    """Write a batch of (data, size, id) at once; empties the batch."""
    if batch:
        db = ComponentResult._meta.database
        p = db.param
        db.cursor().executemany(
            f'UPDATE "{ComponentResult._meta.table_name}" SET data = {p}, data_size = {p} WHERE id = {p}', batch
        )
        batch.clear()


def _stage_file(staging: files.Staging, source: Source, entry: Entry, sr_id: int) -> int:
    target_dir = files.private_mkdir(
        staging.path / f"study-result_{sr_id}" / f"comp-result_{entry.component_result_id}"
    )
    target = target_dir / entry.name
    written = 0
    try:
        with open(target, "wb", opener=_private_opener) as dst:
            for chunk in entry.chunks(entry.size + 1):
                written += len(chunk)
                if written > entry.size:
                    raise BadInput(f"{source.path}: entry {entry.label!r} inflates beyond its declared size")
                dst.write(chunk)
    except BadInput:
        raise
    except Exception as exc:
        raise BadInput(f"{source.path}: entry {entry.label!r} is damaged or inflates beyond its declared size ({exc})") from None
    if written != entry.size:
        raise BadInput(f"{source.path}: entry {entry.label!r} is shorter than its declared size")
    return written


def _add_file(cr_id: int, name: str, size: int) -> None:
    ResultFile.insert(component_result=cr_id, filename=name, size=size).on_conflict(
        conflict_target=[ResultFile.component_result, ResultFile.filename], preserve=[ResultFile.size]
    ).execute()


def _private_opener(path, flags):
    return os.open(path, flags, 0o600)

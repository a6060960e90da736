"""Writing an import's rows and files: upserts, data, staged result files.

Every write of a study or component result row goes through here, and writes the row's
search text with it (store/search/text.py): `write_results` writes records that carry
their text, rendered from the incoming rows, and renders from the store the rows whose
record cannot say all they show (held before the import); `change_components` (data
sizes, an abort's purge) renders the rows it changes; `write_tables` renders the rows
that show a worker, batch, study or component it changes; `write_labels` renders the rows
whose label or note it changes.
"""

from __future__ import annotations

import errno
import shutil
from itertools import chain
from typing import Iterable

import peewee

from store.db.idlists import chunks, id_in
from store.db.models import (
    Batch,
    Component,
    ComponentResult,
    ComponentTitle,
    GroupResult,
    ListedFile,
    ResultFile,
    ResultLabel,
    Study,
    StudyResult,
    Worker,
)
from store.disk import files
from store.errors import BadInput, StoreError
from store.formats import archive_rows
from store.formats.archive_read import Entry, Source
from store.search import text as search_text


def existing(model, ids) -> set[int]:
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


def write_tables(tables: archive_rows.Tables, index) -> None:
    """Studies, batches, workers, groups and components; rows of results that show one that
    changes are taken out of `index` and rendered again."""
    # Rows the store held before are the ones whose change other results show.
    before = {model: _stored(model, rows) for model, rows in (
        (Study, tables.studies), (Batch, tables.batches), (Worker, tables.workers), (Component, tables.components)
    )}
    upsert(Study, tables.rows(tables.studies))
    upsert(Batch, tables.rows(tables.batches))
    upsert(Worker, tables.rows(tables.workers))
    upsert(GroupResult, tables.groups.values())  # a result shows its group's id only
    upsert(Component, tables.components.values())
    _attach_known_titles(list(tables.components))
    changed = {}
    for model, held in before.items():
        after = _stored(model, held)
        changed[model] = [i for i, values in held.items() if after[i] != values]
    srs, crs = _results_showing(changed)
    if srs or crs:
        index.unindex(crs, srs)
        search_text.refresh(srs, crs)


def _stored(model, rows) -> dict[int, tuple]:
    """The store's values of these rows that it holds (a fresh import: one probe)."""
    held = existing(model, rows)
    out: dict[int, tuple] = {}
    for chunk in chunks(model.id, sorted(held)):
        out.update((r[0], r) for r in model.select().where(id_in(model.id, chunk)).tuples())
    return out


def _results_showing(changed: dict) -> tuple[list[int], list[int]]:
    srs: set[int] = set()
    crs: set[int] = set()
    for model, column in ((Study, StudyResult.study), (Batch, StudyResult.batch), (Worker, StudyResult.worker)):
        for chunk in chunks(column, changed[model]):
            q = StudyResult.select(StudyResult.id, ComponentResult.id).join(ComponentResult, peewee.JOIN.LEFT_OUTER)
            for sr_id, cr_id in q.where(id_in(column, chunk)).tuples():
                srs.add(sr_id)
                if cr_id is not None and model is not Study:  # a component result does not show its study
                    crs.add(cr_id)
    for chunk in chunks(ComponentResult.component, changed[Component]):
        q = ComponentResult.select(ComponentResult.id).where(id_in(ComponentResult.component, chunk))
        crs.update(r[0] for r in q.tuples())
    return sorted(srs), sorted(crs)


def upsert(model, rows: Iterable[dict], keep: tuple[str, ...] = ()) -> None:
    # A chunk at a time: an archive's million workers are not a million tuples at once.
    for chunk in peewee.chunked(rows, 10_000):
        by_keys: dict[tuple, list[tuple]] = {}  # rows that name the same columns (a source may say more of some)
        for r in chunk:
            by_keys.setdefault(tuple(r), []).append(tuple(r.values()))
        for keys, values in by_keys.items():
            upsert_rows(model, keys, values, keep)


def write_results(batch: archive_rows.RowBatch, held_srs=(), held_crs=()) -> None:
    """Write an import's study and component results (new, or updated by the merge rules)
    with their files, each row with its search text. A record carries the text rendered
    from the incoming rows; a row the store held before (`held_*`) may show more than its
    record (files and data of earlier imports): its text is rendered from the store."""
    upsert_rows(StudyResult, archive_rows.STUDY_KEYS, batch.study_results)
    upsert_rows(ComponentResult, archive_rows.DATA_KEYS, batch.with_data)
    upsert_rows(ComponentResult, archive_rows.NO_DATA_KEYS, batch.without_data, keep=("data_size",))
    for f in batch.files:
        _add_file(f.component_result, f.filename, f.size)
    _list_files(batch.listed)
    # A label outlives its result's delete: a result imported again shows it (the record cannot).
    held = set(held_srs)
    labelled = _labelled([r.id for r in batch.study_results if r.id not in held])
    search_text.refresh(list(held_srs) + labelled, held_crs)


def _labelled(ids: list[int]) -> list[int]:
    if not ids:
        return []
    found: list[int] = []
    # One parameter a chunk on SQLite (json_each), not a node of Peewee's an id.
    for chunk in chunks(ResultLabel.study_result, ids):
        q = ResultLabel.select(ResultLabel.study_result).where(id_in(ResultLabel.study_result, chunk))
        found.extend(r[0] for r in q.tuples())
    return found


def write_labels(rows: list[tuple], cleared: list[int]) -> None:
    """Labels (study result, label, note, by, at) written and labels removed (store/labels.py),
    inside the caller's transaction; the rows' search text follows."""
    # Replaced as a whole (delete, insert): the same SQL on every backend.
    for chunk in chunks(ResultLabel.study_result, [r[0] for r in rows] + list(cleared)):
        ResultLabel.delete().where(id_in(ResultLabel.study_result, chunk)).execute()
    fields = [ResultLabel.study_result, ResultLabel.label, ResultLabel.note, ResultLabel.labelled_by, ResultLabel.labelled_at]
    for chunk in peewee.chunked(rows, 500):
        ResultLabel.insert_many(chunk, fields=fields).execute()
    search_text.refresh([r[0] for r in rows] + list(cleared), ())


def change_components(ids, only_without_data: bool = False, **values) -> None:
    """Change stored component results (data, data size); their search text follows."""
    ids = sorted(set(ids))
    for chunk in chunks(ComponentResult.id, ids):
        where = id_in(ComponentResult.id, chunk)
        if only_without_data:
            where &= ComponentResult.data.is_null()
        ComponentResult.update(**values).where(where).execute()
    search_text.refresh((), ids)


def upsert_rows(model, keys: tuple[str, ...], rows: list[tuple], keep: tuple[str, ...] = ()) -> None:
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
    head = f'INSERT INTO "{table}" ({names}) VALUES '
    if rest:
        tail = ' ON CONFLICT ("id") DO UPDATE SET ' + ", ".join(f'"{c}" = excluded."{c}"' for c in rest)
    else:
        tail = ' ON CONFLICT ("id") DO NOTHING'
    # SQLite takes 32,766 parameters a statement, PostgreSQL 65,535.
    per = max(1, 30_000 // len(cols))
    cursor = db.cursor()
    for at in range(0, len(rows), per):
        chunk = rows[at : at + per]
        cursor.execute(head + ", ".join([group] * len(chunk)) + tail, list(chain.from_iterable(chunk)))


def sizes_from_metadata(cr_ids: list[int], sizes: dict[int, int]) -> None:
    """Data size from metadata only where the data itself is not here (yet)."""
    by_size: dict[int, list[int]] = {}
    for cr_id in cr_ids:
        by_size.setdefault(sizes[cr_id], []).append(cr_id)
    for size, ids in by_size.items():
        change_components(ids, only_without_data=True, data_size=size)


def component_results_of(study_result_ids) -> list[int]:
    crs: list[int] = []
    for chunk in peewee.chunked(sorted(study_result_ids), 500):
        q = ComponentResult.select(ComponentResult.id).where(ComponentResult.study_result.in_(chunk)).tuples()
        crs.extend(r[0] for r in q)
    return crs


def purge_runs(study_result_ids: list[int]) -> tuple[list[int], list[str]]:
    """JATOS's abort (§1.3): a run's data and files go (files metadata listed, too: they
    will never come). Returns its component results and the result folders to remove
    after the commit."""
    crs = component_results_of(study_result_ids)
    for chunk in peewee.chunked(crs, 500):
        ResultFile.delete().where(ResultFile.component_result.in_(chunk)).execute()
        ListedFile.delete().where(ListedFile.component_result.in_(chunk)).execute()
    change_components(crs, data=None, data_size=0)
    return crs, [f"study-result_{i}" for i in sorted(study_result_ids)]


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


# -- entries ----------------------------------------------------------------------------------


def _read_all(source: Source, entry: Entry) -> bytes:
    try:
        raw = entry.read(entry.size + 1)
    except Exception as exc:  # ZipError (CRC, inflate), OSError
        raise BadInput(f"{source.path}: entry {entry.label!r} is damaged or inflates beyond its declared size ({exc})") from None
    if len(raw) != entry.size:
        raise BadInput(f"{source.path}: entry {entry.label!r} inflates beyond its declared size")
    return raw


def read_data(source: Source, entry: Entry) -> tuple[str, int, int]:
    raw = _read_all(source, entry)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{source.path}: entry {entry.label!r}: result data is not UTF-8 text") from None
    return text, len(raw), entry.component_result_id


def stage_file(staging: files.Staging, source: Source, entry: Entry, sr_id: int) -> int:
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
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            # The store's disk, not the archive: say so (nothing was changed).
            root = next((p.parent for p in target.parents if p.name == files.STAGING), target.parent)
            raise StoreError(f"no space left on the device of {root}") from None
        raise BadInput(f"{source.path}: entry {entry.label!r} is damaged or inflates beyond its declared size ({exc})") from None
    except Exception as exc:
        raise BadInput(f"{source.path}: entry {entry.label!r} is damaged or inflates beyond its declared size ({exc})") from None
    if written != entry.size:
        raise BadInput(f"{source.path}: entry {entry.label!r} is shorter than its declared size")
    return written


def unstage(staging: files.Staging, sr_id: int, cr_id: int | None = None) -> None:
    """Take files staged for a result that the import leaves as it is out of the staging folder."""
    shutil.rmtree(files.result_dir(staging.path, sr_id, cr_id), ignore_errors=True)


def _add_file(cr_id: int, name: str, size: int) -> None:
    ResultFile.insert(component_result=cr_id, filename=name, size=size).on_conflict(
        conflict_target=[ResultFile.component_result, ResultFile.filename], preserve=[ResultFile.size]
    ).execute()
    # Known from metadata until now: here at last.
    ListedFile.delete().where((ListedFile.component_result == cr_id) & (ListedFile.filename == name)).execute()


def _list_files(listed: list) -> None:
    """Files metadata alone says a component result has, where the store has not got them:
    kept so that an export of files can say it lacks them."""
    have = set()
    for chunk in peewee.chunked(sorted({f.component_result for f in listed}), 500):
        q = ResultFile.select(ResultFile.component_result, ResultFile.filename).where(ResultFile.component_result.in_(chunk))
        have.update(q.tuples())
    absent = [
        {"component_result": f.component_result, "filename": f.filename, "size": f.size}
        for f in listed if (f.component_result, f.filename) not in have
    ]
    for chunk in peewee.chunked(absent, 200):
        ListedFile.insert_many(chunk).on_conflict(
            conflict_target=[ListedFile.component_result, ListedFile.filename], preserve=[ListedFile.size]
        ).execute()


def _private_opener(path, flags):
    return files.private_opener(path, flags)  # owner-only, or the group's in a shared root

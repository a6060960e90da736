"""The trash: deleted results kept for undo until emptied, expired or erased.

A delete (store/removal/delete.py) copies each deleted result's rows, exactly as stored (ids,
data bytes, search text), into a TrashEntry, and its result folders move under the files
root's `.deleted/<op>/`. Restoring puts the rows and folders back. Entries older than
JATOS_RESULTS_TRASH_DAYS (30 by default) are removed by the next delete or trash command.
"""

from __future__ import annotations

import getpass
import json
import os
import time
from dataclasses import dataclass, field

import peewee

from store import participants
from store.db.database import Store
from store.db.idlists import chunks, id_in
from store.db.models import (
    ComponentResult,
    ListedFile,
    ResultFile,
    ResultLabel,
    StudyResult,
    Tombstone,
    TrashEntry,
    Worker,
)
from store.disk import files, journal
from store.errors import StoreError
from store.search import text as search_text

DEFAULT_DAYS = 30.0


def keep_days() -> float:
    try:
        return float(os.environ.get("JATOS_RESULTS_TRASH_DAYS", DEFAULT_DAYS))
    except ValueError:
        return DEFAULT_DAYS


def now_ms() -> int:
    return int(time.time() * 1000)


def who(store: Store) -> str:
    """Who acts: the database user on a server, else the login name ("" if unknown)."""
    try:
        if not store.is_sqlite:
            return store.db.execute_sql("SELECT current_user").fetchone()[0]
        return getpass.getuser()
    except Exception:  # no login name (a container), or the query failed: not worth failing a delete
        return ""


def _dicts(query) -> list[dict]:
    """Rows as {field name: value}, read through a raw cursor (Peewee's dicts() costs a
    Python call per value)."""
    model = query.model
    cursor = model._meta.database.execute(query)
    names = [model._meta.columns[d[0]].name for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def next_op() -> int:
    """The number of a new delete (inside its write transaction)."""
    return (TrashEntry.select(peewee.fn.MAX(TrashEntry.op)).scalar() or 0) + 1


def capture(store: Store, level: str, ids: list[int], op: int) -> list[list[str]]:
    """Copy these results into the trash (inside the delete's transaction, before the rows
    go); return the [live folder, trash folder] pairs to move after the commit."""
    if level == "study" and store.is_sqlite:
        return _capture_in_sqlite(store, ids, op)
    at, by = now_ms(), who(store)
    pairs: list[list[str]] = []
    entries: list[dict] = []
    for chunk in chunks(StudyResult.id, ids):
        if level == "study":
            srs = _dicts(StudyResult.select().where(id_in(StudyResult.id, chunk)))
            crs = _dicts(ComponentResult.select().where(id_in(ComponentResult.study_result, chunk)))
        else:
            crs = _dicts(ComponentResult.select().where(id_in(ComponentResult.id, chunk)))
            owners = sorted({c["study_result"] for c in crs})
            srs = _dicts(StudyResult.select().where(StudyResult.id.in_(owners))) if owners else []
        by_sr = {s["id"]: s for s in srs}
        files_of: dict[int, list[dict]] = {}
        listed_of: dict[int, list[dict]] = {}
        for fchunk in peewee.chunked([c["id"] for c in crs], 500):
            for model, into in ((ResultFile, files_of), (ListedFile, listed_of)):
                for f in _dicts(model.select().where(model.component_result.in_(fchunk))):
                    f.pop("id", None)
                    into.setdefault(f["component_result"], []).append(f)
        if level == "study":
            crs_of: dict[int, list[dict]] = {}
            for c in crs:
                crs_of.setdefault(c["study_result"], []).append(c)
            for sr in srs:
                mine = crs_of.get(sr["id"], [])
                rows = {"study_result": sr, "component_results": mine,
                        "files": [f for c in mine for f in files_of.get(c["id"], [])],
                        "listed_files": [f for c in mine for f in listed_of.get(c["id"], [])]}
                folder = f"study-result_{sr['id']}"
                entries.append(_entry(op, level, sr["id"], sr, None, at, by, folder, rows))
        else:
            for c in crs:
                sr = by_sr[c["study_result"]]
                rows = {"study_result": None, "component_results": [c], "files": files_of.get(c["id"], []),
                        "listed_files": listed_of.get(c["id"], [])}
                folder = f"study-result_{sr['id']}/comp-result_{c['id']}"
                entries.append(_entry(op, level, c["id"], sr, c["component"], at, by, folder, rows))
    for e in entries:
        pairs.extend(json.loads(e["folders"]))
    if entries:
        keys = list(entries[0])
        db = TrashEntry._meta.database
        cols = ", ".join(f'"{TrashEntry._meta.fields[k].column_name}"' for k in keys)
        marks = ", ".join([db.param] * len(keys))
        # executemany: Peewee's insert_many builds its SQL in Python, row by row.
        db.cursor().executemany(
            f'INSERT INTO "{TrashEntry._meta.table_name}" ({cols}) VALUES ({marks})',
            [tuple(e[k] for k in keys) for e in entries],
        )
    return pairs


def _json_object(model, alias: str) -> str:
    """SQLite's JSON object of a row of `model`, keyed by field name as _dicts() keys it
    (a subquery's column loses its JSON type: callers wrap it in json())."""
    return "json_object(" + ", ".join(
        f"'{f.name}', {alias}.\"{f.column_name}\""
        for f in model._meta.sorted_fields
        if f.name != "id" or model not in (ResultFile, ListedFile)
    ) + ")"


def _capture_in_sqlite(store: Store, ids: list[int], op: int) -> list[list[str]]:
    """capture() of study results in one statement: SQLite builds each entry's JSON itself,
    several times faster than reading the rows into Python and writing them back."""
    t, sr, cr, rf, lf = (
        m._meta.table_name for m in (TrashEntry, StudyResult, ComponentResult, ResultFile, ListedFile)
    )
    col = {name: f'"{f.column_name}"' for name, f in TrashEntry._meta.fields.items()}
    folder = f"{files.DELETED}/{op}/study-result_"
    sql = f"""
        INSERT INTO "{t}" ({col["op"]}, {col["level"]}, {col["result_id"]}, {col["study"]}, {col["batch"]},
                           {col["group"]}, {col["worker"]}, {col["component"]}, {col["deleted_at"]},
                           {col["deleted_by"]}, {col["folders"]}, {col["rows"]})
        SELECT ?, 'study', s.id, s.study_id, s.batch_id, s.group_id, s.worker_id, NULL, ?, ?,
               json_array(json_array('study-result_' || s.id, ? || s.id)),
               json_object(
                   'study_result', {_json_object(StudyResult, "s")},
                   'component_results', json((SELECT json_group_array(json(j)) FROM (
                       SELECT {_json_object(ComponentResult, "c")} AS j FROM "{cr}" c
                       WHERE c.study_result_id = s.id ORDER BY c.id))),
                   'files', json((SELECT json_group_array(json(j)) FROM (
                       SELECT {_json_object(ResultFile, "f")} AS j FROM "{rf}" f
                       JOIN "{cr}" c2 ON f.component_result_id = c2.id
                       WHERE c2.study_result_id = s.id ORDER BY c2.id, f.id))),
                   'listed_files', json((SELECT json_group_array(json(j)) FROM (
                       SELECT {_json_object(ListedFile, "l")} AS j FROM "{lf}" l
                       JOIN "{cr}" c3 ON l.component_result_id = c3.id
                       WHERE c3.study_result_id = s.id ORDER BY c3.id, l.id))))
        FROM "{sr}" s WHERE s.id IN (SELECT value FROM json_each(?))
    """
    store.db.execute_sql(sql, (op, now_ms(), who(store), folder, json.dumps(ids))).close()
    return [[f"study-result_{i}", f"{folder}{i}"] for i in ids]


def _entry(op, level, result_id, sr, component, at, by, folder, rows) -> dict:
    return {
        "op": op, "level": level, "result_id": result_id, "study": sr["study"], "batch": sr["batch"],
        "group": sr["group"], "worker": sr["worker"], "component": component, "deleted_at": at,
        "deleted_by": by, "folders": json.dumps([[folder, f"{files.DELETED}/{op}/{folder}"]]),
        "rows": json.dumps(rows, ensure_ascii=False),
    }


# -- looking --------------------------------------------------------------------------------------


@dataclass
class TrashedDelete:
    """One delete in the trash."""

    op: int
    level: str
    deleted_at: int
    deleted_by: str
    ids: list[int] = field(default_factory=list)


def deletes() -> list[TrashedDelete]:
    """What the trash holds, newest delete first."""
    out: dict[int, TrashedDelete] = {}
    q = TrashEntry.select(
        TrashEntry.op, TrashEntry.level, TrashEntry.deleted_at, TrashEntry.deleted_by, TrashEntry.result_id
    ).order_by(TrashEntry.op.desc(), TrashEntry.result_id)
    for op, level, at, by, rid in q.tuples():
        out.setdefault(op, TrashedDelete(op, level, at, by)).ids.append(rid)
    return list(out.values())


# -- restoring ------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    study_results: int = 0
    component_results: int = 0
    files: int = 0
    skipped: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = (
            f"restored {self.study_results} study results, {self.component_results} component results "
            f"and {self.files} files"
        )
        if self.skipped:
            text += f"; {len(self.skipped)} left in the trash: " + "; ".join(self.skipped[:3])
            text += " …" if len(self.skipped) > 3 else ""
        return text


def restore(store: Store, *, op: int | None = None, level: str | None = None, ids: list[int] | None = None) -> RestoreResult:
    """Put trashed results back exactly as they were: one delete (`op`), some results
    (`level` and `ids`), or, with neither, everything in the trash."""
    result = RestoreResult()
    with store.write():
        q = TrashEntry.select(TrashEntry.id, TrashEntry.level, TrashEntry.result_id, TrashEntry.folders, TrashEntry.rows)
        if op is not None:
            q = q.where(TrashEntry.op == op)
        if ids is not None:
            q = q.where((TrashEntry.level == (level or "study")) & TrashEntry.result_id.in_(ids or [0]))
        # Newest delete first: a study result comes back before component results of it
        # that were deleted earlier.
        entries = list(q.order_by(TrashEntry.op.desc()).tuples())
        if not entries:
            raise StoreError("nothing to restore: no such results in the trash")
        payloads = [(eid, lvl, rid, folders, json.loads(rows)) for eid, lvl, rid, folders, rows in entries]
        srs = [p[4]["study_result"]["id"] for p in payloads if p[1] == "study"]
        crs = [c["id"] for p in payloads for c in p[4]["component_results"]]
        pairs: list[list[str]] = []
        with store.bulk_change(crs, srs):
            done_srs, done_crs = [], []
            for eid, lvl, rid, folders, rows in payloads:
                why = _cannot_restore(lvl, rid, rows)
                if why:
                    result.skipped.append(why)
                    continue
                if rows["study_result"] is not None and lvl == "study":
                    StudyResult.insert(rows["study_result"]).execute()
                    result.study_results += 1
                    done_srs.append(rid)
                for chunk in peewee.chunked(rows["component_results"], 100):
                    ComponentResult.insert_many(chunk).execute()
                for chunk in peewee.chunked(rows["files"], 100):
                    ResultFile.insert_many(chunk).execute()
                for chunk in peewee.chunked(rows.get("listed_files", []), 100):  # older entries lack them
                    ListedFile.insert_many(chunk).execute()
                result.component_results += len(rows["component_results"])
                result.files += len(rows["files"])
                done_crs.extend(c["id"] for c in rows["component_results"])
                Tombstone.delete().where((Tombstone.level == lvl) & (Tombstone.result_id == rid)).execute()
                TrashEntry.delete().where(TrashEntry.id == eid).execute()
                pairs.extend([dst, src] for src, dst in json.loads(folders))
            # Titles may have changed since the delete: the search text follows them; the
            # participant setting too (store/participants.py).
            search_text.refresh(done_srs, done_crs)
            participants.recompute(done_srs)
        op_row = journal.record(store, "move", pairs)
    journal.finish(store, op_row)
    return result


def _cannot_restore(level: str, rid: int, rows: dict) -> str | None:
    if level == "study":
        if StudyResult.select().where(StudyResult.id == rid).exists():
            return f"study result {rid} is in the store again"
        worker = rows["study_result"]["worker"]
        if not Worker.select().where(Worker.id == worker).exists():
            return f"study result {rid}: its worker {worker} is no longer in the store"
        return None
    owner = rows["component_results"][0]["study_result"]
    if ComponentResult.select().where(ComponentResult.id == rid).exists():
        return f"component result {rid} is in the store again"
    if not StudyResult.select().where(StudyResult.id == owner).exists():
        return f"component result {rid}: its study result {owner} is not in the store (restore it first)"
    return None


# -- withdrawal -----------------------------------------------------------------------------------


def withdraw(study_result_ids) -> list[str]:
    """Inside an import's transaction: trashed copies of runs the participant aborted since
    lose their data and files, as JATOS purges them (§1.3). Returns the trash folders to
    remove after the commit."""
    ids = sorted(set(study_result_ids))
    if not ids:
        return []
    folders: list[str] = []
    q = TrashEntry.select(TrashEntry.id, TrashEntry.folders, TrashEntry.rows).where(
        ((TrashEntry.level == "study") & TrashEntry.result_id.in_(ids))
        | ((TrashEntry.level == "component") & TrashEntry.result_id.in_(_components_in_trash(ids)))
    )
    for eid, entry_folders, text in list(q.tuples()):
        rows = json.loads(text)
        for c in rows["component_results"]:
            c["data"], c["data_size"] = None, 0
        rows["files"] = rows["listed_files"] = []
        TrashEntry.update(rows=json.dumps(rows, ensure_ascii=False)).where(TrashEntry.id == eid).execute()
        folders.extend(dst for _, dst in json.loads(entry_folders))
    return folders


def _components_in_trash(study_result_ids: list[int]) -> list[int]:
    out = []
    q = TrashEntry.select(TrashEntry.result_id, TrashEntry.rows).where(TrashEntry.level == "component")
    for rid, text in q.tuples():
        if json.loads(text)["component_results"][0]["study_result"] in study_result_ids:
            out.append(rid)
    return out or [0]


# -- emptying -------------------------------------------------------------------------------------


def empty(store: Store, *, older_than: int | None = None, entry_ids: list[int] | None = None, scrub: bool = False) -> int:
    """Remove trash entries for good (all, those deleted before `older_than` ms, or these
    entry ids); returns how many went. `scrub` overwrites their files first (erase)."""
    with store.write():
        n, paths = remove_entries(older_than=older_than, entry_ids=entry_ids)
        op_row = journal.record(store, "erase" if scrub else "delete", paths)
    journal.finish(store, op_row)
    return n


def remove_entries(*, older_than: int | None = None, entry_ids: list[int] | None = None) -> tuple[int, list[str]]:
    """Inside a write transaction: drop trash entries; return (count, folders to remove)."""
    q = TrashEntry.select(TrashEntry.id, TrashEntry.folders)
    if older_than is not None:
        q = q.where(TrashEntry.deleted_at < older_than)
    if entry_ids is not None:
        q = q.where(TrashEntry.id.in_(entry_ids or [0]))
    rows = list(q.tuples())
    paths = [dst for _, folders in rows for _, dst in json.loads(folders)]
    for chunk in peewee.chunked([r[0] for r in rows], 500):
        TrashEntry.delete().where(TrashEntry.id.in_(chunk)).execute()
    drop_orphan_workers()
    drop_orphan_labels()
    return len(rows), paths


def expire(store: Store) -> int:
    """Empty the trash of entries older than the configured age."""
    cutoff = now_ms() - int(keep_days() * 86_400_000)
    if not TrashEntry.select().where(TrashEntry.deleted_at < cutoff).exists():
        return 0
    return empty(store, older_than=cutoff)


def drop_orphan_workers() -> None:
    """A worker's row (its comment is often a participant's name) goes with its last
    result, in the store and in the trash."""
    Worker.delete().where(
        Worker.id.not_in(StudyResult.select(StudyResult.worker))
        & Worker.id.not_in(TrashEntry.select(TrashEntry.worker).where(TrashEntry.worker.is_null(False)))
    ).execute()


def drop_orphan_labels() -> None:
    """A label and its note (store/labels.py) go when their study result is neither in the
    store nor in the trash: purged, erased, or its trash entry emptied."""
    ResultLabel.delete().where(
        ResultLabel.study_result.not_in(StudyResult.select(StudyResult.id))
        & ResultLabel.study_result.not_in(TrashEntry.select(TrashEntry.result_id).where(TrashEntry.level == "study"))
    ).execute()

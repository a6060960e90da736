"""Deleting results with their data, files and metadata (jatos.md §2, §5 "Delete").

A study-level selection removes whole study results; a component-level one removes
component results only and leaves their study results, as JATOS's component page does.
Rows go in one transaction that copies them into the trash (store/removal/trash.py) and records
which result folders must move there; the folders move after the commit
(store/disk/journal.py), so no row ever points at a missing file. `purge` skips the trash.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import peewee

from store.db.database import Store
from store.db.idlists import chunks, id_in
from store.db.models import ComponentResult, ResultFile, StudyResult, Tombstone
from store.disk import journal
from store.errors import NothingSelected
from store.pages.selection import Selection, component_ids_of
from store.removal import log, trash


@dataclass
class DeleteResult:
    level: str
    study_results: int
    component_results: int
    files: int
    op: int | None = None  # the delete's number in the trash (None: purged)

    def what(self) -> str:
        if self.level == "study":
            return (
                f"deleted {self.study_results} study results with {self.component_results} component results "
                f"and {self.files} files"
            )
        return f"deleted {self.component_results} component results and {self.files} files"

    def line(self) -> str:
        text = self.what()
        if self.op is not None:
            text += f"; they are in the trash (`jatos-results trash restore --op {self.op}` brings them back)"
        return text


def delete_ids(store: Store, level: str, ids: list[int], *, purge: bool = False) -> DeleteResult:
    """Delete these study results (level "study") or component results (level "component"):
    into the trash, or for good with `purge`. Either way a later import skips them."""
    if not ids:
        raise NothingSelected()
    if level == "study":
        cr_ids = component_ids_of(ids)
    else:
        cr_ids = sorted(ids)
    owners: dict[int, int] = {}
    n_files = 0
    for chunk in chunks(ComponentResult.id, cr_ids):
        q = ComponentResult.select(ComponentResult.id, ComponentResult.study_result).where(
            id_in(ComponentResult.id, chunk)
        )
        owners.update(dict(q.tuples()))
        n_files += ResultFile.select().where(id_in(ResultFile.component_result, chunk)).count()
    if level == "study":
        paths = [f"study-result_{i}" for i in ids]
    else:
        paths = [f"study-result_{owners[c]}/comp-result_{c}" for c in cr_ids if c in owners]
    op = None
    with store.write(), store.bulk_change(cr_ids, ids if level == "study" else [], defer_merging=True):
        if not purge:
            op = trash.next_op()
            pairs = trash.capture(store, level, ids, op)
        n_sr = remove_rows(level, ids, cr_ids)
        bury(level, ids, "deleted")
        if purge:
            trash.drop_orphan_workers()
            trash.drop_orphan_labels()
            log.record(store, "purged", level, n_sr if level == "study" else len(owners))
        file_op = journal.record(store, "delete" if purge else "move", paths if purge else pairs)
    journal.finish(store, file_op)
    trash.expire(store)
    return DeleteResult(level, n_sr, len(owners), n_files, op)


def remove_rows(level: str, ids: list[int], cr_ids: list[int]) -> int:
    """Inside a write transaction: the rows go (returns how many study results)."""
    for chunk in chunks(ComponentResult.id, cr_ids):
        ResultFile.delete().where(id_in(ResultFile.component_result, chunk)).execute()
        ComponentResult.delete().where(id_in(ComponentResult.id, chunk)).execute()
    n_sr = 0
    if level == "study":
        for chunk in chunks(StudyResult.id, ids):
            n_sr += StudyResult.delete().where(id_in(StudyResult.id, chunk)).execute()
    return n_sr


def bury(level: str, ids: list[int], reason: str) -> None:
    """Remember that these results were deleted here: an import or pull skips them."""
    at = int(time.time() * 1000)
    db = Tombstone._meta.database
    p = db.param
    table = Tombstone._meta.table_name
    # executemany: Peewee's insert_many builds its SQL in Python, row by row.
    db.cursor().executemany(
        f'INSERT INTO "{table}" ("level", "result_id", "reason", "at") VALUES ({p}, {p}, {p}, {p}) '
        'ON CONFLICT ("level", "result_id") DO UPDATE SET "reason" = excluded."reason", "at" = excluded."at"',
        [(level, i, reason, at) for i in ids],
    )


def describe(level: str, ids: list[int]) -> str:
    """"12 study results of 'Stroop Task'": what a delete would remove, for its confirmation."""
    from store.db.models import Component, Study

    titles: set[str] = set()
    comps: set[str] = set()
    for chunk in peewee.chunked(ids, 500):
        if level == "study":
            q = Study.select(Study.title).join(StudyResult).where(StudyResult.id.in_(chunk))
        else:
            q = Study.select(Study.title).join(StudyResult).join(ComponentResult).where(ComponentResult.id.in_(chunk))
            cq = Component.select(Component.id, Component.title).join(ComponentResult).where(ComponentResult.id.in_(chunk))
            comps.update(t or f"Component {i}" for i, t in cq.distinct().tuples())
        titles.update(r[0] for r in q.distinct().tuples())
    what = "study results" if level == "study" else "component results"
    text = f"{len(ids)} {what}"
    if comps:
        text += " of " + ", ".join(f"'{t}'" for t in sorted(comps)) + " in"
    elif titles:
        text += " of"
    if titles:
        text += " " + ", ".join(f"'{t}'" for t in sorted(titles))
    return text


def delete(store: Store, selection: Selection, *, purge: bool = False) -> DeleteResult:
    return delete_ids(store, selection.level, selection.row_ids(), purge=purge)

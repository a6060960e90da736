"""Deleting results with their data, files and metadata (jatos.md §2, §5 "Delete").

A study-level selection removes whole study results; a component-level one removes
component results only and leaves their study results, as JATOS's component page does.
Rows go in one transaction that also records which result folders must go; the folders
are removed after the commit (store/files.py), so no row ever points at a missing file.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import peewee

from . import files
from .database import Store
from .idlists import chunks, id_in
from .models import ComponentResult, PendingFileOp, ResultFile, StudyResult
from .selection import Selection, component_ids_of


@dataclass
class DeleteResult:
    level: str
    study_results: int
    component_results: int
    files: int

    def line(self) -> str:
        if self.level == "study":
            return (
                f"deleted {self.study_results} study results with {self.component_results} component results "
                f"and {self.files} files"
            )
        return f"deleted {self.component_results} component results and {self.files} files"


def delete_ids(store: Store, level: str, ids: list[int]) -> DeleteResult:
    """Delete these study results (level "study") or component results (level "component")."""
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
    staging = files.Staging(store.files_root)
    op_id = None
    try:
        with store.write(), store.bulk_change(cr_ids, ids if level == "study" else [], defer_merging=True):
            for chunk in chunks(ComponentResult.id, cr_ids):
                ResultFile.delete().where(id_in(ResultFile.component_result, chunk)).execute()
                ComponentResult.delete().where(id_in(ComponentResult.id, chunk)).execute()
            n_sr = 0
            if level == "study":
                for chunk in chunks(StudyResult.id, ids):
                    n_sr += StudyResult.delete().where(id_in(StudyResult.id, chunk)).execute()
            op_id = PendingFileOp.create(
                kind="delete", staging=staging.token, paths=json.dumps(paths), created=int(time.time() * 1000)
            ).id
        files.apply_delete(store.files_root, staging.token, paths)
        with store.write():
            PendingFileOp.delete().where(PendingFileOp.id == op_id).execute()
    finally:
        staging.discard()
    return DeleteResult(level, n_sr, len(owners), n_files)


def describe(level: str, ids: list[int]) -> str:
    """"12 study results of 'Stroop Task'": what a delete would remove, for its confirmation."""
    from .models import Component, Study

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


def delete(store: Store, selection: Selection) -> DeleteResult:
    return delete_ids(store, selection.level, selection.row_ids())

"""Pulling results from a JATOS server into the store, incrementally.

First the metadata; it is compared with the store (ids, states, end and last-seen times,
data sizes, file names and sizes); then only new or changed component results are
fetched as results archives, in chunks. Everything is downloaded before anything is
imported, and the import is one transaction: an interrupted pull changes nothing, and
the next pull does the whole work.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

import peewee

from store.db.database import Store
from store.db.models import ComponentResult, ResultFile, StudyResult
from store.disk import files
from store.errors import StoreError
from store.importing.importer import import_paths
from store.importing.merge import Outcomes, tombstoned
from store.removal.delete import delete_ids
from store.sync.jatos_api import JatosClient

CHUNK = 500


@dataclass
class PullSummary:
    studies: int = 0
    study_results: int = 0
    component_results: int = 0
    fetched: int = 0  # component results downloaded as archives
    archives: int = 0
    gone: list[int] = field(default_factory=list)  # study results no longer on the server
    pruned: int = 0
    imported: Outcomes | None = None  # what the import made of it

    def line(self) -> str:
        text = (
            f"pulled {self.studies} studies: {self.study_results} study results, {self.component_results} "
            f"component results on the server; fetched {self.fetched} new or changed component results"
            + (f" in {self.archives} archives" if self.archives else " (metadata only)")
        )
        if self.imported is not None:
            text += "; " + self.imported.line()
        if self.pruned:
            text += f"; removed {self.pruned} study results deleted on the server"
        elif self.gone:
            text += f"; {len(self.gone)} study results deleted on the server are kept here (--prune removes them)"
        return text


def selection_body(study_ids: list[int], study_uuids: list[str]) -> dict:
    body: dict = {}
    if study_ids:
        body["studyIds"] = study_ids
    if study_uuids:
        body["studyUuids"] = study_uuids
    if not body:
        raise StoreError("name at least one study: --study ID or --study-uuid UUID")
    return body


def _remote_index(studies: list[dict]):
    crs: dict[int, tuple] = {}
    srs: dict[int, int] = {}
    for st in studies:
        for sr in st["results"]:
            srs[sr["id"]] = st["id"]
            for cr in sr["components"]:
                files = tuple(sorted((f["filename"], f["size"]) for f in cr["files"]))
                crs[cr["id"]] = (sr["id"], cr["state"], cr["end_date"], cr["data_size"], files)
    return srs, crs


def _local_index(cr_ids: list[int]) -> dict[int, tuple]:
    local: dict[int, tuple] = {}
    files: dict[int, list] = {}
    for chunk in peewee.chunked(cr_ids, 500):
        for cr, name, size in (
            ResultFile.select(ResultFile.component_result, ResultFile.filename, ResultFile.size)
            .where(ResultFile.component_result.in_(chunk))
            .tuples()
        ):
            files.setdefault(cr, []).append((name, size))
        q = ComponentResult.select(
            ComponentResult.id,
            ComponentResult.study_result,
            ComponentResult.state,
            ComponentResult.end_date,
            ComponentResult.data_size,
            ComponentResult.data.is_null(),
        ).where(ComponentResult.id.in_(chunk))
        for cid, sr, state, end, size, null in q.tuples():
            local[cid] = (sr, state, end, size, bool(null))
    return {k: v + (tuple(sorted(files.get(k, []))),) for k, v in local.items()}


def changed_component_results(remote: dict[int, tuple]) -> list[int]:
    """Component results that are new here, or differ from what the server says."""
    local = _local_index(list(remote))
    need = []
    for cid, (sr, state, end, size, listed) in remote.items():
        mine = local.get(cid)
        if mine is None:
            need.append(cid)
            continue
        l_sr, l_state, l_end, l_size, l_null, l_files = mine
        if (l_sr, l_state, l_end, l_size, l_files) != (sr, state, end, size, listed) or (l_null and size > 0):
            need.append(cid)
    return sorted(need)


def pull(
    store: Store,
    client: JatosClient,
    study_ids: list[int],
    study_uuids: list[str],
    *,
    prune: bool = False,
    progress: Callable[[int, int], None] | None = None,
    replace: bool = False,
    include_deleted: bool = False,
) -> PullSummary:
    meta = client.metadata(selection_body(study_ids, study_uuids))
    srs, crs = _remote_index(meta.studies)
    summary = PullSummary(len(meta.studies), len(srs), len(crs))
    need = changed_component_results(crs)
    if not include_deleted:
        # Results deleted here are not fetched again (the import would skip them anyway).
        dead_srs = tombstoned("study", {crs[c][0] for c in need})
        dead = tombstoned("component", need)
        need = [c for c in need if c not in dead and crs[c][0] not in dead_srs]
    # Downloads wait inside the store (owner-only); a killed pull's are removed on next open.
    staging = files.Staging(store.files_root)
    tmp = staging.path
    try:
        meta_file = tmp / "metadata.json"
        with open(meta_file, "wb", opener=lambda p, f: os.open(p, f, 0o600)) as fh:
            fh.write(meta.raw)
        sources = [meta_file]
        chunks = list(peewee.chunked(need, CHUNK))
        for i, chunk in enumerate(chunks):
            dest = tmp / f"results_{i:05d}.zip"
            client.results_archive(list(chunk), dest)
            sources.append(dest)
            if progress:
                progress(i + 1, len(chunks))
        summary.imported = import_paths(store, sources, replace=replace, include_deleted=include_deleted).outcomes
        summary.fetched = len(need)
        summary.archives = len(chunks)
    finally:
        staging.discard()
    pulled_studies = [st["id"] for st in meta.studies]
    summary.gone = _gone(pulled_studies, set(srs))
    if prune and summary.gone:
        summary.pruned = delete_ids(store, "study", summary.gone).study_results
    return summary


def _gone(study_ids: list[int], remote_srs: set[int]) -> list[int]:
    local = (
        StudyResult.select(StudyResult.id).where(StudyResult.study.in_(study_ids)).tuples() if study_ids else []
    )
    return sorted(r[0] for r in local if r[0] not in remote_srs)


def check_remote_agrees(client: JatosClient, level: str, ids: list[int]) -> str | None:
    """Before a remote delete: the server must hold the same results (same ids, same owners).

    Returns the server's API version."""
    studies_set: set[int] = set()
    local_crs: dict[int, int] = {}
    for chunk in peewee.chunked(ids, 500):
        if level == "study":
            q = StudyResult.select(StudyResult.study).where(StudyResult.id.in_(chunk))
            owner = ComponentResult.study_result.in_(chunk)
        else:
            q = StudyResult.select(StudyResult.study).join(ComponentResult).where(ComponentResult.id.in_(chunk))
            owner = ComponentResult.id.in_(chunk)
        studies_set.update(r[0] for r in q.distinct().tuples())
        local_crs.update(ComponentResult.select(ComponentResult.id, ComponentResult.study_result).where(owner).tuples())
    studies = sorted(studies_set)
    if not studies:
        raise StoreError("nothing to delete: the selection is empty")
    meta = client.metadata({"studyIds": studies})
    srs, crs = _remote_index(meta.studies)
    missing = [i for i in ids if i not in (srs if level == "study" else crs)]
    missing += [c for c in local_crs if c not in crs and c not in missing]
    differ = [c for c, sr in local_crs.items() if c in crs and crs[c][0] != sr]
    if missing or differ:
        raise StoreError(
            f"{client.url}: the server's results do not match the store's "
            f"({len(missing)} selected results are not on the server, {len(differ)} belong elsewhere); "
            "nothing was deleted: pull first, then select again"
        )
    return meta.api_version


def remote_body(level: str, ids: list[int]) -> dict:
    return {"studyResultIds": ids} if level == "study" else {"componentResultIds": ids}


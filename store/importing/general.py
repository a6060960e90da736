"""Entries without metadata.json (data-only and files-only zips, the legacy files layout
as a folder or zip), whose rows are found in the store. Study archives (.jzip) give
components their titles.

The merge rules (store/importing/merge.py) hold here too: a data file without metadata
replaces stored data only where it is not older.
"""

from __future__ import annotations

import peewee

from store.db.models import Component, ComponentResult, ComponentTitle, ResultFile, Study, StudyResult
from store.errors import BadInput, Cancelled
from store.formats.archive_read import Entry, Source
from store.importing import merge
from store.importing import writes as import_rows


def import_entries(ctx, source: Source, staging, done: int, total: int) -> tuple[int, bool]:
    """Returns (bytes done, files staged)."""
    staged = False
    batch: list[tuple] = []
    stored = _StoredData()
    for entry in source.entries:
        if ctx.cancelled and ctx.cancelled():
            raise Cancelled("import cancelled; nothing was changed")
        sr_id = _owner(source, entry)
        cr_id = entry.component_result_id
        if entry.kind == "data":
            text, size, _ = import_rows.read_data(source, entry)
            outcome = stored.verdict(sr_id, cr_id, text, ctx)
            if outcome in merge.ACCEPTED:
                batch.append((text, size, cr_id))
                if len(batch) >= 500:
                    import_rows.write_data(batch)
        elif stored.takes_file(sr_id, cr_id, entry, ctx):
            size = import_rows.stage_file(staging, source, entry, sr_id)
            import_rows.add_file(cr_id, entry.name, size)
            staged = True
            ctx.summary.files += 1
        ctx.summary.component_results.add(cr_id)
        ctx.summary.study_results.add(sr_id)
        ctx.summary.bytes += entry.size
        done += entry.size
        if ctx.progress:
            ctx.progress(done, total)
    import_rows.write_data(batch)
    return done, staged


class _StoredData:
    """The store's data and state of the results a source without metadata writes to."""

    def __init__(self):
        self.dead_srs: dict[int, bool] = {}
        self.dead_crs: dict[int, bool] = {}

    def _dead(self, sr_id: int, cr_id: int, ctx) -> bool:
        if ctx.include_deleted:
            return False
        if sr_id not in self.dead_srs:
            self.dead_srs[sr_id] = bool(merge.tombstoned("study", [sr_id]))
        if cr_id not in self.dead_crs:
            self.dead_crs[cr_id] = bool(merge.tombstoned("component", [cr_id]))
        return self.dead_srs[sr_id] or self.dead_crs[cr_id]

    def verdict(self, sr_id: int, cr_id: int, text: str, ctx) -> str:
        if self._dead(sr_id, cr_id, ctx):
            ctx.outcomes.note(sr_id, merge.DELETED)
            return merge.DELETED
        state, data, size = (
            ComponentResult.select(StudyResult.state, ComponentResult.data, ComponentResult.data_size)
            .join(StudyResult)
            .where(ComponentResult.id == cr_id)
            .tuples()
            .first()
        )
        if state == "ABORTED" and not ctx.replace:
            outcome = merge.OLDER  # JATOS purged this run's data when it was aborted
        else:
            outcome = merge.data_verdict(data, size, text, ctx.replace)
        ctx.outcomes.note(sr_id, outcome)
        return outcome

    def takes_file(self, sr_id: int, cr_id: int, entry: Entry, ctx) -> bool:
        """A files-only source adds files, except to runs deleted here or aborted; a file the
        store has is left alone when it is the same size, and is a conflict otherwise
        (JATOS never changes an uploaded file: one of the two is not what the run sent)."""
        if self._dead(sr_id, cr_id, ctx):
            ctx.outcomes.note(sr_id, merge.DELETED)
            return False
        state = StudyResult.select(StudyResult.state).where(StudyResult.id == sr_id).tuples().first()[0]
        if state == "ABORTED" and not ctx.replace:
            ctx.outcomes.note(sr_id, merge.OLDER)
            return False
        have = (
            ResultFile.select(ResultFile.size)
            .where((ResultFile.component_result == cr_id) & (ResultFile.filename == entry.name))
            .tuples()
            .first()
        )
        if have is not None and not ctx.replace:
            outcome = merge.UNCHANGED if have[0] == entry.size else merge.CONFLICT
        else:
            outcome = merge.UPDATED
        ctx.outcomes.note(sr_id, outcome)
        return outcome == merge.UPDATED


def touched(source: Source) -> set[int]:
    """The component results a source without metadata may write (for the search index)."""
    return {e.component_result_id for e in source.entries}


def _owner(source: Source, entry: Entry) -> int:
    """The study result an entry belongs to, checked against the store."""
    cr_id = entry.component_result_id
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


# -- study archives -----------------------------------------------------------------------------


def title_targets(study: dict) -> tuple[list[int], list[int]]:
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


def attach_titles(study: dict, summary) -> None:
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

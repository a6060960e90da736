"""The rows of a source without metadata.json (data-only and files-only zips, the legacy
files layout as a folder or zip): found in the store, with the data and files that the
merge rules (store/importing/merge.py) let in. A data file without metadata replaces
stored data only where it is not older; a file the store has is never replaced.
"""

from __future__ import annotations

from typing import Iterator

from store.db.models import ComponentResult, ResultFile, StudyResult, Tombstone
from store.errors import BadInput, Cancelled
from store.formats import archive_rows
from store.formats.archive_read import Entry, Source
from store.importing import merge
from store.importing import writes as import_rows
from store.pages.rows import component_rows

BATCH = 500  # entries a batch of rows


def entry_batches(ctx, source: Source, staging) -> Iterator[archive_rows.RowBatch]:
    """Batch by batch, the rows the entries change: the merge rules let an entry's data or
    file in or not, as it is read; a row is the store's, with what came in."""
    stored = _StoredData()
    data: dict[int, tuple[str, int]] = {}  # component result -> (data, size) let in
    batch = archive_rows.RowBatch()
    for n, entry in enumerate(source.entries, 1):
        if ctx.cancelled and ctx.cancelled():
            raise Cancelled("import cancelled; nothing was changed")
        sr_id = _owner(source, entry)
        cr_id = entry.component_result_id
        if entry.kind == "data":
            text, size, _ = import_rows.read_data(source, entry)
            if stored.verdict(sr_id, cr_id, text, ctx) in merge.ACCEPTED:
                data[cr_id] = stored.data[cr_id] = (text, size)
        elif stored.takes_file(sr_id, cr_id, entry, ctx):
            size = import_rows.stage_file(staging, source, entry, sr_id)
            batch.files.append(archive_rows.StagedFile(cr_id, entry.name, size))
            stored.files[(cr_id, entry.name)] = size
        ctx.summary.component_results.add(cr_id)
        ctx.summary.study_results.add(sr_id)
        batch.bytes += entry.size
        # As an archive's batches: progress is told, and data held, a batch at a time.
        if n % BATCH == 0 or batch.bytes >= archive_rows.BATCH_BYTES or n == len(source.entries):
            _with_stored_rows(batch, data)
            yield batch
            data, batch = {}, archive_rows.RowBatch()


def _with_stored_rows(batch: archive_rows.RowBatch, data: dict[int, tuple[str, int]]) -> None:
    """The records of the rows a batch changes: the store's rows with its data and files."""
    files: dict[int, dict[str, int]] = {}
    for f in batch.files:
        files.setdefault(f.component_result, {})[f.filename] = f.size
    for row in component_rows(sorted(set(data) | set(files))):
        have = dict(row.files)
        have.update(files.get(row.id, {}))  # a file the store has keeps its place
        row = row._replace(files=tuple(have.items()))
        if row.id in data:
            text, size = data[row.id]
            batch.with_data.append(archive_rows.component_record(row._replace(data_size=size, data_is_null=False), text))
        else:
            batch.without_data.append(archive_rows.component_record(row))


class _StoredData:
    """The store's data and state of the results a source without metadata writes to."""

    def __init__(self):
        self.dead_srs: dict[int, bool] = {}
        self.dead_crs: dict[int, bool] = {}
        self.none_deleted: bool | None = None
        # What earlier entries of the source let in: later ones compare with it, not the store.
        self.data: dict[int, tuple[str, int]] = {}
        self.files: dict[tuple[int, str], int] = {}

    def _dead(self, sr_id: int, cr_id: int, ctx) -> bool:
        if ctx.include_deleted:
            return False
        if self.none_deleted is None:
            # Most stores have deleted nothing: one probe spares two queries an entry.
            self.none_deleted = not Tombstone.select().exists()
        if self.none_deleted:
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
        data, size = self.data.get(cr_id, (data, size))
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
        if (cr_id, entry.name) in self.files:
            have = (self.files[(cr_id, entry.name)],)
        if have is not None and not ctx.replace:
            outcome = merge.UNCHANGED if have[0] == entry.size else merge.CONFLICT
        else:
            outcome = merge.UPDATED
        ctx.outcomes.note(sr_id, outcome)
        return outcome == merge.UPDATED


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

"""The one path of every results source: a results archive, an unpacked one, a metadata
file alone, or entries without metadata (data-only and files-only zips, the legacy files
layout). Read, rows by name (store/formats/archive_rows.py for metadata, read and
rendered in a thread while this one writes; store/importing/entries.py for entries,
whose rows are the store's), merge rules (store/importing/merge.py) batch by batch,
write (store/importing/writes.py), index. The study results the rules leave alone stay
exactly as the store has them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from store import participants
from store.db.models import Component, ComponentResult, ComponentTitle, StudyResult, Worker
from store.errors import Cancelled
from store.formats import archive_rows
from store.formats.archive_read import Source
from store.formats.idset import IdSet
from store.importing import entries, merge
from store.importing import writes as import_rows
from store.importing.prefetch import prefetched
from store.removal import trash
from store.search import text as search_text


@dataclass
class _Sighting:
    new: list[int]
    held: list[int]


def _first_sight(model, ids: list[int], seen: IdSet, old: set[int]) -> _Sighting:
    """Of rows an import writes, those it meets for the first time: the new ones, and the
    ones the store already held (added to `old`)."""
    fresh = [i for i in ids if i not in seen]
    seen.update(fresh)
    held = import_rows.existing(model, fresh) if fresh else set()
    old.update(held)
    return _Sighting([i for i in fresh if i not in held], sorted(held))


def writes_tables_first(store) -> bool:
    """SQLite checks foreign keys at commit when told to: results can go in first."""
    return not store.is_sqlite


class _Index:
    """A source's search index, each row taken out of it once, before it first changes."""

    def __init__(self, index):
        self.index = index
        self.out: tuple[set[int], set[int]] = (set(), set())

    def unindex(self, component_result_ids, study_result_ids) -> None:
        crs = [i for i in component_result_ids if i not in self.out[0]]
        srs = [i for i in study_result_ids if i not in self.out[1]]
        self.out[0].update(crs)
        self.out[1].update(srs)
        self.index.unindex(crs, srs)

    def index_now(self, component_result_ids, study_result_ids) -> None:
        self.index.index_now(component_result_ids, study_result_ids)


def import_source(ctx, store, source: Source, staging, index, done: int, total: int) -> tuple[int, bool]:
    """Read, rows by name, merge, write: every results source, batch by batch. Rows the store
    held before are taken out of the index when first met, before they change, and indexed
    again at the end. Returns (bytes done, files staged)."""
    # Metadata alone brings neither data nor files: it lists the files, and an absent
    # data.txt says nothing about the data (in an archive it says there is none).
    metadata_alone = source.path.suffix.lower() == ".json"
    index = _Index(index)
    if source.has_metadata:
        # Read, normalised and rendered in a thread while this one writes.
        items = prefetched(_rows_with_metadata(store, source, staging, metadata_alone))
        decide = merge.decide_batch
    else:
        # Rows found in the store as they are now, the merge rules applied entry by entry.
        items = entries.entry_batches(ctx, source, staging)
        decide = merge.as_decided
    seen_srs = IdSet()  # held to the end: runs of ids, not a set of a million
    seen_crs = IdSet()
    old_srs: set[int] = set()  # rows the store held before this source
    old_crs: set[int] = set()
    new_srs: list[int] = []
    tables = None
    staged = False
    with contextlib.closing(items):
        for item in items:
            if ctx.cancelled and ctx.cancelled():
                raise Cancelled("import cancelled; nothing was changed")
            if isinstance(item, archive_rows.Tables):
                tables = item
                import_rows.write_tables(item, index)
                continue
            srs = _first_sight(StudyResult, [r.id for r in item.study_results], seen_srs, old_srs)
            decision = decide(item, set(srs.held), ctx.outcomes, ctx.replace, ctx.include_deleted)
            _unstage_left_out(staging, item, decision)
            written = decision.apply(item)
            fresh_srs = [i for i in srs.new if i in decision.keep]
            cr_ids = [r.id for r in written.with_data + written.without_data]
            crs = _first_sight(ComponentResult, cr_ids, seen_crs, old_crs)
            purged = import_rows.component_results_of(decision.withdrawn)
            others = [c for c in purged if c not in seen_crs]
            seen_crs.update(others)
            old_crs.update(others)
            held_srs = [r.id for r in written.study_results if r.id in old_srs]
            held_crs = [i for i in cr_ids if i in old_crs]
            index.unindex(held_crs + others, held_srs)
            # A record made from metadata cannot speak for what the store held before; one made
            # from the stored row can.
            import_rows.write_results(written, *((held_srs, held_crs) if source.has_metadata else ((), ())))
            if decision.withdrawn:
                ctx.remove_folders.extend(import_rows.purge_runs(sorted(decision.withdrawn))[1])
            ctx.remove_folders.extend(trash.withdraw(decision.withdrawn_in_trash))
            if ctx.include_deleted and decision.keep:
                merge.bring_back(decision.keep, cr_ids)
            index.index_now(crs.new, fresh_srs)
            new_srs.extend(fresh_srs)
            staged = staged or bool(written.files)
            ctx.summary.files += len(written.files)
            ctx.summary.bytes += item.bytes
            done += item.bytes
            if ctx.progress:
                ctx.progress(done, total)
    if tables is not None:
        _finish_metadata(ctx, index, tables, old_crs, seen_crs, new_srs, metadata_alone)
    return done, staged


def _rows_with_metadata(store, source: Source, staging, metadata_alone: bool):
    lookups = archive_rows.Lookups(
        components=dict(Component.select(Component.id, Component.title).tuples()),
        titles=dict(ComponentTitle.select(ComponentTitle.uuid, ComponentTitle.title).tuples()),
        mt_worker_ids=dict(
            Worker.select(Worker.id, Worker.mt_worker_id).where(Worker.mt_worker_id.is_null(False)).tuples()
        ),
        participant_names=participants.parameters(),
    )
    tables_first = writes_tables_first(store)
    if not tables_first:
        # Results go in before their studies, workers and components: SQLite checks at commit.
        store.db.execute_sql("PRAGMA defer_foreign_keys = ON").close()
    return archive_rows.work(
        source,
        lookups,
        lambda e: import_rows.read_data(source, e),
        lambda e, sr_id: import_rows.stage_file(staging, source, e, sr_id),
        tables_first,
        listed_files=metadata_alone,
    )


def _finish_metadata(ctx, index, tables, old_crs, seen_crs, new_srs, metadata_alone: bool) -> None:
    ctx.summary.listed(tables)
    # Rows already in the store that this source has no data.txt for keep their data;
    # where they have none, the metadata's size stands, and in an archive an empty result
    # is NULL (§7).
    kept = [cr for cr in old_crs if cr in tables.listed and cr not in tables.with_data]
    import_rows.sizes_from_metadata(kept, tables.sizes)
    if not metadata_alone:
        import_rows.change_components([cr for cr in kept if tables.sizes[cr] == 0], data=None, data_size=0)
    if tables.conflicting:
        # A file that says two things about one worker, batch or component: the store
        # kept the last say; render its new rows from the store.
        index.unindex((), new_srs)
        search_text.refresh(new_srs, seen_crs)


def _unstage_left_out(staging, item: archive_rows.RowBatch, decision: merge.BatchDecision) -> None:
    """Files the reading thread staged for results the store keeps as they are."""
    owner = {r.id: r.study_result for r in item.with_data + item.without_data}
    for f in item.files:
        cr_id = f.component_result
        sr_id = owner[cr_id]
        if sr_id not in decision.keep or sr_id in decision.withdrawn:
            import_rows.unstage(staging, sr_id)
        elif cr_id in decision.dropped_components:
            import_rows.unstage(staging, sr_id, cr_id)

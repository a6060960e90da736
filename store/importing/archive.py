"""A results archive with its metadata.json: each row written once, complete, and the
index built batch by batch while a thread reads and renders the next batch
(store/archive_rows.py). The merge rules (store/merge.py) decide, batch by batch, which
study results the archive changes; the rest are left exactly as the store has them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import peewee

from store.db.models import Component, ComponentResult, ComponentTitle, StudyResult, Worker
from store.errors import Cancelled
from store.formats import archive_rows
from store.formats.archive_read import Source
from store.importing import merge
from store.importing import writes as import_rows
from store.importing.prefetch import prefetched
from store.removal import trash
from store.search import text as search_text


@dataclass
class _Sighting:
    new: list[int]
    held: list[int]


def _first_sight(model, ids: list[int], seen: set[int], old: set[int]) -> _Sighting:
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


def import_archive(ctx, store, source: Source, staging, index, done: int, total: int) -> tuple[int, bool]:
    """Rows the store held before are taken out of the index when first met, before they
    change, and rendered and indexed again at the end. Returns (bytes done, files staged)."""
    lookups = archive_rows.Lookups(
        components=dict(Component.select(Component.id, Component.title).tuples()),
        titles=dict(ComponentTitle.select(ComponentTitle.uuid, ComponentTitle.title).tuples()),
        mt_worker_ids=dict(
            Worker.select(Worker.id, Worker.mt_worker_id).where(Worker.mt_worker_id.is_null(False)).tuples()
        ),
    )
    tables_first = writes_tables_first(store)
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
        source,
        lookups,
        lambda e: import_rows.read_data(source, e),
        lambda e, sr_id: import_rows.stage_file(staging, source, e, sr_id),
        tables_first,
    )
    with contextlib.closing(prefetched(work)) as items:
        for item in items:
            if ctx.cancelled and ctx.cancelled():
                raise Cancelled("import cancelled; nothing was changed")
            if isinstance(item, archive_rows.Tables):
                tables = item
                import_rows.write_tables(item)
                continue
            srs = _first_sight(StudyResult, [r.id for r in item.study_results], seen_srs, old_srs)
            decision = merge.decide_batch(item, set(srs.held), ctx.outcomes, ctx.replace, ctx.include_deleted)
            _unstage_left_out(staging, item, decision)
            written = decision.apply(item)
            old_srs.difference_update(i for i in srs.held if i not in decision.keep)
            held_srs = [i for i in srs.held if i in decision.keep]
            fresh_srs = [i for i in srs.new if i in decision.keep]
            crs = _first_sight(
                ComponentResult, [r.id for r in written.with_data + written.without_data], seen_crs, old_crs
            )
            purged = import_rows.component_results_of(decision.withdrawn)
            others = [c for c in purged if c not in seen_crs]
            seen_crs.update(others)
            old_crs.update(others)
            index.unindex(crs.held + others, held_srs)
            import_rows.upsert_rows(StudyResult, archive_rows.STUDY_KEYS, written.study_results)
            import_rows.upsert_rows(ComponentResult, archive_rows.DATA_KEYS, written.with_data)
            import_rows.upsert_rows(
                ComponentResult, archive_rows.NO_DATA_KEYS, written.without_data, keep=("data_size",)
            )
            for f in written.files:
                import_rows.add_file(f.component_result, f.filename, f.size)
            if decision.withdrawn:
                ctx.remove_folders.extend(import_rows.purge_runs(sorted(decision.withdrawn))[1])
            ctx.remove_folders.extend(trash.withdraw(decision.withdrawn_in_trash))
            if ctx.include_deleted and decision.keep:
                merge.bring_back(decision.keep, [r.id for r in written.with_data + written.without_data])
            index.index_now(crs.new, fresh_srs)
            new_srs.extend(fresh_srs)
            staged = staged or bool(written.files)
            ctx.summary.files += len(written.files)
            ctx.summary.bytes += item.bytes
            done += item.bytes
            if ctx.progress:
                ctx.progress(done, total)
    ctx.summary.listed(tables)
    # Rows already in the store that this archive has no data.txt for keep their data;
    # where they have none, the metadata's size stands, and an empty result is NULL (§7).
    kept = [cr for cr in old_crs if cr in tables.listed and cr not in tables.with_data]
    import_rows.sizes_from_metadata(kept, tables.listed)
    empty = [cr for cr in kept if tables.listed[cr][1] == 0]
    for chunk in _chunked(empty):
        ComponentResult.update(data=None, data_size=0).where(ComponentResult.id.in_(chunk)).execute()
    if tables.conflicting:
        # A file that says two things about one worker, batch or component: the store
        # kept the last say; render every row from the store.
        index.unindex((), new_srs)
        old_srs, old_crs = set(new_srs) | old_srs, seen_crs
    search_text.refresh(old_srs, old_crs)
    return done, staged


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


def _chunked(ids):
    return peewee.chunked(ids, 500)

"""Import of JATOS exports into the store: all or nothing, and never backwards.

Every file named in one call is read and checked first; then one write transaction
applies them all, in an order that does not depend on the order they were named in:
study archives (titles), results archives, metadata files, then data and files without
metadata. Every results source takes one path (store/importing/source.py): read, rows
by name, merge rules (store/importing/merge.py: new, updated, unchanged, kept because
older, withdrawn, conflict), written with their search text (store/importing/writes.py).
Result files go to a staging folder and are moved into place only after the commit,
under the journal (store/disk/), so a failure at any point leaves the database and the
files root as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from store.db.database import Store
from store.db.idlists import chunks, id_in
from store.db.models import StudyResult
from store.disk import files, journal
from store.errors import BadInput
from store.formats import archive_rows
from store.formats import limits as import_limits
from store.formats.archive_read import Source, read_source
from store.formats.idset import IdSet
from store.importing.merge import Outcomes
from store.importing.source import import_source
from store.importing.titles import attach_titles, title_targets
from store.search import text as search_text

Progress = Callable[[int, int], None]


@dataclass
class ImportSummary:
    studies: set = field(default_factory=set)
    study_results: IdSet = field(default_factory=IdSet)  # listed by the sources
    component_results: IdSet = field(default_factory=IdSet)
    files: int = 0
    bytes: int = 0
    titles: int = 0
    titles_kept: int = 0
    outcomes: Outcomes = field(default_factory=Outcomes)

    def listed(self, tables: archive_rows.Tables) -> None:
        """Count what a source's metadata lists."""
        self.studies.update(tables.studies)
        self.study_results.update(tables.study_results)
        self.component_results.update(tables.listed)

    def line(self) -> str:
        parts = []
        if self.study_results or self.outcomes.by_id or not (self.titles or self.titles_kept):
            parts.append(
                f"read {len(self.studies)} studies, {len(self.study_results)} study results, "
                f"{len(self.component_results)} component results; {self.outcomes.line()}; "
                f"{self.files} files written"
            )
        if self.titles or self.titles_kept:
            titles = f"component titles: {self.titles} attached"
            if self.titles_kept:
                titles += f", {self.titles_kept} kept for components not yet imported"
            parts.append(titles)
        return "; ".join(parts)


@dataclass
class _Import:
    """What one import call carries from source to source."""

    summary: ImportSummary
    progress: Progress | None
    cancelled: Callable[[], bool] | None
    replace: bool
    include_deleted: bool
    remove_folders: list[str] = field(default_factory=list)  # of withdrawn (aborted) runs

    @property
    def outcomes(self) -> Outcomes:
        return self.summary.outcomes


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    *,
    replace: bool = False,
    include_deleted: bool = False,
) -> ImportSummary:
    """`replace`: where the store's version is newer or disagrees, take the source's
    all the same. `include_deleted`: bring back results deleted or erased here."""
    sources: list[Source] = []
    try:
        for p in paths:
            sources.append(read_source(p))
        return import_sources(store, sources, progress, cancelled, replace=replace, include_deleted=include_deleted)
    finally:
        for s in sources:
            s.close()


def import_sources(
    store: Store,
    sources: list[Source],
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    *,
    replace: bool = False,
    include_deleted: bool = False,
) -> ImportSummary:
    """Import sources already read (a file's, or made in memory: the demo, the benchmark)."""
    ctx = _Import(ImportSummary(), progress, cancelled, replace, include_deleted)
    _import_sources(store, sorted(sources, key=_order), ctx)
    return ctx.summary


def _order(source: Source) -> int:
    """What carries data with metadata first, then metadata alone, then entries that need
    the metadata already in the store, then titles (for components now all in the store)."""
    if source.kind == "study-archive":
        return 4
    if source.has_metadata:
        return 2 if source.path.suffix.lower() == ".json" else 1
    return 3


def _import_sources(store: Store, sources: list[Source], ctx: _Import) -> None:
    total = sum(s.total_bytes for s in sources) or 1
    if total > import_limits.max_import_size():
        # Each file is held to the limit as it is read; several files together too.
        raise BadInput(
            f"these {len(sources)} files would inflate to {total} bytes, more than one import takes "
            f"({import_limits.max_import_size()} bytes; JATOS_RESULTS_MAX_IMPORT_BYTES raises the limit)"
        )
    staging = files.Staging(store.files_root)
    file_op = None
    staged_any = False
    try:
        with store.write():
            done = 0
            for n, source in enumerate(sources):
                if source.kind == "study-archive":
                    crs, srs = title_targets(source.study_archive)
                    with store.bulk_change(crs, srs):
                        attach_titles(source.study_archive, ctx.summary)
                        search_text.refresh(srs, crs)
                    continue
                # Each source stages its files apart: what a later source leaves out (an
                # older or conflicting copy) must not remove what an earlier one brought.
                own = files.SourceStaging(staging, n)
                # The source's path finds the rows it touches as it goes (they are not known yet).
                with store.bulk_change((), ()) as index:
                    done, staged = import_source(ctx, store, source, own, index, done, total)
                staged_any = staged_any or staged
                own.merge()
                _count_studies(ctx.summary)
            if staged_any or ctx.remove_folders:
                file_op = journal.record(store, "import", ctx.remove_folders, staging)
    except BaseException:
        staging.discard()  # rolled back: nothing staged is wanted
        raise
    if file_op is None:
        staging.discard()
    journal.finish(store, file_op)
    if len(ctx.summary.study_results) >= ANALYZE_AFTER:
        store.analyze()


# Study results an import must bring for the server's planner statistics to be made afresh
# (PostgreSQL's autovacuum comes later, and plans meanwhile assume the tables as they were).
ANALYZE_AFTER = 10_000


def _count_studies(summary: ImportSummary) -> None:
    # One parameter a chunk on SQLite (json_each), not a node of Peewee's an id.
    for chunk in chunks(StudyResult.id, summary.study_results):
        q = StudyResult.select(StudyResult.study).where(id_in(StudyResult.id, chunk)).distinct().tuples()
        summary.studies.update(r[0] for r in q)

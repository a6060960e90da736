"""Merge rules: an import or pull never moves a result backwards (issue "Nothing lost").

A stored study result may only be replaced by a newer state of itself. Newer means a
later state in JATOS's order (a run never goes from FINISHED back to STARTED, §1.7) or,
in the same state, a later last-seen / end time. A newer ABORTED state purges the run's
data and files, as JATOS does (§1.3). Where a source and the store disagree and the
rules cannot say which is newer, the store keeps its version and the result is listed
as a conflict; `replace` takes the incoming version instead. Results deleted or erased
here (tombstones) are skipped unless `include_deleted`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import peewee

from store.db.idlists import chunks, id_in
from store.db.models import ComponentResult, ResultFile, StudyResult, Tombstone
from store.formats.archive_rows import RowBatch

NEW, UPDATED, UNCHANGED, OLDER, WITHDRAWN, CONFLICT, DELETED = (
    "new", "updated", "unchanged", "older", "withdrawn", "conflict", "deleted"
)
ACCEPTED = (NEW, UPDATED, WITHDRAWN)

# JATOS's StudyState order: every ending (FINISHED, ABORTED, FAIL) is final.
_RANK = {"PRE": 0, "STARTED": 1, "DATA_RETRIEVED": 2, "FINISHED": 3, "ABORTED": 3, "FAIL": 3}

# The study result's fields a source states, beside its times and state.
STUDY_FIELDS = (
    "uuid", "study_code", "batch", "worker", "group", "start_date", "end_date", "last_seen_date", "state",
    "message", "url_query_parameters", "confirmation_code", "quota_reached",
)
COMPONENT_FIELDS = ("study_result", "component", "start_date", "end_date", "state", "quota_reached")
NO_DATA = object()  # the source has no data for this component result (metadata only)


@dataclass
class Run:
    """One study result as a source or the store states it."""

    fields: dict  # STUDY_FIELDS
    components: dict[int, tuple[dict, object]] = field(default_factory=dict)  # cr -> (fields, data | NO_DATA)
    files: dict[tuple[int, str], int] = field(default_factory=dict)  # (cr, file name) -> size


def _age(run: Run) -> int:
    f = run.fields
    return max((t for t in (f["last_seen_date"], f["end_date"], f["start_date"]) if t is not None), default=0)


def _same(a, b) -> bool:
    # SQLite hands booleans back as 0/1.
    return a == b or (isinstance(a, bool) or isinstance(b, bool)) and int(a or 0) == int(b or 0)


def _contents(stored: Run, incoming: Run) -> str:
    """Same time, same state: UNCHANGED, UPDATED (it only adds), or CONFLICT."""
    adds = False
    for k in STUDY_FIELDS:
        if not _same(stored.fields[k], incoming.fields[k]):
            return CONFLICT
    for cr_id, (fields, data) in incoming.components.items():
        have = stored.components.get(cr_id)
        if have is None:
            adds = True
            continue
        s_fields, s_data = have
        if any(not _same(s_fields[k], fields[k]) for k in COMPONENT_FIELDS):
            return CONFLICT
        if data is NO_DATA:
            if fields.get("data_size") == 0 and s_data:
                return CONFLICT  # the source says "no data", the store holds some
            continue
        if s_data is None:
            adds = adds or data is not None
        elif s_data != data:
            return CONFLICT
    for key, size in incoming.files.items():
        if key not in stored.files:
            adds = True
        elif stored.files[key] != size:
            return CONFLICT
    return UPDATED if adds else UNCHANGED


def verdict(stored: Run | None, incoming: Run, replace: bool = False) -> str:
    """What an import does with one incoming study result."""
    if stored is None:
        return NEW
    r_in, r_st = _RANK.get(incoming.fields["state"], 0), _RANK.get(stored.fields["state"], 0)
    t_in, t_st = _age(incoming), _age(stored)
    if r_in == r_st and t_in == t_st:
        outcome = _contents(stored, incoming)
    elif r_in >= r_st and t_in >= t_st:
        outcome = UPDATED
    elif r_in <= r_st and t_in <= t_st:
        outcome = OLDER
    else:
        outcome = CONFLICT  # later in one order, earlier in the other
    if replace and outcome in (OLDER, CONFLICT):
        outcome = UPDATED
    if outcome == UPDATED and incoming.fields["state"] == "ABORTED" and (
        stored.fields["state"] != "ABORTED" or replace
    ):
        outcome = WITHDRAWN
    return outcome


def data_verdict(stored_data: str | None, stored_size: int, incoming: str, replace: bool = False) -> str:
    """A data file without metadata (a data-only zip, a files folder): JATOS's data only
    grows by appending or is replaced by a later PUT, so a shorter prefix is older."""
    if stored_data is None:
        if stored_size and len(incoming.encode("utf-8")) < stored_size:
            outcome = OLDER  # the store knows the server had more
        else:
            outcome = UPDATED
    elif stored_data == incoming:
        outcome = UNCHANGED
    elif incoming.startswith(stored_data):
        outcome = UPDATED
    elif stored_data.startswith(incoming):
        outcome = OLDER
    else:
        outcome = CONFLICT
    if replace and outcome in (OLDER, CONFLICT):
        outcome = UPDATED
    return outcome


# -- the store's side ---------------------------------------------------------------------------


def stored_runs(sr_ids: Iterable[int]) -> dict[int, Run]:
    """The store's version of these study results, with their component results and data."""
    ids = sorted(set(sr_ids))
    runs: dict[int, Run] = {}
    if not ids:
        return runs
    s_cols = [getattr(StudyResult, k) for k in ("id",) + STUDY_FIELDS]
    c_cols = [getattr(ComponentResult, k) for k in ("id",) + COMPONENT_FIELDS + ("data",)]
    for chunk in chunks(StudyResult.id, ids):
        for row in StudyResult.select(*s_cols).where(id_in(StudyResult.id, chunk)).tuples():
            runs[row[0]] = Run(dict(zip(STUDY_FIELDS, row[1:])))
        q = ComponentResult.select(*c_cols).where(id_in(ComponentResult.study_result, chunk)).tuples()
        for row in q:
            fields = dict(zip(COMPONENT_FIELDS, row[1:-1]))
            runs[fields["study_result"]].components[row[0]] = (fields, row[-1])
        q = (
            ResultFile.select(ComponentResult.study_result, ResultFile.component_result, ResultFile.filename, ResultFile.size)
            .join(ComponentResult)
            .where(id_in(ComponentResult.study_result, chunk))
            .tuples()
        )
        for sr_id, cr_id, name, size in q:
            runs[sr_id].files[(cr_id, name)] = size
    return runs


def tombstoned(level: str, ids: Iterable[int]) -> set[int]:
    """Of these ids, the results deleted or erased here."""
    ids = sorted(set(ids))
    if not ids:
        return set()
    here = Tombstone.level == level
    # Most imports meet no deleted result: one probe of the id range says so.
    span = (Tombstone.result_id >= ids[0]) & (Tombstone.result_id <= ids[-1])
    if not Tombstone.select(Tombstone.result_id).where(here & span).limit(1).tuples():
        return set()
    found: set[int] = set()
    for chunk in chunks(Tombstone.result_id, ids):
        q = Tombstone.select(Tombstone.result_id).where(here & id_in(Tombstone.result_id, chunk))
        found.update(r[0] for r in q.tuples())
    return found


def bring_back(study_result_ids, component_result_ids) -> None:
    """Results an import with include_deleted writes again are no longer "deleted here"."""
    for level, ids in (("study", study_result_ids), ("component", component_result_ids)):
        for chunk in peewee.chunked(sorted(set(ids)), 500):
            Tombstone.delete().where((Tombstone.level == level) & Tombstone.result_id.in_(chunk)).execute()


# -- counting -----------------------------------------------------------------------------------


@dataclass
class Outcomes:
    """What an import did, study result by study result."""

    by_id: dict[int, str] = field(default_factory=dict)
    conflicts: set[int] = field(default_factory=set)  # listed whatever else happened to them
    deleted_components: int = 0  # component results deleted here that a source listed again

    def note(self, sr_id: int, outcome: str) -> None:
        # A study result met in several sources of one import counts by what it became: the
        # last source that changed it says how (new to the store stays new); sources that
        # left it alone only count where none changed it.
        if outcome == CONFLICT:
            self.conflicts.add(sr_id)
        before = self.by_id.get(sr_id)
        if before is None:
            self.by_id[sr_id] = outcome
        elif outcome in ACCEPTED:
            if not (before == NEW and outcome == UPDATED):
                self.by_id[sr_id] = outcome
        elif before not in ACCEPTED and _WEIGHT[outcome] > _WEIGHT[before]:
            self.by_id[sr_id] = outcome

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.by_id.values() if o == outcome)

    def line(self) -> str:
        parts = [f"{self.count(NEW)} new", f"{self.count(UPDATED)} updated", f"{self.count(UNCHANGED)} unchanged"]
        if self.count(OLDER):
            parts.append(f"{self.count(OLDER)} kept because the store's version is newer")
        if self.count(WITHDRAWN):
            parts.append(f"{self.count(WITHDRAWN)} withdrawn (aborted: their data and files removed)")
        conflicts = sorted(self.conflicts)
        if conflicts:
            shown = ", ".join(map(str, conflicts[:10])) + (", …" if len(conflicts) > 10 else "")
            parts.append(
                f"{len(conflicts)} conflicts kept as stored (study results {shown}; --replace takes the incoming version)"
            )
        deleted = self.count(DELETED)
        if deleted or self.deleted_components:
            what = f"{deleted} study results" if deleted else ""
            if self.deleted_components:
                what += (" and " if what else "") + f"{self.deleted_components} component results"
            parts.append(f"{what} skipped: deleted here (--include-deleted brings them back)")
        return "study results: " + ", ".join(parts)


_WEIGHT = {UNCHANGED: 0, DELETED: 1, OLDER: 2, CONFLICT: 3, UPDATED: 4, NEW: 5, WITHDRAWN: 6}


# -- a results archive's batches (store/formats/archive_rows.py) ----------------------------------------


@dataclass
class BatchDecision:
    keep: set[int]  # study results the import writes
    withdrawn: set[int]  # of those, the ones whose data and files go (aborted)
    dropped_components: set[int]  # component results deleted here
    withdrawn_in_trash: set[int] = field(default_factory=set)  # deleted here, then aborted

    def apply(self, item: RowBatch) -> RowBatch:
        """The batch without the rows the store keeps as they are."""
        def wanted(row):
            return row.study_result in self.keep and row.id not in self.dropped_components

        out = RowBatch(bytes=item.bytes)
        out.study_results = [r for r in item.study_results if r.id in self.keep]
        out.with_data = [r for r in item.with_data if wanted(r)]
        out.without_data = [r for r in item.without_data if wanted(r)]
        owner = {r.id: r.study_result for r in out.with_data + out.without_data}
        def brought(f):
            return f.component_result in owner and owner[f.component_result] not in self.withdrawn

        out.files = [f for f in item.files if brought(f)]
        out.listed = [f for f in item.listed if brought(f)]
        return out


def incoming_runs(item: RowBatch) -> dict[int, Run]:
    runs = {r.id: Run({k: getattr(r, k) for k in STUDY_FIELDS}) for r in item.study_results}
    for r in item.with_data:
        runs[r.study_result].components[r.id] = ({k: getattr(r, k) for k in COMPONENT_FIELDS}, r.data)
    for r in item.without_data:
        fields = {k: getattr(r, k) for k in COMPONENT_FIELDS}
        fields["data_size"] = r.data_size
        runs[r.study_result].components[r.id] = (fields, NO_DATA)
    owner = {r.id: r.study_result for r in item.with_data + item.without_data}
    for f in item.files:
        runs[owner[f.component_result]].files[(f.component_result, f.filename)] = f.size
    return runs


def decide_batch(
    item: RowBatch, held: set[int], outcomes: Outcomes, replace: bool, include_deleted: bool
) -> BatchDecision:
    """`decide` for an archive's batch. Into a store that holds none of the batch's results
    and deleted none of them (a first import), every result is new: no Run is built."""
    if not held and not include_deleted:
        srs = [r.id for r in item.study_results]
        crs = [r.id for r in item.with_data + item.without_data]
        if not tombstoned("study", srs) and not tombstoned("component", crs):
            for sr_id in srs:
                outcomes.note(sr_id, NEW)
            return BatchDecision(set(srs), set(), set())
    return decide(incoming_runs(item), held, outcomes, replace, include_deleted)


def as_decided(item: RowBatch, held: set[int], outcomes: Outcomes, replace: bool, include_deleted: bool) -> BatchDecision:
    """`decide_batch` for a source without metadata, whose entries the rules let in or not
    one by one as they were read (store/importing/entries.py): the whole batch."""
    return BatchDecision({r.study_result for r in item.with_data + item.without_data}, set(), set())


def decide(
    incoming: dict[int, Run], held: set[int], outcomes: Outcomes, replace: bool, include_deleted: bool
) -> BatchDecision:
    """Which of these incoming study results an import writes (`held`: those the store has)."""
    all_crs = [c for run in incoming.values() for c in run.components]
    dead = set() if include_deleted else tombstoned("study", incoming)
    dead_crs = set() if include_deleted else tombstoned("component", all_crs)
    for run in incoming.values():
        for c in dead_crs.intersection(run.components):
            del run.components[c]
        run.files = {k: v for k, v in run.files.items() if k[0] not in dead_crs}
    stored = stored_runs(held - dead)
    keep, withdrawn, in_trash = set(), set(), set()
    for sr_id, run in incoming.items():
        if sr_id in dead:
            # Deleted here, but the participant has since withdrawn: the trash's copy of
            # the data goes too, or a restore would bring it back (§1.3).
            outcome = WITHDRAWN if run.fields["state"] == "ABORTED" else DELETED
            if outcome == WITHDRAWN:
                in_trash.add(sr_id)
        else:
            outcome = verdict(stored.get(sr_id), run, replace)
        outcomes.note(sr_id, outcome)
        if outcome in ACCEPTED and sr_id not in in_trash:
            keep.add(sr_id)
        if outcome == WITHDRAWN and sr_id not in in_trash:
            withdrawn.add(sr_id)
    outcomes.deleted_components += len(dead_crs)
    return BatchDecision(keep, withdrawn, dead_crs, in_trash)

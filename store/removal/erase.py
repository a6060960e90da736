"""Erasure on request (a withdrawal, a GDPR request): results go from the store and the
trash, and afterwards no byte of their data can be read back from the database file,
its WAL or the search index.

Deleted rows leave their bytes in SQLite's free pages, in free space inside pages and in
FTS5's older index segments until those are rewritten. Erase therefore deletes with
`secure_delete` on, merges the index into one segment ('optimize': deleted entries are
dropped), rebuilds the database file (VACUUM) and truncates the WAL. Result files are
overwritten with zeros before they are removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from store.db.database import Store
from store.db.idlists import chunks, id_in
from store.db.models import ComponentResult, TrashEntry, Worker
from store.disk import journal
from store.errors import NothingSelected, StoreError
from store.pages.selection import Selection, component_ids_of
from store.removal import log, trash
from store.removal.delete import bury, remove_rows
from store.removal.trashed_facts import trashed_facts
from store.search import filter as search


@dataclass
class ErasePlan:
    level: str
    live: list[int]  # ids in the store
    trashed: list[int] = field(default_factory=list)  # TrashEntry ids
    trashed_results: list[tuple[str, int]] = field(default_factory=list)  # their (level, result id)

    @property
    def empty(self) -> bool:
        return not self.live and not self.trashed

    def describe(self) -> str:
        what = "study results" if self.level == "study" else "component results"
        ids = sorted(set(self.live) | {rid for lvl, rid in self.trashed_results if lvl == self.level})
        shown = ", ".join(map(str, ids[:10])) + (", …" if len(ids) > 10 else "")
        return f"{len(self.live)} {what} in the store and {len(self.trashed)} in the trash (ids {shown})"


@dataclass
class EraseResult:
    level: str
    live: int
    trashed: int
    wal_truncated: bool

    def line(self) -> str:
        what = "study results" if self.level == "study" else "component results"
        text = f"erased {self.live} {what} from the store and {self.trashed} from the trash"
        if not self.wal_truncated:
            text += (
                "; another process still reads the database, so its write-ahead log could not be emptied yet: "
                "close other jatos-results windows and run `jatos-results erase --finish`"
            )
        return text


def plan(selection: Selection) -> ErasePlan:
    """What an erase of this selection would remove, in the store and in the trash."""
    level = selection.level
    live = selection.row_ids()
    entries = _trashed(selection, live)
    return ErasePlan(level, live, [e[0] for e in entries], [(e[1], e[2]) for e in entries])


def _trashed(selection: Selection, live: list[int]) -> list[tuple[int, str, int]]:
    """Trash entries (id, level, result id) the selection names: by scope, ids and filter."""
    level = selection.level
    q = TrashEntry.select(TrashEntry.id, TrashEntry.level, TrashEntry.result_id, TrashEntry.rows, TrashEntry.worker)
    if level == "study":
        # A component-level entry of a selected study result goes as well.
        q = q.where(TrashEntry.level.in_(["study", "component"]))
    else:
        q = q.where(TrashEntry.level == "component")
    for value, column in (
        (selection.study, TrashEntry.study),
        (selection.batch, TrashEntry.batch),
        (selection.group, TrashEntry.group),
        (selection.worker, TrashEntry.worker),
        (selection.component, TrashEntry.component),
    ):
        if value is not None:
            q = q.where(column == value)
    wanted = selection.explicit_ids()
    f = selection.search_filter()
    test_runs = set(Worker.select(Worker.id).where(Worker.worker_type == "Jatos").tuples()) if selection.exclude_test_runs else set()
    out, later, older = [], [], 0
    # A regex's ^ and $, or a quoted phrase, read a row's cells; texts an earlier version
    # wrote in the trash run them together.
    reads_cells = f is not None and (f.regex or '"' in f.text)
    for eid, entry_level, rid, rows_text, worker in q.tuples():
        if (worker,) in test_runs:
            continue
        rows = json.loads(rows_text)
        owner = rows["study_result"]["id"] if rows["study_result"] else rows["component_results"][0]["study_result"]
        key = rid if level == "component" else owner
        if wanted is not None and key not in wanted:
            continue
        if reads_cells and _cells_run_together(rows):
            older += 1
            continue
        if f is not None and not matches(f, rows, level):
            later.append((eid, entry_level, rid, owner))  # its study result may be chosen yet
            continue
        out.append((eid, entry_level, rid))
    if older:
        raise StoreError(
            f"an earlier version wrote the texts of {older} result{'s' if older != 1 else ''} in the trash, "
            "which a regular expression or a quoted phrase cannot be matched against exactly: name "
            "them with --ids, or restore them and delete them again"
        )
    if level == "study":
        # A component result in the trash goes with its study result, erased by this very
        # selection (in the store or the trash), though its own texts miss the filter.
        chosen = set(live) | {rid for _, lvl, rid in out if lvl == "study"}
        out += [(eid, lvl, rid) for eid, lvl, rid, owner in later if lvl == "component" and owner in chosen]
    return out


def _cells_run_together(rows: dict) -> bool:
    """Whether a trashed result's texts were written by an earlier version, a line for all
    its cells (store/search/text.py holds a cell a line: every row has several)."""
    texts = [r.get("search_text") for r in [rows["study_result"] or {}] + rows["component_results"]]
    return any(t and "\n" not in t for t in texts)


def matches(f: search.Filter, rows: dict, level: str) -> bool:
    """The filter on a trashed result's texts (its search text and its data) and, for field
    terms, its facts (store/removal/trashed_facts.py: none known, no match)."""
    texts = [r.get("search_text") or "" for r in [rows["study_result"] or {}] + rows["component_results"]]
    texts += [r.get("data") or "" for r in rows["component_results"]]
    p = search.plan(f)
    if p.tree is None:
        return p.matches(texts)
    facts = trashed_facts(level, rows)
    return facts is not None and p.matches(texts, facts)


def erase(store: Store, erase_plan: ErasePlan, progress=None) -> EraseResult:
    if erase_plan.empty:
        raise NothingSelected()
    level, ids = erase_plan.level, erase_plan.live
    cr_ids = component_ids_of(ids) if level == "study" else sorted(ids)
    paths = [f"study-result_{i}" for i in ids] if level == "study" else _component_paths(cr_ids)
    _secure(store)
    with store.write(), store.bulk_change(cr_ids, ids if level == "study" else []):
        remove_rows(level, ids, cr_ids)
        bury(level, ids, "erased")
        for lvl in ("study", "component"):
            bury(lvl, [rid for entry_level, rid in erase_plan.trashed_results if entry_level == lvl], "erased")
        _, trash_paths = trash.remove_entries(entry_ids=erase_plan.trashed)
        log.record(store, "erased", level, len(ids), len(erase_plan.trashed))
        file_op = journal.record(store, "erase", paths + trash_paths)
    journal.finish(store, file_op)
    truncated = scrub_database(store, progress)
    return EraseResult(level, len(ids), len(erase_plan.trashed), truncated)


def _component_paths(cr_ids: list[int]) -> list[str]:
    paths = []
    for chunk in chunks(ComponentResult.id, cr_ids):  # any number of ids, on every backend
        q = ComponentResult.select(ComponentResult.id, ComponentResult.study_result).where(id_in(ComponentResult.id, chunk))
        paths += [f"study-result_{sr}/comp-result_{cr}" for cr, sr in q.tuples()]
    return paths


def _secure(store: Store) -> None:
    # Every connection deletes securely (store/db/sqlite.py); this one must, whatever it was told.
    if store.is_sqlite:
        store.db.execute_sql("PRAGMA secure_delete = 1").close()


def scrub_database(store: Store, progress=None) -> bool:
    """Leave no copy of deleted bytes in the database's files; False if the WAL could not
    be emptied because another connection still reads it."""
    if not store.is_sqlite:
        return True  # PostgreSQL: VACUUM FULL is the administrator's (see README)
    steps = 3
    if store.has_index:
        with store.write():
            for fts in ("data_fts", "meta_fts"):
                store.db.execute_sql(f"INSERT INTO {fts}({fts}) VALUES ('optimize')").close()
    if progress:
        progress(1, steps)
    store.db.execute_sql("VACUUM").close()
    if progress:
        progress(2, steps)
    cursor = store.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    busy = cursor.fetchone()[0]
    cursor.close()
    if progress:
        progress(3, steps)
    return not busy

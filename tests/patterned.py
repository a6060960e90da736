"""A store of n study results of study 77 with a known pattern, written straight into the
tables (a 100k-result store in seconds; the importer takes ten times as long): result i
(from 1) is in state STATES[i % 10], batch BATCHES[i % 3], worker type TYPES[i % 5]."""

from __future__ import annotations

from store.db.models import Batch, Study, StudyResult, Worker

STATES = ["FINISHED"] * 7 + ["ABORTED", "ABORTED", "FAIL"]
BATCHES = ["Default", "Pilot 1", "Prolific"]
TYPES = ["GeneralSingle", "PersonalSingle", "MT", "Jatos", "GeneralMultiple"]
START = 1_714_557_296_000


def expected(n: int, pattern: list[str], among=None) -> dict[str, int]:
    """What the pattern gives for results 1..n (or those among some ids)."""
    counts: dict[str, int] = {}
    for i in among if among is not None else range(1, n + 1):
        counts[pattern[i % len(pattern)]] = counts.get(pattern[i % len(pattern)], 0) + 1
    return counts


def fill(store, n: int) -> None:
    with store.write(), store.bulk_change((), range(1, n + 1)):  # the search index made once, at the end
        Study.insert(id=77, uuid="77777777-0000-4000-8000-000000000077", title="Patterned").execute()
        Batch.insert_many([dict(id=90 + k, study=77, title=t) for k, t in enumerate(BATCHES)]).execute()
        Worker.insert_many([dict(id=500 + k, worker_type=t) for k, t in enumerate(TYPES)]).execute()
        # Plain executemany: peewee's insert_many spends seconds making the SQL of 100k rows.
        columns = ["id", "study_id", "batch_id", "worker_id", "state", "start_date", "end_date", "last_seen_date",
                   "quota_reached", "search_text"]
        p = store.db.param
        sql = f'INSERT INTO "{StudyResult._meta.table_name}" ({", ".join(columns)}) VALUES ({", ".join([p] * len(columns))})'
        store.db.cursor().executemany(sql, [
            (
                i, 77, 90 + i % 3, 500 + i % 5, STATES[i % 10], START + i * 1000, START + i * 1000 + 60_000,
                START + i * 1000 + 60_000, False,
                # The words the filter finds the row by (the importer's whole text takes a while).
                f"{i} {STATES[i % 10]} {BATCHES[i % 3]} {TYPES[i % 5]}",
            )
            for i in range(1, n + 1)
        ])

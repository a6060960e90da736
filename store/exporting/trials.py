"""The trials export (issue #14): the selected component results' data as one table, a row a
trial, each row after its result's metadata (store/formats/trials does the table).

Component results go in the selection's order: by component result id for a component-level
selection, else by study result id, then component result id. They are read a chunk of ids
at a time, metadata and data in one query (no cursor held open, the same SQL on SQLite and
PostgreSQL), so memory holds one chunk. The table is written in one pass: its columns are
learnt as rows go by, the CSV spooled until its header is known (TrialCsvWriter), the Parquet
file in row groups (TrialParquetWriter); both spools are owner-only temporary files.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable, Iterator
from pathlib import Path

import peewee

from store.db.idlists import chunks, id_in
from store.db.models import ComponentResult, ResultLabel, StudyResult, Worker
from store.disk import files
from store.errors import Cancelled, StoreError
from store.formats.trials import TrialExport, write_trials_csv, write_trials_parquet

FORMATS = ("csv", "parquet")
CHUNK = 1000  # component results a query: ~1 MB of data at S's 1 KB each

# What each metadata cell is read from. The participant id is the store's own column
# (store/participants.py: the configured URL parameter, else the MTurk worker id).
_FIELDS = (
    ComponentResult.id,
    ComponentResult.study_result,
    ComponentResult.component,
    Worker.id,
    Worker.worker_type,
    StudyResult.batch,
    ComponentResult.state,
    ComponentResult.start_date,
    StudyResult.participant,
    ResultLabel.label,
    ComponentResult.data,
)


def trial_format(path, fmt: str | None) -> str:
    """The format asked for, else the output's suffix (.parquet or .pq; .csv, .txt or none
    for CSV; any other is refused)."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise StoreError(f"unknown trials format {fmt!r}; formats are: {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower() if isinstance(path, (str, Path)) else ""
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix not in ("", ".csv", ".txt"):
        # A CSV file named .xlsx or .tsv would be opened as what it is not.
        raise StoreError(
            f"the trials export writes CSV (.csv) or Parquet (.parquet), not {suffix}: "
            "rename the file, or give --format to write that format under this name"
        )
    return "csv"


def iso_time(epoch_ms: int | None) -> str | None:
    """ISO 8601 in UTC with milliseconds: what R, pandas and spreadsheets read unambiguously."""
    if epoch_ms is None:
        return None
    day, ms = divmod(epoch_ms, 86_400_000)
    seconds, ms = divmod(ms, 1000)
    hours, seconds = divmod(seconds, 3600)
    try:
        date = _date(day)
    except OverflowError:  # beyond the year 9999: no date to write, the number as JATOS gave it
        return str(epoch_ms)
    return f"{date}T{hours:02d}:{seconds // 60:02d}:{seconds % 60:02d}.{ms:03d}Z"


@functools.lru_cache(maxsize=1024)
def _date(day: int) -> str:
    """The date of a day since 1970 (strftime a row is a fifth of the export's time a result)."""
    return (_dt.date(1970, 1, 1) + _dt.timedelta(days=day)).isoformat()


def _meta(t: tuple) -> dict:
    cr, sr, component, worker, worker_type, batch, state, start, participant, label, _ = t
    return {
        "result_id": sr,
        "component_result_id": cr,
        "component": component,
        "worker_id": worker,
        "worker_type": worker_type,
        "batch": batch,
        "state": state,
        "start_time": iso_time(start),
        "participant_id": participant,
        "label": label,
    }


def ordered_component_ids(level: str, row_ids: list[int]) -> list[int]:
    """The component results of the selected rows in the table's order."""
    if level == "component":
        return row_ids
    out: list[int] = []
    for chunk in chunks(ComponentResult.study_result, row_ids):
        q = (
            ComponentResult.select(ComponentResult.id)
            .where(id_in(ComponentResult.study_result, chunk))
            .order_by(ComponentResult.study_result, ComponentResult.id)
            .tuples()
        )
        out.extend(r[0] for r in q)
    return out


def read_results(
    cr_ids: list[int], progress: Callable[[int, int], None] | None = None, cancelled: Callable[[], bool] | None = None
) -> Iterator[tuple[dict, str | None]]:
    """(metadata, data) of each component result, in the order given, a chunk at a time."""
    total = len(cr_ids)
    done = 0
    for chunk in peewee.chunked(cr_ids, CHUNK):
        q = (
            ComponentResult.select(*_FIELDS)
            .join(StudyResult, on=(ComponentResult.study_result == StudyResult.id))
            .join(Worker, on=(StudyResult.worker == Worker.id))
            .join(ResultLabel, peewee.JOIN.LEFT_OUTER, on=(ResultLabel.study_result == StudyResult.id))
            .where(id_in(ComponentResult.id, chunk))
        )
        cursor = ComponentResult._meta.database.execute(q)  # a raw cursor: no conversion a value
        try:
            found = {t[0]: t for t in cursor}
        finally:
            cursor.close()
        for i in chunk:
            t = found.get(i)
            if t is not None:  # each id comes from this export's snapshot: always there
                yield _meta(t), t[-1]
        done += len(chunk)
        if cancelled and cancelled():
            raise Cancelled("export cancelled; no file was written")
        if progress:
            progress(done, total)


def write_trials(
    fh, fmt: str, level: str, row_ids: list[int], spool_root: Path, strict: bool = False, raw: bool = False,
    progress=None, cancelled=None,
) -> TrialExport:
    """The table of the selected rows' component results to `fh` (a binary file);
    UnreadableData under `strict` at the first component result whose data gives no rows."""
    spool = str(files.private_mkdir(spool_root))
    results = read_results(ordered_component_ids(level, row_ids), progress, cancelled)
    if fmt == "parquet":
        return write_trials_parquet(fh, results, strict=strict, spool_dir=spool)
    return write_trials_csv(fh, results, strict=strict, spool_dir=spool, raw=raw)

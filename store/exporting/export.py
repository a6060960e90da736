"""Every export format, byte-faithful to JATOS 3.10 (jatos.md §3).

Each export resolves its selection as JATOS does (§3.0) inside one read transaction
(exporting/snapshot.py), refuses an empty selection and, unless allowed, data the store knows of
but does not hold (exporting/check.py), and writes to a file through `files.AtomicOutput` (a
temporary file beside the target, renamed into place, readable by its owner only, never
replacing an existing file without `force`) or to a stream (exporting/output.py).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import functools
import io
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from store.columns import Column, pick_columns
from store.db.database import Store
from store.db.idlists import chunks, id_in
from store.db.models import ComponentResult, ResultFile, StudyResult
from store.disk import files
from store.errors import NothingSelected, StoreError
from store.exporting.check import check_missing
from store.exporting.data_text import check_cancelled, iter_data, write_data_text
from store.exporting.exclusions import write_report
from store.exporting.metadata import Plan, metadata_chunks
from store.exporting.output import Target
from store.exporting.snapshot import ResultFileVanished, consistently
from store.exporting.trials import trial_format as trial_format_of
from store.exporting.trials import write_trials
from store.formats.jatos_values import human_size
from store.formats.trials import left_out_summary
from store.formats.zip_writer import ZipWriter
from store.pages.rows import component_rows, study_rows
from store.pages.selection import Selection, component_ids_of

KINDS = ("data", "archive", "data-zip", "files", "metadata-json", "metadata-csv", "file", "exclusion-report", "trials")
ZIP_KINDS = ("archive", "data-zip", "files")
Progress = Callable[[int, int], None]


@dataclass
class ExportResult:
    path: Path | str  # a stream's name (standard output: "<stdout>")
    bytes: int
    study_results: int
    component_results: int
    files: int = 0
    without_components: int = 0  # selected study results JATOS never exports (issue #327)
    missing_data: int = 0  # component results whose data is not in the store, left out
    missing_files: int = 0  # uploaded files known from metadata, not in the store, left out
    trial_rows: int | None = None  # the trials export's rows
    left_out: str = ""  # the trials export: the component results whose data gave no rows, and why

    def line(self) -> str:
        text = (
            f"wrote {self.path} ({human_size(self.bytes)}): {self.study_results} study results, "
            f"{self.component_results} component results"
        )
        if self.trial_rows is not None:
            text += f", {self.trial_rows} trial rows"
        if self.left_out:
            text += f"; {self.left_out}"
        if self.files:
            text += f", {self.files} files"
        if self.missing_data:
            text += f"; left out the data of {self.missing_data} component results, which is not in the store"
        if self.missing_files:
            text += f"; left out {self.missing_files} uploaded files, which are not in the store"
        return text


def default_filename(kind: str, now: _dt.datetime | None = None, fmt: str | None = None) -> str:
    """JATOS's download names; the GUI stamps them in UTC (§3.0). `fmt`: the trials' format."""
    ts = (now or _dt.datetime.now(_dt.UTC)).strftime("%Y%m%d%H%M%S")
    return {
        "data": f"jatos_results_data_{ts}.txt",
        "archive": f"jatos_results_{ts}.zip",
        "data-zip": f"jatos_results_data_{ts}.zip",
        "files": f"jatos_results_files_{ts}.zip",
        "metadata-json": f"jatos_results_metadata_{ts}.json",
        "metadata-csv": f"jatos_results_metadata_{ts}.csv",
        "exclusion-report": f"jatos_results_exclusions_{ts}.csv",
        "trials": f"jatos_results_trials_{ts}.{fmt or 'csv'}",
    }[kind]


def export(
    store: Store,
    kind: str,
    selection: Selection,
    path: str | Path | BinaryIO,
    *,
    force: bool = False,
    columns: str | list[Column] | None = None,
    filename: str | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    allow_missing_data: bool = False,
    raw_csv: bool = False,
    strict: bool = False,
    trial_format: str | None = None,
) -> ExportResult:
    """Write the selected results as `kind` to a file, or to a binary stream (`path` with a
    write method). Raises NothingSelected for an empty selection and, without
    `allow_missing_data`, MissingData when data known from metadata is not in the store.
    Trials: `trial_format` (else the file's suffix), `strict` (UnreadableData)."""
    if kind not in KINDS:
        raise StoreError(f"unknown export kind {kind!r}; kinds are: {', '.join(KINDS)}")
    target = Target(path, force, store.files_root, store.own_paths())
    trials = (trial_format_of(path, trial_format), strict) if kind == "trials" else None
    job = functools.partial(
        _export, store, kind, selection, target, columns, filename, progress, cancelled, allow_missing_data, raw_csv,
        trials,
    )
    # The trials' rows are a chunk at a time: their memory stays flat only with the file unmapped.
    return consistently(store, job, mapped=kind != "trials")


def _export(
    store, kind, selection, target: Target, columns, filename, progress, cancelled, allow_missing, raw_csv, trials
):
    if kind == "file":
        return _export_single_file(store, selection, filename, target)
    if kind == "exclusion-report":
        with target.open() as fh:
            n = write_report(fh, selection, (lambda cell: cell) if raw_csv else inert, _owners)
        return ExportResult(target.label, target.bytes, n, 0)
    if kind == "metadata-csv":
        cols = columns if isinstance(columns, list) else _columns(selection, columns)
        ids = _selected(selection)
        with target.open() as fh:
            n = write_metadata_csv(fh, selection.level, ids, cols, raw=raw_csv)
        return ExportResult(target.label, target.bytes, *_counts_for_csv(selection.level, ids, n))
    if kind == "data" and selection.is_everything:
        # Everything: one scan of the table in id order, no id lists to build.
        n_sr = StudyResult.select().count()
        if not n_sr:
            raise NothingSelected()
        missing = check_missing(kind, None, allow_missing)
        with target.open() as fh:
            n_cr = write_data_text(fh, None, progress, cancelled)
        return ExportResult(target.label, target.bytes, n_sr, n_cr, missing_data=len(missing))
    row_ids = _selected(selection)
    cr_ids = row_ids if selection.level == "component" else component_ids_of(row_ids)
    missing = check_missing(kind, cr_ids, allow_missing)
    if kind == "trials":
        return _export_trials(store, selection, target, row_ids, cr_ids, len(missing), raw_csv, progress, cancelled, *trials)
    if kind == "data":
        # Plain text needs no grouping: stream the data straight out.
        with target.open() as fh:
            write_data_text(fh, cr_ids, progress, cancelled)
        n_sr = len(row_ids) if selection.level == "study" else len(_owners(cr_ids))
        return ExportResult(target.label, target.bytes, n_sr, len(cr_ids), missing_data=len(missing))
    plan = Plan(cr_ids)
    without = len(row_ids) - len(plan.sr_ids) if selection.level == "study" else 0
    with target.open(seekable=kind in ZIP_KINDS) as fh:
        if kind == "metadata-json":
            for chunk in metadata_chunks(plan):
                fh.write(chunk)
        else:
            _write_zip(store, fh, kind, plan, progress, cancelled)
    return ExportResult(
        target.label,
        target.bytes,
        len(plan.sr_ids),
        len(cr_ids),
        sum(len(v) for v in plan.files.values()) if kind in ("archive", "files") else 0,
        without,
        len(missing),
        missing.files,
    )


def _selected(selection: Selection) -> list[int]:
    """The selection's rows; none is an error, as in JATOS."""
    ids = selection.row_ids()
    if not ids:
        raise NothingSelected()
    return ids


def _owners(cr_ids: list[int]) -> set[int]:
    out: set[int] = set()
    for chunk in chunks(ComponentResult.id, cr_ids):
        q = ComponentResult.select(ComponentResult.study_result).where(id_in(ComponentResult.id, chunk)).distinct()
        out.update(r[0] for r in q.tuples())
    return out


def _columns(selection: Selection, spec: str | None) -> list[Column]:
    page = "worker" if selection.worker is not None and selection.level == "study" else "study"
    try:
        return pick_columns(selection.level, spec, page)
    except ValueError as exc:
        raise StoreError(str(exc)) from None


def _counts_for_csv(level: str, ids: list[int], n: int) -> tuple[int, int]:
    return (n, 0) if level == "study" else (0, n)


def _export_trials(store, selection, target, row_ids, cr_ids, missing, raw_csv, progress, cancelled, fmt, strict):
    with target.open(seekable=fmt == "parquet") as fh:
        table = write_trials(fh, fmt, selection.level, row_ids, store.files_root, strict, raw_csv, progress, cancelled)
    n_sr = len(_owners(cr_ids))
    without = len(row_ids) - n_sr if selection.level == "study" else 0
    return ExportResult(
        target.label, target.bytes, n_sr, len(cr_ids), 0, without, missing, trial_rows=table.rows,
        left_out=left_out_summary(table.left_out),
    )


# -- (d), (e) zips -------------------------------------------------------------------------------


def _write_zip(store: Store, fh, kind: str, plan: Plan, progress, cancelled) -> None:
    when = time.localtime()[:6]
    order = list(plan.ordered())
    total = len(order)
    zf = ZipWriter(fh, when)
    try:
        data_iter = iter_data([cr for _, cr in order]) if kind in ("archive", "data-zip") else None
        for n, (sr, cr) in enumerate(order, 1):
            base = f"study_result_{sr}/comp-result_{cr}"
            if kind in ("archive", "files"):
                for name, size in plan.files.get(cr, ()):
                    src = files.result_file(store.files_root, sr, cr, name)
                    try:
                        with open(src, "rb") as inp:
                            zf.add_stream(f"{base}/files/{name}", iter(lambda: inp.read(1 << 20), b""), size)
                    except FileNotFoundError:
                        # Deleted since this export's snapshot: start again (exporting/snapshot.py).
                        raise ResultFileVanished(src) from None
            if data_iter is not None:
                _, data = next(data_iter)
                if data is not None:
                    zf.add(f"{base}/data.txt", data)
            if n % 200 == 0:
                check_cancelled(cancelled)
                if progress:
                    progress(n, total)
        if kind == "archive":
            zf.add_stream("metadata.json", metadata_chunks(plan, data_here_only=True), 0)
    except BaseException:
        zf.abort()
        raise
    zf.close()
    if progress:
        progress(total, total)


# -- a single file ---------------------------------------------------------------------------------


def _export_single_file(store: Store, selection: Selection, filename: str | None, target: Target):
    ids = selection.component_result_ids
    if not ids or len(ids) != 1 or not filename:
        raise StoreError("a single file needs one --component-result-ids ID and --file NAME")
    cr = ComponentResult.get_or_none(ComponentResult.id == ids[0])
    if cr is None:
        raise StoreError(f"there is no component result with id {ids[0]} in the store")
    if not ResultFile.select().where((ResultFile.component_result == cr.id) & (ResultFile.filename == filename)).exists():
        raise StoreError(f"component result {cr.id} has no file named {filename!r}")
    src = files.result_file(store.files_root, cr.study_result_id, cr.id, filename)
    with contextlib.ExitStack() as stack:
        try:
            inp = stack.enter_context(open(src, "rb"))  # first: once open, it is read whole
        except FileNotFoundError:
            raise ResultFileVanished(src) from None
        shutil.copyfileobj(inp, stack.enter_context(target.open()), 1 << 20)
    return ExportResult(target.label, target.bytes, 1, 1, 1)


# -- (b) metadata CSV ----------------------------------------------------------------------------


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: str) -> str:
    """A participant-controlled value (a message, a URL parameter) that starts as a formula
    would (=HYPERLINK(...), @SUM(...)) gets a leading apostrophe, which spreadsheets show
    as text (OWASP's advice on CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def write_metadata_csv(fh, level: str, ids: list[int], cols: list[Column], raw: bool = False) -> int:
    """§3.2: every field quoted, "," and "\\n", a final newline, no BOM; JATOS 3.9.8+ row order
    (rows that did not reach the quota first, each part in ascending id). Unless `raw`, a
    cell a spreadsheet would run as a formula is neutralised (see `inert`)."""
    rows = study_rows(ids) if level == "study" else component_rows(ids)
    rows.sort(key=lambda r: (r.quota_reached, r.id))
    text = io.StringIO()
    w = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow([c.title for c in cols])
    for r in rows:
        cells = [" ".join(c.render(r).split("\n")).strip() for c in cols]
        w.writerow(cells if raw else [inert(cell) for cell in cells])
        if text.tell() > 1 << 20:
            fh.write(text.getvalue().encode("utf-8"))
            text.seek(0)
            text.truncate()
    fh.write(text.getvalue().encode("utf-8"))
    return len(rows)


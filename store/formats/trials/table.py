"""Many component results into one trial table: what the trials export calls, with the
component results that gave no rows counted and named, never dropped silently."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Mapping

from store.errors import StoreError
from store.formats.trials.csv_writer import TrialCsvWriter
from store.formats.trials.flatten import ColumnUnion
from store.formats.trials.reading import read_trials

Data = bytes | str | None


class UnreadableData(StoreError):
    """`strict`: a component result gave no rows."""

    def __init__(self, component_result_id: Any, reason: str):
        super().__init__(f"component result {component_result_id}: {reason}")
        self.component_result_id = component_result_id
        self.reason = reason


@dataclass
class TrialExport:
    rows: int = 0
    component_results: int = 0  # those that gave rows
    left_out: list[tuple[Any, str]] = field(default_factory=list)  # (component result id, reason)
    columns: list[str] = field(default_factory=list)


def write_trials_csv(
    out: BinaryIO,
    results: Iterable[tuple[Mapping[str, Any], Data]],
    *,
    strict: bool = False,
    columns: Iterable[str] | None = None,
    spool_dir: str | None = None,
    raw: bool = False,
) -> TrialExport:
    """`results`: (metadata, data) per component result, in the order the table should
    have (metadata: META_COLUMNS' keys). `strict` raises UnreadableData at the first one
    without rows; then nothing has reached `out` unless `columns` were given."""
    return _fill(TrialCsvWriter(out, columns, spool_dir, raw), results, strict)


def write_trials_parquet(
    out: str | Path | BinaryIO,
    results: Iterable[tuple[Mapping[str, Any], Data]],
    *,
    strict: bool = False,
    spool_dir: str | None = None,
    row_group_rows: int = 10_000,
) -> TrialExport:
    """As write_trials_csv, as Parquet."""
    from store.formats.trials.parquet_writer import TrialParquetWriter

    return _fill(TrialParquetWriter(out, spool_dir, row_group_rows), results, strict)


def _fill(writer, results: Iterable[tuple[Mapping[str, Any], Data]], strict: bool) -> TrialExport:
    summary = TrialExport()
    with writer:
        for meta, data in results:
            trials = read_trials(data)
            if trials.reason is not None:
                crid = meta.get("component_result_id")
                if strict:
                    raise UnreadableData(crid, trials.reason)
                summary.left_out.append((crid, trials.reason))
                continue
            summary.rows += writer.add(meta, trials)
            summary.component_results += 1
    summary.columns = writer.header
    return summary


def learn_columns(datas: Iterable[Data]) -> list[str]:
    """The trial columns of all the data, first seen first: the first pass of a two-pass
    export (the second gives them to TrialCsvWriter); the metadata columns not included."""
    union = ColumnUnion()
    for data in datas:
        for row in read_trials(data):
            union.update(row)
    return union.columns


def left_out_summary(left_out: list[tuple[Any, str]]) -> str:
    """One line: "3 component results left out: 2 truncated JSON, 1 empty", each reason
    counted by its kind (the words before " at ", ":" or " (")."""
    if not left_out:
        return ""
    kinds = Counter(_KIND.split(reason, 1)[0] for _, reason in left_out)
    n = len(left_out)
    parts = ", ".join(f"{count} {kind}" for kind, count in kinds.most_common())
    return f"{n} component result{'s' if n != 1 else ''} left out: {parts}"


_KIND = re.compile(r" at |: | \(")


@dataclass
class TrialTable:
    """One component result's trials as text cells (the data viewer's table): the columns
    first seen first, each cell spelt as the CSV spells it (unneutralised)."""

    columns: list[str]
    rows: list[list[str]]  # the first `limit` rows
    count: int  # every row
    framework: str
    shape: str
    reason: str | None


def text_cell(value: Any) -> str:
    if value is None:
        return ""
    if value.__class__ is bool:
        return "true" if value else "false"
    return str(value)


def trial_table(data: Data, limit: int | None = None) -> TrialTable:
    trials = read_trials(data)
    union = ColumnUnion()
    kept = []
    for n, row in enumerate(trials):
        if limit is not None and n >= limit:
            break
        union.update(row)
        kept.append(row)
    columns = union.columns
    rows = [[text_cell(r.get(c)) for c in columns] for r in kept]
    return TrialTable(columns, rows, trials.count, trials.framework, trials.shape, trials.reason)

"""The trial table as Parquet, through pyarrow: Apache Arrow's own
Parquet implementation, which writes row group by row group under a schema given up
front, so memory holds one group; polars would add a DataFrame layer it does not need.

Columns are those of the CSV (metadata first, then the trials' first-seen order). Each
column gets one type, learnt as the rows go by: null, bool, int64 or float64 from JSON
values (ints and floats meet as float64); any other mix, and every cell of CSV data, is
a string, written as the CSV writes it (`true`, `1.5`). Nothing is guessed from text.
No spreadsheet runs a Parquet file, so cells are never neutralised.

Like the CSV writer this needs one pass: row groups go to spool files, a new one when a
column appears or a type widens; `close` writes them into the final file under the
final schema (missing columns null, widened types cast).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Mapping

from store.formats.trials.csv_writer import META_COLUMNS, trial_column_name
from store.formats.trials.flatten import ColumnUnion

NULL, BOOL, INT, FLOAT, STRING = range(5)
_META = frozenset(META_COLUMNS)
# A metadata column that is empty in every row (no labels, no participant ids) still gets
# its type, so that files of several exports read as one dataset.
_META_IDS = frozenset(("result_id", "component_result_id", "component", "worker_id", "batch"))


def _meta_kind(column: str) -> int:
    """A metadata column's type while it is empty: ids are integers, the rest text."""
    return INT if column in _META_IDS else STRING


def _arrow():
    """pyarrow, imported when first written with: a tenth of a second the app's start does not wait for."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pa, pq


def _kind(values: list) -> int:
    types = set(map(type, values))
    types.discard(type(None))
    if not types:
        return NULL
    if types == {bool}:
        return BOOL
    if types == {int}:
        return INT
    if types <= {int, float}:
        return FLOAT
    return STRING


def _widen(a: int, b: int) -> int:
    if a == b or b == NULL:
        return a
    if a == NULL:
        return b
    return FLOAT if {a, b} == {INT, FLOAT} else STRING


def _text(v: Any) -> str | None:
    if v is None or v.__class__ is str:
        return v
    if v.__class__ is bool:
        return "true" if v else "false"
    return str(v)


class TrialParquetWriter:
    """`add(meta, rows)` for each component result, then `close()` (or use `with`)."""

    def __init__(self, out: str | Path | BinaryIO, spool_dir: str | None = None, row_group_rows: int = 10_000):
        pa, self.pq = _arrow()
        self.pa = pa
        self._kind_of = {pa.null(): NULL, pa.bool_(): BOOL, pa.int64(): INT, pa.float64(): FLOAT, pa.string(): STRING}
        self.out = out
        self.group_rows = row_group_rows
        self.union = ColumnUnion(META_COLUMNS)
        self.kinds: dict[str, int] = {}
        self.rows = 0
        self._buffer: list[dict] = []
        # The buffered rows' metadata cells (META_COLUMNS' order), a run of rows a component result.
        self._runs: list[tuple[tuple, int]] = []
        self._spool = tempfile.TemporaryDirectory(dir=spool_dir)
        self._segments: list[Path] = []
        self._writer = None
        self._schema = None
        self._closed = False

    def add(self, meta: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> int:
        # Each buffered row keeps its trial cells and a reference to its result's metadata
        # cells, which become columns only when the row group is made.
        head = tuple(meta.get(c) for c in META_COLUMNS)
        count = getattr(rows, "count", None)  # (reading.Trials: how many rows it gives)
        if type(count) is int and count <= self.group_rows:
            return self._add_few(head, list(rows))
        return self._add_each(head, rows)

    def _add_few(self, head: tuple, rows: list[dict]) -> int:
        """Rows no more than a row group holds, looked at together rather than one by one."""
        keys = set().union(*rows)
        if not _META.isdisjoint(keys):
            return self._add_each(head, rows)
        if not self.union.index.keys() >= keys:
            for row in rows:  # the new columns in first-seen order
                self.union.update(row)
        self._buffer.extend(rows)
        self._runs.append((head, len(rows)))
        if len(self._buffer) >= self.group_rows:
            self._flush()
        self.rows += len(rows)
        return len(rows)

    def _add_each(self, head: tuple, rows: Iterable[Mapping[str, Any]]) -> int:
        buffer, runs, union, group = self._buffer, self._runs, self.union, self.group_rows
        known = union.index.keys()
        written = pending = 0
        for row in rows:
            if not _META.isdisjoint(row):
                row = {trial_column_name(k): v for k, v in row.items()}
            if not known >= row.keys():
                union.update(row)
            buffer.append(row)
            pending += 1
            if len(buffer) >= group:
                runs.append((head, pending))
                written, pending = written + pending, 0
                self._flush()
        if pending:
            runs.append((head, pending))
            written += pending
        self.rows += written
        return written

    def _array(self, values: list, kind: int):
        pa = self.pa
        if kind == STRING:
            return pa.array([v if v is None or v.__class__ is str else _text(v) for v in values], pa.string())
        return pa.array(values, {NULL: pa.null(), BOOL: pa.bool_(), INT: pa.int64(), FLOAT: pa.float64()}[kind])

    def _type(self, kind: int):
        pa = self.pa
        return {NULL: pa.null(), BOOL: pa.bool_(), INT: pa.int64(), FLOAT: pa.float64(), STRING: pa.string()}[kind]

    def _flush(self) -> None:
        if not self._buffer:
            return
        rows = len(self._buffer)
        # Metadata cells: a column of each run's value, repeated by index (one `take`).
        at: list[int] = []
        for k, (_, count) in enumerate(self._runs):
            at += [k] * count
        at_array = self.pa.array(at, self.pa.int32())
        inferred = self._inferred()
        arrays = []
        for n, column in enumerate(self.union.index):
            if n < len(META_COLUMNS):
                array = self._column(column, [h[n] for h, _ in self._runs], empty=_meta_kind(column)).take(at_array)
            else:
                array = self._trial_column(column, inferred, rows)
            arrays.append(array)
        batch = self.pa.record_batch(arrays, names=list(self.union.index))
        if self._schema is None or not batch.schema.equals(self._schema):
            if self._writer is not None:
                self._writer.close()
            path = Path(self._spool.name) / f"{len(self._segments)}.parquet"
            self._segments.append(path)
            self._schema = batch.schema
            self._writer = self.pq.ParquetWriter(path, batch.schema)
        self._writer.write_batch(batch)
        self._buffer.clear()
        self._runs.clear()

    def _column(self, column: str, values: list, empty: int = NULL):
        """One column's array from its values, its type widened with the earlier groups'
        (`empty`: the type while every value is null)."""
        kind = _widen(self.kinds.get(column, NULL), _kind(values))
        if kind == NULL:
            kind = empty
        try:
            array = self._array(values, kind)
        except OverflowError:  # an integer beyond int64 stays exact as text
            kind = STRING
            array = self._array(values, kind)
        self.kinds[column] = kind
        return array

    def _trial_column(self, column: str, inferred: dict | None, rows: int):
        before = self.kinds.get(column, NULL)
        if inferred is not None:
            array = inferred.get(column)
            if array is None:  # in none of these rows
                return self.pa.nulls(rows, self._type(before))
            kind = self._kind_of.get(array.type)
            if kind is not None and _widen(before, kind) == kind:  # Arrow's type is the column's
                self.kinds[column] = kind
                return array
            if kind == NULL:
                return self.pa.nulls(rows, self._type(before))
        return self._column(column, [r.get(column) for r in self._buffer])

    def _inferred(self) -> dict | None:
        """The buffered rows' columns as Arrow reads the dicts, in one pass in C; None when
        a column mixes types (Arrow refuses them) and each column is made in Python."""
        pa = self.pa
        try:
            struct = pa.array(self._buffer)
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            return None
        if not pa.types.is_struct(struct.type):
            return None
        return {f.name: struct.field(i) for i, f in enumerate(struct.type)}

    def close(self) -> list[str]:
        """Writes the final file; returns its columns."""
        if self._closed:
            return self.header
        self._closed = True
        try:
            self._flush()
            if self._writer is not None:
                self._writer.close()
            self._write_final()
        finally:
            self._spool.cleanup()
        return self.header

    @property
    def header(self) -> list[str]:
        return list(self.union.index)

    def _write_final(self) -> None:
        pa = self.pa
        # With no rows at all the metadata columns are text.
        kinds = {c: self.kinds.get(c, STRING if not self.rows else NULL) for c in self.union.index}
        for c in _META.intersection(kinds):
            if kinds[c] == NULL:
                kinds[c] = _meta_kind(c)
        schema = pa.schema([(c, self._type(k)) for c, k in kinds.items()])
        if len(self._segments) == 1 and self._schema.equals(schema):
            self._copy(self._segments[0])  # every row group already as the file wants it
            return
        with self.pq.ParquetWriter(self.out, schema) as final:
            if not self._segments:
                final.write_table(schema.empty_table())
            for path in self._segments:
                for batch in self.pq.ParquetFile(path).iter_batches(batch_size=self.group_rows):
                    final.write_batch(self._conform(batch, kinds, schema))

    def _copy(self, spool: Path) -> None:
        if isinstance(self.out, (str, Path)):
            shutil.copyfile(spool, self.out)
            return
        with open(spool, "rb") as fh:
            shutil.copyfileobj(fh, self.out, 1 << 20)

    def _conform(self, batch, kinds: dict[str, int], schema):
        pa = self.pa
        arrays = []
        for column, kind in kinds.items():
            i = batch.schema.get_field_index(column)
            if i < 0:
                arrays.append(pa.nulls(batch.num_rows, self._type(kind)))
                continue
            array = batch.column(i)
            if kind == STRING and array.type != pa.string():
                array = self._array(array.to_pylist(), STRING)  # as the CSV writes numbers
            elif array.type != self._type(kind):
                array = array.cast(self._type(kind))
            arrays.append(array)
        return pa.record_batch(arrays, schema=schema)

    def __enter__(self) -> TrialParquetWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        elif not self._closed:
            self._closed = True
            if self._writer is not None:
                self._writer.close()
            self._spool.cleanup()

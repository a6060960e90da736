"""The trial table as CSV: RFC 4180 (`,`, CRLF, quotes where needed), UTF-8 without a
BOM, the result's metadata columns first, then the trials' columns in first-seen order.

Columns are learnt as rows go by, so one pass over the store is enough. Learnt columns
only ever grow at the end, so a row written early lacks only trailing cells: rows go to
a spool file in segments, one per column count, and `close` writes the header and then
each segment, copied as bytes when it already has every column, padded with empty cells
otherwise (read back record by record, never whole). Columns settle after the first
few component results, so nearly every byte is copied. A caller that knows the columns
(a first pass with `ColumnUnion`) passes them and the rows stream straight to `out`.

Cells: None is empty, true/false as JSON spells them, numbers as Python prints them
(shortest round-trip). Unless `raw`, a text cell that a spreadsheet would run as a
formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading apostrophe, as the metadata
CSV does (OWASP's CSV injection advice), except when it reads as a number (`-5`, `+1`),
so negative numbers from CSV data stay numbers.
"""

from __future__ import annotations

import csv
import io
import tempfile
from typing import Any, BinaryIO, Iterable, Mapping

from store.formats.trials.flatten import ColumnUnion

META_COLUMNS = (
    "result_id",
    "component_result_id",
    "component",
    "worker_id",
    "worker_type",
    "batch",
    "state",
    "start_time",
    "participant_id",
    "label",
)
_META = frozenset(META_COLUMNS)
_FORMULA_STARTS = frozenset("=+-@\t\r")
_FLUSH_AT = 1 << 18  # 256 KB of text: a StringIO holds up to 4 bytes a character
_BATCH = 1000  # rows put together before they are written (a large data's are never all held)


def trial_column_name(key: str) -> str:
    """A trial column named like a metadata column is written as `data.<name>`."""
    return f"data.{key}" if key in _META else key


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _may_hold_formulas(text: str) -> bool:
    """Whether a cell of these rows may start as a formula: False is sure (a "-" not at a
    cell's start, as in dates, is no formula), True means looking at each cell."""
    if "=" in text or "+" in text or "@" in text or "\t" in text:
        return True
    return "-" in text and (text[0] == "-" or ",-" in text or "\n-" in text or '"-' in text)


def _spell_booleans(batch: list[list]) -> None:
    for vals in batch:
        for i, v in enumerate(vals):
            if v.__class__ is bool:
                vals[i] = "true" if v else "false"


def _neutralise(batch: list[list]) -> None:
    for vals in batch:
        for i, v in enumerate(vals):
            if v.__class__ is str and v and v[0] in _FORMULA_STARTS and not _numeric(v):
                vals[i] = "'" + v


def cell(value: Any, raw: bool = False) -> Any:
    t = value.__class__
    if t is str:
        if not raw and value and value[0] in _FORMULA_STARTS and not _numeric(value):
            return "'" + value
        return value
    if t is bool:
        return "true" if value else "false"
    return value


class TrialCsvWriter:
    """`add(meta, rows)` for each component result, then `close()` (or use `with`).
    `columns`: the trial columns as the rows name them (learn_columns' list), written
    straight to `out`, a row with another column being an error; None learns them and
    spools (in `spool_dir`) until `close`."""

    def __init__(
        self,
        out: BinaryIO,
        columns: Iterable[str] | None = None,
        spool_dir: str | None = None,
        raw: bool = False,
    ):
        self.out = out
        self.raw = raw
        self.fixed = columns is not None
        self.union = ColumnUnion(columns or ())
        self.rows = 0
        self._text = io.StringIO()
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        self._part = io.StringIO()  # one component result's rows, before their prefix
        self._part_csv = csv.writer(self._part, lineterminator="\r\n")
        self._plans: dict[tuple, list[int] | tuple] = {}  # a row's keys -> their columns (() in order)
        self._closed = False
        if self.fixed:
            self._sink = out
            self._csv.writerow(self.header)
        else:
            self._sink = tempfile.TemporaryFile(dir=spool_dir)
            self._spooled = 0
            self._segments: list[tuple[int, int]] = [(0, 0)]  # (first byte, trial columns)

    @property
    def header(self) -> list[str]:
        return [*META_COLUMNS, *map(trial_column_name, self.union.index)]

    def add(self, meta: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> int:
        """The rows of one component result, each after `meta`'s cells (the keys of
        META_COLUMNS; a missing one is empty). Returns how many rows were written.

        The metadata cells are made CSV once, and a component result's rows are written
        together and each line prefixed with them (_emit): most of the time a row is
        its values in the columns' order, put in a list without a look-up a value."""
        raw = self.raw
        head = [cell(meta.get(c), raw) for c in META_COLUMNS]
        self._part_csv.writerow(head)
        prefix = self._part.getvalue()[:-2] + ","
        self._clear_part()
        index = self.union.index
        plans = self._plans
        plain = getattr(rows, "plain", False)  # (reading.Trials: booleans may be spelt in the text)
        batch: list[list] = []
        written = 0
        for row in rows:
            keys = tuple(row)
            plan = plans.get(keys)
            if plan is None:
                if not index.keys() >= row.keys():
                    self._emit(prefix, head, batch, plain)  # rows before a new column: its segment
                    batch = []
                    for k in keys:
                        if k not in index:
                            self._new_column(k)
                positions = [index[k] for k in keys]
                plan = plans[keys] = () if positions == list(range(len(keys))) else positions
            width = len(index)
            if not plan:  # the row's columns are the first ones, in order
                if plain:
                    vals = [*row.values()]
                else:
                    vals = [v if v.__class__ is not bool else ("true" if v else "false") for v in row.values()]
                if len(vals) < width:
                    vals.extend([None] * (width - len(vals)))
            else:
                vals = [None] * width
                for i, v in zip(plan, row.values()):
                    vals[i] = v if v.__class__ is not bool else ("true" if v else "false")
            batch.append(vals)
            written += 1
            if len(batch) >= _BATCH:
                self._emit(prefix, head, batch, plain)
                batch = []
        self._emit(prefix, head, batch, plain)
        self.rows += written
        return written

    def _emit(self, prefix: str, head: list, batch: list[list], plain: bool) -> None:
        """Writes rows whose booleans are spelt, or (`plain`) are spelt in the text; cells
        that may run as formulas are neutralised here, unless `raw` (looked for in the
        rows' text, a batch at a time)."""
        if not batch:
            return
        neutral = self.raw
        if len(batch[0]) >= 2:  # (a row of one empty cell is written as "")
            text = self._rows_text(batch, plain)
            if not neutral and _may_hold_formulas(text):
                _neutralise(batch)
                neutral = True
                text = self._rows_text(batch, plain)
            # Each line break ends a row (no cell holds one): every line gets the prefix.
            n = len(batch)
            if text.count("\n") == n and text.count("\r") == n:
                self._text.write(prefix + text[:-2].replace("\r\n", "\r\n" + prefix) + "\r\n")
                batch = ()
        if batch and plain:
            _spell_booleans(batch)
        if batch and not neutral:
            _neutralise(batch)
        writerow = self._csv.writerow
        for vals in batch:
            writerow(head + vals)
        if self._text.tell() > _FLUSH_AT:
            self._flush()

    def _rows_text(self, batch: list[list], plain: bool) -> str:
        self._part_csv.writerows(batch)
        text = self._part.getvalue()
        self._clear_part()
        if plain:  # Python spelt the booleans: no other text holds these words (reading.Trials)
            text = text.replace("True", "true").replace("False", "false")
        return text

    def _clear_part(self) -> None:
        self._part.seek(0)
        self._part.truncate()

    def _new_column(self, key: str) -> int:
        if self.fixed:
            raise ValueError(f"the trial column {key!r} is not among the columns given")
        self._flush()  # the row being built starts the next segment
        i = self.union.add(key)
        if self._segments[-1][0] == self._spooled:
            self._segments[-1] = (self._spooled, len(self.union))
        else:
            self._segments.append((self._spooled, len(self.union)))
        return i

    def _flush(self) -> None:
        data = self._text.getvalue().encode("utf-8", "surrogatepass")
        if data:
            self._sink.write(data)
            if not self.fixed:
                self._spooled += len(data)
            self._text.seek(0)
            self._text.truncate()

    def close(self) -> list[str]:
        """Writes what is left (the header and the spool when learning); the header."""
        if self._closed:
            return self.header
        self._closed = True
        self._flush()
        if not self.fixed:
            try:
                self._csv.writerow(self.header)
                self.out.write(self._text.getvalue().encode("utf-8", "surrogatepass"))
                self._text.seek(0)
                self._text.truncate()
                self._copy_spool()
            finally:
                self._sink.close()
        return self.header

    def _copy_spool(self) -> None:
        width = len(self.union)
        spool = self._sink
        ends = [start for start, _ in self._segments[1:]] + [self._spooled]
        for (start, ncols), end in zip(self._segments, ends):
            spool.seek(start)
            if ncols == width:
                left = end - start
                while left > 0:
                    chunk = spool.read(min(left, 1 << 20))
                    self.out.write(chunk)
                    left -= len(chunk)
                continue
            pad = [""] * (width - ncols)
            for record in csv.reader(_lines(spool, end - start)):
                self._csv.writerow(record + pad)
                if self._text.tell() > _FLUSH_AT:
                    self.out.write(self._text.getvalue().encode("utf-8", "surrogatepass"))
                    self._text.seek(0)
                    self._text.truncate()
            self.out.write(self._text.getvalue().encode("utf-8", "surrogatepass"))
            self._text.seek(0)
            self._text.truncate()

    def __enter__(self) -> TrialCsvWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        elif not self.fixed and not self._closed:
            self._closed = True
            self._sink.close()


def _lines(spool: BinaryIO, size: int):
    """The spool's next `size` bytes as text lines (a `\\n` never splits a UTF-8
    sequence); csv.reader joins the lines of a quoted cell again."""
    while size > 0:
        line = spool.readline(size)
        if not line:
            return
        size -= len(line)
        yield line.decode("utf-8", "surrogatepass")

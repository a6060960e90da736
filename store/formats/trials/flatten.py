"""Nested trial objects as flat rows, and the union of the rows' columns.

Objects nest into `parent.child` columns; an empty object gives no column (it holds no
value). Arrays stay one cell: their compact JSON text (`[1,2,3]`, `[{"a":1}]`), since
spreading them into `name.0`, `name.1`… gives every trial its own columns (jsPsych's
`view_history`, mouse tracks) and a cell of JSON is what R's and pandas's JSON readers
take back. Scalars keep their JSON type (None, bool, int, float, str) for the writers.
A literal key `a.b` and a nested `{"a":{"b":…}}` meet in one column; the later wins.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=True).encode


def flatten(obj: dict) -> dict[str, Any]:
    # Most trials are flat: one pass over the values finds out, and the dict is kept.
    for v in obj.values():
        if type(v) is dict or type(v) is list:
            break
    else:
        return obj
    out: dict[str, Any] = {}
    _into(out, obj, "")
    return out


def _into(out: dict, obj: dict, prefix: str) -> None:
    for k, v in obj.items():
        t = type(v)
        if t is dict:
            _into(out, v, f"{prefix}{k}.")
        elif t is list:
            out[prefix + k] = _dumps(v)
        else:
            out[prefix + k] = v


def with_context(row: dict, context: dict | None) -> dict:
    """A trial of an envelope with the envelope's other members after its own columns;
    the trial's own value wins where both have a column."""
    if not context:
        return row
    out = dict(row)
    for k, v in context.items():
        if k not in out:
            out[k] = v
    return out


class ColumnUnion:
    """Columns in first-seen order across rows, each row's keys looked at once: the
    writers learn the table's columns with it as the rows go by."""

    def __init__(self, columns: Iterable[str] = ()):
        self.index: dict[str, int] = {}
        for c in columns:
            self.add(c)

    def add(self, column: str) -> int:
        i = self.index.get(column)
        if i is None:
            i = self.index[column] = len(self.index)
        return i

    def update(self, row: dict) -> None:
        if not self.index.keys() >= row.keys():
            for k in row:
                self.add(k)

    @property
    def columns(self) -> list[str]:
        return list(self.index)

    def __len__(self) -> int:
        return len(self.index)

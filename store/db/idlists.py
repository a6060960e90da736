"""Conditions on long lists of ids, fast on every backend.

SQLite gets one JSON array parameter (`IN (SELECT value FROM json_each(?))`): no limit
on the number of ids and no SQL text that grows with them. Other backends get plain
`IN (...)` lists in chunks.
"""

from __future__ import annotations

import json
from typing import Iterable, Iterator

from peewee import SQL, NodeList

from store.db.sqlite import is_sqlite


def _is_sqlite(field) -> bool:
    return is_sqlite(field.model._meta.database)


def id_in(field, ids: Iterable[int]):
    ids = list(ids)
    if _is_sqlite(field):
        return NodeList((field, SQL("IN (SELECT value FROM json_each(?))", [json.dumps(ids)])))
    return field.in_(ids)


def chunks(field, ids: Iterable[int]) -> Iterator[list[int]]:
    """Id lists sized for one query on this backend."""
    size = 50_000 if _is_sqlite(field) else 1_000
    ids = ids if isinstance(ids, (list, tuple)) else list(ids)
    for at in range(0, len(ids), size):  # slices: peewee.chunked walks item by item
        yield list(ids[at : at + size])

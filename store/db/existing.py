"""Which of some result ids are still in the store (another process may have deleted some).

A page holds ids it once read: a selection, the rows it shows. Before it counts them for a
dialog, or acts on them, it asks here which still exist.
"""

from __future__ import annotations

from collections.abc import Iterable

from store.db.idlists import chunks, id_in
from store.db.models import ComponentResult, StudyResult


def existing_ids(level: str, ids: Iterable[int]) -> list[int]:
    """Those of these study results (level "study") or component results (level "component")
    that are still in the store, ascending."""
    model = ComponentResult if level == "component" else StudyResult
    found: list[int] = []
    for chunk in chunks(model.id, sorted(set(ids))):
        found.extend(r[0] for r in model.select(model.id).where(id_in(model.id, chunk)).tuples())
    return sorted(found)

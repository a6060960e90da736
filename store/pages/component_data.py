"""One component result's data and files, as the data viewer shows them, and the data a page copies."""

from __future__ import annotations

from dataclasses import dataclass

import peewee
from peewee import fn

from store.db.models import ComponentResult
from store.errors import StoreError
from store.exporting.data_text import iter_data
from store.formats.jatos_values import human_size
from store.pages.rows import files_of
from store.pages.selection import component_ids_of


@dataclass(frozen=True)
class ComponentData:
    id: int
    title: str  # the viewer's heading: ids, component, state and size
    data: str | None
    files: list[tuple[str, int]]  # (file name, size), in upload order


def component_data(component_result_id: int) -> ComponentData:
    """One component result's data and files (SQL: in a worker)."""
    cr = ComponentResult.get_or_none(ComponentResult.id == component_result_id)
    if cr is None:  # deleted by another process since the page last looked
        raise StoreError(f"component result {component_result_id} is no longer in the store")
    title = (
        f"Component result {cr.id} · {cr.component.display_title} · study result {cr.study_result_id} · "
        f"{cr.state} · {human_size(cr.data_size)}"
    )
    return ComponentData(cr.id, title, cr.data, files_of([cr.id]).get(cr.id, []))


def data_text(component_result_ids: list[int] | None = None, study_result_ids: list[int] | None = None) -> str:
    """The data of these component results (or of the study results' ones), each followed by
    a line break, none for those without data: what a page copies (SQL: in a worker)."""
    ids = list(component_result_ids or []) + (component_ids_of(study_result_ids) if study_result_ids else [])
    return b"".join(d + b"\n" for _, d in iter_data(ids) if d is not None).decode("utf-8")


def data_previews(cr_ids: list[int], max_lines: int = 3, max_chars: int = 400) -> dict[int, list[str]]:
    """The first lines of each component result's data (JATOS shows a short preview)."""
    out: dict[int, list[str]] = {}
    for chunk in peewee.chunked(cr_ids, 200):
        q = ComponentResult.select(ComponentResult.id, fn.SUBSTR(ComponentResult.data, 1, max_chars * max_lines)).where(
            ComponentResult.id.in_(chunk)
        )
        for cid, head in q.tuples():
            if head is None:
                continue
            if head == "":
                out[cid] = ["(empty)"]
                continue
            lines = head.split("\n")
            shown = [ln[:max_chars] for ln in lines[:max_lines]]
            if len(lines) > max_lines or len(head) >= max_chars * max_lines:
                shown[-1] = shown[-1] + " …"
            out[cid] = shown
    return out

"""One study result in full, as the detail view (`i`) shows it: every column's text unabridged
(the table cuts what does not fit), every URL query parameter, the message, the label and
note with who set them, and its component results with their sizes and states."""

from __future__ import annotations

import json
from dataclasses import dataclass

from store.columns import STUDY_COLUMNS
from store.db.models import ComponentResult
from store.errors import StoreError
from store.labels import LabelRecord, labels_of
from store.pages.rows import ComponentRow, StudyRow, component_rows, study_rows


@dataclass(frozen=True)
class ResultDetail:
    row: StudyRow
    fields: list[tuple[str, str]]  # (column title, its text), in the registry's order
    parameters: list[tuple[str, str]]  # URL query parameters as JATOS keeps them
    label: LabelRecord | None
    components: list[ComponentRow]


def _parameters(text: str | None) -> list[tuple[str, str]]:
    try:
        params = json.loads(text) if text else {}
    except ValueError:
        return [("(unreadable)", text or "")]
    if not isinstance(params, dict):
        return [("(unreadable)", text or "")]
    return [(str(k), ", ".join(map(str, v)) if isinstance(v, list) else str(v)) for k, v in params.items()]


def detail(study_result_id: int) -> ResultDetail:
    """(SQL: in a worker.) A result another process deleted is one line, a StoreError."""
    rows = study_rows([study_result_id])
    if not rows:
        raise StoreError(f"study result {study_result_id} is no longer in the store")
    row = rows[0]
    fields = [("Study", f"{row.study_title} (ID {row.study_id})")]
    for c in STUDY_COLUMNS:
        if c.key in ("label", "note"):
            continue  # a section of their own, with who and when
        text = c.render(row)
        if c.key == "files":  # an icon in JATOS, no text: said in words here
            text = "yes" if row.has_files else "no"
        elif c.key == "participant" and (row.participant_runs or 0) > 1:
            text += f" (took part {row.participant_runs} times in this study)"
        fields.append((c.title, text))
    if row.worker_comment:
        fields.append(("Worker comment", row.worker_comment))
    q = ComponentResult.select(ComponentResult.id).where(ComponentResult.study_result == study_result_id)
    components = component_rows(sorted(r[0] for r in q.tuples()))
    return ResultDetail(
        row, fields, _parameters(row.url_query_parameters), labels_of([row.id]).get(row.id), components
    )

"""Which study results a health report covers: one study, narrowed as a selection narrows
(a batch, a group, a worker, ids, a filter, labels left out), as the page or command names it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from store.db.idlists import id_in
from store.db.models import Batch, GroupResult, Study, StudyResult
from store.errors import StoreError
from store.pages.selection import Selection


@dataclass(frozen=True)
class Scope:
    study: int
    title: str
    conditions: tuple  # on StudyResult, for every query of the report
    narrowed: str  # how the selection narrows the study ("" for all of its results)
    whole: bool  # all of the study's results: its components' results need not look up their runs


def scope_of(selection: Selection) -> Scope:
    """The study and conditions of a selection of study results (one line if it is not one)."""
    if selection.level != "study":
        raise StoreError(
            "study health is about study results: give --study (and --batch, --group, --worker, --ids or "
            "--filter to narrow it), not a component"
        )
    selection.check_scope()
    study = selection.study if selection.study is not None else _study_of(selection)
    if study is None:
        raise StoreError("say which study: --study ID")
    title = Study.select(Study.title).where(Study.id == study).scalar()
    if title is None:
        raise StoreError(f"there is no study with id {study} in the store")
    narrowing = dataclasses.replace(selection, study=None).where()  # batch, group, worker, labels
    if selection.search_filter() is not None or selection.study_result_ids is not None:
        # The filter's engine answers them (as for every command); the report counts in SQL.
        narrowing.append(id_in(StudyResult.id, selection.row_ids()))
    conditions = (StudyResult.study == study, *narrowing)
    return Scope(study, title, conditions, _narrowed(selection), not narrowing)


def _study_of(selection: Selection) -> int | None:
    """A batch or a group names its study."""
    if selection.batch is not None:
        return Batch.select(Batch.study).where(Batch.id == selection.batch).scalar()
    if selection.group is not None:
        batch = GroupResult.select(GroupResult.batch).where(GroupResult.id == selection.group).scalar()
        return Batch.select(Batch.study).where(Batch.id == batch).scalar() if batch is not None else None
    return None


def _narrowed(selection: Selection) -> str:
    parts = [f"{what} {value}" for what, value in (
        ("batch", selection.batch), ("group", selection.group), ("worker", selection.worker),
    ) if value is not None]
    if selection.study_result_ids is not None:
        parts.append(f"{len(set(selection.study_result_ids))} ids")
    f = selection.search_filter()
    if f is not None:
        mode = [m for m, on in (("RegEx", f.regex), ("Aa", f.case_sensitive)) if on]
        parts.append(f"filter {f.text!r}" + (f" ({', '.join(mode)})" if mode else ""))
    if selection.exclude_labels:
        parts.append("without labels " + ", ".join(selection.exclude_labels))
    if selection.exclude_test_runs:
        parts.append("test runs left out")
    return "; ".join(parts)

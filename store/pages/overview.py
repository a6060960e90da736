"""What the store holds, per study: the home screen's list and the command line's `studies`."""

from __future__ import annotations

from typing import NamedTuple

from peewee import fn

from store.db.models import Batch, Component, GroupResult, Study, StudyResult


class StudyOverview(NamedTuple):
    id: int
    title: str
    study_results: int
    last_activity: int | None  # epoch ms: the newest start, end or last-seen time


def studies() -> list[StudyOverview]:
    counts = dict(
        StudyResult.select(StudyResult.study, fn.COUNT(StudyResult.id)).group_by(StudyResult.study).tuples()
    )
    last = {}
    for col in (StudyResult.start_date, StudyResult.end_date, StudyResult.last_seen_date):
        for sid, value in StudyResult.select(StudyResult.study, fn.MAX(col)).group_by(StudyResult.study).tuples():
            if value is not None and (last.get(sid) is None or value > last[sid]):
                last[sid] = value
    return [
        StudyOverview(s.id, s.title, counts.get(s.id, 0), last.get(s.id))
        for s in Study.select().order_by(Study.id)
    ]


def components_of(study_id: int) -> list[tuple[int, str]]:
    """The study's components to choose a page from: (id, "title (id)"), in study order."""
    comps = Component.select().where(Component.study == study_id).order_by(Component.position, Component.id)
    return [(c.id, f"{c.display_title} ({c.id})") for c in comps]


def batches_of(study_id: int) -> list[tuple[int, str]]:
    """The study's batches to choose a page from: (id, "title (id)")."""
    return [(b.id, f"{b.title} ({b.id})") for b in Batch.select().where(Batch.study == study_id).order_by(Batch.id)]


def groups_of(study_id: int) -> list[tuple[int, str]]:
    """The groups the study's results ran in, to choose a page from: (id, "Group id")."""
    groups = (
        GroupResult.select(GroupResult.id)
        .join(StudyResult, on=(StudyResult.group == GroupResult.id))
        .where(StudyResult.study == study_id)
        .distinct()
        .order_by(GroupResult.id)
    )
    return [(g.id, f"Group {g.id}") for g in groups]

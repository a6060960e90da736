"""What the store holds, per study: the home screen's list and the command line's `studies`."""

from __future__ import annotations

from typing import NamedTuple

from peewee import fn

from store.db.models import Study, StudyResult


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

"""Component titles from study archives (.jzip): attached to the components the store has,
and kept by UUID for components not imported yet."""

from __future__ import annotations

import peewee

from store.db.models import Component, ComponentResult, ComponentTitle, Study, StudyResult


def title_targets(study: dict) -> tuple[list[int], list[int]]:
    """Rows whose search text a study archive's titles change."""
    uuids = [c["uuid"] for c in study["components"]]
    crs: list[int] = []
    for chunk in peewee.chunked(uuids, 500):
        q = ComponentResult.select(ComponentResult.id).join(Component).where(Component.uuid.in_(chunk)).tuples()
        crs.extend(r[0] for r in q)
    srs: list[int] = []
    if study.get("uuid"):
        q = StudyResult.select(StudyResult.id).join(Study).where(Study.uuid == study["uuid"]).tuples()
        srs = [r[0] for r in q]
    return crs, srs


def attach_titles(study: dict, summary) -> None:
    # One row a UUID (the last, as a replace would leave it): an upsert may not meet its row twice.
    rows = list({c["uuid"]: {"uuid": c["uuid"], "title": c["title"], "position": c["position"]}
                 for c in study["components"]}.values())
    for chunk in peewee.chunked(rows, 200):
        ComponentTitle.insert_many(chunk).on_conflict(
            conflict_target=[ComponentTitle.uuid], preserve=[ComponentTitle.title, ComponentTitle.position]
        ).execute()
    for c in study["components"]:
        n = Component.update(title=c["title"], position=c["position"]).where(Component.uuid == c["uuid"]).execute()
        if n:
            summary.titles += n
        else:
            summary.titles_kept += 1
    if study.get("uuid") and study.get("title"):
        Study.update(title=study["title"]).where(Study.uuid == study["uuid"]).execute()

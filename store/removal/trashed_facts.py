"""What a filter's field terms read of a result in the trash (store/search/fields.py `Facts`),
so that erase decides `state:FINISHED` or `type:Jatos` on trashed rows as the engine's SQL
decides it on live ones.

The trash keeps a result's own rows (store/removal/trash.py): the study result and its
component results, with their files. The names they point to stay in the tables while the
trash points to them (worker, batch, study, component, label), and are looked up there. A
component result trashed on its own is judged with its study result as it is in the store;
if that is gone too, nothing is known of it and it matches no field term (erase then leaves
it in the trash: it erases less, never more).
"""

from __future__ import annotations

from store.db.models import Batch, Component, ResultLabel, Study, StudyResult, Worker
from store.search.fields import Facts


def _title(model, ident) -> str | None:
    if ident is None:
        return None
    return model.select(model.title).where(model.id == ident).scalar()


def trashed_facts(level: str, rows: dict) -> Facts | None:
    """The facts of a trash entry's rows at this level (None: its study result is unknown)."""
    crs = rows["component_results"]
    sr = rows["study_result"]
    if sr is None:
        live = StudyResult.select().where(StudyResult.id == crs[0]["study_result"]).dicts().first()
        if live is None:
            return None
        sr = live
    if level == "component":
        crs = crs[:1]  # a component-level entry holds its one component result
    files = {f["component_result"] for f in rows.get("files", [])}
    if level == "study":
        own, start, end = sr, sr["start_date"], sr["end_date"]
        seen = end if end is not None else sr["last_seen_date"]
        duration = seen - start if seen is not None and start is not None else None
    else:
        own, start, end = crs[0], crs[0]["start_date"], crs[0]["end_date"]
        duration = end - start if end is not None and start is not None else None
    return Facts(
        id=own["id"], study=sr["study"], study_title=_title(Study, sr["study"]),
        batch=sr["batch"], batch_title=_title(Batch, sr["batch"]), group=sr["group"], worker=sr["worker"],
        worker_type=Worker.select(Worker.worker_type).where(Worker.id == sr["worker"]).scalar() or "",
        state=own["state"], start=start, end=end, duration=duration,
        data_size=sum(c["data_size"] or 0 for c in crs), has_files=any(c["id"] in files for c in crs),
        label=ResultLabel.select(ResultLabel.label).where(ResultLabel.study_result == sr["id"]).scalar(),
        components=tuple((c["component"], _title(Component, c["component"])) for c in crs), study_row=dict(sr),
    )

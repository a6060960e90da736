from store.db.models import Component, ComponentResult, GroupResult, ResultFile, Study, StudyResult, Worker
from store.demo import ensure_demo
from store.formats.jatos_values import COMPONENT_STATES, STUDY_STATES, WORKER_TYPES


def test_demo_has_everything_a_researcher_meets(store):
    assert ensure_demo(store, now_ms=1_764_000_000_000) is True
    assert ensure_demo(store) is False  # once
    assert Study.select().count() >= 4
    assert {w.worker_type for w in Worker.select()} == set(WORKER_TYPES)
    assert {r.state for r in StudyResult.select()} == set(STUDY_STATES)
    assert {r.state for r in ComponentResult.select()} >= set(COMPONENT_STATES) - {"RESULTDATA_POSTED"}
    assert GroupResult.select().count() >= 2
    assert ComponentResult.select().where(ComponentResult.data.is_null()).exists()
    assert ComponentResult.select().where(ComponentResult.data == "").exists()
    assert ComponentResult.select().where(ComponentResult.data.contains("\n")).exists()
    assert ResultFile.select().count() >= 2
    assert all(c.title for c in Component.select())
    running = StudyResult.select().where(StudyResult.end_date.is_null() & StudyResult.last_seen_date.is_null(False))
    assert any(1_764_000_000_000 - r.last_seen_date < 120_000 for r in running)
    for f in ResultFile.select():
        cr = f.component_result
        assert (store.files_root / f"study-result_{cr.study_result_id}" / f"comp-result_{cr.id}" / f.filename).is_file()

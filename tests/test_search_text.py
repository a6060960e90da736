"""The stored search text is the row as the page shows it, for every row, whatever wrote it:
recomputed from the store and compared with what is stored."""

from __future__ import annotations

import json

import pytest
from peewee import fn

from store.db.models import ComponentResult, StudyResult, Worker
from store.demo import ensure_demo
from store.importing.importer import import_paths
from store.pages.rows import component_rows, study_rows
from store.search.text import component_row_text, study_row_text

import jatos_fixtures as fx
from conftest import ON_POSTGRES, index_is_consistent, run_cli


def stale_texts() -> list[tuple[str, int, str, str]]:
    """(level, id, stored, recomputed) of every row whose stored text is not its rendering."""
    stale = []
    for level, model, rows_of, render in (
        ("study", StudyResult, study_rows, study_row_text),
        ("component", ComponentResult, component_rows, component_row_text),
    ):
        stored = dict(model.select(model.id, model.search_text).tuples())
        assert stored, f"no {level} results to check"
        for row in rows_of(sorted(stored)):
            text = render(row)
            if stored[row.id] != text:
                stale.append((level, row.id, stored[row.id], text))
    return stale


def test_the_demo_stores_each_rows_text(store):
    ensure_demo(store, now_ms=1_764_000_000_000)
    assert stale_texts() == []
    # The demo's MTurk workers' ids are in the text the filter searches, as in their column.
    q = StudyResult.select(StudyResult.search_text, Worker.mt_worker_id).join(Worker).where(Worker.mt_worker_id.is_null(False))
    runs = list(q.tuples())
    assert runs and all(mt in text for text, mt in runs)


def test_imports_of_every_kind_store_each_rows_text(store, db_path, tmp_path):
    import_paths(store, [fx.metadata_json(tmp_path)])
    assert stale_texts() == []
    import_paths(store, [fx.data_zip(tmp_path)])
    assert stale_texts() == []
    import_paths(store, [fx.files_zip(tmp_path)])
    assert stale_texts() == []
    import_paths(store, [fx.study_archive(tmp_path)])
    assert stale_texts() == []
    # Data that has grown since (its size is in the text).
    longer = fx.write_zip(tmp_path / "longer.zip", [("study_result_101/comp-result_301/data.txt", fx.DATA[301] + b" and more")])
    import_paths(store, [longer])
    assert stale_texts() == []
    # A later export without the uploaded file: its row still shows the file it has here.
    doc = fx.metadata_doc()
    doc["data"][0]["studyResults"][0].update(lastSeenDate=1714557956000)
    no_files = [(n, p) for n, p in fx.ENTRIES if "/files/" not in n]
    later = fx.write_zip(tmp_path / "later.zip", no_files + [("metadata.json", json.dumps(doc).encode())])
    import_paths(store, [later])
    assert stale_texts() == []
    # A newer export of the same study: the run finishes, its data arrives, and one
    # worker's comment changes, which rows of other runs show too.
    doc = fx.metadata_doc()
    first, second = doc["data"][0]["studyResults"]
    second.update(studyState="FINISHED", endDate=1714560900000, lastSeenDate=1714560900000, workerId=57)
    second["comment"] = "P-001 again"
    second["componentResults"][0].update(componentState="FINISHED", endDate=1714560900000, data={"size": 5})
    newer = fx.write_zip(
        tmp_path / "newer.zip",
        fx.ENTRIES + [("study_result_102/comp-result_303/data.txt", b"hello"), ("metadata.json", json.dumps(doc).encode())],
    )
    import_paths(store, [newer])
    assert stale_texts() == []
    assert index_is_consistent(db_path)  # and the rows rendered again were indexed again


def test_the_fixture_archive_stores_each_rows_text(store, tmp_path):
    import_paths(store, [fx.results_archive(tmp_path), fx.study_archive(tmp_path)])
    assert stale_texts() == []


def test_the_real_exports_store_each_rows_text(store, realdata):
    from test_import import REAL

    for name in REAL:
        import_paths(store, [realdata / name])
        assert stale_texts() == [], name
    import_paths(store, [realdata / "stonesitter/jatos_results_data_test_test.zip", realdata / "visionlabels/srtdemo.zip"])
    assert stale_texts() == []


def test_a_restore_stores_each_rows_text(store, db_path, tmp_path):
    """A restore writes rows back from the trash; titles attached since show in them."""
    from store.removal import trash
    from store.removal.delete import delete_ids

    import_paths(store, [fx.results_archive(tmp_path)])
    delete_ids(store, "study", [101])
    delete_ids(store, "component", [303])
    import_paths(store, [fx.study_archive(tmp_path)])
    trash.restore(store)
    assert stale_texts() == []
    assert index_is_consistent(db_path)


def test_texts_an_older_version_wrote_are_rewritten_once_when_the_store_opens(db_path, tmp_path):
    from store import Selection, StoreError, init_store, open_store
    from store.db.database import SEARCH_TEXT_FORM
    from store.db.models import StoreSetting
    from store.search.text import FORM

    s = open_store(db_path)
    import_paths(s, [fx.results_archive(tmp_path), fx.study_archive(tmp_path)])
    with s.write():  # as the last version wrote them: cells joined by spaces, no form said
        for model in (StudyResult, ComponentResult):
            model.update(search_text=fn.REPLACE(model.search_text, "\n", " ")).execute()
        StoreSetting.delete().where(StoreSetting.key == SEARCH_TEXT_FORM).execute()
    assert len(stale_texts()) == 5
    assert Selection(study_result_ids=[101, 102], filter="^101$", regex=True).row_ids() == []
    s.close()

    if ON_POSTGRES:  # a server's tables are an administrator's to bring up to date
        with pytest.raises(StoreError, match="init-db"):
            open_store(db_path)
        init_store(db_path).close()
    else:  # the command line says why opening takes long, this once
        r = run_cli("studies")
        assert r.returncode == 0 and "Stroop Task" in r.stdout
        assert r.stderr.splitlines() == [
            "jatos-results: this version writes the filter's text of each result another way: rewriting 5 (once)…"
        ]
        assert run_cli("studies").stderr == ""
    s = open_store(db_path)
    try:
        assert stale_texts() == []
        assert StoreSetting.get(StoreSetting.key == SEARCH_TEXT_FORM).value == FORM
        assert Selection(study_result_ids=[101, 102], filter="^101$", regex=True).row_ids() == [101]
        assert Selection(study_result_ids=[101, 102], filter="Stroop").row_ids() == [101, 102]
    finally:
        s.close()
    assert index_is_consistent(db_path)


def test_a_store_older_still_without_the_participant_column_opens_and_is_rewritten(db_path, tmp_path):
    """The texts are rendered from rows with every column: they are rewritten after the
    columns an older store lacks are added (found in review: it could not be opened)."""
    from store import Selection, init_store, open_store
    from store.db.database import PARTICIPANT, SEARCH_TEXT_FORM
    from store.db.models import StoreSetting

    s = open_store(db_path)
    import_paths(s, [fx.results_archive(tmp_path), fx.study_archive(tmp_path)])
    with s.write():
        s.db.execute_sql('DROP INDEX "study_result_participant_study"').close()
        s.db.execute_sql(f'ALTER TABLE "study_result" DROP COLUMN {PARTICIPANT}').close()
        StoreSetting.delete().where(StoreSetting.key == SEARCH_TEXT_FORM).execute()
    s.close()
    s = init_store(db_path) if ON_POSTGRES else open_store(db_path)
    try:
        assert stale_texts() == []
        assert Selection(study_result_ids=[101, 102], filter="^101$", regex=True).row_ids() == [101]
    finally:
        s.close()


def test_a_long_rewrite_says_how_far_it_has_got(db_path, tmp_path, monkeypatch, caplog):
    import logging

    from store import init_store, open_store
    from store.db import database
    from store.db.models import StoreSetting

    s = open_store(db_path)
    import_paths(s, [fx.results_archive(tmp_path), fx.study_archive(tmp_path)])
    with s.write():
        StoreSetting.delete().where(StoreSetting.key == database.SEARCH_TEXT_FORM).execute()
    s.close()
    monkeypatch.setattr(database, "REWRITE_SAID_EVERY", 0.0)  # a line a chunk, the last one aside
    with caplog.at_level(logging.INFO, logger="store"):
        (init_store(db_path) if ON_POSTGRES else open_store(db_path)).close()
    assert [r.getMessage() for r in caplog.records if r.name == "store.db.database"] == [
        "this version writes the filter's text of each result another way: rewriting 5 (once)…",
        "rewritten 2 of 5",
    ]

"""The store on a PostgreSQL server: set JATOS_RESULTS_TEST_PG to a database URL to run
(e.g. postgresql://postgres@127.0.0.1:55432/jr); skipped otherwise."""

from __future__ import annotations

import os

import pytest

from store import Selection, open_store
from store.db.models import ALL_MODELS, StudyResult
from store.exporting.export import export
from store.importing.importer import import_paths
from store.removal.delete import delete

import jatos_fixtures as fx

URL = os.environ.get("JATOS_RESULTS_TEST_PG")
pytestmark = pytest.mark.skipif(not URL, reason="no PostgreSQL server given (JATOS_RESULTS_TEST_PG)")


def test_import_filter_export_delete_on_postgres(tmp_path, monkeypatch):
    monkeypatch.setenv("JATOS_RESULTS_FILES", str(tmp_path / "files"))
    store = open_store(URL)
    try:
        store.db.drop_tables(ALL_MODELS, cascade=True)
        store.db.create_tables(ALL_MODELS)
        import_paths(store, [fx.results_archive(tmp_path)])
        assert Selection(filter="personal").row_ids() == [101]
        assert Selection(filter='"rt":611').row_ids() == [101]
        export(store, "archive", Selection(), tmp_path / "a.zip")
        import zipfile

        with zipfile.ZipFile(tmp_path / "a.zip") as zf:
            assert zf.read("metadata.json") == fx.METADATA_310.encode()
        delete(store, Selection(study_result_ids=[101]))
        assert [r.id for r in StudyResult.select()] == [102]
    finally:
        store.db.drop_tables(ALL_MODELS, cascade=True)
        store.close()


def test_every_export_is_byte_identical_to_sqlites(tmp_path):
    """The same archives in an SQLite store and a PostgreSQL one: every kind of export,
    of everything and of a filtered selection, is the same bytes."""
    from store.exporting.export import KINDS

    import pg_backend

    def exports(target, name) -> dict:
        out = {}
        with open_store(target) as store:
            import_paths(store, [fx.results_archive(tmp_path), fx.study_archive(tmp_path)])
            for kind in KINDS:
                if kind == "file":
                    continue  # one uploaded file, copied as it is: no format of ours
                for label, selection in (("all", Selection()), ("filtered", Selection(filter="personal"))):
                    path = tmp_path / f"{name}-{kind}-{label}"
                    export(store, kind, selection, path)
                    out[kind, label] = path.read_bytes()
        return out

    on_sqlite = exports(tmp_path / "sq" / "results.sqlite3", "sqlite")
    with pg_backend.fresh_database(tmp_path / "pg" / "results.sqlite3") as address:
        on_postgres = exports(address, "postgres")
    assert len(on_sqlite) == 2 * (len(KINDS) - 1)
    assert on_postgres == on_sqlite

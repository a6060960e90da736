"""The store on a PostgreSQL server: set JATOS_RESULTS_TEST_PG to a database URL to run
(e.g. postgresql://postgres@127.0.0.1:55432/jr); skipped otherwise."""

from __future__ import annotations

import os
import time

import pytest

from store import Selection, open_store
from store.db.models import ALL_MODELS, StoreSetting, StudyResult
from store.exporting.export import export
from store.importing.importer import import_paths
from store.removal.delete import delete

import jatos_fixtures as fx

URL = os.environ.get("JATOS_RESULTS_TEST_PG")
pytestmark = pytest.mark.skipif(not URL, reason="no PostgreSQL server given (JATOS_RESULTS_TEST_PG)")


def test_import_filter_export_delete_on_postgres(server_store, tmp_path):
    store = server_store
    import_paths(store, [fx.results_archive(tmp_path)])
    assert Selection(filter="personal").row_ids() == [101]
    assert Selection(filter='"rt":611').row_ids() == [101]
    export(store, "archive", Selection(), tmp_path / "a.zip")
    import zipfile

    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert zf.read("metadata.json") == fx.METADATA_310.encode()
    delete(store, Selection(study_result_ids=[101]))
    assert [r.id for r in StudyResult.select()] == [102]


def test_every_export_is_byte_identical_to_sqlites(tmp_path, monkeypatch):
    """The same archives in an SQLite store and a PostgreSQL one: every kind of export,
    of everything and of a filtered selection, is the same bytes."""
    import types

    from store.exporting import export as export_module

    # A zip's entries carry the time of the export: one moment for both.
    moment = time.localtime()
    monkeypatch.setattr(export_module, "time", types.SimpleNamespace(localtime=lambda: moment))
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


def test_init_db_once_then_everyday_opens_make_no_tables(tmp_path):
    """An everyday open of a database without the tables says what to do, in one line, and
    makes nothing; `init-db` makes them and names the files root for every user."""
    import pg_backend
    from conftest import run_cli

    with pg_backend.fresh_database(tmp_path / "x" / "results.sqlite3") as address:
        with open_store(address) as store:
            store.db.drop_tables([*ALL_MODELS, StoreSetting], cascade=True)
        r = run_cli("studies", "--db", address.url)
        assert r.returncode == 2
        assert r.stderr.splitlines() == [
            f"jatos-results: {address.url}: has no jatos-results tables, or older ones; "
            "an administrator makes them once with `jatos-results init-db URL`"
        ]
        assert pg_backend.tables(address) == {}  # the failed open made nothing
        root = tmp_path / "shared-files"
        r = run_cli("init-db", address.url, "--files", str(root))
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == f"{address.url}: ready; uploaded files in {root}"
        r = run_cli("studies", "--db", address.url, env={"JATOS_RESULTS_FILES": ""})
        assert r.returncode == 0, r.stderr
        with open_store(address) as store:
            assert store.files_root == root



def test_a_read_only_role_browses_and_exports(tmp_path):
    """A role with SELECT rights only opens the store, lists and exports; a change is
    refused in one line."""
    from urllib.parse import urlsplit, urlunsplit

    import pg_backend
    from conftest import run_cli

    role = f"jr_reader_{os.getpid()}"
    with pg_backend.fresh_database(tmp_path / "x" / "results.sqlite3") as address:
        assert run_cli("import", "-q", str(fx.results_archive(tmp_path)), "--db", address.url).returncode == 0
        con = pg_backend.psycopg2.connect(address.url)
        try:
            with con, con.cursor() as cur:
                cur.execute(f'CREATE ROLE "{role}" LOGIN')
                cur.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
        finally:
            con.close()
        try:
            parts = urlsplit(address.url)
            reader = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))
            r = run_cli("studies", "--db", reader)
            assert r.returncode == 0 and "Stroop Task" in r.stdout, r.stderr
            for who, url in (("owner", address.url), ("reader", reader)):
                r = run_cli("export", "archive", "--db", url, "-o", str(tmp_path / f"{who}.zip"))
                assert r.returncode == 0, r.stderr
            import zipfile

            entries = []
            for who in ("owner", "reader"):
                with zipfile.ZipFile(tmp_path / f"{who}.zip") as zf:
                    entries.append({n: zf.read(n) for n in zf.namelist()})
            assert entries[0] == entries[1] and len(entries[0]) == 4  # metadata.json, two data files, one upload
            r = run_cli("delete", "--ids", "101", "--yes", "--db", reader)
            assert r.returncode == 2
            assert r.stderr.splitlines() == [f"jatos-results: {reader}: this database user may read the store but not change it"]
        finally:
            con = pg_backend.psycopg2.connect(address.url)
            try:
                with con, con.cursor() as cur:
                    cur.execute(f'DROP OWNED BY "{role}"')
            finally:
                con.close()
    pg_backend.on_server(f'DROP ROLE IF EXISTS "{role}"')


def test_a_bulk_import_refreshes_the_planners_statistics(tmp_path, monkeypatch):
    from store.importing import importer

    import pg_backend

    def estimate(store) -> float:
        return store.db.execute_sql("SELECT reltuples FROM pg_class WHERE relname = 'study_result'").fetchone()[0]

    with pg_backend.fresh_database(tmp_path / "x" / "results.sqlite3") as address:
        with open_store(address) as store:
            import_paths(store, [fx.results_archive(tmp_path)])
            assert estimate(store) == -1  # never analyzed: a small import leaves it to autovacuum
            monkeypatch.setattr(importer, "ANALYZE_AFTER", 2)
            import_paths(store, [fx.results_archive(tmp_path)])
            assert estimate(store) == 2


def test_a_dropped_connection_is_opened_again(tmp_path):
    """The server ends the store's connection (a restart does the same): the next query
    outside a transaction reconnects instead of failing."""
    import pg_backend

    with pg_backend.fresh_database(tmp_path / "x" / "results.sqlite3") as address:
        with open_store(address) as store:
            import_paths(store, [fx.results_archive(tmp_path)])
            pid = pg_backend.cut_off(store)
            assert Selection(filter="personal").row_ids() == [101]
            assert store.db.execute_sql("SELECT pg_backend_pid()").fetchone()[0] != pid


def test_a_connection_lost_in_a_write_is_one_line_and_changes_nothing(tmp_path):
    from store import StoreError

    import pg_backend

    with pg_backend.fresh_database(tmp_path / "x" / "results.sqlite3") as address:
        with open_store(address) as store:
            with pytest.raises(StoreError, match=r": the connection to the server was lost; nothing was changed$"):
                with store.write():
                    StudyResult.select().count()
                    pg_backend.cut_off(store)
                    import_paths(store, [fx.results_archive(tmp_path)])
            assert StudyResult.select().count() == 0  # and the store carries on


@pytest.mark.parametrize("kind", ["data", "archive"])
@pytest.mark.parametrize("selection", [Selection(), Selection(study_result_ids=list(range(1, 420)))], ids=["all", "some"])
def test_an_export_streams_through_a_server_side_cursor_in_one_snapshot(server_store, tmp_path, monkeypatch, kind, selection):
    """While the export writes, its connection is inside a read-only REPEATABLE READ
    transaction (one snapshot) with the data read through an open server-side cursor."""
    from store.exporting import data_text

    store = server_store
    # A zip reports progress every 200 results; plain text every DATA_CHUNK (made 2).
    import_paths(store, [fx.synthetic_archive(tmp_path / "runs.zip", 450, data_bytes=20)])
    monkeypatch.setattr(data_text, "DATA_CHUNK", 2)
    seen = []

    def progress(done, total):
        if done < total:
            ask = lambda sql: store.db.execute_sql(sql).fetchall()  # noqa: E731
            seen.append((
                ask("SHOW transaction_isolation")[0][0], ask("SHOW transaction_read_only")[0][0],
                [name for (name,) in ask("SELECT name FROM pg_cursors")],
            ))

    export(store, kind, selection, tmp_path / f"out-{kind}", progress=progress)
    assert seen, "no progress call while the export was reading"
    for isolation, read_only, cursors in seen:
        assert (isolation, read_only) == ("repeatable read", "on")
        assert [c for c in cursors if c.startswith("jr_stream_")], cursors
    assert store.db.execute_sql("SELECT count(*) FROM pg_cursors").fetchone()[0] == 0

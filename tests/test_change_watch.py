"""A page's change poll (store/pages/changes.py): cheap, and it sees every commit of another
connection, none of its own reads."""

from __future__ import annotations

import os
import threading

import pytest

from store import ChangeWatch, import_paths, init_store, open_store

import jatos_fixtures as fx


def _in_thread(fn):
    """The watch is asked from worker threads: each call here from a new one, as the app does."""
    out = []
    thread = threading.Thread(target=lambda: out.append(fn()))
    thread.start()
    thread.join()
    return out[0]


def _sees_writes(store, other, tmp_path) -> None:
    watch = ChangeWatch(store)
    try:
        assert _in_thread(watch.changed) is False  # the first call only looks
        store.db.execute_sql("SELECT COUNT(*) FROM study_result").fetchall()  # a read
        assert _in_thread(watch.changed) is False
        import_paths(other, [fx.results_archive(tmp_path)])  # another connection writes
        assert _in_thread(watch.changed) is True
        assert _in_thread(watch.changed) is False
    finally:
        watch.close()


def test_sqlite_watch_sees_another_connections_commit(store, db_path, tmp_path):
    other = open_store(db_path)
    try:
        _in_thread(lambda: other.db.connection())  # opened before the watch looks
        _sees_writes(store, other, tmp_path)
    finally:
        other.close()


URL = os.environ.get("JATOS_RESULTS_TEST_PG")


@pytest.mark.skipif(not URL, reason="no PostgreSQL server given (JATOS_RESULTS_TEST_PG)")
def test_postgres_watch_sees_another_connections_commit(tmp_path, monkeypatch):
    from store.db.models import ALL_MODELS

    monkeypatch.setenv("JATOS_RESULTS_FILES", str(tmp_path / "files"))
    store = init_store(URL, tmp_path / "files")
    try:
        store.db.drop_tables(ALL_MODELS, cascade=True)
        store.db.create_tables(ALL_MODELS)
        _sees_writes(store, store, tmp_path)  # the import runs on this thread's connection
    finally:
        store.db.drop_tables(ALL_MODELS, cascade=True)
        store.close()

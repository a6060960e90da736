"""A page's change poll (store/pages/changes.py): cheap, and it sees every commit of another
connection, none of its own reads."""

from __future__ import annotations

import threading

from store import ChangeWatch, import_paths, open_store

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
        # PostgreSQL's word of the commit reaches the watch's connection a moment later.
        assert _in_thread(lambda: watch.changed(wait=10)) is True
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




def test_postgres_watch_sees_another_connections_commit(server_store, tmp_path):
    _sees_writes(server_store, server_store, tmp_path)  # the import runs on this thread's connection

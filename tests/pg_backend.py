"""The suite on PostgreSQL (conftest.py's switch): a fresh database for each test's store.

A test's `db_path` is then a `StoreAddress`: the same folder layout as the SQLite store
(its parent holds `results-files`, the files root named by JATOS_RESULTS_FILES), but
`str()` of it is the database's URL, so every test that opens the store or hands it to the
command line by its path opens the PostgreSQL database instead, unchanged.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import PosixPath
from urllib.parse import urlsplit, urlunsplit

import psycopg2

from store import init_store

SERVER = os.environ.get("JATOS_RESULTS_TEST_PG", "")
_names = itertools.count()


class StoreAddress(PosixPath):
    """A store's path whose text is its database's URL (paths derived from it are plain)."""

    url = ""

    def __str__(self) -> str:
        return self.url or super().__str__()

    def __fspath__(self) -> str:
        return super().__str__()  # the file system sees the folder layout, never the URL


def _url_for(name: str) -> str:
    parts = urlsplit(SERVER)
    return urlunsplit(parts._replace(path="/" + name))


def on_server(sql: str, params=()) -> None:
    """One statement on the server's own database, outside any transaction."""
    con = psycopg2.connect(SERVER)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(sql, params)
    finally:
        con.close()


def cut_off(store) -> int:
    """End the store's connection from the server's side, as a restart does; its old pid."""
    pid = store.db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    on_server("SELECT pg_terminate_backend(%s)", (pid,))
    return pid


@contextlib.contextmanager
def fresh_database(path, monkeypatch=None):
    """A new database for a store at `path`, its tables made (`init-db`), naming the folder
    beside `path` as its files root (as an SQLite store's is)."""
    name = f"jr_test_{os.getpid()}_{next(_names)}"
    on_server(f'CREATE DATABASE "{name}"')
    address = StoreAddress(path)
    address.url = _url_for(name)
    init_store(address.url, path.with_name(path.stem + "-files")).close()  # the administrator's step
    if monkeypatch is not None:
        monkeypatch.setenv("JATOS_RESULTS_DB", address.url)
    try:
        yield address
    finally:
        on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def holding_write_lock(address):
    """Another connection inside a write transaction (store/db/database.py's WRITE_LOCK)."""
    from store.db.postgres import WRITE_LOCK

    con = psycopg2.connect(str(address))
    try:
        with con.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        yield
    finally:
        con.rollback()
        con.close()


def tables(address) -> dict:
    """Every table's rows, as conftest.store_state reads an SQLite file."""
    from conftest import NUMBERED

    out = {}
    con = psycopg2.connect(str(address))
    try:
        with con.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            for (name,) in cur.fetchall():
                if name == "store_setting":
                    continue  # where the store's files are: its location, as an SQLite file's path
                cur.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                    (name,),
                )
                cols = [c for (c,) in cur.fetchall() if (name, c) not in NUMBERED]
                cur.execute("SELECT " + ", ".join(f'"{c}"' for c in cols) + f' FROM "{name}"')
                out[name] = sorted(map(repr, cur.fetchall()))
    finally:
        con.close()
    return out

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from store import open_store

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
ROOT = Path(__file__).resolve().parents[1]

# The suite on PostgreSQL: JATOS_RESULTS_TEST_BACKEND=postgresql, with JATOS_RESULTS_TEST_PG
# the URL of a database on a server where the test role may create databases. Each test's
# store is then a fresh database of its own (pg_backend.py).
ON_POSTGRES = os.environ.get("JATOS_RESULTS_TEST_BACKEND", "sqlite") == "postgresql"
if ON_POSTGRES and not os.environ.get("JATOS_RESULTS_TEST_PG"):
    raise SystemExit("JATOS_RESULTS_TEST_BACKEND=postgresql needs JATOS_RESULTS_TEST_PG (a database URL)")



def sqlite_only(why: str):
    """A test about SQLite itself (its file, its locks, its index): not run on PostgreSQL."""
    return pytest.mark.skipif(ON_POSTGRES, reason=f"SQLite only: {why}")


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "store" / "results.sqlite3"
    monkeypatch.setenv("JATOS_RESULTS_LOCK_TIMEOUT", "2")
    if ON_POSTGRES:
        import pg_backend

        with pg_backend.fresh_database(path, monkeypatch) as address:
            yield address
        return
    monkeypatch.setenv("JATOS_RESULTS_DB", str(path))
    yield path


@pytest.fixture
def store_at():
    """store_at(path): where a test's second (third...) store lives: the path itself on
    SQLite, a fresh database of its own on PostgreSQL."""
    if not ON_POSTGRES:
        yield lambda path: path
        return
    import pg_backend

    with contextlib.ExitStack() as stack:
        yield lambda path: stack.enter_context(pg_backend.fresh_database(path))


@pytest.fixture
def store(db_path):
    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def ui_env(monkeypatch, tmp_path):
    """The app's tests: times shown in UTC, settings (remembered columns) in a fresh folder."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


@pytest.fixture
def scenario(store, tmp_path):
    """The spec's fixture archive with its study archive (titles); a module may define its own."""
    from store.importing.importer import import_paths

    import jatos_fixtures as fx

    import_paths(store, [fx.results_archive(tmp_path), fx.study_archive(tmp_path)])
    return store


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail("shared/realdata is not beside the repository, and CI must run every test")
        pytest.skip("shared/realdata is not beside the repository")
    return REALDATA


def run_cli(*args: str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """The real command line in a child process (as a researcher runs it)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=input,
        cwd=ROOT,
        timeout=120,
    )


@contextlib.contextmanager
def another_writer(db: Path, exclusive: bool = False):
    """Another process in the middle of a write transaction on the store (SQLite: holding the
    file's write lock, or with `exclusive` every lock; PostgreSQL: the writers' lock)."""
    if ON_POSTGRES:
        import pg_backend

        with pg_backend.holding_write_lock(db):
            yield
        return
    con = sqlite3.connect(db, timeout=0, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE")
    try:
        yield
    finally:
        con.execute("ROLLBACK")
        con.close()


@contextlib.contextmanager
def reader(db: Path):
    """Another process's read-only connection: yields fetchone(sql), each its own snapshot."""
    if ON_POSTGRES:
        import psycopg2

        con = psycopg2.connect(str(db))
        con.set_session(readonly=True, autocommit=True)

        def fetchone(sql):
            with con.cursor() as cur:
                cur.execute(sql)
                return cur.fetchone()
    else:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        fetchone = lambda sql: con.execute(sql).fetchone()
    try:
        yield fetchone
    finally:
        con.close()


# Columns that are the database's own numbering of a row, not what it holds: a restored file
# row gets a new one (SQLite happened to hand out the old one again, PostgreSQL's sequence
# never does), and nothing outside the database ever sees it.
NUMBERED = {("result_file", "id"), ("listed_file", "id")}


def store_state(db: Path) -> tuple:
    """Everything the database and the files root hold, for before/after comparisons."""
    tables = {}
    if ON_POSTGRES:
        import pg_backend

        tables = pg_backend.tables(db)
    elif db.exists():
        con = sqlite3.connect(db)
        try:
            names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            for name in names:
                if name.startswith(("data_fts", "meta_fts")):
                    continue  # the search index's internals: checked by index_is_consistent()
                cols = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")') if (name, r[1]) not in NUMBERED]
                tables[name] = sorted(map(repr, con.execute("SELECT " + ", ".join(f'"{c}"' for c in cols) + f' FROM "{name}"')))
        finally:
            con.close()
    root = db.with_name(db.stem + "-files")
    tree = {}
    if root.exists():
        for p in sorted(root.rglob("*")):
            if p.is_file():
                tree[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return tables, tree


def index_is_consistent(db: Path) -> bool:
    """FTS5's own check that the search index matches the rows it indexes."""
    if ON_POSTGRES:
        return True  # PostgreSQL keeps its own indexes in its transactions: nothing to drift
    con = sqlite3.connect(db)
    try:
        for fts in ("data_fts", "meta_fts"):
            con.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()


@pytest.fixture
def server_store(tmp_path, monkeypatch):
    """A store in the database JATOS_RESULTS_TEST_PG names (not a fresh one: the tests that
    use it are about that server), its tables made afresh and dropped after."""
    url = os.environ.get("JATOS_RESULTS_TEST_PG")
    if not url:
        pytest.skip("no PostgreSQL server given (JATOS_RESULTS_TEST_PG)")
    from store import init_store
    from store.db.models import ALL_MODELS

    monkeypatch.setenv("JATOS_RESULTS_FILES", str(tmp_path / "files"))
    store = init_store(url, tmp_path / "files")
    store.db.drop_tables(ALL_MODELS, cascade=True)
    store.db.create_tables(ALL_MODELS)
    try:
        yield store
    finally:
        store.db.drop_tables(ALL_MODELS, cascade=True)
        store.close()

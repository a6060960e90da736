from __future__ import annotations

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


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "store" / "results.sqlite3"
    monkeypatch.setenv("JATOS_RESULTS_DB", str(path))
    monkeypatch.setenv("JATOS_RESULTS_LOCK_TIMEOUT", "2")
    return path


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


def store_state(db: Path) -> tuple:
    """Everything the database and the files root hold, for before/after comparisons."""
    tables = {}
    if db.exists():
        con = sqlite3.connect(db)
        try:
            names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            for name in names:
                if name.startswith(("data_fts", "meta_fts")):
                    continue  # the search index's internals: checked by index_is_consistent()
                tables[name] = sorted(map(repr, con.execute(f'SELECT * FROM "{name}"')))
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
    con = sqlite3.connect(db)
    try:
        for fts in ("data_fts", "meta_fts"):
            con.execute(f"INSERT INTO {fts}({fts}, rank) VALUES ('integrity-check', 1)")
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()

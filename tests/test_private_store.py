"""Personal data stays private, and a reader never waits for a writer."""

from __future__ import annotations

import os
import stat

from store import open_store
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import ON_POSTGRES, another_writer


def _modes(root) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")] if p.is_dir()}


def test_every_folder_is_owner_only_whatever_the_umask(db_path, tmp_path):
    old = os.umask(0)
    try:
        with open_store(db_path) as store:
            import_paths(store, [fx.results_archive(tmp_path)])
            modes = _modes(store.files_root)
    finally:
        os.umask(old)
    assert "study-result_101/comp-result_302" in modes
    assert set(modes.values()) == {0o700}, modes
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700


def test_a_store_with_loose_folders_is_tightened_on_open(db_path, tmp_path):
    with open_store(db_path) as store:
        import_paths(store, [fx.results_archive(tmp_path)])
        root = store.files_root
    for folder in (root, root / "study-result_101", root / "study-result_101" / "comp-result_302"):
        folder.chmod(0o755)
    (root / ".private").unlink()  # as an older version left it
    open_store(db_path).close()
    assert set(_modes(root).values()) == {0o700}


def test_opening_does_not_wait_for_another_writer(db_path, monkeypatch):
    open_store(db_path).close()
    monkeypatch.setenv("JATOS_RESULTS_LOCK_TIMEOUT", "30")
    with another_writer(db_path):  # another process importing
        with open_store(db_path) as store:  # would wait 30 s, then fail, before
            if not ON_POSTGRES:  # SQLite's search index (FTS5): PostgreSQL has no such table
                assert store.has_index
            assert store.db.execute_sql("SELECT count(*) FROM study_result").fetchone() == (0,)

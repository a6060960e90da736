"""Resources stay bounded (issue #11): what one import may inflate in all, result data the
store can hold in one value, and the result data one batch of the archive path holds.
Sizes are the ones headers declare, or limits lowered for the test: nothing large is made."""

from __future__ import annotations

import sqlite3

import pytest

from store.db.models import ComponentResult
from store.formats import archive_rows
from store.formats import limits as import_limits
from store.formats.archive_read import read_source
from store.importing import writes as import_rows
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import run_cli, sqlite_only, store_state
from hostile import craft, member, populate, refused, write

META = fx.METADATA_310.encode()
GIB = 1 << 30


def _declaring(sizes: dict[str, int]) -> bytes:
    """Members whose directory records declare these sizes (their bodies are a few bytes)."""
    return craft([member(name, b"x", usize=size) for name, size in sizes.items()] + [member("metadata.json", META)])


def test_total_of_one_import_is_bounded_by_default(store, db_path, tmp_path):
    """80 files of just under 1 GiB each: every one within the per-entry limit, 80 GiB in all."""
    populate(store, tmp_path)
    sizes = {f"study_result_101/comp-result_302/files/f{i}.bin": GIB - 1 for i in range(80)}
    path = write(tmp_path, "big.zip", _declaring(sizes))
    line = refused(store, db_path, path, "JATOS_RESULTS_MAX_IMPORT_BYTES", str(import_limits.DEFAULT_MAX_IMPORT))
    assert "in all" in line


def test_total_limit_is_set_by_the_environment(db_path, tmp_path):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    before = store_state(db_path)
    again = tmp_path / "again"
    again.mkdir()
    path = fx.results_archive(again)  # 48 kB of audio, 56 bytes of data, 2 kB of metadata
    r = run_cli("import", str(path), env={"JATOS_RESULTS_MAX_IMPORT_BYTES": "40000"})
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and path.name in lines[0] and "JATOS_RESULTS_MAX_IMPORT_BYTES" in lines[0], r.stderr
    assert store_state(db_path) == before
    r = run_cli("import", str(path), env={"JATOS_RESULTS_MAX_IMPORT_BYTES": "60000"})
    assert r.returncode == 0, r.stderr


def test_folder_total_is_bounded(store, db_path, tmp_path, monkeypatch):
    populate(store, tmp_path)
    monkeypatch.setenv("JATOS_RESULTS_MAX_IMPORT_BYTES", "1000")
    refused(store, db_path, fx.legacy_files_folder(tmp_path), "JATOS_RESULTS_MAX_IMPORT_BYTES")


def test_data_entry_beyond_what_sqlite_stores_is_refused(store, db_path, tmp_path):
    """A data.txt of 1023 MiB passed the 1 GiB entry limit and reached SQLite's string
    limit (10^9 bytes) with a traceback."""
    populate(store, tmp_path)
    path = write(tmp_path, "huge.zip", _declaring({"study_result_101/comp-result_301/data.txt": 1023 << 20}))
    refused(store, db_path, path, "comp-result_301/data.txt", "more than the store can hold in one value")
    # a file of that size is no single value: only the entry limit holds for it
    assert import_limits.max_data_size() < 1023 << 20 < import_limits.max_entry_size()


@sqlite_only("SQLite's length limit, lowered on its connection")
def test_data_at_the_stores_limit_is_a_clear_refusal(store, db_path, tmp_path, monkeypatch):
    """With SQLite's limit lowered to 250 kB (on the store's connection and where the limit
    is read), data of 300 kB is refused by name: before, SQLite's own error was a traceback."""
    populate(store, tmp_path)
    store.db.connection().setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 250_000)
    monkeypatch.setattr(import_limits, "store_value_limit", lambda: 250_000)
    monkeypatch.setattr(import_limits, "_ROW_MARGIN", 1000)
    path = fx.synthetic_archive(tmp_path / "long.zip", n=1, data_bytes=300_000, first_id=900)
    refused(store, db_path, path, "more than the store can hold")


def test_a_batch_holds_bounded_result_data(tmp_path, monkeypatch):
    """Batches are handed on once they hold BATCH_BYTES of data: a batch of huge values is
    never held whole (before, 8 values of 256 MiB were one batch: 4.7 GB of memory)."""
    monkeypatch.setattr(archive_rows, "BATCH_BYTES", 200_000)
    source = read_source(fx.synthetic_archive(tmp_path / "a.zip", n=40, data_bytes=60_000))
    try:
        batches = [
            item
            for item in archive_rows.work(
                source, archive_rows.Lookups(), lambda e: import_rows.read_data(source, e), None, False
            )
            if isinstance(item, archive_rows.RowBatch)
        ]
    finally:
        source.close()
    held = [sum(len(row[archive_rows.DATA_KEYS.index("data")]) for row in b.with_data) for b in batches]
    assert sum(held) == 40 * 60_000
    assert max(held) <= 200_000 + 60_000  # the limit, and the one value that crosses it
    assert len(batches) >= 10


def test_early_batches_import_whole(store, tmp_path, monkeypatch):
    monkeypatch.setattr(archive_rows, "BATCH_BYTES", 100_000)
    import_paths(store, [fx.synthetic_archive(tmp_path / "a.zip", n=30, data_bytes=40_000)])
    rows = list(ComponentResult.select(ComponentResult.id, ComponentResult.data).tuples())
    assert len(rows) == 30 and all(len(data) == 40_000 for _, data in rows)


@pytest.mark.parametrize("limit", ["x", ""])
def test_a_bad_limit_falls_back_to_the_default(monkeypatch, limit):
    monkeypatch.setenv("JATOS_RESULTS_MAX_IMPORT_BYTES", limit)
    assert import_limits.max_import_size() == import_limits.DEFAULT_MAX_IMPORT


@sqlite_only("SQLite's page limit stands in for a full disk")
def test_a_full_disk_is_one_line_and_changes_nothing(store, db_path, tmp_path):
    """SQLite says "database or disk is full" (here: a page limit), then "cannot rollback"."""
    from store import StoreError
    from store.importing.importer import import_paths

    from conftest import store_state

    before = store_state(db_path)
    pages = store.db.execute_sql("PRAGMA page_count").fetchone()[0]
    store.db.execute_sql(f"PRAGMA max_page_count = {pages + 20}")
    archive = fx.synthetic_archive(tmp_path / "big.zip", 3000, data_bytes=2000)
    with pytest.raises(StoreError, match=r"^no space left on the device of .*results\.sqlite3; nothing was changed$"):
        import_paths(store, [archive])
    store.db.execute_sql("PRAGMA max_page_count = 1073741823")
    assert store_state(db_path) == before


def test_files_filling_the_disk_are_not_called_a_damaged_archive(store, tmp_path, monkeypatch):
    import errno

    from store import StoreError
    from store.importing import writes as import_rows
    from store.importing.importer import import_paths

    def full(path, flags):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(import_rows, "_private_opener", full)
    with pytest.raises(StoreError, match=r"^no space left on the device of .*results-files$"):
        import_paths(store, [fx.results_archive(tmp_path)])


def test_the_import_limit_holds_for_several_files_together(store, tmp_path, monkeypatch):
    from store import BadInput

    one = fx.results_archive(tmp_path)
    size = read_source(one).total_bytes
    monkeypatch.setenv("JATOS_RESULTS_MAX_IMPORT_BYTES", str(size * 2 - 1))
    (tmp_path / "b").mkdir()
    two = fx.results_archive(tmp_path / "b")
    with pytest.raises(BadInput, match=r"^these 2 files would inflate to \d+ bytes, more than one import takes"):
        import_paths(store, [one, two])
    import_paths(store, [one])  # one of them alone is within the limit

"""An import's memory does not grow with the archive's metadata (issue #15): metadata.json
is walked as it inflates, in a window of about a megabyte, and what the window walked
past is let go. The store ends as it does when the whole text is read at once."""

from __future__ import annotations

import zipfile

from store import open_store
from store.db import sqlite
from store.formats import json_stream, zip_reader
from store.formats.archive_read import ZipEntries, read_source
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import index_is_consistent, sqlite_only, store_state


def _widest_window(monkeypatch) -> list[int]:
    """The most text the walker has held at once."""
    widest = [0]
    more = json_stream.JsonWalker._more

    def watched(self, want=None):
        got = more(self, want)
        widest[0] = max(widest[0], len(self.text))
        return got

    monkeypatch.setattr(json_stream.JsonWalker, "_more", watched)
    return widest


@sqlite_only("compares two SQLite files made side by side")
def test_archive_metadata_is_walked_in_a_window(tmp_path, monkeypatch):
    archive = fx.synthetic_archive(tmp_path / "a.zip", n=300, data_bytes=50)
    with zipfile.ZipFile(archive) as zf:
        metadata_size = zf.getinfo("metadata.json").file_size
    widest = _widest_window(monkeypatch)
    # The reference: the store an import makes with the whole text in one window.
    monkeypatch.setattr(json_stream, "PIECE", 1 << 30)
    whole = tmp_path / "whole.sqlite3"
    with open_store(whole) as store:
        import_paths(store, [archive])
    assert widest[0] == metadata_size  # ASCII: a character a byte
    # Pieces of 4 KB as the member inflates, a window of 1,000 characters.
    monkeypatch.setattr(zip_reader, "_CHUNK", 4096)
    monkeypatch.setattr(json_stream, "PIECE", 1000)
    widest[0] = 0
    windowed = tmp_path / "windowed.sqlite3"
    with open_store(windowed) as store:
        summary = import_paths(store, [archive])
    assert summary.line().startswith("read 1 studies, 300 study results, 300 component results")
    assert 0 < widest[0] <= 1000 + 2 * 4096 < metadata_size // 20
    assert store_state(windowed)[0] == store_state(whole)[0]


@sqlite_only("SQLite's FTS5 index and its integrity check")
def test_rows_indexed_now_are_noted_only_where_the_end_would_index_them(store, db_path, tmp_path, monkeypatch):
    """A fresh import notes none of the rows it indexes batch by batch (they would be held
    to the end: a million ids at M); a row taken out of the index and indexed again now is
    noted, and not indexed twice."""
    noted = []
    exit_ = sqlite.suspended_index.__exit__

    def watched(self, *exc):
        noted.append(sum(len(ids) for ids in self.indexed.values()))
        return exit_(self, *exc)

    monkeypatch.setattr(sqlite.suspended_index, "__exit__", watched)
    import_paths(store, [fx.synthetic_archive(tmp_path / "a.zip", n=300, data_bytes=50)])
    assert noted == [0]
    with store.write():
        with store.bulk_change((), ()) as index:
            index.unindex([100_001, 100_002], [1])  # taken out: indexed again at the end...
            index.index_now([100_002], [1])  # ...unless indexed now
            assert index.indexed == {"data_fts": {100_002}, "meta_fts": {1}}
    assert noted == [0, 2]
    assert index_is_consistent(db_path)


def test_an_archives_data_entries_are_held_in_columns(tmp_path):
    """A results archive's data.txt entries are numbers in arrays, made into entries when
    asked for, and read what the archive holds; result files stay as they are."""
    archive = fx.results_archive(tmp_path)
    source = read_source(archive)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = {m.filename: zf.read(m) for m in zf.infolist() if not m.filename.endswith("metadata.json")}
        got = {e.label: (e.kind, e.read(e.size + 1), b"".join(e.chunks(e.size + 1))) for e in source.entries}
        assert {label: body for label, (_, body, _) in got.items()} == members
        assert all(body == pieces for _, body, pieces in got.values())
        kinds = [e.kind for e in source.entries]
        assert "data" in kinds and "file" in kinds
        assert isinstance(source.entries, ZipEntries)
        assert sorted(source.entries._others) == [n for n, kind in enumerate(kinds) if kind == "file"]
        assert source.total_bytes == sum(len(body) for body in members.values())
        for e in source.entries:
            assert f"study_result_{e.study_result_id}/comp-result_{e.component_result_id}/" in e.label
            assert e.name == ("data.txt" if e.kind == "data" else e.label.rsplit("/", 1)[1])
    finally:
        source.close()


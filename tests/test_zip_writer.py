"""The export's ZIP writer, read back by Python's zipfile and by unzip, with and without ZIP64."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import threading
import zipfile

import pytest

from store.formats import zip_writer
from store.formats.zip_writer import ZipWriter

WHEN = (2024, 5, 1, 9, 54, 56)


def _write(path, entries, streamed=()):
    with open(path, "wb") as fh:
        zw = ZipWriter(fh, WHEN)
        for name, data in entries:
            if name in streamed:
                zw.add_stream(name, [data[i : i + 7] for i in range(0, len(data), 7)], len(data))
            else:
                zw.add(name, data)
        zw.close()


def _entries(n):
    out = [(f"study_result_{i}/comp-result_{i + 1000}/data.txt", (f'{{"trial":{i}}}' * (i % 5 + 1)).encode()) for i in range(n)]
    out.append(("study_result_1/comp-result_1001/files/Übung é.txt", "éàü".encode() * 50))
    out.append(("study_result_1/comp-result_1001/files/empty.bin", b""))
    return out


def _check(path, entries):
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        assert zf.namelist() == [n for n, _ in entries]
        for name, data in entries:
            assert zf.read(name) == data
            info = zf.getinfo(name)
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.date_time == WHEN
            assert stat.S_IMODE(info.external_attr >> 16) == 0o600
    if shutil.which("unzip"):
        r = subprocess.run(["unzip", "-tq", str(path)], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("zip64", [False, True])
def test_entries_read_back(tmp_path, monkeypatch, zip64):
    if zip64:
        # Every size, offset and count past the (lowered) limits: all ZIP64 records written.
        monkeypatch.setattr(zip_writer, "LIMIT", 60)
        monkeypatch.setattr(zip_writer, "COUNT_LIMIT", 10)
    monkeypatch.setattr(zip_writer, "BATCH", 3)  # many batches, in order
    entries = _entries(700)
    path = tmp_path / "a.zip"
    _write(path, entries, streamed={entries[5][0], entries[-2][0], entries[-1][0]})
    _check(path, entries)
    with zipfile.ZipFile(path) as zf:
        assert any(i.extra for i in zf.infolist()) == zip64


def test_an_aborted_writer_stops_its_threads(monkeypatch):
    """abort() drops the work still queued and returns only when its threads have ended."""
    monkeypatch.setattr(zip_writer, "BATCH", 1)
    started, gate = threading.Semaphore(0), threading.Event()
    ran, finished = [], []
    real = zip_writer._deflate

    def held(items):  # each task waits at the gate, so the queue behind it stays queued
        ran.append(threading.current_thread())
        started.release()
        assert gate.wait(30), "the test never opened the gate"
        finished.append(items)
        return real(items)

    monkeypatch.setattr(zip_writer, "_deflate", held)
    monkeypatch.setattr(zip_writer.os, "cpu_count", lambda: 2)
    zw = ZipWriter(io.BytesIO(), WHEN)
    for name, data in _entries(zw.workers):  # workers + 2 entries: every worker busy, two queued
        zw.add(name, data)
    for _ in range(zw.workers):
        assert started.acquire(timeout=30)
    queued = [f for f in zw.pending if not f.running()]
    assert len(queued) == 2

    # The running tasks may finish once abort() has cancelled the queued ones (a cancel runs
    # a future's callbacks); if it never does, the gate stays shut and abort() cannot return.
    cancelled = []
    for f in queued:
        f.add_done_callback(lambda f: (cancelled.append(f), len(cancelled) == len(queued) and gate.set()))
    zw.abort()
    assert all(f.cancelled() for f in queued)
    assert len(ran) == zw.workers  # the queued tasks never ran
    assert len(finished) == zw.workers  # abort waited for the running ones
    with pytest.raises(RuntimeError):  # and the pool takes no more work
        zw.pool.submit(print)


def test_archive_export_is_a_valid_zip_of_many_entries(store, tmp_path, monkeypatch):
    """Through the export: more entries than a plain ZIP can count (ZIP64 end records)."""
    from store import Selection
    from store.exporting.export import export
    from store.importing.importer import import_paths

    import jatos_fixtures as fx

    import_paths(store, [fx.synthetic_archive(tmp_path / "s.zip", 70, 40)])
    out = tmp_path / "out.zip"
    monkeypatch.setattr(zip_writer, "COUNT_LIMIT", 20)
    export(store, "archive", Selection(), out)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert len(names) == 71 and names[-1] == "metadata.json"
        assert zf.testzip() is None

"""Two writers at once: two imports of the same archives in opposite order queue behind
the store's one write lock (PostgreSQL: a transaction-level advisory lock; SQLite: BEGIN
IMMEDIATE) and both finish; without it they took row locks in opposite orders and
PostgreSQL killed one as a deadlock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile

from store import Selection, open_store

import jatos_fixtures as fx
from conftest import ROOT, another_writer, run_cli, store_state


def _start_import(*paths) -> subprocess.Popen:
    env = dict(os.environ, JATOS_RESULTS_LOCK_TIMEOUT="120")
    return subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "import", "-q", *map(str, paths)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _of_another_study(path, first_id: int):
    """Runs of study 13 (its own batch and component): an import takes the study's rows
    first, so two studies in opposite order are what locked each other."""
    src = fx.synthetic_archive(path.with_suffix(".12.zip"), 1500, data_bytes=200, first_id=first_id)
    with zipfile.ZipFile(src) as zf:
        entries = [(n, zf.read(n)) for n in zf.namelist() if n != "metadata.json"]
        text = zf.read("metadata.json").decode()
    text = text.replace('"studyId": 12', '"studyId": 13').replace("3f1c2a9e-7b1d", "4f1c2a9e-7b1d")
    text = text.replace('"batchId": 14', '"batchId": 15').replace("b7e6d5c4-b3a2", "c7e6d5c4-b3a2")
    text = text.replace('"componentId": 40', '"componentId": 41').replace("000000000040", "000000000041")
    assert '"studyId": 13' in text and '"componentId": 41' in text
    return fx.write_zip(path, entries + [("metadata.json", json.dumps(json.loads(text)).encode())])


def test_two_imports_in_opposite_file_order_both_finish(db_path, tmp_path):
    first = fx.synthetic_archive(tmp_path / "first.zip", 1500, data_bytes=200)
    second = _of_another_study(tmp_path / "second.zip", first_id=1501)
    open_store(db_path).close()  # the store exists before both start
    one, two = _start_import(first, second), _start_import(second, first)
    out_one, err_one = one.communicate(timeout=300)
    out_two, err_two = two.communicate(timeout=300)
    assert (one.returncode, err_one) == (0, "")
    assert (two.returncode, err_two) == (0, "")
    # One after the other: whichever came second found every run there already.
    summaries = sorted([out_one, out_two])
    assert "study results: 0 new," in summaries[0] and "study results: 3000 new," in summaries[1], summaries
    with open_store(db_path) as store:
        assert Selection(study=12).row_ids() == list(range(1, 1501))
        assert Selection(study=13).row_ids() == list(range(1501, 3001))
        store.close()


def test_a_waiting_writer_gives_up_after_the_lock_timeout_in_one_line(db_path, tmp_path):
    archive = fx.results_archive(tmp_path)
    open_store(db_path).close()
    before = store_state(db_path)
    with another_writer(db_path):
        started = time.monotonic()
        done = run_cli("import", str(archive), env={"JATOS_RESULTS_LOCK_TIMEOUT": "1"})
        waited = time.monotonic() - started
    assert done.returncode == 2
    assert done.stderr == (
        f"jatos-results: {db_path}: the database is locked by another process (waited 1 s); "
        "try again when it has finished\n"
    )
    assert 1.0 <= waited < 30  # it waited, then gave up: no hang
    assert store_state(db_path) == before

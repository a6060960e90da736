"""A second process reads while an import runs: it sees the old state or the new, never a mix."""

from __future__ import annotations

import os
import subprocess
import sys

from store import open_store

import jatos_fixtures as fx
from conftest import ROOT, reader


def test_reader_sees_old_or_new_state_during_import(db_path, tmp_path):
    n = 4000
    archive = fx.synthetic_archive(tmp_path / "big.zip", n, data_bytes=3000)
    open_store(db_path).close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "import", "-q", str(archive)],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = set()
    reads_while_running = 0
    with reader(db_path) as fetchone:
        while True:
            running = proc.poll() is None
            counts = fetchone(
                "SELECT (SELECT COUNT(*) FROM study_result), (SELECT COUNT(*) FROM component_result),"
                " (SELECT COUNT(*) FROM component_result WHERE data IS NOT NULL)"
            )
            seen.add(tuple(counts))
            if running:
                reads_while_running += 1
            else:
                break
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert reads_while_running > 0
    assert seen <= {(0, 0, 0), (n, n, n)}, seen
    assert (n, n, n) in seen

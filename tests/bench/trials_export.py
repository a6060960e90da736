"""The whole trials export (`jatos-results export trials`, issue #14) on a benchmark store: MB/s of
result data read from the store and written as a table, and the process's peak RSS.

    .venv/bin/python tests/bench/trials_export.py tests/bench/out/S.sqlite3 [csv|parquet]
    .venv/bin/python tests/bench/run.py --sets S --parts trials     # the same, in the results table

Run in a process of its own, so that its peak RSS is the export's alone. The issue's targets at S
(300k component results of 1 KB): >= 20 MB/s, peak RSS < 300 MB.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory import peak_rss_mb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def data_bytes(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT coalesce(sum(length(CAST(data AS BLOB))), 0) FROM component_result").fetchone()[0]
    finally:
        con.close()


def measure(db: Path, fmt: str = "csv") -> dict:
    """In this process: the command as a researcher runs it, timed from its start to its end."""
    sys.path.insert(0, str(ROOT))
    from tui.cli.commands import main

    size = data_bytes(db)
    with tempfile.TemporaryDirectory(dir=db.parent) as tmp:
        out = Path(tmp) / f"trials.{fmt}"
        start, cpu = time.perf_counter(), time.process_time()
        code = main(["export", "trials", "--db", str(db), "-o", str(out), "-q"])
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        if code != 0:
            raise SystemExit(f"export trials failed with status {code}")
        written = out.stat().st_size
    peak = peak_rss_mb()
    # MB/s of CPU time beside the wall clock's: on a shared machine the first says what the
    # code does, the second what the machine let it do.
    return {"seconds": seconds, "cpu seconds": cpu, "data MB": size / 1e6, "output MB": written / 1e6,
            "MB/s": size / 1e6 / seconds, "MB/s of CPU time": size / 1e6 / cpu, "peak RSS MB": peak}


def trials_export(db: Path) -> dict:
    """For run.py: CSV and Parquet, each in a child process."""
    res = {}
    for fmt in ("csv", "parquet"):
        r = subprocess.run([sys.executable, __file__, str(db), fmt], cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(r.stderr)
        raw = json.loads(r.stdout.strip().splitlines()[-1])
        res[f"trials export {fmt} MB/s"] = raw["MB/s"]
        res[f"trials export {fmt} peak RSS"] = raw["peak RSS MB"]
    return res


if __name__ == "__main__":
    print(json.dumps(measure(Path(sys.argv[1]).resolve(), *(sys.argv[2:3]))))

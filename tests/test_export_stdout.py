"""`-o -` writes the export to standard output, and only the export: the summary and the
notes go to stderr."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import zipfile

import pytest

from store.exporting.export import KINDS

import jatos_fixtures as fx
from conftest import ROOT, run_cli


def _cli_bytes(*args: str) -> subprocess.CompletedProcess:
    """The command line with standard output as a pipe, read as bytes."""
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        check=False, capture_output=True, cwd=ROOT, env=dict(os.environ), timeout=120,
    )


def _content(blob: bytes) -> dict[str, bytes]:
    # Zips carry the time they were written: compare what they hold.
    if blob.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            return {n: zf.read(n) for n in zf.namelist()} | {"<order>": "\n".join(zf.namelist()).encode()}
    return {"": blob}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_to_stdout_is_the_file_export(db_path, tmp_path, kind):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    extra = ("--component-result-ids", "302", "--file", "audio.webm") if kind == "file" else ("--study", "12")
    assert run_cli("export", kind, *extra, "-o", str(tmp_path / "ref")).returncode == 0
    r = _cli_bytes("export", kind, *extra, "-o", "-")
    assert r.returncode == 0, r.stderr
    assert r.stdout and _content(r.stdout) == _content((tmp_path / "ref").read_bytes())
    err = r.stderr.decode().splitlines()
    assert len(err) == 1 and err[0].startswith("wrote <stdout> (")
    assert not (ROOT / "-").exists()


def test_plain_text_through_gzip(db_path, tmp_path):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    gz = tmp_path / "d.txt.gz"
    pipeline = f'"{sys.executable}" -m tui.cli export data --study 12 -o - | gzip > "{gz}"'
    r = subprocess.run(
        ["bash", "-o", "pipefail", "-c", pipeline],
        check=False, capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=120,
    )
    assert r.returncode == 0 and r.stdout == ""
    assert "wrote <stdout>" in r.stderr
    assert gzip.decompress(gz.read_bytes()) == fx.DATA[301] + b"\n" + fx.DATA[302] + b"\n"


def test_notes_and_errors_stay_off_stdout(db_path, tmp_path):
    doc = fx.metadata_doc()
    doc["data"][0]["studyResults"][1]["componentResults"] = []
    path = fx.write_zip(tmp_path / "a.zip", fx.ENTRIES + [("metadata.json", json.dumps(doc).encode())])
    assert run_cli("import", str(path)).returncode == 0
    r = _cli_bytes("export", "metadata-json", "-o", "-")
    assert r.returncode == 0
    assert b"have no component results" in r.stderr and b"wrote <stdout>" in r.stderr
    assert r.stdout.startswith(b'{"apiVersion":"1.1.0"') and r.stdout.endswith(b"]}]}")
    r = _cli_bytes("export", "archive", "--ids", "999", "-o", "-")
    assert r.returncode == 2 and r.stdout == b"" and r.stderr == b"jatos-results: No results selected\n"


def test_missing_data_writes_nothing_to_stdout(db_path, tmp_path):
    assert run_cli("import", str(fx.metadata_json(tmp_path))).returncode == 0
    for kind in ("data", "archive", "data-zip"):
        r = _cli_bytes("export", kind, "-o", "-")
        assert r.returncode == 2 and r.stdout == b"", kind
        assert b"have data that is not in the store" in r.stderr

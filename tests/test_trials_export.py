"""`jatos-results export trials` (issue #14): a mixed study's table cell by cell, the
selection's order, --exclude-label, --strict, Parquet read back, the real exports."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from store import Selection, human_size
from store.exporting.export import export
from store.formats.trials import read_trials
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import run_cli
from trials_fixtures import EXPECTED, HEADER, import_mixed


@pytest.fixture
def mixed(store, tmp_path):
    return import_mixed(store, tmp_path)


def table(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # RFC 4180, UTF-8 without a BOM
    return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))


def test_mixed_study_cell_by_cell(mixed, db_path):
    out = mixed / "trials.csv"
    r = run_cli("export", "trials", "--study", "20", "-o", str(out))
    assert r.returncode == 0, r.stderr
    got = table(out)
    assert got[0] == HEADER
    assert got[1:] == EXPECTED
    assert r.stdout.strip() == (
        f"wrote {out} ({human_size(out.stat().st_size)}): 4 study results, 6 component results, 6 trial rows; "
        "2 component results left out: 1 truncated JSON, 1 no data"
    )
    assert out.stat().st_mode & 0o777 == 0o600
    # Never replaced without --force, and nothing else written beside it.
    again = run_cli("export", "trials", "--study", "20", "-o", str(out))
    assert again.returncode == 2 and "already exists (use --force to replace it)" in again.stderr
    assert sorted(p.name for p in mixed.iterdir()) == ["mixed.zip", "store", "trials.csv"]


def test_selection_order_and_narrowing(mixed, db_path):
    """Component results by their id when they are selected; else by study result, then id."""
    out = mixed / "cr.csv"
    assert run_cli("export", "trials", "--component-result-ids", "406,401,409", "-o", str(out)).returncode == 0
    assert [row[1] for row in table(out)[1:]] == ["401", "401", "406", "409"]
    out = mixed / "filtered.csv"
    r = run_cli("export", "trials", "--study", "20", "--filter", "sender_type", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert [row[:2] for row in table(out)[1:]] == [["201", "405"], ["201", "405"], ["201", "406"]]
    out = mixed / "component.csv"
    assert run_cli("export", "trials", "--component", "61", "-o", str(out)).returncode == 0
    rows = table(out)
    # Only the lab.js data: its columns alone, after the metadata.
    assert rows[0] == HEADER[:10] + ["sender", "sender_type", "duration", "correct", "meta.labjs_version"]
    assert [row[1] for row in rows[1:]] == ["406"]


def test_exclude_label(mixed, db_path):
    out = mixed / "kept.csv"
    r = run_cli("export", "trials", "--study", "20", "--exclude-label", "exclude", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert table(out)[1:] == EXPECTED[:-1]
    assert "3 study results, 5 component results, 5 trial rows" in r.stdout


def test_strict_writes_nothing(mixed, db_path):
    out = mixed / "strict.csv"
    r = run_cli("export", "trials", "--study", "20", "--strict", "-o", str(out))
    assert r.returncode == 2
    assert r.stderr.strip() == "jatos-results: component result 407: truncated JSON at byte 8"
    assert not out.exists() and sorted(p.name for p in mixed.iterdir()) == ["mixed.zip", "store"]
    # Where every component result gives rows, --strict changes nothing.
    r = run_cli("export", "trials", "--ids", "201,202", "--strict", "-o", str(out))
    assert r.returncode == 0 and table(out)[1:] == EXPECTED[:-1]


def test_standard_output_and_the_terminal(mixed, db_path):
    r = run_cli("export", "trials", "--ids", "204", "-o", "-")
    assert r.returncode == 0
    assert list(csv.reader(io.StringIO(r.stdout, newline="")))[1] == EXPECTED[-1][:10] + ["455", "b", "html-keyboard-response"]
    assert r.stderr.startswith("wrote <stdout>")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_parquet_reads_back_as_the_csv(mixed, db_path):
    pq = pytest.importorskip("pyarrow.parquet")
    r = run_cli("export", "trials", "--study", "20", "-o", str(mixed / "t.parquet"))
    assert r.returncode == 0, r.stderr
    assert "6 trial rows; 2 component results left out" in r.stdout
    assert run_cli("export", "trials", "--study", "20", "--raw-csv", "-o", str(mixed / "t.csv")).returncode == 0
    # --format wins over the suffix.
    assert run_cli("export", "trials", "--study", "20", "--format", "parquet", "-o", str(mixed / "p.bin")).returncode == 0
    csv_rows = table(mixed / "t.csv")
    for name in ("t.parquet", "p.bin"):
        got = pq.read_table(mixed / name)
        assert got.column_names == csv_rows[0]
        assert [[_cell(v) for v in row.values()] for row in got.to_pylist()] == csv_rows[1:]
    types = {f.name: str(f.type) for f in pq.read_schema(mixed / "t.parquet")}
    assert types["result_id"] == "int64" and types["response_time"] == "int64" and types["correct"] == "string"
    assert types["duration"] == "double" and types["rt"] == "string"  # 812 and CSV's "455" meet as text
    # Metadata columns empty in every row keep their types (the labelled runs left out: no
    # label in any row, text and not null, so exports read together as one dataset).
    r = run_cli("export", "trials", "--study", "20", "--exclude-label", "include", "--exclude-label", "exclude",
                "-o", str(mixed / "u.parquet"))
    assert r.returncode == 0, r.stderr
    unlabelled = pq.read_table(mixed / "u.parquet")
    assert unlabelled.num_rows and unlabelled.column("label").null_count == unlabelled.num_rows
    assert str(unlabelled.schema.field("label").type) == "string"


def test_metadata_only_results_are_refused_as_for_every_data_export(store, tmp_path, db_path):
    import_paths(store, [fx.metadata_json(tmp_path)])
    r = run_cli("export", "trials", "-o", str(tmp_path / "t.csv"))
    assert r.returncode == 2 and "--allow-missing-data" in r.stderr and not (tmp_path / "t.csv").exists()
    r = run_cli("export", "trials", "--allow-missing-data", "-o", str(tmp_path / "t.csv"))
    assert r.returncode == 0, r.stderr
    assert "left out the data of 2 component results" in r.stdout and "3 component results left out: 3 no data" in r.stdout


def test_nothing_selected(mixed, db_path):
    r = run_cli("export", "trials", "--filter", "qqxqqz", "-o", str(mixed / "t.csv"))
    assert (r.returncode, r.stderr.strip()) == (2, "jatos-results: No results selected")


# -- the real exports (shared/realdata/README.md) ---------------------------------------------------


@pytest.mark.parametrize(
    "name", ["osweb-ext/test-data.jrzip", "visionlabels/srtdemo_jatos_results.zip", "stonesitter/jatos_results_20240619090730.jrzip"]
)
def test_real_archives(realdata, store, tmp_path, db_path, name):
    """Every component result's trials, in order, or counted as left out: nothing lost."""
    src = realdata / name
    import_paths(store, [src])
    out = tmp_path / "t.csv"
    r = run_cli("export", "trials", "-o", str(out))
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(src) as zf:
        datas = {}
        for info in zf.infolist():
            if info.filename.lstrip("/").endswith("/data.txt"):
                cr = int(info.filename.lstrip("/").split("/")[1].removeprefix("comp-result_"))
                datas[cr] = zf.read(info)
        meta = json.loads(zf.read(next(n for n in zf.namelist() if n.lstrip("/") == "metadata.json")))
    order = [
        (sr["id"], cr["id"]) for st in meta["data"] for sr in st["studyResults"] for cr in sr["componentResults"]
    ]
    expected_rows, left_out = [], 0
    for sr, cr in sorted(order):
        trials = read_trials(datas.get(cr))
        left_out += trials.reason is not None
        expected_rows += [(str(sr), str(cr))] * trials.count
    rows = table(out)
    assert [tuple(row[:2]) for row in rows[1:]] == expected_rows
    assert f"{len(expected_rows)} trial rows" in r.stdout
    assert (f"; {left_out} component result" in r.stdout) == bool(left_out)


def test_start_times_in_utc_whatever_the_number():
    from store.exporting.trials import iso_time

    assert iso_time(0) == "1970-01-01T00:00:00.000Z" and iso_time(None) is None
    assert iso_time(1714557297123) == "2024-05-01T09:54:57.123Z"
    assert iso_time(1714607999999) == "2024-05-01T23:59:59.999Z" and iso_time(1714608000000) == "2024-05-02T00:00:00.000Z"
    assert iso_time(-1) == "1969-12-31T23:59:59.999Z"
    assert iso_time(10**17) == str(10**17)  # no such date: the number as stored


def test_trials_options_belong_to_trials(mixed, db_path):
    r = run_cli("export", "data", "--study", "20", "--strict", "-o", str(mixed / "d.txt"))
    assert (r.returncode, r.stderr.strip()) == (2, "jatos-results: --strict is for the trials export (export trials …)")
    r = run_cli("export", "archive", "--format", "parquet", "-o", str(mixed / "a.zip"))
    assert (r.returncode, r.stderr.strip()) == (2, "jatos-results: --format is for the trials export (export trials …)")
    r = run_cli("export", "trials", "--format", "xlsx")
    assert r.returncode == 2 and "invalid choice: 'xlsx'" in r.stderr and "Traceback" not in r.stderr
    assert not (mixed / "d.txt").exists() and not (mixed / "a.zip").exists()


def test_progress_a_chunk_at_a_time_and_cancel_writes_nothing(mixed, store, monkeypatch):
    from store import Cancelled
    from store.exporting import trials

    monkeypatch.setattr(trials, "CHUNK", 2)
    seen: list[tuple[int, int]] = []
    result = export(store, "trials", Selection(study=20), mixed / "t.csv", progress=lambda d, t: seen.append((d, t)))
    assert seen == [(2, 6), (4, 6), (6, 6)] and result.trial_rows == 6
    with pytest.raises(Cancelled):
        export(store, "trials", Selection(study=20), mixed / "c.csv", cancelled=lambda: len(seen) > 3,
               progress=lambda d, t: seen.append((d, t)))
    assert not (mixed / "c.csv").exists() and not list(mixed.glob(".*part"))


def test_a_name_of_another_format_is_refused_unless_the_format_is_given(mixed, db_path):
    """trials.xlsx would have been CSV under a spreadsheet's name: refused in one line, no file."""
    for name in ("t.xlsx", "t.tsv"):
        r = run_cli("export", "trials", "--study", "20", "-o", str(mixed / name))
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert "the trials export writes CSV (.csv) or Parquet (.parquet), not ." in r.stderr
        assert not (mixed / name).exists()
    r = run_cli("export", "trials", "--study", "20", "--format", "csv", "-o", str(mixed / "t.dat"))
    assert r.returncode == 0 and (mixed / "t.dat").read_bytes().startswith(b"result_id,")
    assert run_cli("export", "trials", "--study", "20", "-o", str(mixed / "t.txt")).returncode == 0

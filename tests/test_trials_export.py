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
from store.labels import set_labels

import jatos_fixtures as fx
from conftest import run_cli

T0 = 1714557297000  # 2024-05-01T09:54:57Z

# (study result, worker, worker type, URL parameters, state, [(component result, component, data)])
MIXED = [
    (201, 71, "GeneralSingle", {"PROLIFIC_PID": "p-201"}, "FINISHED", [
        # jsPsych 7, .json(): a nested response, a formula typed by the participant
        (405, 60, '[{"rt":null,"stimulus":"<p>Hi</p>","response":"a","trial_type":"html-keyboard-response",'
                  '"trial_index":0,"time_elapsed":2103},'
                  '{"rt":812,"response":{"Q0":"=1+2"},"trial_type":"survey-text","trial_index":1,"time_elapsed":9120}]'),
        # lab.js: meta on the first row
        (406, 61, '[{"sender":"Trial","sender_type":"html.Screen","duration":1500.5,"correct":true,'
                  '"meta":{"labjs_version":"20.2.2"}}]'),
    ]),
    (202, 72, "Jatos", None, "FINISHED", [
        # OSWeb: the envelope's context after each trial's own columns
        (401, 60, '{"data":[{"count_trial_sequence":0,"response_time":512,"correct":1},'
                  '{"count_trial_sequence":1,"response_time":-3,"correct":0}],"context":{"jatosVersion":"3.5.2"}}'),
    ]),
    (203, 73, "GeneralMultiple", None, "DATA_RETRIEVED", [
        (407, 60, '[{"rt":1'),  # cut short while sending
        (408, 61, None),  # never sent
    ]),
    (204, 74, "PersonalSingle", {"workerId": "w-204"}, "FINISHED", [
        (409, 60, '"rt","response","trial_type"\r\n"455","b","html-keyboard-response"'),  # jsPsych's .csv()
    ]),
]

HEADER = (
    "result_id,component_result_id,component,worker_id,worker_type,batch,state,start_time,participant_id,label,"
    "rt,stimulus,response,trial_type,trial_index,time_elapsed,response.Q0,"
    "sender,sender_type,duration,correct,meta.labjs_version,count_trial_sequence,response_time,context.jatosVersion"
).split(",")
_ = ""
EXPECTED = [
    ["201", "405", "60", "71", "GeneralSingle", "14", "FINISHED", "2024-05-01T09:54:57.000Z", "p-201", _,
     _, "<p>Hi</p>", "a", "html-keyboard-response", "0", "2103", _, _, _, _, _, _, _, _, _],
    ["201", "405", "60", "71", "GeneralSingle", "14", "FINISHED", "2024-05-01T09:54:57.000Z", "p-201", _,
     "812", _, _, "survey-text", "1", "9120", "'=1+2", _, _, _, _, _, _, _, _],
    ["201", "406", "61", "71", "GeneralSingle", "14", "FINISHED", "2024-05-01T09:55:07.000Z", "p-201", _,
     _, _, _, _, _, _, _, "Trial", "html.Screen", "1500.5", "true", "20.2.2", _, _, _],
    ["202", "401", "60", "72", "Jatos", "14", "FINISHED", "2024-05-01T09:56:37.000Z", _, "include",
     _, _, _, _, _, _, _, _, _, _, "1", _, "0", "512", "3.5.2"],
    ["202", "401", "60", "72", "Jatos", "14", "FINISHED", "2024-05-01T09:56:37.000Z", _, "include",
     _, _, _, _, _, _, _, _, _, _, "0", _, "1", "-3", "3.5.2"],
    ["204", "409", "60", "74", "PersonalSingle", "14", "FINISHED", "2024-05-01T09:59:57.000Z", "w-204", "exclude",
     "455", _, "b", "html-keyboard-response", _, _, _, _, _, _, _, _, _, _, _],
]


def mixed_archive(path):
    entries, results = [], []
    for n, (sr, worker, wtype, params, state, crs) in enumerate(MIXED):
        comps = []
        for k, (cr, component, data) in enumerate(crs):
            start = T0 + n * 100_000 + k * 10_000
            if data is not None:
                entries.append((f"study_result_{sr}/comp-result_{cr}/data.txt", data.encode()))
            comps.append({
                "id": cr, "componentId": component, "componentUuid": f"c0a80001-0000-4000-8000-{component:012d}",
                "startDate": start, "endDate": start + 5000, "duration": "00:00:05",
                "componentState": "FINISHED" if state == "FINISHED" else "STARTED",
                "path": f"/study_result_{sr}/comp-result_{cr}",
                "data": {"size": len(data.encode()) if data else 0, "sizeHumanReadable": ""},
                "files": [], "isQuotaReached": False,
            })
        result = {
            "id": sr, "uuid": f"00000000-0000-4000-8000-{sr:012d}", "studyCode": "Xk3pQ9LmA2z",
            "startDate": T0 + n * 100_000, "endDate": T0 + n * 100_000 + 60_000, "duration": "00:01:00",
            "lastSeenDate": T0 + n * 100_000 + 60_000, "studyState": state, "workerId": worker,
            "workerType": wtype, "batchId": 14, "batchUuid": "b7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2918",
            "batchTitle": "Default", "groupId": None, "isQuotaReached": False, "componentResults": comps,
        }
        if params:
            result["urlQueryParameters"] = params
        results.append(result)
    doc = {"apiVersion": "1.1.0", "data": [{"studyId": 20, "studyUuid": "3f1c2a9e-7b1d-4c55-9e0a-000000000020",
                                             "studyTitle": "Mixed", "studyResults": results}]}
    return fx.write_zip(path, entries + [("metadata.json", json.dumps(doc).encode())])


@pytest.fixture
def mixed(store, tmp_path):
    import_paths(store, [mixed_archive(tmp_path / "mixed.zip")])
    set_labels(store, [202], "include", "")
    set_labels(store, [204], "exclude", "bot")
    return tmp_path


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


def test_parquet_without_pyarrow_names_the_extra(mixed, store, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(Exception) as raised:
        export(store, "trials", Selection(study=20), mixed / "t.parquet")
    assert str(raised.value) == "Parquet needs pyarrow: pip install 'jatos-results[parquet]'"
    assert not (mixed / "t.parquet").exists() and not list(mixed.glob(".*part"))


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

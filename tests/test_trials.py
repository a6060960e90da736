"""Component result data as trial rows (store/formats/trials): each format from its own
documentation's shape, the failures named, the CSV table, memory, and the real exports."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import zipfile

import pytest

from store.formats.trials import (
    META_COLUMNS,
    ColumnUnion,
    TrialCsvWriter,
    UnreadableData,
    learn_columns,
    left_out_summary,
    read_trials,
    reading,
    write_trials_csv,
    write_trials_parquet,
)

# -- each format -----------------------------------------------------------------------------------

# jsPsych 7: jsPsych.data.get().json() (what jatos.endStudy(jsPsych.data.get().json()) sends).
JSPSYCH_JSON = (
    '[{"rt":null,"stimulus":"<p>Welcome</p>","response":"a","trial_type":"html-keyboard-response",'
    '"trial_index":0,"time_elapsed":2103,"internal_node_id":"0.0-0.0"},'
    '{"rt":812,"response":{"Q0":"female","Q1":"23"},"question_order":[0,1],"trial_type":"survey-text",'
    '"trial_index":1,"time_elapsed":9120,"internal_node_id":"0.0-1.0"}]'
)
# jsPsych's .csv(): every value quoted, CRLF between rows, nested values as JSON text, no final newline.
JSPSYCH_CSV = (
    '"rt","stimulus","response","trial_type","trial_index","time_elapsed","internal_node_id"\r\n'
    '"","<p>Welcome</p>","a","html-keyboard-response","0","2103","0.0-0.0"\r\n'
    '"812","","{""Q0"":""female""}","survey-text","1","9120","0.0-1.0"'
)
# lab.js: the first row carries `meta`; the JATOS plugin sends the array.
LABJS_JSON = (
    '[{"meta":{"labjs_version":"20.2.2","location":"http://x/publix/1/start","screen_width":1920},'
    '"sender":"Welcome","sender_type":"html.Screen","sender_id":"0_0","ended_on":"response","duration":1500.2,'
    '"timestamp":1620200000000},'
    '{"sender":"Trial","sender_type":"html.Screen","sender_id":"1_0","ended_on":"timeout","duration":null,'
    '"correct":true,"timestamp":1620200001500}]'
)
LABJS_OBJECT = '{"sender":"Survey","sender_type":"html.Form","sender_id":"2","age":"31"}'
# OSWeb: {"data": [trials], "context": {…}}, and its incremental log (a comma before "]").
OSWEB_JSON = (
    '{"data":[{"count_trial_sequence":0,"response_time":512,"correct":1,"opensesame_version":"3.3.5"},'
    '{"count_trial_sequence":1,"response_time":471,"correct":0,"opensesame_version":"3.3.5"}],'
    '"context":{"browser":{"name":"Netscape"},"jatosVersion":"3.5.2","queryParams":{}}}'
)
OSWEB_LOG = '[{"count_trial_sequence":0,"response_time":512},\n{"count_trial_sequence":1,"response_time":471},\n]'
# OpenSesame's csv logger: quoted header and cells.
OSWEB_CSV = '"acc","count_trial_sequence","response_time","opensesame_version"\n"100","0","512","3.3.5"\n"50","1","471","3.3.5"\n'
# PsychoJS: unquoted, LF, a final newline and a trailing comma column left blank by the builder.
PSYCHOJS_CSV = (
    "trials.thisRepN,trials.thisN,key_resp.keys,key_resp.rt,participant,session,date,expName,psychopyVersion,OS,frameRate,\n"
    "0,0,left,0.7321,p01,001,2024-05-01_10h12.33.123,stroop,2024.1.4,MacIntel,60.1,\n"
    "0,1,right,0.6512,p01,001,2024-05-01_10h12.33.123,stroop,2024.1.4,MacIntel,60.1,\n"
)


def _rows(data):
    t = read_trials(data)
    assert t.reason is None, t.reason
    rows = list(t)
    assert len(rows) == t.count
    return t, rows


def test_jspsych_json_one_row_per_trial_nested_flattened():
    t, rows = _rows(JSPSYCH_JSON)
    assert (t.shape, t.framework) == ("json array", "jspsych")
    assert rows[0]["rt"] is None and rows[0]["response"] == "a"
    assert rows[1]["response.Q0"] == "female" and rows[1]["response.Q1"] == "23"
    assert rows[1]["question_order"] == "[0,1]"  # arrays stay one cell of JSON text
    assert "response" not in rows[1]


def test_jspsych_csv_cells_stay_text():
    t, rows = _rows(JSPSYCH_CSV)
    assert (t.shape, t.framework) == ("csv", "jspsych")
    assert [r["trial_index"] for r in rows] == ["0", "1"]
    assert rows[1]["response"] == '{"Q0":"female"}' and rows[0]["rt"] == ""


def test_labjs_array_and_object():
    t, rows = _rows(LABJS_JSON)
    assert (t.shape, t.framework) == ("json array", "labjs")
    assert rows[0]["meta.labjs_version"] == "20.2.2" and "meta.labjs_version" not in rows[1]
    assert rows[1]["correct"] is True and rows[1]["duration"] is None
    t, rows = _rows(LABJS_OBJECT)
    assert (t.shape, t.framework, len(rows)) == ("json object", "labjs", 1)


def test_osweb_envelope_rows_carry_the_context():
    t, rows = _rows(OSWEB_JSON)
    assert (t.shape, t.framework, len(rows)) == ("json object", "osweb", 2)
    assert list(rows[1]) == [
        "count_trial_sequence",
        "response_time",
        "correct",
        "opensesame_version",
        "context.browser.name",
        "context.jatosVersion",
    ]  # the empty queryParams gives no column
    assert rows[1]["context.jatosVersion"] == "3.5.2"


def test_osweb_log_and_csv():
    t, rows = _rows(OSWEB_LOG)
    assert (t.shape, [r["response_time"] for r in rows]) == ("json log", [512, 471])
    t, rows = _rows(OSWEB_CSV)
    assert (t.shape, t.framework, rows[1]["acc"]) == ("csv", "osweb", "50")


def test_psychojs_csv_blank_header_named_by_position():
    t, rows = _rows(PSYCHOJS_CSV)
    assert (t.framework, len(rows)) == ("psychojs", 2)
    assert rows[0]["key_resp.rt"] == "0.7321" and rows[0]["column_12"] == ""


def test_semicolon_and_tab_csv_and_repeated_names():
    _, rows = _rows("a;b;a\n1;2;3\n")
    assert rows == [{"a": "1", "b": "2", "a_3": "3"}]
    _, rows = _rows(b"\xef\xbb\xbfa\tb\r\n1\t2\r\n")  # a BOM is dropped
    assert rows == [{"a": "1", "b": "2"}]


def test_concatenated_and_line_by_line_json():
    """jatos.appendResultData appends without separators: each value's trials in turn."""
    _, rows = _rows('{"a":1}{"a":2,"b":{"c":3}}\n{"a":4}\n[{"a":5},{"a":6}]')
    assert [r["a"] for r in rows] == [1, 2, 4, 5, 6] and rows[1]["b.c"] == 3
    assert read_trials('{"a":1}\n{"a":2}').shape == "json documents"
    _, rows = _rows('{"a":"Été ✓","b":[{"x":"ä"}]}'.encode())
    assert rows == [{"a": "Été ✓", "b": '[{"x":"ä"}]'}]


def test_a_plain_object_with_data_that_is_not_trials_is_one_row():
    _, rows = _rows('{"data":[1,2],"score":5}')
    assert rows == [{"data": "[1,2]", "score": 5}]
    _, rows = _rows('{"data":[],"score":5}')  # no context: not an OSWeb envelope
    assert rows == [{"data": "[]", "score": 5}]


# -- failures are named --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,reason",
    [
        (None, "no data (NULL)"),
        (b"", "empty"),
        (" \n", "only white space"),
        ("[", "truncated JSON at byte 1 (an array is never closed)"),
        ('[{"a":1},\n{"a":2},\n', "truncated JSON at byte 19 (an array is never closed)"),
        ('[{"a":1},{"a":"Ä', "truncated JSON at byte 17"),
        ('[{"a":1},{"a":', "truncated JSON at byte 14"),
        ("]", "not JSON or CSV (it starts with a stray ']')"),
        ("[]", "no trials (an empty array)"),
        ("{}", "no trials (an empty object or envelope)"),
        ('{"data":[],"context":{"jatosVersion":"3.7.4"}}', "no trials (an empty object or envelope)"),
        ("[1,2]", "a JSON array of non-objects: element 0 is a number"),
        ('[{"a":1},"x"]', "a JSON array of non-objects: element 1 is a string"),
        ('{"a":1} {"a":2', "truncated JSON at byte 14"),
        ('{"a":1} x {"a":2}', "invalid JSON at byte 8: text where trials should be"),
        ('{"a":1}]', "invalid JSON at byte 7: a stray ']' where trials should be"),
        ('[{"a":1} {"a":2}]', "invalid JSON at byte 9: expecting ',' or ']'"),
        ('{"a":1,}', "invalid JSON at byte 7: Expecting property name enclosed in double quotes"),
        (b'[{"a":"\xff"}]', "not UTF-8 text at byte 7"),
        ("hello", "not JSON or CSV (the first line has no ',', tab or ';')"),
        ("42", "not JSON or CSV (the first line has no ',', tab or ';')"),
        ("a,b\n", "no trials (a CSV header without rows)"),
        ("a,b\n1,2\n3", "ragged CSV: row 2 has 1 fields, the header 2"),
        ("a,b\n1,2,3\n", "ragged CSV: row 1 has 3 fields, the header 2"),
        ('a,b\n1,"2\n', "truncated CSV at line 2 (a quoted cell is never closed)"),
        ('a,b\n1,"2"x,3\n', "invalid CSV at line 2: ',' expected after '\"'"),
    ],
)
def test_no_rows_and_a_reason(data, reason):
    t = read_trials(data)
    assert (t.reason, list(t), t.count) == (reason, [], 0)


def test_a_fault_after_many_trials_gives_no_rows_at_all(monkeypatch):
    """The check reaches the end before the first row, small data or large."""
    text = "[" + ",".join('{"i":%d}' % i for i in range(2000)) + ',{"i":'
    for keep in (1 << 20, 10):
        monkeypatch.setattr(reading, "KEEP_DECODED", keep)
        t = read_trials(text)
        assert t.reason.startswith("truncated JSON") and list(t) == []


def test_large_data_is_walked_again_with_the_same_rows(monkeypatch):
    text = JSPSYCH_JSON[:-1] + "," + OSWEB_JSON + "]"  # an envelope inside an array is one trial
    small = list(read_trials(text))
    monkeypatch.setattr(reading, "KEEP_DECODED", 10)
    big = read_trials(text)
    assert list(big) == small and list(big) == small  # and again: each pass walks anew
    assert list(read_trials(PSYCHOJS_CSV)) == list(read_trials(PSYCHOJS_CSV * 1))


# -- the table -------------------------------------------------------------------------------------


def _table(raw: bytes) -> list[list[str]]:
    text = raw.decode("utf-8")
    assert "\r\n" in text and not text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_columns_first_seen_union_padded_and_metadata_first():
    out = io.BytesIO()
    results = [
        (
            {"result_id": 1, "component_result_id": 10, "component": "Stroop", "state": "FINISHED"},
            '[{"b":1},{"a":true}]',
        ),
        ({"result_id": 2, "component_result_id": 11, "label": "pilot"}, '[{"a":false,"c":"x\\r\\ny, \\"z\\""}]'),
        ({"result_id": 3, "component_result_id": 12}, "["),
        ({"result_id": 4, "component_result_id": 13}, "b,state\n7,Ä\n"),
    ]
    summary = write_trials_csv(out, results)
    table = _table(out.getvalue())
    assert table[0] == [*META_COLUMNS, "b", "a", "c", "data.state"]
    meta = len(META_COLUMNS)
    assert [r[meta:] for r in table[1:]] == [
        ["1", "", "", ""],
        ["", "true", "", ""],
        ["", "false", 'x\r\ny, "z"', ""],
        ["7", "", "", "Ä"],
    ]
    assert table[1][:4] == ["1", "10", "Stroop", ""] and table[1][6] == "FINISHED" and table[3][9] == "pilot"
    assert (summary.rows, summary.component_results, summary.left_out) == (
        4,
        3,
        [(12, "truncated JSON at byte 1 (an array is never closed)")],
    )
    assert summary.columns == table[0]


def test_segments_reread_across_flushes(monkeypatch):
    """Rows written before a column appeared are padded, also past a buffer flush and
    with cells that hold line breaks."""
    from store.formats.trials import csv_writer

    monkeypatch.setattr(csv_writer, "_FLUSH_AT", 64)
    out = io.BytesIO()
    with TrialCsvWriter(out) as w:
        for i in range(50):
            w.add({"component_result_id": i}, [{"a": f"line\n{i}"}])
        w.add({"component_result_id": 50}, [{"a": "x", "z": 1}])
        for i in range(51, 60):
            w.add({"component_result_id": i}, [{"a": i}])
    table = _table(out.getvalue())
    assert all(len(r) == len(META_COLUMNS) + 2 for r in table)
    assert [r[-2:] for r in table[1:]] == [[f"line\n{i}", ""] for i in range(50)] + [["x", "1"]] + [
        [str(i), ""] for i in range(51, 60)
    ]


def test_formulas_neutralised_unless_raw_numbers_kept():
    data = '[{"a":"=HYPERLINK(\\"x\\")","b":"-5","c":-5,"d":"@SUM(1)","e":"+1e3","f":"-"}]'
    out = io.BytesIO()
    write_trials_csv(out, [({"participant_id": "=cmd|' /C calc'!A0"}, data)])
    row = _table(out.getvalue())[1]
    assert row[8] == "'=cmd|' /C calc'!A0"
    assert row[len(META_COLUMNS) :] == ['\'=HYPERLINK("x")', "-5", "-5", "'@SUM(1)", "+1e3", "'-"]
    out = io.BytesIO()
    write_trials_csv(out, [({}, data)], raw=True)
    assert _table(out.getvalue())[1][len(META_COLUMNS)] == '=HYPERLINK("x")'


def test_two_pass_columns_stream_straight_and_unknown_ones_refused():
    datas = [JSPSYCH_JSON, LABJS_JSON, "[", OSWEB_CSV]
    columns = learn_columns(datas)
    assert columns[:3] == ["rt", "stimulus", "response"] and "meta.screen_width" in columns
    learnt, given = io.BytesIO(), io.BytesIO()
    write_trials_csv(learnt, [({}, d) for d in datas])
    write_trials_csv(given, [({}, d) for d in datas], columns=columns)
    assert learnt.getvalue() == given.getvalue()
    with pytest.raises(ValueError, match="'x' is not among the columns given"):
        write_trials_csv(io.BytesIO(), [({}, '{"x":1}')], columns=["rt"])


def test_strict_stops_at_the_first_unreadable_and_writes_nothing(tmp_path):
    out = io.BytesIO()
    with pytest.raises(UnreadableData, match="component result 7: empty"):
        write_trials_csv(
            out, [({"component_result_id": 6}, '[{"a":1}]'), ({"component_result_id": 7}, "")], strict=True
        )
    assert out.getvalue() == b""
    pytest.importorskip("pyarrow")
    with pytest.raises(UnreadableData, match="component result 7: empty"):
        write_trials_parquet(
            tmp_path / "t.parquet", [({"component_result_id": 7}, "")], strict=True, spool_dir=tmp_path
        )
    assert list(tmp_path.iterdir()) == []  # nor a spool left behind


def test_left_out_summary_groups_reasons():
    left = [
        (1, "truncated JSON at byte 1 (an array is never closed)"),
        (2, "truncated JSON at byte 900 (an array is never closed)"),
        (3, "invalid JSON at byte 4: Expecting value"),
        (4, "empty"),
        (5, "ragged CSV: row 2 has 1 fields, the header 2"),
        (6, "no trials (an empty array)"),
        (7, "truncated CSV at line 2 (a quoted cell is never closed)"),
    ]
    assert left_out_summary(left) == (
        "7 component results left out: 2 truncated JSON, 1 invalid JSON, 1 empty, 1 ragged CSV, 1 no trials, 1 truncated CSV"
    )
    assert left_out_summary(left[3:4]) == "1 component result left out: 1 empty"
    assert left_out_summary([]) == ""


def test_column_union():
    u = ColumnUnion(["x"])
    for row in ({"a": 1, "x": 2}, {"b": 1}, {"a": 3, "b": 4}):
        u.update(row)
    assert u.columns == ["x", "a", "b"] and len(u) == 3


# -- memory ----------------------------------------------------------------------------------------


def test_a_100k_trial_array_is_never_held_decoded():
    """5.5 MB of JSON decodes to ~60 MB of dicts; the check and the table hold one trial
    at a time (and the writer a 256 KB buffer)."""
    text = (
        "[" + ",".join('{"trial_index":%d,"rt":%d,"stimulus":"<p>x</p>"}' % (i, i % 997) for i in range(100_000)) + "]"
    )
    assert len(text) > reading.KEEP_DECODED
    tracemalloc.start()
    try:
        t = read_trials(text)
        n = sum(1 for _ in t)
        _, after_rows = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()

        class Sink:
            def write(self, b):
                return len(b)

        write_trials_csv(Sink(), [({}, text)])
        _, after_table = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == t.count == 100_000
    assert after_rows < 1 << 20 and after_table < 3 << 20, (after_rows, after_table)


# -- the real exports (shared/realdata/README.md) -----------------------------------------------------


def _zip_data(path) -> dict[int, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {
            int(n.split("comp-result_")[1].split("/")[0]): zf.read(n) for n in zf.namelist() if n.endswith("/data.txt")
        }


def _lines(path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]  # each ends in LF


def test_real_jspsych(realdata):
    """visionlabels (jsPsych 7 via the API and the GUI archive) and amunn (plain text)."""
    for name in ("srtdemo.zip", "srtdemo_jatos_results.zip"):
        datas = _zip_data(realdata / "visionlabels" / name)
        assert len(datas) == 4
        for data in datas.values():
            t = read_trials(data)
            trials = json.loads(data)
            assert (t.shape, t.framework, t.count) == ("json array", "jspsych", len(trials))
            for row, trial in zip(t, trials):
                assert row["trial_index"] == trial["trial_index"] and row.get("stimulus") == trial.get("stimulus")
    rows = [list(read_trials(line)) for line in _lines(realdata / "amunn" / "test.txt")]
    assert [len(r) for r in rows] == [4, 4]
    assert rows[1][0]["response.experimenter_name"] == "Alan" and "response" not in rows[1][0]
    assert rows[1][1]["response"] == 0  # the same key, a scalar in other trials: its own column


def test_real_labjs(realdata):
    first, second = (read_trials(line) for line in _lines(realdata / "dizyd" / "jatos_results_20210505121959.txt"))
    assert [(t.framework, t.count) for t in (first, second)] == [("labjs", 61), ("labjs", 130)]
    rows = list(first)
    assert rows[0]["meta.labjs_version"] == "20.2.2" and rows[0]["url.srid"] == "38"
    assert not any(k.startswith("meta.") for r in rows[1:] for k in r)


def test_real_custom_json_objects(realdata):
    """m-delem: 34 components, one object each; the 16 `{}` give no trials, by name."""
    trials = [read_trials(line) for line in _lines(realdata / "m-delem" / "jatos_results_20230224195553.txt")]
    assert sum(t.count for t in trials) == 18
    assert [t.reason for t in trials].count("no trials (an empty object or envelope)") == 16
    rows = [row for t in trials for row in t]
    assert next(r for r in rows if "lateralite.Row 1" in r)["lateralite.Row 1"] == "gauche"
    assert next(r for r in rows if "langue" in r)["age"] == 23


def test_real_csv_in_data_and_concatenated_json(realdata):
    """steffejr: lines 0–2 are one component's CSV; line 3 two objects with no separator."""
    lines = _lines(realdata / "steffejr" / "jatos_results_data_20251229031054.txt")
    t = read_trials(b"\n".join(lines[:3]))
    assert (t.shape, t.count) == ("csv", 2)
    assert list(t)[1]["total_time_elapsed"] == "22891"
    t = read_trials(lines[3])
    rows = list(t)
    assert (t.shape, len(rows)) == ("json documents", 2)
    assert rows[0]["experiment"] == "mind_wandering"
    assert rows[1]["experiments.fingerTapping.csv"].startswith("trial_number,timestamp,interval")


def test_real_osweb_archives(realdata):
    """osweb-ext's archive: 151 runs with trials, 128 cut short (48 a lone `[`), 14 a lone `]`,
    one envelope without trials; the plain text's lines 2–3 are one incremental log."""
    datas = _zip_data(realdata / "osweb-ext" / "test-data.jrzip")
    out = io.BytesIO()
    summary = write_trials_csv(out, [({"component_result_id": crid}, d) for crid, d in sorted(datas.items())])
    kinds = left_out_summary(summary.left_out)
    assert kinds == "143 component results left out: 128 truncated JSON, 14 not JSON or CSV, 1 no trials"
    others = {"not JSON or CSV (it starts with a stray ']')", "no trials (an empty object or envelope)"}
    assert all(
        r in others or (r.startswith("truncated JSON at byte ") and r.endswith(" (an array is never closed)"))
        for _, r in summary.left_out
    )
    assert summary.component_results == 150
    table = _table(out.getvalue())
    assert (
        len(table) - 1
        == summary.rows
        == sum(len(json.loads(d)["data"]) for crid, d in datas.items() if crid not in dict(summary.left_out))
    )
    assert "context.jatosVersion" in table[0] and {len(r) for r in table} == {len(table[0])}
    lines = _lines(realdata / "osweb-ext" / "test-data.txt")
    t = read_trials(b"\n".join(lines[2:4]))
    assert (t.shape, t.framework, t.count) == ("json log", "osweb", 1)
    for name in (
        "jatos_results_20240619090730.jrzip",
        "jatos_results_20240513101552.jrzip",
        "jatos_results_data_test_test.zip",
    ):
        trials = [read_trials(d) for d in _zip_data(realdata / "stonesitter" / name).values()]
        assert all(t.framework == "osweb" or t.reason.startswith("truncated JSON at byte 1 ") for t in trials)
    rows = list(trials[0])
    assert any("ä" in str(v) for r in rows for v in r.values())


# -- Parquet ------------------------------------------------------------------------------------------


def _same(value, cell: str) -> bool:
    """A Parquet value against its CSV cell; an int in a column widened to double is the
    same number (812 in the CSV, 812.0 in Parquet)."""
    if isinstance(value, float):
        return cell != "" and float(cell) == value
    return cell == ("" if value is None else ("true" if value else "false") if isinstance(value, bool) else str(value))


def _parquet_as_csv(tmp_path, results) -> dict[str, str]:
    """Writes both; checks the Parquet read back equals the CSV cell by cell (2 rows a row
    group, so types are learnt across groups); the Parquet column types."""
    pq = pytest.importorskip("pyarrow.parquet")
    out = io.BytesIO()
    csv_summary = write_trials_csv(out, results, raw=True)
    pq_summary = write_trials_parquet(tmp_path / "t.parquet", results, row_group_rows=2)
    assert (pq_summary.rows, pq_summary.left_out) == (csv_summary.rows, csv_summary.left_out)
    table = pq.read_table(tmp_path / "t.parquet")
    rows = _table(out.getvalue())
    assert table.column_names == rows[0] == pq_summary.columns
    back = table.to_pylist()
    assert len(back) == len(rows) - 1
    for got, want in zip(back, rows[1:]):
        assert all(_same(v, cell) for v, cell in zip(got.values(), want)), (got, want)
    return {f.name: str(f.type) for f in table.schema}


def test_parquet_reads_back_as_the_csv(tmp_path):
    results = [
        ({"result_id": 1, "component_result_id": n, "state": "FINISHED"}, data)
        for n, data in enumerate(
            [JSPSYCH_JSON, JSPSYCH_CSV, LABJS_JSON, LABJS_OBJECT, OSWEB_JSON, OSWEB_LOG, "[", PSYCHOJS_CSV]
        )
    ]
    results += [({"component_result_id": 9}, '[{"rt":1,"mixed":1},{"rt":2.5,"mixed":"x","state":"ok"}]')]
    results += [({"component_result_id": 10}, '[{"ms":1},{"ms":2},{"ms":2.5}]')]  # int, then double in the next group
    types = _parquet_as_csv(tmp_path, results)
    assert types["ms"] == "double"
    assert (types["component_result_id"], types["worker_id"], types["response_time"]) == ("int64", "int64", "int64")  # an empty metadata column keeps its type
    assert (types["rt"], types["mixed"], types["key_resp.rt"], types["data.state"]) == (
        "string",
        "string",
        "string",
        "string",
    )
    assert (types["duration"], types["correct"], types["meta.screen_width"]) == ("double", "string", "int64")


def test_real_osweb_parquet(tmp_path, realdata):
    datas = sorted(_zip_data(realdata / "osweb-ext" / "test-data.jrzip").items())[:60]
    types = _parquet_as_csv(
        tmp_path, [({"result_id": crid // 10, "component_result_id": crid}, d) for crid, d in datas]
    )
    assert (types["response_time"], types["context.jatosVersion"]) == ("int64", "string")


def test_parquet_of_nothing_has_the_metadata_columns(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    summary = write_trials_parquet(tmp_path / "t.parquet", [({"component_result_id": 1}, "[")])
    table = pq.read_table(tmp_path / "t.parquet")
    assert (table.num_rows, table.column_names, summary.left_out) == (
        0,
        list(META_COLUMNS),
        [(1, "truncated JSON at byte 1 (an array is never closed)")],
    )


def test_parquet_widened_to_text_keeps_the_csv_spelling(tmp_path):
    """A column that was double, then bool, then text in later row groups is text, each
    earlier value spelt as the CSV spells it (1.0, not Arrow's 1)."""
    pq = pytest.importorskip("pyarrow.parquet")
    results = [({}, '[{"m":1.0}]'), ({}, '[{"m":true}]'), ({}, '[{"m":"x"}]'), ({}, '[{"n":5}]')]
    write_trials_parquet(tmp_path / "t.parquet", results, row_group_rows=1)
    out = io.BytesIO()
    write_trials_csv(out, results)
    table = pq.read_table(tmp_path / "t.parquet")
    assert table.column("m").to_pylist() == ["1.0", "true", "x", None]
    assert [r[-2:] for r in _table(out.getvalue())[1:]] == [["1.0", ""], ["true", ""], ["x", ""], ["", "5"]]


@pytest.mark.parametrize(
    "text",
    [
        '[{"id":123456789012345678901234567890}]',  # beyond 64 bits: orjson would give a float
        '[{"id":-9223372036854775809,"n":18446744073709551616}]',
        '[{"x":NaN,"y":Infinity,"z":-Infinity}]',
        '[{"big":1e400}]',
        '[{"s":"\\ud800 alone"}]',
        '[{"a":1,"a":2}]',
        '[{"f":0.1,"g":-0.0,"h":1E5,"i":5e-324,"j":1.7976931348623157e308}]',
        "[" * 2000 + "]" * 2000,
        '[{"t":"\\u00e9\\n"}]\ufeff',
        "\ufeff[]",
        '{"a":1} x',
    ],
)
def test_json_read_as_python_reads_it(text):
    """The fast reader (orjson) gives json's answer, or json's error, for every text."""
    try:
        want = json.loads(text)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)):
            reading._loads(text)
        return
    got = reading._loads(text)
    assert repr(got) == repr(want)


def test_json_numbers_read_as_python_reads_them():
    import random

    rng = random.Random(7)
    numbers = [repr(rng.uniform(-1e6, 1e6)) for _ in range(2000)]
    numbers += [repr(rng.random() * 10 ** rng.randint(-300, 300)) for _ in range(2000)]
    numbers += [str(rng.randint(-(2**63), 2**63 - 1)) for _ in range(2000)]
    text = "[" + ",".join(f'{{"v":{n}}}' for n in numbers) + "]"
    assert repr(reading._loads(text)) == repr(json.loads(text))


def test_an_integer_beyond_64_bits_keeps_its_digits_in_the_csv():
    out = io.BytesIO()
    write_trials_csv(out, [({}, '[{"id":123456789012345678901234567890,"n":1}]')])
    assert _table(out.getvalue())[1][-2:] == ["123456789012345678901234567890", "1"]


def test_parquet_types_learnt_across_groups_either_way(tmp_path):
    """A row group Arrow reads whole (one type a column) meets the earlier groups' types:
    double then int stays double, text then int stays text spelt as the CSV spells it, a
    group without the column or with only nulls keeps its type."""
    pq = pytest.importorskip("pyarrow.parquet")
    results = [
        ({}, '[{"d":2.5,"s":"x","b":true}]'),
        ({}, '[{"d":1,"s":7,"b":null}]'),
        ({}, '[{"other":1}]'),
        ({}, '[{"d":3,"s":2.5,"b":false}]'),
    ]
    write_trials_parquet(tmp_path / "t.parquet", results, row_group_rows=1)
    table = pq.read_table(tmp_path / "t.parquet")
    types = {f.name: str(f.type) for f in table.schema}
    assert (types["d"], types["s"], types["b"], types["other"]) == ("double", "string", "bool", "int64")
    assert table.column("d").to_pylist() == [2.5, 1.0, None, 3.0]
    assert table.column("s").to_pylist() == ["x", "7", None, "2.5"]
    assert table.column("b").to_pylist() == [True, None, None, False]
    assert table.column("result_id").to_pylist() == [None] * 4

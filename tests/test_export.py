from __future__ import annotations

import json
import stat
import zipfile

import pytest

from store import Selection, StoreError
from store.exporting.export import default_filename, export
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import run_cli


@pytest.fixture
def scenario(store, tmp_path):
    import_paths(store, [fx.results_archive(tmp_path)])
    out = tmp_path / "out"
    out.mkdir()
    return store, out


def test_archive_is_byte_faithful_to_jatos_310(scenario):
    store, out = scenario
    export(store, "archive", Selection(), out / "a.zip")
    with zipfile.ZipFile(out / "a.zip") as zf:
        names = zf.namelist()
        assert names == [n for n, _ in fx.ENTRIES] + ["metadata.json"]
        for name, payload in fx.ENTRIES:
            assert zf.read(name) == payload
        # the spec's metadata.json, byte for byte: key order, epoch ms, the filename quirk
        assert zf.read("metadata.json") == fx.METADATA_310.encode()
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in zf.infolist())
        assert not any(n.endswith("/") for n in names)


def test_metadata_json_is_the_api_body(scenario):
    store, out = scenario
    export(store, "metadata-json", Selection(), out / "m.json")
    assert (out / "m.json").read_bytes() == fx.METADATA_310.encode()


def test_plain_text_data(scenario):
    store, out = scenario
    export(store, "data", Selection(), out / "d.txt")
    # 301, 302, and nothing at all for 303 (NULL)
    assert (out / "d.txt").read_bytes() == fx.DATA[301] + b"\n" + fx.DATA[302] + b"\n"


def test_plain_text_in_many_chunks(scenario, monkeypatch):
    """SQLite joins the data of a chunk of results at a time: every chunk boundary, with
    NULL data (303) among them, gives what one row at a time gives."""
    from store.db.models import ComponentResult
    from store.exporting import data_text

    store, out = scenario
    import_paths(store, [fx.synthetic_archive(out / "syn.zip", 23, data_bytes=40, first_id=500)])
    rows = ComponentResult.select(ComponentResult.id, ComponentResult.data).order_by(ComponentResult.id).tuples()
    expected = {i: d for i, d in rows}
    scoped = [102, 101] + list(range(520, 505, -1))  # study results, unsorted
    scoped_crs = sorted(c.id for c in ComponentResult.select().where(ComponentResult.study_result.in_(scoped)))
    for size in (1, 2, 4, 5000):
        monkeypatch.setattr(data_text, "JOIN_CHUNK", size)
        export(store, "data", Selection(), out / "all.txt", force=True)
        assert (out / "all.txt").read_bytes() == b"".join(
            d.encode() + b"\n" for _, d in sorted(expected.items()) if d is not None
        )
        export(store, "data", Selection(study_result_ids=scoped), out / "some.txt", force=True)
        assert (out / "some.txt").read_bytes() == b"".join(
            expected[i].encode() + b"\n" for i in scoped_crs if expected[i] is not None
        )


def test_empty_data_is_a_bare_line_break(store, tmp_path):
    doc = fx.metadata_doc()
    cr = doc["data"][0]["studyResults"][1]["componentResults"][0]
    path = fx.write_zip(
        tmp_path / "a.zip",
        fx.ENTRIES + [("study_result_102/comp-result_303/data.txt", b""), ("metadata.json", json.dumps(doc).encode())],
    )
    assert cr["data"]["size"] == 0
    import_paths(store, [path])
    export(store, "data", Selection(), tmp_path / "d.txt")
    assert (tmp_path / "d.txt").read_bytes() == fx.DATA[301] + b"\n" + fx.DATA[302] + b"\n" + b"\n"
    export(store, "archive", Selection(), tmp_path / "a2.zip")
    with zipfile.ZipFile(tmp_path / "a2.zip") as zf:
        assert zf.read("study_result_102/comp-result_303/data.txt") == b""


def test_data_zip_and_files_zip(scenario):
    store, out = scenario
    export(store, "data-zip", Selection(), out / "d.zip")
    export(store, "files", Selection(), out / "f.zip")
    with zipfile.ZipFile(out / "d.zip") as zf:
        assert zf.namelist() == ["study_result_101/comp-result_301/data.txt", "study_result_101/comp-result_302/data.txt"]
    with zipfile.ZipFile(out / "f.zip") as zf:
        assert zf.namelist() == ["study_result_101/comp-result_302/files/audio.webm"]
        assert zf.read("study_result_101/comp-result_302/files/audio.webm") == fx.AUDIO


def test_single_file(scenario):
    store, out = scenario
    export(store, "file", Selection(component_result_ids=[302]), out / "audio.webm", filename="audio.webm")
    assert (out / "audio.webm").read_bytes() == fx.AUDIO
    with pytest.raises(StoreError, match="no file named"):
        export(store, "file", Selection(component_result_ids=[301]), out / "x", filename="audio.webm")


def test_selection_narrows_the_archive(scenario):
    store, out = scenario
    export(store, "archive", Selection(study_result_ids=[102]), out / "a.zip")
    with zipfile.ZipFile(out / "a.zip") as zf:
        assert zf.namelist() == ["metadata.json"]
        meta = json.loads(zf.read("metadata.json"))
    assert [sr["id"] for sr in meta["data"][0]["studyResults"]] == [102]
    export(store, "archive", Selection(component=41), out / "c.zip")
    with zipfile.ZipFile(out / "c.zip") as zf:
        meta = json.loads(zf.read("metadata.json"))
        assert zf.namelist()[-2] == "study_result_101/comp-result_302/data.txt"
    assert [cr["id"] for cr in meta["data"][0]["studyResults"][0]["componentResults"]] == [302]


def test_metadata_csv_as_jatos_writes_it(scenario):
    store, out = scenario
    export(store, "metadata-csv", Selection(), out / "m.csv", columns="Result ID,Duration,Type,State,Message,End time")
    lines = (out / "m.csv").read_bytes().decode("utf-8").split("\n")
    assert lines[0] == '"Result ID","Duration","Type","State","Message","End time"'
    assert lines[1] == '"101","00:10:59","Personal Single","FINISHED","none","' + _local(1714557955000) + '"'
    assert lines[2] == '"102","00:03:05 (not finished yet)","General Multiple","DATA_RETRIEVED","none","never"'
    assert lines[3] == ""  # a newline after the last row, and nothing else
    assert len(lines) == 4
    assert not (out / "m.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def _local(ms):
    from store.formats.jatos_values import local_time

    return local_time(ms)


def test_metadata_csv_default_columns_and_quota_order(scenario):
    store, out = scenario
    from store.db.models import StudyResult

    StudyResult.update(quota_reached=True).where(StudyResult.id == 101).execute()
    export(store, "metadata-csv", Selection(), out / "m.csv")
    lines = (out / "m.csv").read_text().splitlines()
    assert lines[0] == (
        '"Quota reached","Result ID","Start time","Last seen","Duration","Batch","Worker ID","Type","State","Message"'
    )
    # JATOS 3.9.8+ sorts on the quota flag: false first
    assert [line.split(",")[1] for line in lines[1:]] == ['"102"', '"101"']


def test_never_overwrites_without_force_and_is_private(scenario):
    store, out = scenario
    target = out / "d.txt"
    target.write_text("precious")
    with pytest.raises(StoreError, match="already exists"):
        export(store, "data", Selection(), target)
    assert target.read_text() == "precious"
    assert [p.name for p in out.iterdir()] == ["d.txt"]  # no temporary file left behind
    export(store, "data", Selection(), target, force=True)
    assert target.read_bytes().startswith(fx.DATA[301])
    export(store, "archive", Selection(), out / "a.zip")
    assert stat.S_IMODE((out / "a.zip").stat().st_mode) == 0o600


def test_default_names_follow_jatos():
    import datetime as dt

    now = dt.datetime(2024, 5, 1, 10, 45, 0, tzinfo=dt.timezone.utc)
    assert default_filename("archive", now) == "jatos_results_20240501104500.zip"
    assert default_filename("data", now) == "jatos_results_data_20240501104500.txt"
    assert default_filename("metadata-csv", now) == "jatos_results_metadata_20240501104500.csv"


def test_cli_export_names_the_file_and_refuses_overwrite(db_path, tmp_path):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    out = tmp_path / "x.txt"
    r = run_cli("export", "data", "--study", "12", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout
    r = run_cli("export", "data", "--study", "12", "-o", str(out))
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "already exists" in r.stderr


def test_cli_notes_study_results_without_component_results(db_path, tmp_path):
    doc = fx.metadata_doc()
    doc["data"][0]["studyResults"][1]["componentResults"] = []
    path = fx.write_zip(tmp_path / "a.zip", fx.ENTRIES + [("metadata.json", json.dumps(doc).encode())])
    assert run_cli("import", str(path)).returncode == 0
    r = run_cli("export", "metadata-json", "-o", str(tmp_path / "m.json"))
    assert r.returncode == 0
    assert "1 selected study results have no component results" in r.stderr
    meta = json.loads((tmp_path / "m.json").read_text())
    assert [sr["id"] for sr in meta["data"][0]["studyResults"]] == [101]


REAL_ARCHIVES = {
    "osweb-ext/test-data.jrzip": 6348,
    "stonesitter/jatos_results_20240513101552.jrzip": 14813,
    "visionlabels/srtdemo_jatos_results.zip": 13827,
}


@pytest.mark.parametrize("name", sorted(REAL_ARCHIVES))
def test_real_archives_round_trip(store, realdata, tmp_path, name):
    src = realdata / name
    import_paths(store, [src])
    export(store, "archive", Selection(study=REAL_ARCHIVES[name]), tmp_path / "a.zip")
    export(store, "data", Selection(study=REAL_ARCHIVES[name]), tmp_path / "d.txt")
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(tmp_path / "a.zip") as b:
        assert a.namelist() == b.namelist()
        for n in a.namelist():
            if n != "metadata.json":
                assert a.read(n) == b.read(n), n
        ours = json.loads(b.read("metadata.json"))
        theirs = json.loads(a.read("metadata.json"))
        texts = b"".join(a.read(n) + b"\n" for n in sorted(a.namelist(), key=_cr_id) if n.endswith("data.txt"))
    assert ours["apiVersion"] == "1.1.0"
    theirs = theirs["data"] if isinstance(theirs, dict) else theirs
    # Every field JATOS wrote comes back; 3.10 adds isQuotaReached where older versions lacked it.
    if "isQuotaReached" not in json.dumps(theirs):
        ours["data"] = fx._strip_keys(ours["data"], {"isQuotaReached"})
    assert ours["data"] == theirs
    assert (tmp_path / "d.txt").read_bytes() == texts


def _cr_id(name: str) -> int:
    return int(name.split("comp-result_")[1].split("/")[0]) if "comp-result_" in name else 0


def test_cli_output_into_a_file_not_a_folder(db_path, tmp_path):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    (tmp_path / "plain").write_text("x")
    r = run_cli("export", "data", "-o", str(tmp_path / "plain" / "out.txt"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr

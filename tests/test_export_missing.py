"""Exports say exactly what they contain: data the store knows of only from metadata is
never left out silently (issue #10, item 1)."""

from __future__ import annotations

import json
import zipfile

import pytest

from store import Selection
from store.errors import MissingData
from store.exporting.export import export
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import run_cli

DATA_KINDS = ("data", "archive", "data-zip")


@pytest.fixture
def metadata_only(store, tmp_path):
    """301 and 302 have data on the server (27 and 29 bytes); the store has only their sizes."""
    import_paths(store, [fx.metadata_json(tmp_path)])
    out = tmp_path / "out"
    out.mkdir()
    return store, out


@pytest.fixture
def half(store, tmp_path):
    """An archive that brought 301's data but not 302's (its metadata says 29 bytes)."""
    import_paths(store, [fx.write_zip(tmp_path / "a.zip", [fx.ENTRIES[0], ("metadata.json", fx.METADATA_310.encode())])])
    out = tmp_path / "out"
    out.mkdir()
    return store, out


# A metadata import records no files (only an archive or files zip brings them): 302 lists none.
AUDIO_LISTED = '"files":[{"filename":"audio.webm","size":48213,"sizeHumanReadable":"48.2 kB"}]'
METADATA_WITHOUT_FILES = fx.METADATA_310.replace(AUDIO_LISTED, '"files":[]')


def _sizes(meta: dict) -> dict[int, dict]:
    return {cr["id"]: cr["data"] for st in meta["data"] for sr in st["studyResults"] for cr in sr["componentResults"]}


@pytest.mark.parametrize("kind", DATA_KINDS)
@pytest.mark.parametrize("selection", [Selection(), Selection(study=12), Selection(component_result_ids=[302, 303])])
def test_data_known_only_from_metadata_stops_the_export(metadata_only, kind, selection):
    store, out = metadata_only
    with pytest.raises(MissingData) as err:
        export(store, kind, selection, out / "x")
    n = 1 if selection.component_result_ids else 2
    assert err.value.component_results == n
    line = str(err.value)
    assert "\n" not in line
    assert f"{n} selected component results have data that is not in the store" in line
    assert "jatos-results pull --url URL --study 12" in line and "results archive" in line
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("kind", ["metadata-json", "metadata-csv"])
def test_kinds_without_data_are_complete_without_it(metadata_only, kind):
    store, out = metadata_only
    export(store, kind, Selection(), out / "x")
    if kind == "metadata-json":
        # the sizes the server reported: metadata alone is all this kind carries
        assert (out / "x").read_bytes() == METADATA_WITHOUT_FILES.encode()


def test_a_selection_without_missing_data_exports(half):
    store, out = half
    export(store, "data", Selection(component_result_ids=[301, 303]), out / "d.txt")
    assert (out / "d.txt").read_bytes() == fx.DATA[301] + b"\n"
    with pytest.raises(MissingData, match="^1 selected component results"):
        export(store, "data", Selection(study_result_ids=[101]), out / "e.txt")


def test_allowed_archive_claims_only_what_it_holds(half):
    store, out = half
    result = export(store, "archive", Selection(), out / "a.zip", allow_missing_data=True)
    assert result.missing_data == 1
    assert result.line().endswith("; left out the data of 1 component results, which is not in the store")
    with zipfile.ZipFile(out / "a.zip") as zf:
        names = zf.namelist()
        raw = zf.read("metadata.json")
    assert names == ["study_result_101/comp-result_301/data.txt", "metadata.json"]
    sizes = _sizes(json.loads(raw))
    # 302's data is described as JATOS describes a result without data: size 0, no data.txt
    assert sizes[302] == {"size": 0, "sizeHumanReadable": "0 B", "filename": "data.txt"}
    assert sizes[301] == {"size": 27, "sizeHumanReadable": "27 B"}
    # every other byte as JATOS writes it
    expected = METADATA_WITHOUT_FILES.replace(
        '"data":{"size":29,"sizeHumanReadable":"29 B"}', '"data":{"size":0,"sizeHumanReadable":"0 B","filename":"data.txt"}'
    )
    assert raw == expected.encode()
    for cr, data in sizes.items():
        has_entry = any(n.endswith(f"comp-result_{cr}/data.txt") for n in names)
        assert has_entry == (data["size"] > 0), cr


@pytest.mark.parametrize("kind", ["data", "data-zip"])
def test_allowed_data_exports_write_what_is_there(half, kind):
    store, out = half
    result = export(store, kind, Selection(), out / "x", allow_missing_data=True)
    assert result.missing_data == 1
    if kind == "data":
        assert (out / "x").read_bytes() == fx.DATA[301] + b"\n"
    else:
        with zipfile.ZipFile(out / "x") as zf:
            assert zf.namelist() == ["study_result_101/comp-result_301/data.txt"]


def test_cli_stops_in_one_line_and_writes_nothing(db_path, tmp_path):
    assert run_cli("import", str(fx.metadata_json(tmp_path))).returncode == 0
    out = tmp_path / "out"
    out.mkdir()
    for kind in DATA_KINDS:
        r = run_cli("export", kind, "-o", str(out / kind))
        assert r.returncode == 2, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
        assert "2 selected component results have data that is not in the store" in r.stderr
        assert "--allow-missing-data" in r.stderr
        assert r.stdout == ""
    assert list(out.iterdir()) == []
    r = run_cli("export", "archive", "--allow-missing-data", "-o", str(out / "a.zip"))
    assert r.returncode == 0, r.stderr
    assert "left out the data of 2 component results, which is not in the store" in r.stdout
    with zipfile.ZipFile(out / "a.zip") as zf:
        assert zf.namelist() == ["metadata.json"]
        assert all(d["size"] == 0 for d in _sizes(json.loads(zf.read("metadata.json"))).values())


def test_files_known_only_from_metadata_are_not_left_out_silently(metadata_only, tmp_path):
    """The metadata lists audio.webm (48213 bytes) for 302; the store does not hold it."""
    from store import StoreError

    store, out = metadata_only
    with pytest.raises(StoreError) as err:
        export(store, "files", Selection(), out / "f.zip")
    assert "1 uploaded files of the selected results are not in the store (metadata says they exist)" in str(err.value)
    assert list(out.iterdir()) == []
    result = export(store, "files", Selection(), out / "f.zip", allow_missing_data=True)
    assert result.line().endswith("; left out 1 uploaded files, which are not in the store")
    import_paths(store, [fx.files_zip(tmp_path)])  # the files arrive
    result = export(store, "files", Selection(), out / "g.zip")
    assert result.files == 1 and "left out" not in result.line()

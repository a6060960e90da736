from __future__ import annotations

import json
import os
import stat

import pytest

from store.db.models import Component, ComponentResult, ResultFile, Study, StudyResult, Worker
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import ON_POSTGRES, sqlite_only, store_state


def _check_scenario(store, *, comment=True, quota_known=True):
    st = Study.get_by_id(12)
    assert st.title == "Stroop Task"
    assert st.uuid == "3f1c2a9e-7b1d-4c55-9e0a-1a2b3c4d5e6f"
    sr = StudyResult.get_by_id(101)
    assert (sr.state, sr.start_date, sr.end_date, sr.last_seen_date) == (
        "FINISHED",
        1714557296000,
        1714557955000,
        1714557955000,
    )
    assert sr.study_code == "Xk3pQ9LmA2z" and sr.batch_id == 14 and sr.group_id is None
    assert Worker.get_by_id(57).worker_type == "PersonalSingle"
    assert Worker.get_by_id(57).comment == ("P-001" if comment else None)
    running = StudyResult.get_by_id(102)
    assert running.state == "DATA_RETRIEVED" and running.end_date is None
    assert json.loads(running.url_query_parameters) == {"PROLIFIC_PID": "abc123"}
    assert ComponentResult.get_by_id(301).data == fx.DATA[301].decode()
    assert ComponentResult.get_by_id(302).data_size == 29
    assert ComponentResult.get_by_id(303).data is None
    f = ResultFile.get(ResultFile.component_result == 302)
    assert (f.filename, f.size) == ("audio.webm", 48213)
    on_disk = store.files_root / "study-result_101" / "comp-result_302" / "audio.webm"
    assert on_disk.read_bytes() == fx.AUDIO
    assert Component.get_by_id(40).display_title == "Component 40"


@pytest.mark.parametrize("flavour", ["3.10", "3.9", "3.8.1"])
def test_every_archive_flavour_imports(store, tmp_path, flavour):
    path = fx.results_archive(tmp_path, flavour)
    summary = import_paths(store, [path])
    assert (len(summary.studies), len(summary.study_results), len(summary.component_results)) == (1, 2, 3)
    assert summary.files == 1
    assert summary.bytes == 27 + 29 + 48213
    _check_scenario(store, comment=flavour != "3.8.1")


def test_importing_twice_changes_nothing(store, db_path, tmp_path):
    path = fx.results_archive(tmp_path)
    import_paths(store, [path])
    once = store_state(db_path)
    import_paths(store, [path])
    assert store_state(db_path) == once


def test_newer_export_updates_rows_by_id(store, tmp_path):
    import_paths(store, [fx.results_archive(tmp_path)])
    doc = fx.metadata_doc()
    sr = doc["data"][0]["studyResults"][1]
    sr.update(studyState="FINISHED", endDate=1714560900000, lastSeenDate=1714560900000, duration="00:15:00")
    cr = sr["componentResults"][0]
    cr.update(componentState="FINISHED", endDate=1714560900000, data={"size": 5, "sizeHumanReadable": "5 B"})
    # and one more run of the study
    new = json.loads(json.dumps(sr))
    new.update(id=103, uuid="aaaaaaaa-0000-4000-8000-000000000103", workerId=59)
    new["componentResults"][0].update(id=304, path="/study_result_103/comp-result_304")
    doc["data"][0]["studyResults"].append(new)
    newer = tmp_path / "newer"
    newer.mkdir()
    fx.write_zip(
        newer / "jatos_results_20240502.zip",
        fx.ENTRIES
        + [
            ("study_result_102/comp-result_303/data.txt", b"hello"),
            ("study_result_103/comp-result_304/data.txt", b"world"),
            ("metadata.json", json.dumps(doc).encode()),
        ],
    )
    import_paths(store, [newer / "jatos_results_20240502.zip"])
    assert StudyResult.select().count() == 3
    updated = StudyResult.get_by_id(102)
    assert (updated.state, updated.end_date) == ("FINISHED", 1714560900000)
    assert ComponentResult.get_by_id(303).data == "hello"
    assert ComponentResult.get_by_id(304).data == "world"


def test_study_archive_attaches_component_titles(store, tmp_path):
    import_paths(store, [fx.results_archive(tmp_path)])
    summary = import_paths(store, [fx.study_archive(tmp_path)])
    assert summary.titles == 2
    assert Component.get_by_id(40).display_title == "Instructions"
    assert Component.get_by_id(41).display_title == "Stroop trials"


def test_study_archive_before_results_keeps_titles_for_later(store, tmp_path):
    summary = import_paths(store, [fx.study_archive(tmp_path)])
    assert summary.titles_kept == 2
    import_paths(store, [fx.results_archive(tmp_path)])
    assert Component.get_by_id(41).display_title == "Stroop trials"


def test_metadata_then_data_only_then_files_only(store, tmp_path):
    import_paths(store, [fx.metadata_json(tmp_path)])
    assert ComponentResult.get_by_id(301).data is None
    assert ComponentResult.get_by_id(301).data_size == 27  # known to exist on the server
    import_paths(store, [fx.data_zip(tmp_path)])
    import_paths(store, [fx.files_zip(tmp_path)])
    _check_scenario(store)


@pytest.mark.parametrize("layout", ["folder", "zip", "component-page-zip"])
def test_legacy_files_layout(store, tmp_path, layout):
    import_paths(store, [fx.metadata_json(tmp_path), fx.data_zip(tmp_path)])
    if layout == "folder":
        path = fx.legacy_files_folder(tmp_path)
    else:
        path = fx.legacy_files_zip(tmp_path, component_page=layout == "component-page-zip")
    summary = import_paths(store, [path])
    assert summary.files == 1
    _check_scenario(store)


def test_unpacked_archive_zipped_under_one_folder(store, tmp_path):
    entries = [("jatos_results_x/" + n, p) for n, p in fx.ENTRIES] + [
        ("jatos_results_x/metadata.json", fx.METADATA_310.encode())
    ]
    import_paths(store, [fx.write_zip(tmp_path / "rezipped.zip", entries)])
    _check_scenario(store)


def test_files_are_private(store, db_path, tmp_path):
    import_paths(store, [fx.results_archive(tmp_path)])
    if not ON_POSTGRES:  # the SQLite file; a server's database is the server's to keep
        assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.files_root.stat().st_mode) == 0o700
    f = store.files_root / "study-result_101" / "comp-result_302" / "audio.webm"
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE(f.parent.stat().st_mode) == 0o700


REAL = [
    "osweb-ext/test-data.jrzip",
    "stonesitter/jatos_results_20240513101552.jrzip",
    "stonesitter/jatos_results_20240619090730.jrzip",
    "visionlabels/srtdemo_jatos_results.zip",
    "visionlabels/jatos_results_metadata_20240322163958.json",
    "jatos/potato_compass.jzip",
]


def test_every_real_export_imports(store, realdata):
    summary = import_paths(store, [realdata / p for p in REAL])
    assert StudyResult.select().count() == 305 + 71 + 4
    # data-only zips import once their metadata is known
    import_paths(store, [realdata / "stonesitter/jatos_results_data_test_test.zip", realdata / "visionlabels/srtdemo.zip"])
    assert summary.titles_kept == 3  # potato compass is not among the results
    one_byte = ComponentResult.select().where(ComponentResult.data == "[").count()
    assert one_byte == 48 + 2
    # size-0 results without an entry are NULL, not ""
    assert ComponentResult.select().where(ComponentResult.data.is_null()).count() == 12 + 1


def _split_archive(archive, folder):
    """The same results as metadata.json plus a zip of the entries without it, which the
    importer takes the general way: rows found in the store, search text read back."""
    import zipfile

    folder.mkdir()
    with zipfile.ZipFile(archive) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        meta = next(n for n in names if n.rsplit("/", 1)[-1] == "metadata.json")
        (folder / "metadata.json").write_bytes(zf.read(meta))
        entries = [(n, zf.read(n)) for n in names if n != meta]
    return folder / "metadata.json", fx.write_zip(folder / "entries.zip", entries)


def _archives(folder, realdata_dir):
    folder.mkdir()
    yield fx.results_archive(folder, "3.10")
    if realdata_dir.is_dir():
        for name in REAL[:4]:
            yield realdata_dir / name
    elif os.environ.get("CI") == "true":
        pytest.fail("shared/realdata is not beside the repository, and CI must run every test")


@pytest.mark.parametrize("tables_first", [
    pytest.param(False, marks=sqlite_only("results before their studies: SQLite's foreign keys checked at commit")),
    True,
])
def test_archive_rows_written_once_equal_the_general_path(tmp_path, monkeypatch, tables_first, store_at):
    """An archive with metadata.json is written in one pass (store/formats/archive_rows.py): every
    column, file, search text and index entry must be what the general path makes of it,
    with studies and workers written after their results (SQLite) or before (others)."""
    from store import open_store
    from store.importing import source as import_source

    from conftest import REALDATA, index_is_consistent

    monkeypatch.setattr(import_source, "writes_tables_first", lambda store: tables_first)
    for n, archive in enumerate(_archives(tmp_path / "fx", REALDATA)):
        one, general, again = (store_at(tmp_path / f"{kind}{n}" / "r.sqlite3") for kind in ("one", "general", "again"))
        with open_store(one) as s:
            import_paths(s, [archive])
        meta, entries = _split_archive(archive, tmp_path / f"split{n}")
        with open_store(general) as s:
            import_paths(s, [meta])
            import_paths(s, [entries])
        assert store_state(one) == store_state(general), archive
        # Rows already in the store take the archive path's update branch.
        with open_store(again) as s:
            import_paths(s, [meta])
            import_paths(s, [entries])
            import_paths(s, [archive])
        assert store_state(again) == store_state(one), archive
        assert index_is_consistent(one) and index_is_consistent(again)


def test_archive_saying_two_things_about_one_worker(tmp_path, store_at):
    """Rows are rendered from each study result's own say about its worker; where a file
    says two things, the store keeps the last and every row must show that."""
    from store import open_store

    doc = fx.metadata_doc()
    first, second = doc["data"][0]["studyResults"]
    second["workerId"] = first["workerId"]
    first["comment"], second["comment"] = "said first", "said last"
    archive = fx.write_zip(tmp_path / "a.zip", fx.ENTRIES + [("metadata.json", json.dumps(doc).encode())])
    meta, entries = _split_archive(archive, tmp_path / "split")
    one, general = store_at(tmp_path / "one" / "r.sqlite3"), store_at(tmp_path / "general" / "r.sqlite3")
    with open_store(one) as s:
        import_paths(s, [archive])
        texts = [r.search_text for r in StudyResult.select()]
        assert all("said last" in t and "said first" not in t for t in texts)
    with open_store(general) as s:
        import_paths(s, [meta])
        import_paths(s, [entries])
    assert store_state(one) == store_state(general)


def test_a_study_result_without_component_results_is_counted(store, tmp_path):
    doc = fx.metadata_doc()
    empty = json.loads(json.dumps(doc["data"][0]["studyResults"][1]))
    empty.update(id=110, uuid="aaaaaaaa-0000-4000-8000-000000000110", componentResults=[])
    doc["data"][0]["studyResults"].append(empty)
    archive = fx.write_zip(tmp_path / "a.zip", fx.ENTRIES + [("metadata.json", json.dumps(doc).encode())])
    summary = import_paths(store, [archive])
    assert len(summary.study_results) == 3 and StudyResult.get_by_id(110).state == "DATA_RETRIEVED"


def test_archive_without_a_data_file_keeps_data_already_imported(store, tmp_path):
    import_paths(store, [fx.results_archive(tmp_path)])
    # The same archive without 301's data.txt: the data imported before stays.
    entries = [(n, p) for n, p in fx.ENTRIES if "comp-result_301/" not in n]
    doc = fx.metadata_doc()
    later = fx.write_zip(tmp_path / "later.zip", entries + [("metadata.json", json.dumps(doc).encode())])
    import_paths(store, [later])
    assert ComponentResult.get_by_id(301).data == fx.DATA[301].decode()
    assert ComponentResult.get_by_id(301).data_size == len(fx.DATA[301])


@pytest.mark.parametrize("jzip_first", [True, False])
def test_titles_named_with_their_results_are_counted_attached(store, tmp_path, jzip_first):
    paths = [fx.results_archive(tmp_path), fx.study_archive(tmp_path)]
    summary = import_paths(store, paths[::-1] if jzip_first else paths)
    assert (summary.titles, summary.titles_kept) == (2, 0)
    assert summary.line().endswith("; component titles: 2 attached")
    alone = import_paths(store, [fx.study_archive(tmp_path)])
    assert alone.line() == "component titles: 2 attached"

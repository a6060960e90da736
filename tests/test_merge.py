"""Imports and pulls never move a result backwards (store/importing/merge.py), built from the spec's
fixture (jatos.md §3.6): SR 102 is still running there; a later export has it finished."""

from __future__ import annotations

import json

import pytest

from store.db.models import ComponentResult, ResultFile, StudyResult
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import index_is_consistent, run_cli, store_state

BIG = ('{"trials":[' + ",".join(f'{{"trial":{i},"rt":{400 + i % 300}}}' for i in range(6000)) + "]}").encode()
LATER = 1714561000000


def _run(doc: dict, sr_id: int) -> dict:
    return next(sr for sr in doc["data"][0]["studyResults"] if sr["id"] == sr_id)


def finished_doc() -> dict:
    """The same study an hour later: SR 102 finished, with 199 kB of data in 303."""
    doc = fx.metadata_doc()
    sr = _run(doc, 102)
    sr.update(studyState="FINISHED", endDate=LATER, lastSeenDate=LATER, duration="00:16:40")
    cr = sr["componentResults"][0]
    cr.update(componentState="FINISHED", endDate=LATER, data={"size": len(BIG), "sizeHumanReadable": ""})
    return doc


def archive(path, doc: dict, data: dict[int, bytes], files: bool = True):
    entries = [e for e in fx.ENTRIES if files or "/files/" not in e[0]]
    entries = [e for e in entries if not e[0].endswith("data.txt")]
    for cr_id, payload in data.items():
        entries.append((f"study_result_{fx.OWNER[cr_id]}/comp-result_{cr_id}/data.txt", payload))
    return fx.write_zip(path, entries + [("metadata.json", json.dumps(doc).encode())])


@pytest.fixture
def older(tmp_path):
    return fx.results_archive(tmp_path)


@pytest.fixture
def newer(tmp_path):
    return archive(tmp_path / "newer.zip", finished_doc(), {**fx.DATA, 303: BIG})


def _state_102():
    sr = StudyResult.get_by_id(102)
    cr = ComponentResult.get_by_id(303)
    return sr.state, sr.last_seen_date, cr.state, cr.data, cr.data_size


def test_an_older_archive_after_a_newer_one_changes_nothing(store, db_path, older, newer):
    import_paths(store, [newer])
    before = store_state(db_path)
    summary = import_paths(store, [older])
    assert _state_102() == ("FINISHED", LATER, "FINISHED", BIG.decode(), len(BIG))
    assert store_state(db_path) == before
    assert summary.outcomes.line() == (
        "study results: 0 new, 0 updated, 1 unchanged, 1 kept because the store's version is newer"
    )
    assert index_is_consistent(db_path)


def test_a_newer_archive_after_an_older_one_updates(store, db_path, older, newer):
    import_paths(store, [older])
    summary = import_paths(store, [newer])
    assert _state_102() == ("FINISHED", LATER, "FINISHED", BIG.decode(), len(BIG))
    assert summary.outcomes.line() == "study results: 0 new, 1 updated, 1 unchanged"
    assert index_is_consistent(db_path)


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_one_import_of_both_in_any_order_keeps_the_newer(store, older, newer, order):
    import_paths(store, [older, newer] if order == "older first" else [newer, older])
    assert _state_102() == ("FINISHED", LATER, "FINISHED", BIG.decode(), len(BIG))


def test_an_older_metadata_file_does_not_move_a_result_back(store, tmp_path, newer):
    import_paths(store, [newer])
    summary = import_paths(store, [fx.metadata_json(tmp_path)])
    assert _state_102() == ("FINISHED", LATER, "FINISHED", BIG.decode(), len(BIG))
    assert summary.outcomes.count("older") == 1


def test_an_older_data_zip_does_not_shorten_newer_data(store, tmp_path, newer):
    import_paths(store, [newer])
    prefix = BIG[: len(BIG) // 3]
    old = fx.write_zip(tmp_path / "data.zip", [("study_result_102/comp-result_303/data.txt", prefix)])
    summary = import_paths(store, [old])
    assert ComponentResult.get_by_id(303).data == BIG.decode()
    assert summary.outcomes.count("older") == 1


def test_a_longer_data_zip_extends_data(store, tmp_path, older):
    import_paths(store, [older])
    grown = fx.DATA[301] + b'\n{"trial":2}'
    later = fx.write_zip(tmp_path / "data.zip", [("study_result_101/comp-result_301/data.txt", grown)])
    summary = import_paths(store, [later])
    assert ComponentResult.get_by_id(301).data == grown.decode()
    assert summary.outcomes.count("updated") == 1


def test_reimporting_the_same_archive_counts_it_unchanged(store, db_path, older):
    import_paths(store, [older])
    before = store_state(db_path)
    summary = import_paths(store, [older])
    assert summary.outcomes.line() == "study results: 0 new, 0 updated, 2 unchanged"
    assert store_state(db_path) == before


def test_an_abort_withdraws_the_data_and_files(store, db_path, tmp_path):
    # Running, with data and an uploaded file ...
    doc = fx.metadata_doc()
    sr = _run(doc, 102)
    cr = sr["componentResults"][0]
    cr["data"] = {"size": len(BIG), "sizeHumanReadable": ""}
    cr["files"] = [{"filename": "rec.webm", "size": 5}]
    running = fx.write_zip(
        tmp_path / "running.zip",
        fx.ENTRIES
        + [
            ("study_result_102/comp-result_303/data.txt", BIG),
            ("study_result_102/comp-result_303/files/rec.webm", b"12345"),
            ("metadata.json", json.dumps(doc).encode()),
        ],
    )
    import_paths(store, [running])
    folder = db_path.with_name(db_path.stem + "-files") / "study-result_102"
    assert (folder / "comp-result_303" / "rec.webm").exists()
    # ... then the participant aborted: JATOS purged the run (§1.3).
    sr.update(studyState="ABORTED", endDate=LATER, lastSeenDate=LATER, message="withdrew")
    cr.update(componentState="ABORTED", endDate=LATER, data={"size": 0, "sizeHumanReadable": "0 B"}, files=[])
    aborted = fx.write_zip(tmp_path / "aborted.zip", fx.ENTRIES + [("metadata.json", json.dumps(doc).encode())])
    summary = import_paths(store, [aborted])
    assert _state_102() == ("ABORTED", LATER, "ABORTED", None, 0)
    assert not ResultFile.select().where(ResultFile.component_result == 303).exists()
    assert not folder.exists()
    assert "1 withdrawn (aborted: their data and files removed)" in summary.outcomes.line()
    assert index_is_consistent(db_path)
    # The running export again (older) does not bring the data back.
    import_paths(store, [running])
    assert _state_102() == ("ABORTED", LATER, "ABORTED", None, 0)


def test_a_disagreement_keeps_the_store_and_is_listed(store, db_path, tmp_path, older):
    import_paths(store, [older])
    other = archive(tmp_path / "other.zip", fx.metadata_doc(), {**fx.DATA, 301: b'{"trial":1,"rt":999,"ok":1}'})
    before = store_state(db_path)
    summary = import_paths(store, [other])
    assert ComponentResult.get_by_id(301).data == fx.DATA[301].decode()
    assert store_state(db_path) == before
    assert "1 conflicts kept as stored (study results 101; --replace takes the incoming version)" in summary.line()
    summary = import_paths(store, [other], replace=True)
    assert ComponentResult.get_by_id(301).data == '{"trial":1,"rt":999,"ok":1}'
    assert summary.outcomes.count("updated") == 1
    assert index_is_consistent(db_path)


def test_a_data_zip_named_before_its_archive_is_imported(store, tmp_path):
    import_paths(store, [fx.data_zip(tmp_path), fx.metadata_json(tmp_path)])
    assert ComponentResult.get_by_id(301).data == fx.DATA[301].decode()
    assert StudyResult.get_by_id(102).state == "DATA_RETRIEVED"


def test_the_command_line_says_what_happened(db_path, older, newer):
    assert run_cli("import", str(newer)).returncode == 0
    done = run_cli("import", str(older))
    assert done.returncode == 0, done.stderr
    assert "0 new, 0 updated, 1 unchanged, 1 kept because the store's version is newer" in done.stdout
    done = run_cli("import", "--replace", str(older))
    assert "0 new, 1 updated, 1 unchanged" in done.stdout


@pytest.mark.parametrize("second", ["same", "older", "conflict"])
def test_two_archives_with_the_same_file_in_one_import_keep_it(store, tmp_path, newer, older, second):
    if second == "same":
        (tmp_path / "copy").mkdir()
        other = archive(tmp_path / "copy" / "newer.zip", finished_doc(), {**fx.DATA, 303: BIG})
    elif second == "older":
        other = older
    else:
        other = archive(tmp_path / "c.zip", finished_doc(), {**fx.DATA, 303: BIG, 301: b'{"rt":999}'})
    summary = import_paths(store, [newer, other])
    audio = store.files_root / "study-result_101" / "comp-result_302" / "audio.webm"
    assert audio.read_bytes() == fx.AUDIO
    assert ComponentResult.get_by_id(301).data == fx.DATA[301].decode()
    expected = {
        "same": "study results: 2 new, 0 updated, 0 unchanged",
        "older": "study results: 2 new, 0 updated, 0 unchanged",
        "conflict": "study results: 2 new, 0 updated, 0 unchanged, 1 conflicts kept as stored "
        "(study results 101; --replace takes the incoming version)",
    }[second]
    assert summary.outcomes.line() == expected


def test_metadata_and_data_in_one_import_count_as_new(store, tmp_path):
    summary = import_paths(store, [fx.data_zip(tmp_path), fx.metadata_json(tmp_path)])
    assert summary.outcomes.line() == "study results: 2 new, 0 updated, 0 unchanged"


def _aborted_doc(sr_id: int, components: int | None = None) -> dict:
    doc = fx.metadata_doc()
    sr = _run(doc, sr_id)
    sr.update(studyState="ABORTED", endDate=LATER, lastSeenDate=LATER)
    if components is not None:
        sr["componentResults"] = sr["componentResults"][:components]
    for cr in sr["componentResults"]:
        cr.update(componentState="ABORTED", data={"size": 0, "sizeHumanReadable": "0 B"}, files=[])
    return doc


def test_a_withdrawal_in_metadata_listing_some_components_keeps_the_index_whole(store, db_path, tmp_path, older):
    """JATOS's component page exports some component results only: the rest are purged too."""
    import_paths(store, [older])
    meta = tmp_path / "aborted.json"
    meta.write_text(json.dumps(_aborted_doc(101, components=1)))
    import_paths(store, [meta])
    assert ComponentResult.get_by_id(302).data is None
    assert index_is_consistent(db_path)
    from store import Selection

    assert Selection(filter="611").row_ids() == []  # 302's data ("rt":611) is gone from the index too


def test_include_deleted_brings_results_back_for_good(store, tmp_path, older):
    from store.removal.delete import delete_ids

    import_paths(store, [older])
    delete_ids(store, "study", [102])
    delete_ids(store, "component", [301])
    import_paths(store, [older], include_deleted=True)
    newer = archive(tmp_path / "n.zip", finished_doc(), {**fx.DATA, 303: BIG})
    summary = import_paths(store, [newer])  # a normal import updates them again
    assert "skipped" not in summary.line()
    assert _state_102()[0] == "FINISHED" and ComponentResult.get_by_id(301).data == fx.DATA[301].decode()


def test_files_forced_back_after_a_withdrawal_in_one_import_stay(store, tmp_path, older):
    import_paths(store, [older])
    aborted = fx.write_zip(tmp_path / "aborted.zip", [("metadata.json", json.dumps(_aborted_doc(101)).encode())])
    summary = import_paths(store, [aborted, older], replace=True)
    audio = store.files_root / "study-result_101" / "comp-result_302" / "audio.webm"
    assert ResultFile.select().where(ResultFile.component_result == 302).exists()
    assert audio.read_bytes() == fx.AUDIO
    assert StudyResult.get_by_id(101).state == "FINISHED"
    assert "withdrawn" not in summary.line()


def test_a_files_zip_never_replaces_a_stored_file_of_another_size(store, tmp_path, older):
    import_paths(store, [older])
    other = fx.write_zip(tmp_path / "f.zip", [("study_result_101/comp-result_302/files/audio.webm", b"truncated")])
    summary = import_paths(store, [other])
    audio = store.files_root / "study-result_101" / "comp-result_302" / "audio.webm"
    assert audio.read_bytes() == fx.AUDIO
    assert "1 conflicts kept as stored (study results 101" in summary.line()
    same = import_paths(store, [fx.files_zip(tmp_path)])
    assert same.outcomes.line() == "study results: 0 new, 0 updated, 1 unchanged" and same.files == 0


def test_a_withdrawal_forgets_files_known_from_metadata(store, tmp_path):
    from store.exporting.check import check_missing

    import_paths(store, [fx.metadata_json(tmp_path)])
    meta = tmp_path / "aborted.json"
    meta.write_text(json.dumps(_aborted_doc(101)))
    import_paths(store, [meta])
    assert not check_missing("files", None, False)  # JATOS deleted them: nothing to wait for

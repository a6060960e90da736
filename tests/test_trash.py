"""Undo for deletes (store/removal/trash.py) and an erasure that erases (store/removal/erase.py)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from store import Selection
from store.db.models import ComponentResult, StudyResult, Tombstone, TrashEntry, Worker
from store.importing.importer import import_paths
from store.labels import set_labels
from store.removal import trash
from store.removal.delete import delete, delete_ids
from store.removal.erase import erase, plan

import jatos_fixtures as fx
from conftest import index_is_consistent, run_cli, sqlite_only, store_state

MARKER = "QZXJVWKPMARKERYBFG"


@pytest.fixture
def scenario(store, tmp_path):
    import_paths(store, [fx.results_archive(tmp_path)])
    return store


def test_delete_then_restore_gives_back_every_byte(scenario, db_path):
    before = store_state(db_path)
    result = delete(scenario, Selection(study_result_ids=[101]))
    assert result.op == 1 and "trash restore --op 1" in result.line()
    assert not StudyResult.select().where(StudyResult.id == 101).exists()
    assert [(d.op, d.level, d.ids) for d in trash.deletes()] == [(1, "study", [101])]
    assert (scenario.files_root / ".deleted" / "1" / "study-result_101" / "comp-result_302" / "audio.webm").exists()
    restored = trash.restore(scenario, op=1)
    assert (restored.study_results, restored.component_results, restored.files) == (1, 2, 1)
    assert store_state(db_path) == before
    assert index_is_consistent(db_path)
    assert Selection(filter="P-001").row_ids() == [101]  # the filter finds it again


def test_component_results_come_back_into_their_study_result(scenario, db_path):
    before = store_state(db_path)
    delete(scenario, Selection(component_result_ids=[302]))
    delete(scenario, Selection(study_result_ids=[101]))
    trash.restore(scenario, op=2)
    trash.restore(scenario, level="component", ids=[302])
    assert store_state(db_path) == before


def test_a_deleted_result_does_not_come_back_by_itself(scenario, tmp_path):
    delete(scenario, Selection(study_result_ids=[101]))
    summary = import_paths(scenario, [fx.results_archive(tmp_path)])
    assert not StudyResult.select().where(StudyResult.id == 101).exists()
    assert "1 study results skipped: deleted here (--include-deleted brings them back)" in summary.line()
    import_paths(scenario, [fx.results_archive(tmp_path)], include_deleted=True)
    assert ComponentResult.get_by_id(301).data == fx.DATA[301].decode()
    assert not Tombstone.select().where(Tombstone.result_id == 101).exists()


def test_a_deleted_component_result_does_not_come_back(scenario, tmp_path):
    delete(scenario, Selection(component_result_ids=[302]))
    summary = import_paths(scenario, [fx.results_archive(tmp_path)])
    assert not ComponentResult.select().where(ComponentResult.id == 302).exists()
    assert not (scenario.files_root / "study-result_101" / "comp-result_302").exists()
    assert summary.outcomes.deleted_components == 1


def test_purge_skips_the_trash(scenario):
    result = delete_ids(scenario, "study", [101], purge=True)
    assert result.op is None and TrashEntry.select().count() == 0
    assert not (scenario.files_root / ".deleted").exists() or not any((scenario.files_root / ".deleted").rglob("*"))
    assert Tombstone.get(Tombstone.result_id == 101).reason == "deleted"
    assert not Worker.select().where(Worker.id == 57).exists()  # its comment was a participant's name


def test_old_entries_expire(scenario, monkeypatch):
    delete(scenario, Selection(study_result_ids=[101]))
    assert trash.expire(scenario) == 0
    monkeypatch.setenv("JATOS_RESULTS_TRASH_DAYS", "0")
    assert trash.expire(scenario) == 1
    assert TrashEntry.select().count() == 0
    assert not any(p.is_file() for p in (scenario.files_root / ".deleted").rglob("*"))


def _store_bytes(db_path) -> bytes:
    out = b""
    for p in sorted(db_path.parent.rglob("*")):
        if p.is_file():
            out += p.read_bytes()
    return out


def _marked_archive(tmp_path):
    doc = fx.metadata_doc()
    # Long enough to fill pages of its own, which stay free (with their bytes) after a delete.
    pad = "".join(chr(97 + (i * 7) % 26) for i in range(200_000))
    data = {301: json.dumps({"trial": 1, "note": MARKER, "pad": pad, "end": MARKER}).encode(), 302: fx.DATA[302]}
    doc["data"][0]["studyResults"][0]["componentResults"][0]["data"]["size"] = len(data[301])
    entries = [(n, p) for n, p in fx.ENTRIES if not n.endswith("data.txt")]
    entries += [(f"study_result_101/comp-result_{c}/data.txt", d) for c, d in data.items()]
    audio = [(n, MARKER.encode() * 3) for n, _ in entries if n.endswith("audio.webm")]
    entries = [e for e in entries if not e[0].endswith("audio.webm")] + audio
    doc["data"][0]["studyResults"][0]["componentResults"][1]["files"][0]["size"] = len(audio[0][1])
    return fx.write_zip(tmp_path / "marked.zip", entries + [("metadata.json", json.dumps(doc).encode())])


def _trigrams_in_index(db_path) -> set[str]:
    con = sqlite3.connect(db_path)
    try:
        con.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, data_fts, row)")
        return {r[0] for r in con.execute("SELECT term FROM temp.v")}
    finally:
        con.close()


@sqlite_only("bytes of the SQLite file and its FTS5 index (secure_delete, VACUUM)")
def test_erase_leaves_no_recoverable_byte(store, db_path, tmp_path):
    import_paths(store, [_marked_archive(tmp_path)])
    assert MARKER.encode() in _store_bytes(db_path)
    grams = {MARKER.lower()[i : i + 3] for i in range(len(MARKER) - 2)}
    assert grams <= _trigrams_in_index(db_path)
    # Deleted first, by an SQLite that leaves deleted bytes in free pages (the index keeps
    # them too), then erased from the trash.
    store.db.execute_sql("PRAGMA secure_delete = 0").close()
    # A label and its note go with the result (they are in the row's search text too).
    set_labels(store, [101], "zqlabelmark", "zqnotemark: said the code word aloud")
    assert b"zqnotemark" in _store_bytes(db_path)
    delete(store, Selection(study_result_ids=[101]))
    what = plan(Selection(worker=57))
    assert (what.live, what.trashed_results) == ([], [("study", 101)])
    result = erase(store, what)
    assert result.line() == "erased 0 study results from the store and 1 from the trash"
    everything = _store_bytes(db_path)
    assert MARKER.encode() not in everything
    assert b"P-001" not in everything  # the worker's comment
    assert b"zqlabelmark" not in everything and b"zqnotemark" not in everything
    assert not grams & _trigrams_in_index(db_path)
    assert TrashEntry.select().count() == 0 and Tombstone.get(Tombstone.result_id == 101).reason == "erased"
    assert [r.id for r in StudyResult.select()] == [102]
    assert index_is_consistent(db_path)


def test_erase_from_the_command_line(db_path, tmp_path):
    assert run_cli("import", str(_marked_archive(tmp_path))).returncode == 0
    done = run_cli("erase", "--filter", MARKER)
    assert done.returncode == 2 and "--yes" in done.stderr
    done = run_cli("erase", "--filter", MARKER, "--yes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "erased 1 study results from the store and 0 from the trash"
    assert MARKER.encode() not in _store_bytes(db_path)
    done = run_cli("erase", "--filter", MARKER, "--yes")
    assert done.returncode == 2 and done.stderr.strip() == "jatos-results: No results selected"


def test_trash_from_the_command_line(db_path, tmp_path):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    before = store_state(db_path)
    assert run_cli("delete", "--ids", "101", "--yes").returncode == 0
    listing = run_cli("trash")
    assert listing.returncode == 0 and "1 study results: 101" in listing.stdout
    done = run_cli("trash", "restore", "--op", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "restored 1 study results, 2 component results and 1 files"
    assert store_state(db_path) == before
    assert run_cli("trash", "restore", "--op", "1").returncode == 2
    assert run_cli("delete", "--ids", "102", "--yes").returncode == 0
    assert run_cli("trash", "empty", "--yes").stdout.strip() == "removed 1 results from the trash"
    assert run_cli("trash").stdout.strip() == "the trash is empty"


def test_a_withdrawal_reaches_the_trash(scenario, tmp_path):
    """Deleted here, then the participant aborted: a restore must not bring the data back."""
    delete(scenario, Selection(study_result_ids=[101]))
    doc = fx.metadata_doc()
    sr = doc["data"][0]["studyResults"][0]
    sr.update(studyState="ABORTED", lastSeenDate=sr["lastSeenDate"] + 1000)
    for cr in sr["componentResults"]:
        cr.update(componentState="ABORTED", data={"size": 0, "sizeHumanReadable": "0 B"}, files=[])
    aborted = fx.write_zip(tmp_path / "aborted.zip", [("metadata.json", json.dumps(doc).encode())])
    summary = import_paths(scenario, [aborted])
    assert "1 withdrawn (aborted: their data and files removed)" in summary.line()
    assert not StudyResult.select().where(StudyResult.id == 101).exists()
    assert not any(p.is_file() for p in (scenario.files_root / ".deleted").rglob("*"))
    trash.restore(scenario, op=1)
    assert [(c.id, c.data, c.data_size) for c in ComponentResult.select().where(ComponentResult.study_result == 101)] == [
        (301, None, 0),
        (302, None, 0),
    ]
    assert not (scenario.files_root / "study-result_101").exists()


def test_erase_by_filter_takes_the_trashed_components_of_its_results(scenario, db_path):
    delete(scenario, Selection(component_result_ids=[301]))
    what = plan(Selection(filter="P-001"))  # the worker's comment: in 101's own text only
    assert what.trashed_results == [("component", 301)]
    erase(scenario, what)
    assert TrashEntry.select().count() == 0
    assert fx.DATA[301] not in _store_bytes(db_path)


@pytest.mark.parametrize("level", ["study", "component"])
def test_files_known_from_metadata_come_back_with_their_results(store, db_path, tmp_path, level):
    from store.exporting.check import check_missing

    import_paths(store, [fx.metadata_json(tmp_path)])  # 302 has audio.webm, not in the store
    before = store_state(db_path)
    if level == "study":
        delete(store, Selection(study_result_ids=[101]))
    else:
        delete(store, Selection(component_result_ids=[302]))
    assert not check_missing("files", None, False)
    trash.restore(store, op=1)
    assert store_state(db_path) == before
    assert check_missing("files", None, True).files == 1


def test_an_erase_by_regex_or_phrase_refuses_texts_an_earlier_version_left_in_the_trash(scenario):
    """Trashed texts written before cells had a line each would answer `^`, `$` and quoted
    phrases the old way, and an erase cannot be undone: it says so instead (found in review)."""
    from store import StoreError

    delete(scenario, Selection(study_result_ids=[101]))
    assert plan(Selection(filter="^101$", regex=True)).trashed_results == [("study", 101)]
    with scenario.write():  # as an earlier version wrote the trashed rows' texts
        for entry in TrashEntry.select():
            rows = json.loads(entry.rows)
            for r in [rows["study_result"]] + rows["component_results"]:
                r["search_text"] = r["search_text"].replace("\n", " ")
            TrashEntry.update(rows=json.dumps(rows)).where(TrashEntry.id == entry.id).execute()
    for f in (Selection(filter="^101$", regex=True), Selection(filter='"FINISHED 27"')):
        with pytest.raises(StoreError, match=r"^an earlier version wrote the texts of 1 result in the trash, "):
            plan(f)
    # Words alone, and ids, read the same either way.
    assert plan(Selection(filter="P-001")).trashed_results == [("study", 101)]
    assert plan(Selection(study_result_ids=[101])).trashed_results == [("study", 101)]

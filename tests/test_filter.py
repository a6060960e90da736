from __future__ import annotations

import sqlite3

import pytest

from store import Selection, StoreError
from store.db.models import StudyResult
from store.importing.importer import import_paths
from store.search.syntax import All, Not, Text, parse

import jatos_fixtures as fx
from conftest import run_cli, sqlite_only


@pytest.fixture
def scenario(store, tmp_path):
    import_paths(store, [fx.results_archive(tmp_path)])
    return store


def ids(**kw):
    return Selection(**kw).row_ids()


def test_parse_smart():
    assert parse('a  "b c" !d !"e f"') == All((Text("a"), Text("b c"), Not(Text("d")), Not(Text("e f"))))
    assert parse("!") == Text("!")


def test_terms_must_all_match_anywhere(scenario):
    # JATOS's pitfall (issue #154), reproduced: "(not finished yet)" matches FINISHED too
    assert ids(filter="FINISHED") == [101, 102]
    assert ids(filter="FINISHED", case_sensitive=True) == [101]
    assert ids(filter="finished personal") == [101]  # case-insensitive, any column
    assert ids(filter="finished mturk") == []
    assert ids(filter="Default") == [101, 102]


def test_data_is_searched(scenario):
    assert ids(filter='"rt":611') == [101]  # in component result 302's data
    assert ids(filter="trial") == [101]
    assert ids(filter="!trial") == [102]


def test_quoted_phrases_and_negation(scenario):
    assert ids(filter='"not finished yet"') == [102]
    assert ids(filter='"personal single"') == [101]
    assert ids(filter='!"personal single"') == [102]


def test_dates_are_searched_as_jatos_does(scenario):
    # JATOS searches dates by their ISO-8601 UTC form (toISOString)
    assert ids(filter="2024-05-01T09:54:56.000Z") == [101]


def test_times_are_found_as_the_table_shows_them(scenario):
    from store.formats.jatos_values import local_short

    start = StudyResult.get_by_id(101).start_date
    shown = local_short(start)  # "YYYY-MM-DD HH:MM:SS" in this machine's zone
    assert ids(filter=f'"{shown}"') == [101]
    assert ids(filter=f'"{shown[5:16]}"') == [101]


def test_case_sensitive(scenario):
    assert ids(filter="stroop", case_sensitive=True) == []
    assert ids(filter="Stroop", case_sensitive=True) == [101, 102]
    assert ids(filter='"OK":1', case_sensitive=True) == []
    assert ids(filter='"ok":1', case_sensitive=True) == [101]


def test_regex(scenario):
    assert ids(filter=r'"rt":6\d\d', regex=True) == [101]
    assert ids(filter=r"^102\b", regex=True) == [102]  # the Result ID cell's start
    assert ids(filter=r"\A102", regex=True) == []  # the row text starts with the quota flag
    # Python's dialect on every backend: \b is a word boundary (a backspace in PostgreSQL's).
    assert ids(filter=r"\bDATA_RETRIEVED\b", regex=True) == [102]
    assert ids(filter=r"\bDATA_RETRIEVE\b", regex=True) == []
    assert ids(filter=r"PROLIFIC|DATA_RETR", regex=True) == [102]
    assert ids(filter=r"data_retr", regex=True, case_sensitive=True) == []


def test_invalid_regex_is_a_clear_error(scenario):
    with pytest.raises(StoreError, match="invalid regular expression"):
        ids(filter="([", regex=True)


def test_component_level_filter(scenario):
    assert ids(component=40, filter="DATA_RETRIEVED") == [303]
    assert ids(component_result_ids=[301, 302, 303], filter="audio.webm") == [302]
    assert ids(component_result_ids=[301, 302, 303], filter='"trial":1') == [301]


def test_scopes_narrow(scenario):
    assert ids(study=12) == [101, 102]
    assert ids(batch=14) == [101, 102]
    assert ids(worker=58) == [102]
    assert ids(study=12, study_result_ids=[102, 999]) == [102]
    assert ids(component=41) == [302]
    with pytest.raises(StoreError, match="no batch with id 3"):
        ids(batch=3)


def test_batch_scope_leaves_out_jatos_workers(scenario):
    from store.db.models import Worker

    Worker.update(worker_type="Jatos").where(Worker.id == 58).execute()
    assert ids(batch=14) == [101]
    assert ids(study=12) == [101, 102]


def test_cli_invalid_regex(db_path, tmp_path):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    r = run_cli("export", "data", "--filter", "(", "--regex", "-o", str(tmp_path / "x.txt"))
    assert r.returncode == 2
    assert r.stderr.startswith("jatos-results: invalid regular expression")
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.txt").exists()


def test_cli_bad_id_list(db_path):
    r = run_cli("export", "data", "--ids", "1-x", "-o", "/tmp/never.txt")
    assert r.returncode == 2 and "not an id or id range" in r.stderr


@pytest.mark.parametrize(
    "pattern,literal",
    [(r'"rt":6\d\d', '"rt":6'), ("PROLIFIC|x", None), ("abc?def", "def"), ("hello.*world", "hello"),
     (r"^102\b", "102"), ("(abcd)+xyz", "xyz"), ("ab", None), ("[abc]defg", "defg"), ("x{2}yzw", "yzw"),
     (r"a\.bcd", "a.bcd"), ("(?i)abc", None)],
)
def test_required_literal_for_the_index_prefilter(pattern, literal):
    from store.search.filter import required_literal

    assert required_literal(pattern) == literal


@sqlite_only("SQLite's FTS5 search index and its merge settings")
def test_search_index_stays_consistent(scenario, db_path, tmp_path):
    from store.removal.delete import delete

    from conftest import index_is_consistent

    assert index_is_consistent(db_path)
    import_paths(scenario, [fx.results_archive(tmp_path)])  # again: rows re-indexed
    assert index_is_consistent(db_path)
    delete(scenario, Selection(study_result_ids=[101]))
    assert index_is_consistent(db_path)
    assert ids(filter="trial") == []
    # A delete leaves merging its index markers to later writes, and says so no longer.
    con = sqlite3.connect(db_path)
    for fts in ("data_fts", "meta_fts"):
        assert dict(con.execute(f"SELECT k, v FROM {fts}_config").fetchall()).get("automerge", 4) == 4
    con.close()
    import_paths(scenario, [fx.results_archive(tmp_path)], include_deleted=True)  # deleted here: brought back
    assert index_is_consistent(db_path)
    assert ids(filter="trial") == [101]


def test_non_ascii_terms_fold_case(store, tmp_path):
    import json

    doc = fx.metadata_doc()
    path = fx.write_zip(
        tmp_path / "a.zip",
        [("study_result_101/comp-result_301/data.txt", '{"comment":"Schöne Farben, très bien"}'.encode()),
         ("metadata.json", json.dumps(doc).encode())],
    )
    import_paths(store, [path])
    assert ids(filter="SCHÖNE") == [101]
    assert ids(filter="TRÈS") == [101]
    assert ids(filter="SCHÖNE", case_sensitive=True) == []
    assert ids(filter="Schöne", case_sensitive=True) == [101]
    assert ids(filter="ön") == [101]  # shorter than a trigram: scanned


def test_case_folds_character_by_character(store, tmp_path):
    """As JATOS's /i compares, and as the index folds: ß is not "ss"."""
    import json

    path = fx.write_zip(
        tmp_path / "a.zip",
        [("study_result_101/comp-result_301/data.txt", '{"street":"Hauptstraße","town":"GROSSBEEREN"}'.encode()),
         ("metadata.json", json.dumps(fx.metadata_doc()).encode())],
    )
    import_paths(store, [path])
    assert ids(filter="HAUPTSTRAßE") == [101]
    assert ids(filter="straße") == [101]
    assert ids(filter="STRASSE") == []
    assert ids(filter="aß") == [101]  # shorter than a trigram: scanned
    assert ids(filter="ASS") == []
    assert ids(filter="großbeeren") == []
    assert ids(filter="oß") == []  # scanned: "oß".casefold() is in "grossbeeren"

"""Participants in the store: the id an import takes from the URL query parameters, the
configured names, duplicates within a study, a participant's runs, an older store's first
open, and the command line."""

from __future__ import annotations

import pytest

from store.db.models import StudyResult
from store.importing.importer import import_paths
from store.pages.rows import study_rows
from store.participants import (
    parse_names,
    participant_duplicates,
    participant_is,
    recompute,
    runs_of,
    set_parameters,
    summary,
)

from conftest import ON_POSTGRES, run_cli
from people_fixtures import people_archive


@pytest.fixture
def people(store, tmp_path):
    import_paths(store, [people_archive(tmp_path)])
    return store


def ids_where(condition) -> list[int]:
    return sorted(r[0] for r in StudyResult.select(StudyResult.id).where(condition).tuples())


def held() -> dict[int, str | None]:
    return dict(StudyResult.select(StudyResult.id, StudyResult.participant).tuples())


def test_an_import_takes_the_participant_from_the_query_parameters(people):
    assert held() == {101: None, 102: "abc123", 103: "abc123", 104: None, 201: "abc123"}
    rows = {r.id: r for r in study_rows([101, 102, 103, 201])}
    # Two runs in study 12; one in study 13 (a lab's other study is not a second run).
    assert [(rows[i].participant, rows[i].participant_runs) for i in (101, 102, 103, 201)] == [
        (None, 0), ("abc123", 2), ("abc123", 2), ("abc123", 1)
    ]


def test_a_configured_name_counts_for_existing_and_later_runs(people, tmp_path):
    assert set_parameters(people, ("sona_id", "PROLIFIC_PID")) == 4
    assert held()[104] == "s77"
    assert summary().names == ("sona_id", "PROLIFIC_PID")
    set_parameters(people, ("PROLIFIC_PID",))
    assert held()[104] is None
    set_parameters(people, ("sona_id",))
    assert held() == {101: None, 102: None, 103: None, 104: "s77", 201: None}


def test_an_import_uses_the_stores_names(store, tmp_path):
    set_parameters(store, ("sona_id",))
    import_paths(store, [people_archive(tmp_path)])
    assert held() == {101: None, 102: None, 103: None, 104: "s77", 201: None}


def test_duplicates_and_a_participant_are_sql_conditions(people):
    assert ids_where(participant_is("abc123")) == [102, 103, 201]
    assert ids_where(participant_duplicates()) == [102, 103]
    assert ids_where(participant_duplicates() & (StudyResult.study == 13)) == []
    assert ids_where(~participant_duplicates()) == [101, 104, 201]
    s = summary()
    assert (s.with_id, s.participants, s.duplicated) == (3, 1, 1)


def test_a_participants_runs_across_studies_and_batches(people):
    runs = runs_of("abc123")
    assert [(r.id, r.study_title, r.batch_title) for r in runs] == [
        (102, "Stroop Task", "Default"), (103, "Stroop Task", "Default"), (201, "Memory", "Pilot")
    ]
    assert runs_of("nobody") == []


def test_recompute_follows_a_row_written_without_one(people):
    StudyResult.update(participant=None).execute()
    recompute([102])
    assert held()[102] == "abc123" and held()[103] is None
    recompute()
    assert held()[103] == "abc123"


@pytest.mark.parametrize("text, error", [
    ("", "give at least one"),
    (" , ", "give at least one"),
    ("a\tb", "not a URL query parameter name"),
])
def test_bad_parameter_names_are_one_line(text, error):
    from store.errors import StoreError

    with pytest.raises(StoreError, match=error):
        parse_names(text)


@pytest.mark.skipif(ON_POSTGRES, reason="an older SQLite store's file")
def test_an_older_store_gets_its_participants_when_first_opened(people, db_path):
    people.db.execute_sql('DROP INDEX "study_result_participant_study"')
    people.db.execute_sql('ALTER TABLE "study_result" DROP COLUMN participant')
    people.close()
    from store import open_store

    with open_store(db_path):
        assert held()[102] == "abc123" and held()[103] == "abc123"


def test_the_command_line_shows_and_sets_the_names(people, db_path):
    people.close()
    shown = run_cli("participants", "--db", str(db_path))
    assert shown.returncode == 0, shown.stderr
    assert "PROLIFIC_PID" in shown.stdout and "1 took part more than once" in shown.stdout
    set_ = run_cli("participants", "--db", str(db_path), "--params", "sona_id, PROLIFIC_PID")
    assert set_.returncode == 0, set_.stderr
    assert "(else an MTurk worker's id): 4 study results have one" in set_.stdout
    bad = run_cli("participants", "--db", str(db_path), "--params", " , ")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_the_filter_finds_a_participant_and_the_duplicates(people, db_path):
    from store import Selection

    assert sorted(Selection(filter="participant:abc123").row_ids()) == [102, 103, 201]
    assert sorted(Selection(filter="participant:dup").row_ids()) == [102, 103]
    assert sorted(Selection(filter="!participant:dup").row_ids()) == [101, 104, 201]
    assert sorted(Selection(filter="participant:dup,s77 | id:101").row_ids()) == [101, 102, 103]
    r = run_cli("label", "dup-run", "--db", str(db_path), "--filter", "participant:dup")
    assert r.returncode == 0, r.stderr
    assert sorted(Selection(filter="label:dup-run").row_ids()) == [102, 103]


def test_erase_decides_participant_terms_on_trashed_runs(people):
    """A trashed run of a participant counts as a duplicate while the study holds another run."""
    from store import Selection
    from store.removal.delete import delete
    from store.removal.erase import plan

    delete(people, Selection(study_result_ids=[103]))
    assert {rid for _, rid in plan(Selection(filter="participant:dup")).trashed_results} == {103}
    assert {rid for _, rid in plan(Selection(filter="participant:abc123")).trashed_results} == {103}
    assert not plan(Selection(filter="participant:nobody")).trashed_results

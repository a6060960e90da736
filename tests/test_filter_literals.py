"""A plain filter term is literal text on every backend: characters a regex or LIKE gives a
meaning (. + ( | \\ % _) match only themselves, and case is folded for ASCII letters only.
(PostgreSQL tests a term as a case-insensitive regex of the escaped text: store/search/backends.py.)"""

from __future__ import annotations

import pytest

from store import Selection
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import ON_POSTGRES

MESSAGE = r"ratio x.y+z (a|b) 50%_off back\slash"


@pytest.fixture
def marked(store, tmp_path):
    doc = fx.metadata_doc()
    doc["data"][0]["studyResults"][0]["message"] = MESSAGE  # study result 101
    import_paths(store, [fx.results_archive(tmp_path, doc=doc)])
    return store


# ( ) and | outside quotes are the filter's grouping (store/search/syntax.py): quoted, they are text.
@pytest.mark.parametrize("term", ["x.y+z", "X.Y+Z", '"(a|b)"', "50%_off", r"back\slash", "BACK\\SLASH", "ratio x"])
def test_special_characters_match_themselves(marked, term):
    assert Selection(filter=term).row_ids() == [101]


@pytest.mark.parametrize("term", ["xzy+z", "x.yyz", '"a|b)x"', "50x_off", "50%xoff", r"back\\slash", "backslash"])
def test_nor_anything_else(marked, term):
    assert Selection(filter=term).row_ids() == []


def test_a_word_in_data_folds_ascii_case(marked):
    # "personal" is in study result 101's data (the fixture's): any case finds it.
    assert Selection(filter="PERSONAL").row_ids() == Selection(filter="personal").row_ids() == [101]


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's plan of an IN inside an OR")
def test_a_word_asks_data_through_exists_on_postgresql(marked):
    """PostgreSQL cannot join an IN that sits inside an OR: a subplan too big for work_mem
    runs again for every row (a word in every row at S ran over 10 minutes). The data side
    is a correlated EXISTS, which asks the key's index once a row."""
    from store.db.models import StudyResult
    from store.search.filter import Filter
    from store.search.routes import all_of, routes

    # The condition a word becomes when a whole answer is one query (the command line's).
    query = StudyResult.select(StudyResult.id).where(all_of(routes(Filter("personal"), "study"), "study"))
    sql, _ = query.sql()
    assert "EXISTS" in sql and 'IN (SELECT "t2"."study_result_id"' not in sql
    assert [r.id for r in query] == [101]


def test_rows_python_confirms_are_one_array_on_postgresql(marked):
    """A regex on PostgreSQL is confirmed by RE2 in Python, on the study result's text and on
    its data: their rows are one `id = ANY(array)`. Two arrays ORed were read row by row
    through them (7 s at S when the data's array was empty)."""
    from store.db.models import StudyResult
    from store.search.filter import Filter
    from store.search.routes import all_of, routes

    query = StudyResult.select(StudyResult.id).where(all_of(routes(Filter(r"\d{3}", regex=True), "study"), "study"))
    sql, _ = query.sql()
    assert sql.count("ANY(") == (1 if ON_POSTGRES else 0)
    assert sorted(r.id for r in query) == [101, 102]

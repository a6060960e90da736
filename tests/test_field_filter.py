"""Field terms of the filter (issue #13), on the spec's two runs: SR 101 (FINISHED, Personal
Single worker 57, 10:59 long, component results 301 of "Instructions" and 302 of "Stroop
trials" with an uploaded file, 56 bytes of data) and SR 102 (DATA_RETRIEVED, General
Multiple worker 58, unfinished, 0 bytes). Each field's good and bad input, `|`,
parentheses, `!`, several values; the command line's --filter and --exclude-test-runs;
erase deciding field terms on trashed results."""

from __future__ import annotations

import json

import pytest
from varied_runs import varied_archive

from store import Selection, StoreError
from store.db.models import StudyResult, TrashEntry, Worker
from store.importing.importer import import_paths
from store.labels import set_labels
from store.removal.delete import delete
from store.removal.erase import erase, plan
from store.search.fields import FIELDS

from conftest import run_cli


def ids(filter_: str, **scope) -> list[int]:
    return Selection(**(scope or {"study": 12}), filter=filter_).row_ids()


@pytest.mark.parametrize(("text", "expected"), [
    ("state:FINISHED", [101]),
    ("FINISHED", [101, 102]),  # the smart search's pitfall: "(not finished yet)"
    ("state:data_retrieved", [102]),
    ("state:FINISHED,DATA_RETRIEVED", [101, 102]),
    ("!state:FINISHED", [102]),
    ('type:"Personal Single"', [101]),
    ("type:generalmultiple", [102]),
    ("type:PersSingle", [101]),  # the Type cell's short name
    ("type:genmulti", [102]),
    ("type:Jatos", []),
    ("batch:default", [101, 102]),
    ("batch:14", [101, 102]),
    ("batch:Pilot", []),
    ("study:\"stroop TASK\"", [101, 102]),
    ("study:13", []),
    ("worker:57", [101]),
    ("worker:57,58", [101, 102]),
    ("worker:50..57", [101]),
    ("has:files", [101]),
    ("!has:files", [102]),
    ("has:data", [101]),
    ("has:label", []),
    ("started:2024-04-30..2024-05-02", [101, 102]),
    ("started:<2024-04-30", []),
    ("started:>2024-05-02", []),
    ("ended:2024-05-01", [101]),  # 102 never ended: no end time to match
    ("!ended:2024-05-01", [102]),  # ... and its negation keeps it
    ("duration:>10m", [101]),  # 10:59
    ("duration:<5m", [102]),  # unfinished: start to last seen, 3:05
    ("duration:00:10:59", [101]),
    ("duration:10m..11m", [101]),
    ("data:<10B", [102]),
    ("data:56B", [101]),  # 27 + 29 bytes
    ("data:>0.05KB", [101]),
    ('component:"Stroop trials"', [101]),
    ("component:instructions", [101, 102]),
    ("component:41", [101]),
    ("id:101", [101]),
    ("id:100..101", [101]),
    ("id:>101", [102]),
    ("(state:FINISHED | data:<10B) batch:Default", [101, 102]),
    ("!(state:FINISHED | data:<10B)", []),
    ('trial | "not finished yet"', [101, 102]),
    ("trial state:DATA_RETRIEVED", []),
    ("(personal | multiple) !has:files", [102]),
    ("STATE:finished Worker:57", [101]),  # field names in any case
])
def test_field_terms_on_the_study_page(scenario, text, expected):
    assert ids(text) == expected


def test_label_field(scenario):
    set_labels(scenario, [101], "Exclude", "failed check")
    assert ids("label:EXCLUDE") == [101]
    assert ids("has:label") == [101]
    assert ids("!label:exclude") == [102]
    assert ids("label:pending") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("state:FINISHED", [301]),
    ('type:"Personal Single"', [301]),
    ("has:data", [301]),
    ("data:0B", [303]),
    ("component:41", []),
    ("component:40", [301, 303]),
    ("id:303", [303]),
    ("batch:Default worker:58", [303]),
])
def test_field_terms_on_a_component_page(scenario, text, expected):
    """A component page's rows are component results: their own state, data, id; their study
    result's batch, worker and type."""
    assert ids(text, component=40) == expected


@pytest.mark.parametrize(("text", "said"), [
    ("sate:FINISHED", "unknown field 'sate'"),
    ("state:FINSHED", "state: 'FINSHED' is not a state"),
    ("state:", "state: needs a value"),
    ("state:FINISHED,", "needs another value after the comma"),
    ("type:Robot", "type: 'Robot' is not a worker type"),
    ("worker:abc", "worker: 'abc' is not a whole number"),
    ("id:20..10", "the range '20..10' is empty"),
    ("started:2024-13-01", "started: '2024-13-01' is not a date"),
    ("started:yesterday", "started: 'yesterday' is not a date"),
    ("duration:>10x", "duration: '10x' is not a duration"),
    ("data:<10Q", "data: '10Q' is not a size"),
    ("has:money", "has: 'money' is not one of files, data, label"),
    ("(state:FAIL", "unbalanced parentheses: ( is never closed (at character 1"),
    ("state:FAIL)", "unbalanced parentheses: ) without ( (at character 11"),
    ("a |", "nothing after |"),
    ("| a", "nothing before |"),
    ("()", "empty parentheses"),
    ("(" * 33 + "a" + ")" * 33, "parentheses nested more than 32 deep (at character 33"),
    (" | ".join(f"w{i}" for i in range(251)), "more than 250 terms and ranges"),
    ("x" * 10_001, "a term of more than 10,000 characters: shorten it (at character 1"),
    ('state:FAIL | "' + "y" * 10_001 + '"', "a term of more than 10,000 characters: shorten it (at character 14"),
    ("id:99999999999999999999", "id: '99999999999999999999' is too large"),
    ("started:9999-12-31", "started: '9999-12-31' is not a date"),
    ("data:<1e9GB", "data: '1e9GB' is not a size"),
])
def test_bad_input_is_one_line_naming_where(scenario, text, said):
    with pytest.raises(StoreError) as caught:
        ids(text)
    message = str(caught.value)
    assert said in message and "\n" not in message and message.startswith("filter: ")
    quoted = text if len(text) <= 80 else text[:79] + "…"
    assert f"of {quoted!r})" in message  # the filter quoted (its start, if long), with the position in it


def test_a_term_as_long_as_allowed_is_searched_on_every_page(scenario):
    """10,000 characters, 4 bytes each, is one LIKE pattern SQLite takes (a 100,000-character
    term on a component page was a crash: "LIKE or GLOB pattern too complex")."""
    for long in ("\U0001f600" * 10_000, "%_" * 5_000):  # (each % and _ escaped in the pattern)
        assert ids(long) == [] and ids(long, component=40) == [] and ids(f"state:FAIL | {long}") == []


def test_exact_values_are_one_list_however_many(scenario):
    """An id list of thousands is one IN on the index, not thousands of ORs (SQLite refuses
    expressions over 1000 deep)."""
    many = ",".join(str(i) for i in range(3000))
    assert ids(f"id:{many}") == [101, 102]
    assert ids(f"worker:{many} | id:..5,7..9") == [101, 102]
    assert ids(f"id:{many}", component=40) == [301, 303]


def test_text_that_looks_like_a_field_is_found_when_quoted(scenario):
    # "rt":611 and an ISO time were text before field terms and stay text.
    assert ids('"rt":611') == [101]
    assert ids("2024-05-01T09:54:56.000Z") == [101]
    assert ids('"PROLIFIC_PID:"') == []  # quoted: a phrase, not a field
    with pytest.raises(StoreError, match="unknown field 'PROLIFIC_PID'"):
        ids("PROLIFIC_PID:abc123")


def test_the_help_names_every_field():
    from store import filter_help

    text = "\n".join(filter_help())
    for name, field in FIELDS.items():
        assert f"{name}:" in text and field.example in text


# -- the command line --------------------------------------------------------------------------


@pytest.fixture
def varied(scenario, tmp_path):
    import_paths(scenario, [varied_archive(tmp_path)])
    return scenario


def jatos_runs() -> set[int]:
    return {sr.id for sr in StudyResult.select().join(Worker).where(Worker.worker_type == "Jatos")}


def test_cli_filter_and_exclude_test_runs(varied, db_path):
    finished = {sr.id for sr in StudyResult.select().where(StudyResult.state == "FINISHED")}
    assert jatos_runs() & finished and finished - jatos_runs()  # both kinds to tell apart
    for extra, expected in (([], finished), (["--exclude-test-runs"], finished - jatos_runs())):
        r = run_cli("export", "metadata-json", "--study", "12", "--filter", "state:FINISHED", *extra, "-o", "-")
        assert r.returncode == 0, r.stderr
        exported = {sr["id"] for study in json.loads(r.stdout)["data"] for sr in study["studyResults"]}
        # As in JATOS, a result without component results is never exported.
        assert exported == {i for i in expected if StudyResult.get_by_id(i).component_results.count()}
    r = run_cli("label", "pending", "--filter", "type:Jatos | batch:Pilot", "--exclude-test-runs")
    assert r.returncode == 0, r.stderr
    pilot = {sr.id for sr in StudyResult.select().where(StudyResult.batch == 15)}
    assert Selection(filter="label:pending").row_ids() == sorted(pilot - jatos_runs())


@pytest.mark.parametrize("command", [["export", "data"], ["delete", "--yes"], ["label", "exclude"], ["erase", "--yes"]])
def test_cli_bad_filter_is_one_line_and_exit_2(scenario, db_path, command):
    for text, said in (("sate:X", "unknown field 'sate'"), ("(state:FAIL", "never closed"), ("data:<10Q", "not a size")):
        r = run_cli(*command, "--filter", text)
        assert r.returncode == 2 and r.stdout == ""
        assert r.stderr.count("\n") == 1 and said in r.stderr and r.stderr.startswith("jatos-results: filter: ")
    assert StudyResult.select().count() == 2


def test_erase_decides_field_terms_on_trashed_results(varied, db_path):
    """Results in the trash are erased by the same field terms as live ones: by their stored
    state and data, their worker's type and their batch."""
    from store.removal import trash

    trashed = sorted(i for i in Selection(filter="batch:Pilot").row_ids() if i >= 5000)[:30]
    test_runs = jatos_runs()
    assert test_runs & set(trashed)
    delete(varied, Selection(study_result_ids=trashed))
    found = {}
    for text in ("state:FINISHED", "type:Jatos | data:<10B", "!state:FINISHED has:files", "duration:>10m"):
        what = plan(Selection(filter=text))
        assert what.live == Selection(filter=text).row_ids()
        # What the filter finds among the trashed runs had they stayed: undo, ask, delete again.
        trash.restore(varied, op=TrashEntry.select().first().op)
        found[text] = sorted(set(Selection(filter=text).row_ids()) & set(trashed))
        delete(varied, Selection(study_result_ids=trashed))
        assert sorted(rid for lvl, rid in what.trashed_results if lvl == "study") == found[text], text
        assert found[text] or text == "!state:FINISHED has:files"
    without_test_runs = plan(Selection(filter="batch:Pilot", exclude_test_runs=True))
    assert {rid for _, rid in without_test_runs.trashed_results} == set(trashed) - test_runs
    erase(varied, plan(Selection(filter="state:FINISHED", study_result_ids=trashed)))
    left = {e.result_id for e in TrashEntry.select().where(TrashEntry.level == "study")}
    assert left == set(trashed) - set(found["state:FINISHED"])

"""The filter engine (store/search/engine.py) in stages, as a results page runs it, against the
same engine run to the end, as the command line runs it: every stage shows the first rows of
the complete answer, in the page's order, whatever route each term takes (index set, ordered
walk, whole-table read). The complete answer itself is held to the plan decided in Python on
each row's texts."""

from __future__ import annotations

import pytest
from varied_runs import varied_archive

from store.db.models import Batch, Component, ComponentResult, ResultFile, ResultLabel, Study, StudyResult, Worker
from store.importing.importer import import_paths
from store.labels import set_labels
from store.pages.order import ordered_ids
from store.pages.selection import Selection
from store.pages.view import Page, ResultsView
from store.search import engine, routes
from store.search.backends import PostgresScan, SqliteScan
from store.search.fields import Facts
from store.search.filter import Filter, plan

import jatos_fixtures as fx
from conftest import ON_POSTGRES

FILTERS = [
    Filter("trial"), Filter("FINISHED"), Filter("finished", case_sensitive=True), Filter('"rt"'),
    Filter("rt"), Filter("9"), Filter("run 12"), Filter("!trial"), Filter("run !\"rt\":1"), Filter("qqxqqz"),
    Filter('"not finished yet"'), Filter("Schöne"), Filter("ÖN"), Filter("100_"), Filter("%"),
    Filter(r"\d{3}", regex=True), Filter(r'"rt":5\d', regex=True), Filter(r"RUN\":1[0-9]", regex=True),
    Filter(r"run\":1[0-9]", regex=True, case_sensitive=True), Filter(r"^\[", regex=True),
    Filter("STRAßE"), Filter("STRASSE"), Filter("aße"), Filter("großbeeren"), Filter("oß"),
    Filter("SCHÖNE"), Filter("!zz"), Filter("!9 run"),  # negated, not in the index: a row without data is kept
]
# Field terms (issue #13) on the varied runs, alone, with free terms, under ! | and parentheses.
FIELD_FILTERS = [Filter(text) for text in (
    "state:FINISHED", "state:finished,aborted", "!state:FINISHED", "type:Jatos", 'type:"Personal Single",mturk',
    "batch:Pilot", "batch:14", "worker:57", "worker:1,2", "label:exclude", "has:files", "!has:data", "has:label",
    "started:>=2024-05-01", "started:2024-05-01..2024-05-07", "started:<2024-05-02T12:00", "ended:2024-05-03",
    "!ended:>2024-05-03", "duration:>10m", "duration:5m..1h", "data:<10B", "data:>=1KB", 'component:"Stroop trials"',
    "component:40", "id:5010..5060", "id:>5100", 'study:"stroop task"', "(state:FAIL | data:<10B) batch:Pilot",
    "run state:FINISHED", '(trial | "rt": 1) !type:Jatos', "!(state:FINISHED | state:ABORTED) Default",
    "state:FINISHED | rt", '!(5001 | "run": 5002)', "!zz has:files", "STARTED state:PRE,STARTED,DATA_RETRIEVED",
)] + [Filter("finished | state:FAIL", case_sensitive=True), Filter("(ÖN | oß) !type:jatos")]
FILTERS += FIELD_FILTERS


@pytest.fixture
def many(store, tmp_path):
    # First, so that its data is kept: a later import of result 301 does not replace it.
    import_paths(store, [fx.write_zip(tmp_path / "street.zip", [
        ("study_result_101/comp-result_301/data.txt", b'{"street":"Hauptstra\xc3\x9fe","town":"GROSSBEEREN","by":"Sch\xc3\xb6ne"}'),
        ("metadata.json", fx.METADATA_310.encode()),
    ])])
    import_paths(store, [fx.results_archive(tmp_path), fx.synthetic_archive(tmp_path / "s.zip", 300, 60, first_id=1000)])
    import_paths(store, [varied_archive(tmp_path), fx.study_archive(tmp_path)])
    set_labels(store, [101, 5001, 5002, 5010, 5077], "exclude", "test")
    set_labels(store, [1001, 5003], "pending")
    assert ComponentResult.get_by_id(301).data.startswith('{"street":"Hauptstraße"')
    return store


PAGES = (Page("study", 12), Page("component", 40), Page("batch", 15))
SORTS = ((None, True), ("start", False), ("batch", True), ("id", False))


def complete_answer(page: Page, f: Filter, sort_key, desc) -> list[int]:
    """The engine run to the end (the command line's answer), in the page's order."""
    answer = set(Selection(**{page.kind: page.id}, filter=f.text, regex=f.regex, case_sensitive=f.case_sensitive).row_ids())
    return [i for i in ordered_ids(page.selection(), sort_key, desc) if i in answer]


@pytest.fixture
def complete_answers(many):
    """Every page, sort and filter's complete answer, with the engine's own tuning."""
    return {(page, s, f): complete_answer(page, f, *s) for page in PAGES for s in SORTS for f in FILTERS}


@pytest.mark.parametrize("route", ["as found", "no index sets", "whole tables", "walk to the end", "walk, then whole tables"])
def test_every_stage_is_the_start_of_the_complete_answer(complete_answers, monkeypatch, route):
    monkeypatch.setattr(engine, "FIRST_CHUNK", 7)
    monkeypatch.setattr(engine, "LAST_CHUNK", 40)
    monkeypatch.setattr(engine, "TICK", 0.0)  # show every chunk's rows
    monkeypatch.setattr(engine, "EVERY", 0.0)
    if route == "no index sets":
        monkeypatch.setattr(engine, "FEW", 0)
    if route == "whole tables":
        monkeypatch.setattr(engine, "FEW", 0)
        monkeypatch.setattr(engine, "table_rows", lambda model: 1)
    if route == "walk, then whole tables":
        monkeypatch.setattr(engine, "FEW", 0)
        monkeypatch.setattr(engine, "WALK_LIMIT", 0.0)
        monkeypatch.setattr(engine, "table_rows", lambda model: 1)
    if route == "walk to the end":
        monkeypatch.setattr(engine, "FEW", 0)
        monkeypatch.setattr(engine, "table_rows", lambda model: 10**9)
    checked = 0
    for page in PAGES:
        view = ResultsView(page)
        for sort_key, desc in SORTS:
            for f in FILTERS:
                expected = complete_answers[page, (sort_key, desc), f]
                stages = list(view.results(f, sort_key, desc, first=25))
                assert stages[-1].complete and list(stages[-1].ids) == expected, (page, sort_key, f)
                for stage in stages[:-1]:
                    assert not stage.complete
                    assert list(stage.ids) == expected[: len(stage.ids)], (page, sort_key, f)
                checked += len(expected)
    assert checked > 1000  # the filters found rows to compare


def _texts(level: str) -> dict[int, list[str]]:
    """Each row's texts as the filter sees them: its search text and its component results' data."""
    out: dict[int, list[str]] = {}
    if level == "study":
        for sr in StudyResult.select(StudyResult.id, StudyResult.search_text):
            out[sr.id] = [sr.search_text]
    for cr in ComponentResult.select(ComponentResult.id, ComponentResult.study_result, ComponentResult.search_text, ComponentResult.data):
        if level == "study":
            out[cr.study_result_id].append(cr.data)
        else:
            out[cr.id] = [cr.search_text, cr.data]
    return {k: [t for t in v if t is not None] for k, v in out.items()}  # NULL matches nothing


def _facts(level: str) -> dict[int, Facts]:
    """What each row's field terms read, worked out in Python row by row from the tables."""
    titles = {model: dict(model.select(model.id, model.title).tuples()) for model in (Study, Batch, Component)}
    types = dict(Worker.select(Worker.id, Worker.worker_type).tuples())
    labels = dict(ResultLabel.select(ResultLabel.study_result, ResultLabel.label).tuples())
    with_files = {f.component_result_id for f in ResultFile.select()}
    crs_of: dict[int, list] = {}
    for cr in ComponentResult.select():
        crs_of.setdefault(cr.study_result_id, []).append(cr)
    out, own_columns = {}, {r["id"]: r for r in StudyResult.select().dicts()}
    for sr in StudyResult.select():
        crs = crs_of.get(sr.id, [])
        seen = sr.end_date if sr.end_date is not None else sr.last_seen_date
        rows = [(sr, crs, sr.start_date, sr.end_date, None if seen is None or sr.start_date is None else seen - sr.start_date)]
        if level == "component":
            rows = [(cr, [cr], cr.start_date, cr.end_date, None if cr.end_date is None or cr.start_date is None else cr.end_date - cr.start_date) for cr in crs]
        for own, mine, start, end, duration in rows:
            out[own.id] = Facts(
                id=own.id, study=sr.study_id, study_title=titles[Study].get(sr.study_id), batch=sr.batch_id,
                batch_title=titles[Batch].get(sr.batch_id), group=sr.group_id, worker=sr.worker_id,
                worker_type=types[sr.worker_id], state=own.state, start=start, end=end, duration=duration,
                data_size=sum(c.data_size for c in mine), has_files=any(c.id in with_files for c in mine),
                label=labels.get(sr.id), components=tuple((c.component_id, titles[Component].get(c.component_id)) for c in mine),
                study_row=own_columns[sr.id],
            )
    return out


@pytest.mark.parametrize("backend", ["trigram index", "trigram index, every literal common", "scan"])
@pytest.mark.parametrize("level", ["study", "component"])
def test_the_complete_answer_is_the_plan_on_each_rows_texts(many, monkeypatch, level, backend):
    """Whatever route the engine takes (an index set, one query with or without the index's
    condition), with the index or without it (a database that has none), its answer is the
    plan decided in Python on every row's texts."""
    if backend == "trigram index, every literal common":
        monkeypatch.setattr(engine, "FEW", 0)  # any candidate is too many: the index is not asked
    if backend == "scan":
        # Without the index: SQLite's scan, or PostgreSQL's.
        scan = PostgresScan() if ON_POSTGRES else SqliteScan()
        monkeypatch.setattr(routes, "backend_for", lambda db: scan)
    rows, facts = _texts(level), _facts(level)
    kind = "study_result_ids" if level == "study" else "component_result_ids"
    found = 0
    for f in FILTERS:
        expected = [i for i in sorted(rows) if plan(f).matches(rows[i], facts[i])]
        answer = Selection(**{kind: sorted(rows)}, filter=f.text, regex=f.regex, case_sensitive=f.case_sensitive)
        assert answer.row_ids() == expected, f
        found += len(expected)
    assert found > 1000


@pytest.fixture
def walk_in_small_steps(monkeypatch):
    """No index sets, tiny chunks, every chunk's rows shown: the ordered walk, step by step."""
    monkeypatch.setattr(engine, "FIRST_CHUNK", 7)
    monkeypatch.setattr(engine, "LAST_CHUNK", 7)
    monkeypatch.setattr(engine, "TICK", 0.0)
    monkeypatch.setattr(engine, "EVERY", 0.0)
    monkeypatch.setattr(engine, "FEW", 0)


def test_stages_show_rows_found_so_far_then_the_first_screenful(many, walk_in_small_steps):
    view = ResultsView(Page("study", 12))
    stages = list(view.results(Filter(r"\"rt\": 1\d\d\b", regex=True), first=25))
    looking = [s for s in stages if s.looking]
    assert looking and all(len(s.ids) < 25 and 0 < s.scanned < 1 for s in looking)
    assert [s.scanned for s in looking] == sorted(s.scanned for s in looking)
    first = next(s for s in stages if not s.looking)
    assert len(first.ids) >= 25 and not first.complete
    assert stages[-1].complete and len(stages[-1].ids) > 25


def test_a_rare_term_is_answered_from_the_index_at_once(many):
    view = ResultsView(Page("study", 12))
    stages = list(view.results(Filter('"run": 1234'), first=25))
    assert len(stages) == 1 and list(stages[0].ids) == [1234]


def test_run_to_the_end_a_rare_term_is_its_index_set(many, monkeypatch):
    """The command line's answer for a rare term is its index set, as the page's is: only
    when no term is rare do the terms become one condition on the scope's query."""
    queried = []
    all_of = engine.all_of
    monkeypatch.setattr(engine, "all_of", lambda terms, level: queried.append(len(terms)) or all_of(terms, level))
    assert Selection(study=12, filter='"run": 1234').row_ids() == [1234]
    assert Selection(study=12, filter='"run": 1234 !qqxqqz').row_ids() == [1234]
    assert queried == []
    assert Selection(study=12, filter="rt !qqxqqz").row_ids()  # no index for two characters
    assert queried == [2]


def test_a_cancelled_search_stops(many, monkeypatch):
    monkeypatch.setattr(engine, "FIRST_CHUNK", 7)
    monkeypatch.setattr(engine, "TICK", 0.0)
    monkeypatch.setattr(engine, "EVERY", 0.0)
    view = ResultsView(Page("study", 12))
    asked = []

    def cancelled():
        asked.append(1)
        return len(asked) > 2

    stages = list(view.results(Filter(r"\d{4}x", regex=True), first=25, cancelled=cancelled))
    assert stages and not stages[-1].complete


def test_the_status_says_how_far_a_search_has_got(many, walk_in_small_steps):
    view = ResultsView(Page("study", 12))
    stages = list(view.results(Filter(r"run\": 1\d9\b", regex=True), first=25))
    view.apply(next(s for s in stages if s.looking))
    n, pct = len(view.ids), f"{view.scanned:.0%}"
    assert view.status().startswith(f"{n} found so far, searching {pct} of 422 · 0 selected · filter: ")
    view.apply(stages[-1])
    assert view.status().startswith(f"{len(stages[-1].ids)} of 422 shown · 0 selected")


def test_whole_table_reading_shows_how_far_it_has_got(many, monkeypatch):
    """After the walk gives up, reading whole tables still moves the percentage on."""
    monkeypatch.setattr(engine, "FEW", 0)
    monkeypatch.setattr(engine, "WALK_LIMIT", 0.0)
    monkeypatch.setattr(engine, "TICK", 0.0)
    monkeypatch.setattr(engine, "EVERY", 0.0)
    monkeypatch.setattr(engine, "SPANS", 8)
    monkeypatch.setattr(engine, "table_rows", lambda model: 1)
    view = ResultsView(Page("study", 12))
    f = Filter("run")  # in 300 rows: no set, the walk stops at once
    stages = list(view.results(f, first=25))
    reading = [s.scanned for s in stages if not s.complete]
    assert len(reading) > 8  # the walk's stop, then a share of each span of each table
    assert reading == sorted(reading) and reading[-1] > reading[1] > reading[0]
    assert stages[-1].complete and list(stages[-1].ids) == complete_answer(Page("study", 12), f, None, True)

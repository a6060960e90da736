"""The field terms of the filter (`state:FINISHED`, `started:2024-05-01..2024-05-07`): one
registry, which the parser (store/search/syntax.py), its errors, the SQL (store/search/
routes.py `tree_condition`) and the help (tui/dialogs/help.py, the README) all read.

Each field names its value parser (store/search/field_values.py), its SQL condition on a
query of a page's rows, and its test in Python on a row's `Facts` (for rows that are no
longer in the tables: erase reads the trash). Where a field is a column of the results
pages, its SQL is that column's (store/columns.py, what the column sorts by), so the
field and the column cannot disagree.

The SQL is a condition on a query of one level's rows: study results, or component
results joined to their study results (store/pages/selection.py `where`). On a
component's page the row's own fields (id, state, started, ended, duration, data,
component, has:files, has:data) are the component result's; the others are its study
result's. Conditions use the tables' indexes (store/db/models.py) or a subquery on a
small table (titles are looked up in Python, so every backend compares them alike).

Adding a field is one `Field(...)` in FIELDS below: its name, help, value parser (one of
field_values.py's or a new function there), its SQL (`where(level, values)`) and its test
(`test(facts, values)`, which may read any of the study result's own columns from
`facts.study_row`). The parser, its errors and the help follow; the README's table wants a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from typing import Callable

from peewee import NodeList, fn

from store import participants
from store.columns import sortable
from store.db.models import Batch, Component, ComponentResult, ResultFile, ResultLabel, Study, StudyResult, Worker
from store.search import field_values as values
from store.search.field_values import Interval


@dataclass(frozen=True)
class Facts:
    """What field terms read of one row, to decide them in Python."""

    id: int
    study: int
    study_title: str | None
    batch: int | None
    batch_title: str | None
    group: int | None
    worker: int
    worker_type: str
    state: str
    start: int | None
    end: int | None
    duration: int | None  # as the Duration column: end (or last seen) minus start
    data_size: int  # the row's data in bytes; a study result's is its component results' sum
    has_files: bool
    label: str | None
    components: tuple[tuple[int, str | None], ...]  # (id, title) of the row's component(s)
    # The study result's own stored columns by field name (url_query_parameters, message, ...):
    # a new field that reads one of them needs no attribute of its own here.
    study_row: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Field:
    name: str
    value: str  # what the value is, for the help
    means: str  # what the field matches, for the help
    example: str
    parse: Callable[[str], object]  # one value's text -> what `where` and `test` take (ValueError: why not)
    where: Callable[[str, list], object]  # (level, values) -> SQL: the row matches one of the values
    test: Callable[[Facts, list], bool]  # the same in Python


def _any(conditions):
    # One flat "a OR b OR c": nested pairs would overflow SQLite's parser at some hundred values.
    return NodeList(list(conditions), glue=" OR ", parens=True)


def _column(key: str) -> Callable[[str], object]:
    """The SQL of a column of the results pages at a level (store/columns.py: what it sorts by)."""
    return lambda level: sortable(level)[key].sort


def _within(expr, iv: Interval):
    conds = [c for c in (expr >= iv.lo if iv.lo is not None else None, expr < iv.hi if iv.hi is not None else None) if c is not None]
    return reduce(lambda a, b: a & b, conds) if conds else expr.is_null(False)


def _ordered_where(expr, ivs: list[Interval]):
    # Exact values (an id list) are one IN, on the index, however many; ranges are ORed.
    points = [iv.lo for iv in ivs if iv.point]
    return _any(([expr.in_(points)] if points else []) + [_within(expr, iv) for iv in ivs if not iv.point])


def _ordered(name, value, means, example, point, expr, fact) -> Field:
    return Field(
        name, value, means, example, values.ordered(point),
        lambda level, ivs: _ordered_where(expr(level), ivs),
        lambda facts, ivs: any(iv.holds(getattr(facts, fact)) for iv in ivs),
    )


def _named(title: str | None, ident: int | None, wanted: list[str]) -> bool:
    """A title (whole, any case) or an id among the wanted values."""
    return ident is not None and (str(ident) in wanted or (title or "").strip().casefold() in wanted)


def _ids_named(model, wanted: list[str]) -> list[int]:
    # Studies, batches and components are few: compared in Python, alike on every backend.
    return [i for i, t in model.select(model.id, model.title).tuples() if _named(t, i, wanted)]


def _data_size(level: str):
    if level == "component":
        return _column("data_size")(level)
    total = ComponentResult.select(fn.SUM(ComponentResult.data_size)).where(ComponentResult.study_result == StudyResult.id)
    return fn.COALESCE(total, 0)


def _component(level: str, wanted: list[str]):
    ids = _ids_named(Component, wanted)
    if level == "component":
        return ComponentResult.component.in_(ids)
    return fn.EXISTS(
        ComponentResult.select(ComponentResult.id).where(
            (ComponentResult.study_result == StudyResult.id) & ComponentResult.component.in_(ids)
        )
    )


def _labelled(labels: list[str] | None = None):
    q = ResultLabel.select(ResultLabel.study_result)
    return StudyResult.id.in_(q if labels is None else q.where(ResultLabel.label.in_(labels)))


def _has_files(level: str):
    if level == "study":
        return _column("files")(level)  # the Files column's EXISTS
    return fn.EXISTS(ResultFile.select(ResultFile.id).where(ResultFile.component_result == ComponentResult.id))


_HAS_SQL = {"files": _has_files, "data": lambda level: _data_size(level) > 0, "label": lambda level: _labelled()}
_HAS_TEST = {
    "files": lambda f: f.has_files, "data": lambda f: f.data_size > 0, "label": lambda f: f.label is not None,
}


DUPLICATES = "dup"  # participant:dup, runs of a participant who took part in the study more than once


def _participant_where(level: str, wanted: list[str]):
    ids = [v for v in wanted if v != DUPLICATES]
    conds = ([participants.participant_duplicates()] if DUPLICATES in wanted else [])
    return _any(conds + ([StudyResult.participant.in_(ids)] if ids else []))


def _participant_test(f: Facts, wanted: list[str]) -> bool:
    pid = f.study_row.get("participant")
    if pid is None:
        return False
    if pid in wanted:
        return True
    # A trashed run (erase decides on those) counts as a duplicate if the study holds another run of it.
    return DUPLICATES in wanted and participants.runs_elsewhere(pid, f.study, f.id) > 0


def test_runs_hidden():
    """Not a test run of JATOS's own users (worker type Jatos), as JATOS's batch page hides them:
    the `type` field's condition, negated (Jatos workers are few: NOT IN a short list)."""
    return ~FIELDS["type"].where("study", ["Jatos"])


FIELDS: dict[str, Field] = {f.name: f for f in (
    _ordered("id", "id, range", "the result's id (a component page: the component result's)", "id:100..200",
             values.integer_point, _column("id"), "id"),
    Field("state", "state", "the state exactly (not the text \"(not finished yet)\")", "state:FINISHED,ABORTED",
          values.state, lambda level, v: _column("state")(level).in_(v), lambda f, v: f.state in v),
    Field("type", "worker type", "the worker type exactly: Jatos, \"Personal Single\", MTurk, ...", 'type:"Personal Single"',
          values.worker_type, lambda level, v: StudyResult.worker.in_(Worker.select(Worker.id).where(Worker.worker_type.in_(v))),
          lambda f, v: f.worker_type in v),
    Field("batch", "title or id", "the batch, by its whole title (any case) or id", "batch:Pilot",
          values.title, lambda level, v: StudyResult.batch.in_(_ids_named(Batch, v)), lambda f, v: _named(f.batch_title, f.batch, v)),
    Field("study", "title or id", "the study, by its whole title (any case) or id", "study:12",
          values.title, lambda level, v: StudyResult.study.in_(_ids_named(Study, v)), lambda f, v: _named(f.study_title, f.study, v)),
    Field("component", "title or id", "has a result of this component (its whole title, any case, or id)",
          'component:"Stroop trials"', values.title, _component,
          lambda f, v: any(_named(t, i, v) for i, t in f.components)),
    _ordered("worker", "id, range", "the worker's id", "worker:57", values.integer_point, _column("worker_id"), "worker"),
    _ordered("group", "id, range", "the group's id", "group:3", values.integer_point, _column("group_id"), "group"),
    Field("label", "label", "the label exactly (any case)", "label:exclude", values.label,
          lambda level, v: _labelled(v), lambda f, v: f.label in v),
    _ordered("started", "date, time, range", "the start time, in this machine's time zone",
             "started:2024-05-01..2024-05-07", values.time_point, _column("start"), "start"),
    _ordered("ended", "date, time, range", "the end time (never ended: no match)", "ended:>=2024-05-01T12:00",
             values.time_point, _column("end"), "end"),
    _ordered("duration", "duration, range", "the Duration column's time (unfinished: to last seen)", "duration:>10m",
             values.duration_point, _column("duration"), "duration"),
    _ordered("data", "size, range", "the result data's size (a study result: all its component results')",
             "data:<10B", values.size_point, _data_size, "data_size"),
    Field("participant", "id, or dup", "the participant id (Participant column) exactly; dup: took part in the study "
          "more than once", "participant:dup", values.participant, _participant_where, _participant_test),
    Field("has", "files, data, label", "has uploaded files, data (size above 0) or a label", "has:files",
          values.choice(*_HAS_SQL), lambda level, v: _any(_HAS_SQL[x](level) for x in v),
          lambda f, v: any(_HAS_TEST[x](f) for x in v)),
)}


SYNTAX = (
    'words and "phrases": all must be found in the row (its columns or data); !word: not found',
    "field:value: a field term (below), any case; several values: state:FINISHED,ABORTED; !state:FAIL: not",
    "a | b: either;  (state:FAIL | data:<10B) batch:Pilot: grouped;  !(a | b): neither",
    "ranges: >=x  >x  <=x  <x  x..y  x..  ..y; a date alone is its whole day",
    'quote text that holds a field-like word, ( ) or | to search for it: "url:x"',
    "RegEx: one regular expression (RE2's); ^ and $ are a cell's or a data line's start and end;"
    " no lookaround, no backreferences",
)


def help_lines() -> list[str]:
    """The syntax, then one line a field: name, value, meaning and an example."""
    fields = [f"{f.name + ':':<10}{f.value:<19}{f.means}  e.g. {f.example}" for f in FIELDS.values()]
    return [*SYNTAX, "", *fields]

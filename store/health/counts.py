"""The report's counts: study results per state, and one pass over the component results
that gives each component's funnel, its results per state and the shape of its data.

A study of 100k runs has 300k component results of about 1 KB each: they are read once here
(a row of sums per component), and once more in flags.py only if one of these sums says that
something is to be flagged there.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass

from peewee import JOIN, Case, fn

from store.db.models import Component, ComponentResult, StudyResult
from store.exporting.check import data_only_on_server as missing_data
from store.formats.jatos_values import COMPONENT_STATES, STUDY_STATES
from store.health.scope import Scope

CR = ComponentResult
# Data is classed by its first character that is not white space: "{" or "[" is JSON, anything
# else is not (CSV, plain text). The head is cut before it is trimmed so that no row's whole
# data is copied; JSON that starts after more white space than this counts as not JSON.
HEAD = 64
WHITE_SPACE = " \t\r\n"
JSON_STARTS = ("{", "[")


def first_character():
    return fn.SUBSTR(fn.LTRIM(fn.SUBSTR(CR.data, 1, HEAD), WHITE_SPACE), 1, 1)


def json_shaped():
    """Data whose first character that is not white space is one of JSON_STARTS (NULL for no
    data). Most data starts with its first character: LIKE answers it without trimming."""
    at_once = functools.reduce(operator.or_, [CR.data.startswith(c) for c in JSON_STARTS])
    after_space = fn.SUBSTR(CR.data, 1, 1).in_(list(WHITE_SPACE)) & first_character().in_(list(JSON_STARTS))
    return at_once | after_space


def held_data(tiny_bytes: int):
    """Data the store holds, not tiny (tiny data is a flag of its own, whatever its format)."""
    return (CR.data_size >= tiny_bytes) & CR.data.is_null(False)


# Each mention of the data in a row's sums reads it again (SQLite keeps no decoded column):
# the sizes are asked first, so the data is read only where they leave the answer open, and
# the JSON tests need no test for NULL (NULL data is neither).
def looks_json(tiny_bytes: int):
    return (CR.data_size >= tiny_bytes) & json_shaped()


def looks_other(tiny_bytes: int):
    return (CR.data_size >= tiny_bytes) & ~json_shaped()


def tiny_data(tiny_bytes: int, of_finished_runs: bool = True):
    """No data, empty data or data under tiny_bytes, of a finished component of a finished run
    (not data still on the server; not a reloaded page's, which a new component result follows).
    Without of_finished_runs, the component results that may be: no run is looked up."""
    tiny = (CR.state == "FINISHED") & (CR.data_size < tiny_bytes) & ~missing_data()
    return tiny & (StudyResult.state == "FINISHED") if of_finished_runs else tiny


@dataclass(frozen=True)
class ComponentFigures:
    """One component of the study, from one pass over its component results."""

    id: int
    title: str
    position: int | None
    reached: int  # runs with a component result of it
    finished: int  # runs whose component result of it is FINISHED
    with_data: int  # runs that left data in it (JATOS's data size above 0)
    states: dict[str, int]  # its component results per state
    json: int  # component results whose data looks like JSON
    other: int  # ... whose data does not
    tiny: int  # finished component results with no, empty or tiny data (their runs not asked)
    sized: int  # component results with data of tiny_bytes or more
    missing: int  # component results with data only the server has


def of_scope(query, scope: Scope, components: list[int], runs: bool = True):
    """A query on these components' results, joined to the scope's study results (unless the
    scope is the whole study and the query asks nothing of the `runs`: a component's results
    are all the study's).

    The component results are read through the component's index, in the order they are
    stored, each looking up its run by id (SQLite takes the tables in the order a CROSS JOIN
    names them): read the other way, each run looking up its component results, the data
    pages are read out of order, and a study's 300k component results took twice as long."""
    q = query.where(CR.component.in_(components))
    if scope.whole and not runs:
        return q
    return q.join(StudyResult, JOIN.CROSS).where(CR.study_result == StudyResult.id, *scope.conditions)


def _count(condition):
    return fn.SUM(Case(None, [(condition, 1)], 0))


def _runs(condition=None):
    """Runs (study results), each once: a reloaded component gives a run two component results."""
    value = CR.study_result if condition is None else Case(None, [(condition, CR.study_result)], None)
    return fn.COUNT(fn.DISTINCT(value))


def study_states(scope: Scope) -> dict[str, int]:
    """Study results per state, in JATOS's order; every state named, 0 where none."""
    q = StudyResult.select(StudyResult.state, fn.COUNT(StudyResult.id)).where(*scope.conditions).group_by(StudyResult.state)
    return ordered(dict(q.tuples()), STUDY_STATES)


def ordered(counts: dict[str, int], states: tuple[str, ...]) -> dict[str, int]:
    """JATOS's states first (0 where none), then any other the store holds."""
    return {s: int(counts.get(s, 0)) for s in states} | {s: int(n) for s, n in counts.items() if s not in states}


def components(scope: Scope, tiny_bytes: int, progress=lambda done, total: None) -> list[ComponentFigures]:
    """Every component of the study, in study order, with its figures for the scope's runs
    (0 for a component no run reached): one query a component, `progress` after each.

    One query a component, not one GROUP BY for all: SQLite sorts a GROUP BY's rows with
    every value its sums read, here the data, and that sort took half the time."""
    finished, with_data = CR.state == "FINISHED", CR.data_size > 0
    sums = [_runs(), fn.COUNT(CR.id), _count(with_data)]
    sums += [_count(CR.state == s) for s in COMPONENT_STATES]
    sums += [
        _count(held_data(tiny_bytes)), _count(looks_json(tiny_bytes)), _count(tiny_data(tiny_bytes, False)),
        _count(CR.data_size >= tiny_bytes), _count(missing_data()),
    ]
    listed = list(
        Component.select(Component.id, Component.title, Component.position)
        .where(Component.study == scope.study)
        .order_by(Component.position.asc(nulls="LAST"), Component.id)
        .tuples()
    )
    out = []
    n_states = len(COMPONENT_STATES)
    for done, (cid, title, position) in enumerate(listed, start=1):
        row = [int(v or 0) for v in of_scope(CR.select(*sums), scope, [cid], runs=False).tuples()[0]]
        reached, results, runs_with_data = row[:3]
        # The import takes only JATOS's states (store/formats/metadata_json.py): these are all.
        states = dict(zip(COMPONENT_STATES, row[3 : 3 + n_states]))
        runs_finished = states["FINISHED"]
        if results > reached:
            # Some run has two results of it (a reload, a study that goes back): count runs.
            runs_finished, runs_with_data = (
                int(v or 0) for v in of_scope(CR.select(_runs(finished), _runs(with_data)), scope, [cid], runs=False)
                .tuples()[0]
            )
        held, json_, tiny, sized, missing = row[3 + n_states :]
        out.append(ComponentFigures(
            cid, title or f"Component {cid}", position, reached, runs_finished, runs_with_data, states, json_,
            held - json_, tiny, sized, missing,
        ))
        progress(done, len(listed))
    return out


def component_states(figures: list[ComponentFigures]) -> dict[str, int]:
    """Component results per state over every component, in JATOS's order."""
    total: dict[str, int] = {}
    for c in figures:
        for state, n in c.states.items():
            total[state] = total.get(state, 0) + n
    return ordered(total, COMPONENT_STATES)


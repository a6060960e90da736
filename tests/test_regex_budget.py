"""No regular expression can hang a search: patterns that make a backtracking engine run
for ever (`(a+)+$`, `(a|aa)+b`, `(x+x+)+y` on a long run of a's or x's) finish like any
other, with the right answer, on the command line and in the app, whose screen keeps
answering keys (store/search/regex_engine.py: RE2, linear in the text)."""

from __future__ import annotations

import json
import threading

import pytest

from store import Selection
from store.importing.importer import import_paths
from store.pages.view import Page
from tui.app import ResultsApp

import jatos_fixtures as fx
from conftest import run_cli
from ui_helpers import settle

RUN = 5_000  # a backtracking engine needs about 2**RUN steps on these rows
# (pattern, the component results it finds among 301: a's only, 302: x's then y, 303)
PATHOLOGICAL = [("^(a+)+$", [301]), ("(a|aa)+b", []), ("(x+x+)+y", [302]), ("(x+x+)+z", [])]
BOUND = 5.0  # seconds: far more than these take, far less than a backtracking engine would


@pytest.fixture
def scenario(store, tmp_path):
    doc = fx.metadata_doc()
    datas = {"301": ("a" * RUN).encode(), "302": ("x" * RUN + "y").encode()}
    entries = [e for e in fx.ENTRIES if not e[0].endswith(("comp-result_301/data.txt", "comp-result_302/data.txt"))]
    for cr in doc["data"][0]["studyResults"][0]["componentResults"]:
        if str(cr["id"]) in datas:
            cr["data"]["size"] = len(datas[str(cr["id"])])
            entries.append((f"study_result_101/comp-result_{cr['id']}/data.txt", datas[str(cr["id"])]))
    import_paths(store, [fx.write_zip(tmp_path / "a.zip", entries + [("metadata.json", json.dumps(doc).encode())])])
    return store


def in_a_worker(fn):
    """fn's result, from a thread given BOUND seconds (a runaway search fails the test, not hangs it)."""
    out: list = []
    worker = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    worker.start()
    worker.join(BOUND)
    assert not worker.is_alive(), f"still searching after {BOUND} s"
    return out[0]


@pytest.mark.parametrize("pattern, found", PATHOLOGICAL)
@pytest.mark.parametrize("case_sensitive", [False, True])
def test_a_pathological_pattern_finishes_with_the_answer(scenario, pattern, found, case_sensitive):
    ids = in_a_worker(
        lambda: Selection(component_result_ids=[301, 302, 303], filter=pattern, regex=True, case_sensitive=case_sensitive).row_ids()
    )
    assert ids == found
    study_ids = in_a_worker(lambda: Selection(filter=pattern, regex=True, case_sensitive=case_sensitive).row_ids())
    assert (101 in study_ids) == bool(found)  # 102 has other text, which (a|aa)+b may find


def test_the_command_line_answers_it(scenario):
    r = run_cli("export", "data", "--regex", "--filter", "(x+x+)+y", "-o", "-", "--component-result-ids", "301-303")
    assert r.returncode == 0 and r.stderr.splitlines() == ["wrote <stdout> (5.0 kB): 1 study results, 1 component results"]
    assert r.stdout.strip() == "x" * RUN + "y"


async def test_the_app_answers_it_and_keeps_answering_keys(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r", "slash", *"(a|aa)+b")
        await settle(pilot)
        assert not app.screen.query_one("#filter-error").display
        assert 101 not in app.screen.view.ids  # 102 has other text (a|aa)+b finds
        await pilot.press(*["backspace"] * 8, *"(x+x+)+y")  # each key is taken while the searches run
        await settle(pilot)
        assert app.screen.query_one("#filter").value == "(x+x+)+y"
        assert list(app.screen.view.ids) == [101]

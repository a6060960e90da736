"""No regular expression can hang a search: a pattern that backtracks without end on the
data is refused with one line, on the command line and in the app, and the screen keeps
answering keys meanwhile (store/regex_engine.py)."""

from __future__ import annotations

import json
import time

import pytest

from store import Selection
from store.importing.importer import import_paths
from store.pages.view import Page
from store.search.regex_engine import RegexTooSlow
from tui.app import ResultsApp

import jatos_fixtures as fx
from conftest import run_cli
from ui_helpers import settle

EVIL = "(a|aa)+b"  # exponential in Python's re on a run of a's without a b


@pytest.fixture
def scenario(store, tmp_path):
    doc = fx.metadata_doc()
    data = ("a" * 60).encode()
    doc["data"][0]["studyResults"][0]["componentResults"][0]["data"]["size"] = len(data)
    entries = [e for e in fx.ENTRIES if "comp-result_301/data.txt" not in e[0]]
    entries.append(("study_result_101/comp-result_301/data.txt", data))
    import_paths(store, [fx.write_zip(tmp_path / "a.zip", entries + [("metadata.json", json.dumps(doc).encode())])])
    return store


def test_the_store_refuses_a_pattern_that_runs_away(scenario):
    started = time.monotonic()
    with pytest.raises(RegexTooSlow, match=r"^the regular expression '\(a\|aa\)\+b' takes too long"):
        Selection(filter=EVIL, regex=True).row_ids()
    assert time.monotonic() - started < 10
    assert Selection(filter="a{3}", regex=True).row_ids() == [101]  # the next search works


def test_the_command_line_says_so_in_one_line(scenario):
    r = run_cli("export", "data", "--regex", "--filter", EVIL, "-o", "-")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        "jatos-results: the regular expression '(a|aa)+b' takes too long on the results' data "
        "(it backtracks without end, as (a+)+$ does); write it without nested repeats"
    ]


async def test_the_app_shows_it_and_keeps_answering(scenario):
    app = ResultsApp(scenario, Page("study", 12))
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r", "slash", *EVIL)
        await settle(pilot)
        error = app.screen.query_one("#filter-error")
        assert error.display and "takes too long" in str(error.render())
        await pilot.press("backspace", *"|a{3}")
        await settle(pilot)
        assert app.screen.query_one("#filter").value == "(a|aa)+|a{3}"
        assert not app.screen.query_one("#filter-error").display

"""Escape sequences in participants' data, messages and titles never reach the terminal
from the app: they show as visible placeholders (store/pages/visible.py)."""

from __future__ import annotations

import json

from store.importing.importer import import_paths
from store.pages.component_data import component_data
from store.pages.view import Page
from store.pages.visible import visible
from tui.app import ResultsApp
from tui.screens.data_viewer import DataViewer

import jatos_fixtures as fx
from ui_helpers import settle, table_lines

OSC = "\x1b]0;PWNED\x07"


def test_visible_keeps_text_and_shows_controls():
    assert visible("Stroop Task ß 日本") == "Stroop Task ß 日本"
    assert visible(f"a{OSC}b\x9b31m\x7f") == "a␛]0;PWNED␇b\ufffd31m␡"
    assert visible("line 1\n\tline 2", keep_lines=True) == "line 1\n\tline 2"
    assert visible("line 1\nline 2") == "line 1␊line 2"
    assert visible("abc\u202edcba\u2066x\u2069") == "abc\ufffddcba\ufffdx\ufffd"  # bidi overrides


async def test_the_app_shows_placeholders(store, tmp_path):
    doc = fx.metadata_doc()
    doc["data"][0]["studyTitle"] = f"Stroop{OSC} Task"
    sr = doc["data"][0]["studyResults"][0]
    sr["message"] = f"bye{OSC}"
    data = json.dumps({"x": 1}).encode()[:-1] + b', "y": "' + OSC.encode() + b'"}'
    sr["componentResults"][0]["data"]["size"] = len(data)
    entries = [e for e in fx.ENTRIES if "comp-result_301/data.txt" not in e[0]]
    entries.append(("study_result_101/comp-result_301/data.txt", data))
    import_paths(store, [fx.write_zip(tmp_path / "a.zip", entries + [("metadata.json", json.dumps(doc).encode())])])
    app = ResultsApp(store, Page("study", 12))
    async with app.run_test(size=(170, 40)) as pilot:
        await settle(pilot)
        title = str(app.screen.query_one("#page-title").render())
        assert title.startswith("Study results: Stroop␛]0;PWNED␇ Task")
        await pilot.press("j", "enter")  # 101: open it in place
        await settle(pilot)
        shown = "\n".join(table_lines(app))
        assert "␛]0;PWNED␇" in shown and "\x1b" not in shown and "\x07" not in shown
        await app.push_screen(DataViewer(component_data(301)))
        await settle(pilot)
        text = app.screen.query_one("#data").text
        assert "␛]0;PWNED␇" in text and "\x1b" not in text

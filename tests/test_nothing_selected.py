"""An export or a delete of nothing is an error, in JATOS's words: "No results selected"."""

from __future__ import annotations

import pytest

from store import Selection
from store.errors import NothingSelected, StoreError
from store.exporting.export import KINDS, export
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import run_cli, store_state

SELECTABLE = [k for k in KINDS if k != "file"]  # a single file names its component result
EMPTY = [
    Selection(study_result_ids=[999]),
    Selection(component_result_ids=[999]),
    Selection(study=12, filter="no-such-text"),
]


@pytest.mark.parametrize("kind", SELECTABLE)
@pytest.mark.parametrize("selection", EMPTY)
def test_export_of_nothing_is_an_error(store, tmp_path, kind, selection):
    import_paths(store, [fx.results_archive(tmp_path)])
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(NothingSelected, match="^No results selected$"):
        export(store, kind, selection, out / "x")
    assert issubclass(NothingSelected, StoreError)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("kind", SELECTABLE)
def test_export_of_an_empty_store_is_an_error(store, tmp_path, kind):
    # "everything" in an empty store: the plain-text export's whole-table path included
    with pytest.raises(NothingSelected):
        export(store, kind, Selection(), tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_cli_export_and_delete_of_nothing(db_path, tmp_path):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    before = store_state(db_path)
    for args in (
        ("export", "data", "--ids", "999", "-o", str(tmp_path / "x.txt")),
        ("export", "archive", "--study", "12", "--filter", "no-such-text", "-o", str(tmp_path / "x.zip")),
        ("delete", "--ids", "999", "--yes"),
        ("delete", "--component-result-ids", "999"),
    ):
        r = run_cli(*args)
        assert r.returncode == 2, args
        assert r.stderr == "jatos-results: No results selected\n", args
        assert r.stdout == ""
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "x.zip").exists()
    assert store_state(db_path) == before

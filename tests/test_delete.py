from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from store import Selection, open_store
from store.db.models import ComponentResult, PendingFileOp, ResultFile, StudyResult
from store.importing.importer import import_paths
from store.removal.delete import delete

import jatos_fixtures as fx
from conftest import run_cli, store_state


@pytest.fixture
def scenario(store, tmp_path):
    import_paths(store, [fx.results_archive(tmp_path)])
    return store


def test_delete_study_results_with_data_and_files(scenario):
    store = scenario
    folder = store.files_root / "study-result_101"
    assert folder.is_dir()
    result = delete(store, Selection(study_result_ids=[101]))
    assert (result.study_results, result.component_results, result.files) == (1, 2, 1)
    assert [r.id for r in StudyResult.select()] == [102]
    assert [r.id for r in ComponentResult.select()] == [303]
    assert ResultFile.select().count() == 0
    assert not folder.exists()
    assert PendingFileOp.select().count() == 0
    assert not list((store.files_root / ".staging").iterdir())


def test_component_level_delete_keeps_the_study_result(scenario):
    store = scenario
    result = delete(store, Selection(component=41))
    assert result.component_results == 1 and result.files == 1
    assert StudyResult.select().count() == 2
    assert sorted(r.id for r in ComponentResult.select()) == [301, 303]
    assert not (store.files_root / "study-result_101" / "comp-result_302").exists()


def test_delete_by_filter(scenario):
    delete(scenario, Selection(study=12, filter="DATA_RETRIEVED", case_sensitive=True))
    assert [r.id for r in StudyResult.select()] == [101]


def _child(db, tmp_path, body: str) -> int:
    """Run store code in a child process that dies (os._exit) at a chosen point."""
    script = tmp_path / "child" / "child.py"  # not beside the store/ folder, which would shadow the package
    script.parent.mkdir(exist_ok=True)
    script.write_text(
        textwrap.dedent(
            f"""
            import os, sys
            from store import open_store, Selection
            from store.disk import files
            from store.db.models import PendingFileOp
            store = open_store({str(db)!r})
            """
        )
        + textwrap.dedent(body)
    )
    return subprocess.run([sys.executable, str(script)], timeout=60).returncode


@pytest.mark.parametrize("purge", [False, True])
def test_killed_after_commit_is_finished_on_next_open(scenario, db_path, tmp_path, purge):
    scenario.close()
    step = "apply_delete" if purge else "apply_moves"
    rc = _child(
        db_path,
        tmp_path,
        f"""
        from store.removal.delete import delete
        files.{step} = lambda *a, **k: os._exit(9)
        delete(store, Selection(study_result_ids=[101]), purge={purge})
        """,
    )
    assert rc == 9
    # The rows are gone; the folder waits for the next open to remove it (or move it
    # into the trash).
    with open_store(db_path, recover=False) as store:
        assert StudyResult.select().where(StudyResult.id == 101).count() == 0
        assert PendingFileOp.select().count() == 1
        assert (store.files_root / "study-result_101").exists()
    with open_store(db_path) as store:
        assert not (store.files_root / "study-result_101").exists()
        assert PendingFileOp.select().count() == 0
        in_trash = store.files_root / ".deleted" / "1" / "study-result_101" / "comp-result_302" / "audio.webm"
        assert in_trash.exists() != purge


def test_killed_before_commit_changes_nothing(scenario, db_path, tmp_path):
    scenario.close()
    before = store_state(db_path)
    rc = _child(
        db_path,
        tmp_path,
        """
        from store.removal.delete import delete
        PendingFileOp.create = lambda **k: os._exit(9)
        delete(store, Selection(study_result_ids=[101]))
        """,
    )
    assert rc == 9
    with open_store(db_path) as store:
        assert StudyResult.select().count() == 2
        assert (store.files_root / "study-result_101" / "comp-result_302" / "audio.webm").exists()
    def visible(state):  # staging locks and marks are the store's own business
        return state[0], {k: v for k, v in state[1].items() if not k.startswith(".")}

    assert visible(store_state(db_path)) == visible(before)


def _import_killed(db_path, tmp_path, kill: str) -> None:
    """An import of the fixture archive in a child process that `kill` ends with exit 9."""
    archive = fx.results_archive(tmp_path)
    open_store(db_path).close()
    code = f"""
        from store.importing.importer import import_paths
        {kill} = lambda *a, **k: os._exit(9)
        import_paths(store, [{str(archive)!r}])
        """
    assert _child(db_path, tmp_path, code) == 9


def test_import_killed_after_commit_moves_files_on_next_open(db_path, tmp_path):
    _import_killed(db_path, tmp_path, "files.apply_import")
    with open_store(db_path) as store:
        assert StudyResult.select().count() == 2
        f = store.files_root / "study-result_101" / "comp-result_302" / "audio.webm"
        assert f.read_bytes() == fx.AUDIO
        assert not list((store.files_root / ".staging").iterdir())


def test_import_killed_before_commit_leaves_nothing(db_path, tmp_path):
    _import_killed(db_path, tmp_path, "PendingFileOp.create")
    with open_store(db_path) as store:
        assert StudyResult.select().count() == 0
        assert not [p for p in store.files_root.rglob("study-result_*")]


def test_cli_delete_asks_and_refuses_without_a_terminal(db_path, tmp_path):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    r = run_cli("delete", "--ids", "101")
    assert r.returncode == 2 and "--yes" in r.stderr
    r = run_cli("delete", "--ids", "101", "--yes")
    assert r.returncode == 0, r.stderr
    assert "deleted 1 study results with 2 component results and 1 files" in r.stdout
    r = run_cli("delete", "--study", "99", "--yes")
    assert r.returncode == 2 and r.stderr.strip() == "jatos-results: there is no study with id 99 in the store"

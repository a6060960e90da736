"""Labels and notes (store/labels.py): which runs count, kept across imports, the trash and
exports, searchable, and reported (the exclusion report)."""

from __future__ import annotations

import csv
import io

import pytest
from test_search_text import stale_texts

from store import Selection, StoreError
from store.db.models import ResultLabel, StudyResult
from store.exporting.export import export
from store.importing.importer import import_paths
from store.labels import clear_labels, labels_of, listing, set_labels
from store.removal import trash
from store.removal.delete import delete_ids
from store.removal.erase import erase, plan

import jatos_fixtures as fx
from conftest import index_is_consistent, run_cli


@pytest.fixture
def scenario(store, tmp_path):
    import_paths(store, [fx.results_archive(tmp_path), fx.study_archive(tmp_path)])
    return store


def found(text: str) -> list[int]:
    return Selection(filter=text).row_ids()


def test_a_label_and_note_are_kept_with_who_and_when(scenario):
    result = set_labels(scenario, [101, 102, 999], "Exclude ", "failed attention check")
    assert result.line() == "labelled 2 study results"
    got = labels_of([101, 102])
    assert {i: (r.label, r.note) for i, r in got.items()} == {
        101: ("exclude", "failed attention check"), 102: ("exclude", "failed attention check"),
    }
    assert got[101].labelled_at > 0 and got[101].labelled_by is not None
    # A new label keeps the note; a note alone keeps the label; clear removes both.
    set_labels(scenario, [101], "include")
    set_labels(scenario, [102], None, "participated twice")
    got = labels_of([101, 102])
    assert (got[101].label, got[101].note) == ("include", "failed attention check")
    assert (got[102].label, got[102].note) == ("exclude", "participated twice")
    assert clear_labels(scenario, [101]).line() == "cleared the labels of 1 study results"
    assert list(labels_of([101, 102])) == [102]
    assert [(r.study_result, study) for r, study in listing()] == [(102, 12)]
    assert listing(study=13) == []


@pytest.mark.parametrize("label", ["", "   ", "x" * 41, "a\x1bb"])
def test_a_bad_label_is_one_clear_error(scenario, label):
    with pytest.raises(StoreError):
        set_labels(scenario, [101], label)
    assert ResultLabel.select().count() == 0


def test_the_filter_finds_labels_and_notes_and_the_text_follows_them(scenario, db_path):
    assert found("exclude") == [] and found("attention") == []
    set_labels(scenario, [102], "exclude", "failed attention check")
    assert found("exclude") == [102] and found("attention check") == [102]
    assert stale_texts() == []
    set_labels(scenario, [102], "pending", "ask the PI")
    assert found("exclude") == [] and found("ask the PI") == [102]
    clear_labels(scenario, [102])
    assert found("pending") == [] and found("ask the PI") == []
    assert stale_texts() == []
    assert index_is_consistent(db_path)


def test_imports_keep_labels_and_their_text(scenario, tmp_path):
    set_labels(scenario, [101], "exclude", "participated twice")
    import_paths(scenario, [fx.results_archive(tmp_path), fx.metadata_json(tmp_path), fx.data_zip(tmp_path)])
    assert labels_of([101])[101].label == "exclude"
    assert stale_texts() == []
    assert found("participated twice") == [101]


def test_labels_survive_delete_and_undo_and_a_reimport(scenario, tmp_path):
    set_labels(scenario, [101], "exclude", "participated twice")
    op = delete_ids(scenario, "study", [101]).op
    assert ResultLabel.select().count() == 1  # kept while the result is in the trash
    trash.restore(scenario, op=op)
    assert labels_of([101])[101].note == "participated twice"
    assert found("participated twice") == [101] and stale_texts() == []
    # Deleted, then imported again on purpose: the row comes back new, its label with it.
    delete_ids(scenario, "study", [101])
    import_paths(scenario, [fx.results_archive(tmp_path)], include_deleted=True)
    assert found("participated twice") == [101] and stale_texts() == []


def test_purge_erase_and_emptying_the_trash_remove_labels(scenario):
    set_labels(scenario, [101, 102], "exclude")
    delete_ids(scenario, "study", [101], purge=True)
    assert list(labels_of([101, 102])) == [102]
    delete_ids(scenario, "study", [102])
    trash.empty(scenario)
    assert ResultLabel.select().count() == 0


def test_erase_removes_a_label(scenario):
    set_labels(scenario, [101], "exclude")
    erase(scenario, plan(Selection(study_result_ids=[101])))
    assert ResultLabel.select().count() == 0


def _read(path) -> str:
    return open(path, encoding="utf-8").read()


def test_every_export_leaves_out_excluded_labels(scenario, tmp_path):
    set_labels(scenario, [101], "Exclude", "failed attention check")
    sel = Selection(exclude_labels=("EXCLUDE",))
    assert sel.row_ids() == [102] and not sel.is_everything
    for kind in ("data", "archive", "data-zip", "files", "metadata-json", "metadata-csv"):
        out = tmp_path / f"out-{kind}"
        try:
            result = export(scenario, kind, sel, out, allow_missing_data=True)
        except StoreError as exc:  # 102 has no files: the files zip says so
            assert kind == "files", exc
            continue
        assert result.study_results == 1, kind
        body = out.read_bytes()
        assert b"study_result_101" not in body and b'"101"' not in body and b"rt\":532" not in body, kind
    # Component results of an excluded study result are left out too.
    comp = export(scenario, "metadata-csv", Selection(component=40, exclude_labels=("exclude",)), tmp_path / "c.csv")
    assert comp.component_results == 1 and '"303"' in _read(tmp_path / "c.csv")


def test_the_exclusion_report(scenario, tmp_path):
    set_labels(scenario, [101], "exclude", "=participated twice")
    set_labels(scenario, [102], "include", "")
    out = tmp_path / "report.csv"
    result = export(scenario, "exclusion-report", Selection(exclude_labels=("exclude",)), out)
    assert result.study_results == 2
    rows = list(csv.reader(io.StringIO(_read(out))))
    assert rows[0] == [
        "Result ID", "Study ID", "Worker ID", "Participant ID", "Participant ID from",
        "Label", "Note", "Labelled by", "Labelled at",
    ]
    assert [r[:8] for r in rows[1:]] == [
        ["101", "12", "57", "", "", "exclude", "'=participated twice", labels_of([101])[101].labelled_by],
        ["102", "12", "58", "abc123", "PROLIFIC_PID", "include", "", labels_of([102])[102].labelled_by],
    ]
    assert rows[1][8].startswith("20")
    # Of component results: their study results'. Nobody labelled: the header alone.
    export(scenario, "exclusion-report", Selection(component_result_ids=[303]), tmp_path / "c.csv")
    assert [r[0] for r in csv.reader(io.StringIO(_read(tmp_path / "c.csv")))] == ["Result ID", "102"]
    clear_labels(scenario, [101, 102])
    assert export(scenario, "exclusion-report", Selection(), tmp_path / "none.csv").study_results == 0
    assert _read(tmp_path / "none.csv").splitlines() == [",".join(f'"{h}"' for h in rows[0])]


# -- the command line -------------------------------------------------------------------------------


def test_label_from_the_command_line(scenario, db_path, tmp_path):
    done = run_cli("label", "exclude", "--ids", "101-102", "--note", "failed attention check")
    assert (done.returncode, done.stdout.strip()) == (0, "labelled 2 study results"), done.stderr
    done = run_cli("label", "include", "--filter", "abc123")
    assert done.returncode == 0, done.stderr
    done = run_cli("labels", "--study", "12")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].split()[:3] == ["101", "12", "exclude"] and "failed attention check" in lines[1]
    assert lines[2].split()[:3] == ["102", "12", "include"]
    report = tmp_path / "r.csv"
    done = run_cli("export", "exclusion-report", "-o", str(report))
    assert done.returncode == 0, done.stderr
    assert "abc123" in _read(report)
    out = tmp_path / "d.txt"
    done = run_cli("export", "data", "--exclude-label", "include", "--exclude-label", "pending", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stderr == "note: no study result is labelled 'pending': --exclude-label pending leaves out nothing\n"
    assert out.read_bytes() == fx.DATA[301] + b"\n" + fx.DATA[302] + b"\n"
    # The export dialog's spelling, a comma-separated list, is the same here.
    both = tmp_path / "both.txt"
    done = run_cli("export", "data", "--exclude-label", "include, pending", "-o", str(both))
    assert done.returncode == 0, done.stderr
    assert done.stderr == "note: no study result is labelled 'pending': --exclude-label pending leaves out nothing\n"
    assert both.read_bytes() == fx.DATA[301] + b"\n" + fx.DATA[302] + b"\n"
    done = run_cli("label", "--clear", "--ids", "101")
    assert (done.returncode, done.stdout.strip()) == (0, "cleared the labels of 1 study results")
    assert run_cli("labels").stdout.count("\n") == 2


@pytest.mark.parametrize("args, message", [
    (["label", "--ids", "101"], "give a label"),
    (["label", "exclude"], "--ids"),
    (["label", "exclude", "--clear", "--ids", "101"], "--clear"),
    (["label", "x" * 50, "--ids", "101"], "at most"),
    (["label", "exclude", "--ids", "1-"], ""),
    (["label", "exclude", "--component-result-ids", "301"], "study results"),
    (["labels", "--study", "x"], "--study"),
    (["labels", "--study", "999"], "there is no study with id 999 in the store"),
])
def test_bad_label_commands_say_one_line(scenario, args, message):
    done = run_cli(*args)
    assert done.returncode == 2, done.stdout
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert message in done.stderr
    assert ResultLabel.select().count() == 0


def test_study_results_only_in_the_store_get_labels(scenario):
    with pytest.raises(StoreError, match="none of these"):
        set_labels(scenario, [999], "exclude")
    assert StudyResult.select().count() == 2 and ResultLabel.select().count() == 0


@pytest.mark.parametrize("params, mt, expected", [
    ('{"PROLIFIC_PID":"5f1a","workerId":"A1"}', None, ("5f1a", "PROLIFIC_PID")),
    ('{"workerId":["A1","A2"]}', None, ("A1", "workerId")),
    ('{"PROLIFIC_PID":""}', "A3MT", ("A3MT", "MTurk worker ID")),
    ("not json", None, ("", "")),
    (None, None, ("", "")),
])
def test_the_reports_participant_id(params, mt, expected):
    from store.participants import participant_of as participant

    assert participant(params, mt) == expected

"""Study health (issue #14): the counts, the funnel, each flag with a run that triggers it and
one that does not, the 3-SD rule against a hand computation, and the command line."""

from __future__ import annotations

import json

import pytest

from store import HealthOptions, Selection, StoreError, health_text, study_health
from store.formats.jatos_values import format_id_list, parse_id_list
from store.importing.importer import import_paths

import health_fixtures as hf
from conftest import run_cli


@pytest.fixture
def known(store, tmp_path):
    import_paths(store, hf.archive(tmp_path, hf.KNOWN))
    return store


def report(store, **selection):
    return study_health(store, Selection(**{"study": 70, **selection}), HealthOptions(now_ms=hf.NOW))


def flagged(h) -> dict[str, tuple[int, ...]]:
    return {f.key: f.ids for f in h.flags}


def test_counts_per_state_and_the_funnel_of_a_known_study(store, known):
    h = report(store)
    assert (h.study, h.title, h.runs, h.narrowed) == (70, "Health check", 9, "")
    assert h.study_states == {"PRE": 0, "STARTED": 0, "DATA_RETRIEVED": 2, "FINISHED": 6, "ABORTED": 1, "FAIL": 0}
    assert h.component_states == {
        "STARTED": 0, "DATA_RETRIEVED": 2, "RESULTDATA_POSTED": 0, "FINISHED": 20, "RELOADED": 1, "ABORTED": 1, "FAIL": 0,
    }
    # In study order; each run counted once (run 6 has two component results of Trials);
    # "with data" is JATOS's data size above 0, also where only the server has the data (run 7).
    assert [(c.id, c.title, c.reached, c.finished, c.with_data) for c in h.funnel] == [
        (71, "Consent", 9, 8, 0), (72, "Trials", 8, 6, 6), (73, "Survey", 6, 6, 6),
    ]


def test_each_flag_names_the_runs_that_trigger_it_and_no_other(store, known):
    # Beside each run that triggers a flag, KNOWN has one that nearly does (health_fixtures.py):
    # tiny: run 2's 1 byte, not run 8's 10 bytes nor Consent's no data (no run leaves any there);
    # format: run 3's CSV among JSON, not run 8's JSON after white space; stuck: run 4 (190 h),
    # not run 5 (1 h); duplicates: aaa111 twice (runs 1, 3), not bbb222 and bbb222x (2, 8).
    assert flagged(report(store)) == {
        "finished-without-data": (2,),
        "mixed-formats": (3,),
        "reloaded": (6,),
        "not-in-store": (7,),
        "stuck": (4,),
        "duplicate-participants": (1, 3),
        "exceptionally-fast": (),
    }


def test_a_run_that_goes_back_to_a_component_counts_once_in_the_funnel(store, tmp_path):
    # A study that is not linear may start a component again: two finished results with data.
    runs = [(1, "FINISHED", 0, 600, 600, None, [
        (10, 72, "FINISHED", hf.JSON), (11, 73, "FINISHED", hf.SURVEY), (12, 72, "FINISHED", hf.JSON)])]
    import_paths(store, hf.archive(tmp_path, runs))
    h = report(store)
    assert [(c.id, c.reached, c.finished, c.with_data, c.states["FINISHED"]) for c in h.funnel] == [
        (72, 1, 1, 1, 2), (73, 1, 1, 1, 1),
    ]


def test_the_thresholds_are_options(store, known):
    h = study_health(store, Selection(study=70), HealthOptions(tiny_bytes=11, stuck_hours=0.5, now_ms=hf.NOW))
    assert flagged(h)["finished-without-data"] == (2, 8)  # 10 bytes is now tiny
    assert flagged(h)["stuck"] == (4, 5)  # an hour without a heartbeat is now too long
    assert "under 11 bytes" in h.flag("finished-without-data").explanation
    with pytest.raises(StoreError, match="tiny-data threshold"):
        study_health(store, Selection(study=70), HealthOptions(tiny_bytes=0))


def test_a_study_of_other_formats_flags_the_json_among_them(store, tmp_path):
    # Interrupted runs saving JSON where finished ones save CSV (the case): the odd
    # ones are the JSON ones.
    csv = b"rt,correct\n532,true\n"
    runs = [(i, "FINISHED", i * 1000, i * 1000 + 600, i * 1000 + 600, None, [(i * 10, 72, "FINISHED", csv)]) for i in range(1, 4)]
    runs.append((4, "FINISHED", 4000, 4600, 4600, None, [(40, 72, "FINISHED", hf.JSON)]))
    import_paths(store, hf.archive(tmp_path, runs))
    h = report(store)
    assert flagged(h)["mixed-formats"] == (4,)
    assert "Trials: 1 JSON among 3 not JSON" in h.flag("mixed-formats").explanation


def test_files_listed_by_metadata_and_not_here_flag_their_runs(store, tmp_path):
    import jatos_fixtures as fx

    # The spec's metadata, then its data: run 101's audio.webm is known only from metadata.
    import_paths(store, [fx.metadata_json(tmp_path)])
    assert flagged(study_health(store, Selection(study=12), HealthOptions(now_ms=hf.NOW)))["not-in-store"] == (101,)
    import_paths(store, [fx.data_zip(tmp_path)])
    assert flagged(study_health(store, Selection(study=12), HealthOptions(now_ms=hf.NOW)))["not-in-store"] == (101,)
    import_paths(store, [fx.files_zip(tmp_path)])
    assert flagged(study_health(store, Selection(study=12), HealthOptions(now_ms=hf.NOW)))["not-in-store"] == ()


def test_the_3_sd_rule_against_a_hand_computation(store, tmp_path):
    import_paths(store, hf.archive(tmp_path, hf.fast_runs()))
    h = report(store)
    d = h.durations
    # By hand (health_fixtures.fast_runs): mean 577 s, sample SD 80 s, cut-off 337 s.
    assert d.runs == 25 and d.mean == pytest.approx(577) and d.sd == pytest.approx(80)
    assert d.cutoff == pytest.approx(337) and d.median == 600
    assert (d.shortest, d.longest) == (285, 600)
    assert h.flag("exceptionally-fast").ids == (1024,)  # 285 s; not 1025 (340 s)
    # The histogram holds every finished run once, the fast one in the first (log-spaced) bin.
    assert len(d.bins) == 12 and sum(b.runs for b in d.bins) == 25 and sum(b.fast for b in d.bins) == 1
    assert (d.bins[0].low, d.bins[0].runs, d.bins[0].fast) == (285, 1, 1)
    assert d.bins[-1].high == 600 and d.bins[-1].runs == 23
    assert all(a.high == pytest.approx(b.low) for a, b in zip(d.bins, d.bins[1:]))
    assert d.bins[1].high / d.bins[1].low == pytest.approx((600 / 285) ** (1 / 12))
    lines = health_text.histogram_lines(d)
    assert lines[0].startswith("00:04:45 – ") and lines[0].endswith("│ 1  (1 fast)")
    assert lines[-1].endswith("│ 23") and "█" * health_text.BAR in lines[-1]


def test_a_scope_narrows_the_report(store, known):
    h = report(store, study_result_ids=[1, 2, 3, 4])
    assert h.runs == 4 and h.narrowed == "4 ids"
    # The runs left out leave their flags out: run 6's reload, run 7's data on the server.
    assert flagged(h) | {"exceptionally-fast": ()} == {
        "finished-without-data": (2,), "mixed-formats": (3,), "reloaded": (), "not-in-store": (), "stuck": (4,),
        "duplicate-participants": (1, 3), "exceptionally-fast": (),
    }
    assert [(c.reached, c.finished, c.with_data) for c in h.funnel] == [(4, 4, 0), (4, 3, 3), (3, 3, 3)]
    h = report(store, filter="aaa111")
    assert h.runs == 2 and h.narrowed == "filter 'aaa111'" and [c.reached for c in h.funnel] == [2, 2, 2]
    assert study_health(store, Selection(batch=14), HealthOptions(now_ms=hf.NOW)).runs == 9  # the batch's study


@pytest.mark.parametrize(
    ("selection", "said"),
    [
        ({"component": 72}, "study health is about study results"),
        ({}, "say which study: --study ID"),
        ({"study": 99}, "there is no study with id 99"),
    ],
)
def test_a_selection_that_is_not_one_study_is_one_line(store, known, selection, said):
    with pytest.raises(StoreError, match=said):
        study_health(store, Selection(**selection))


def test_an_empty_study_has_a_report(store, tmp_path):
    import_paths(store, hf.archive(tmp_path, [(1, "ABORTED", 0, 5, 5, None, [])]))
    h = report(store)
    assert h.runs == 1 and h.durations.runs == 0 and h.durations.bins == ()
    assert all(not f.ids for f in h.flags)
    assert "No finished runs" in "\n".join(health_text.report_lines(h))


def test_id_lists_are_written_as_ids_options_read_them():
    ids = [1, 2, 3, 5, 9, 10, 12]
    assert format_id_list(ids) == "1-3, 5, 9-10, 12"
    assert parse_id_list(format_id_list(ids)) == ids


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def cli_env(known, db_path):
    return {"JATOS_RESULTS_DB": str(db_path)}


def test_the_command_prints_the_report(store, cli_env):
    out = run_cli("health", "--study", "70", "--stuck-hours", "100000", env=cli_env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "Study health: Health check (study 70), 9 study results"
    assert "Study results by state: DATA_RETRIEVED 2 · FINISHED 6 · ABORTED 1" in lines
    funnel = lines.index("Completion funnel (runs)")
    assert lines[funnel + 2].split() == ["Consent", "(71)", "9", "8", "0"]
    assert lines[funnel + 3].split() == ["Trials", "(72)", "8", "6", "6"]
    at = lines.index("  Participated more than once (2): " + report(store).flag("duplicate-participants").explanation)
    assert lines[at + 1] == "    ids: 1, 3"
    assert "  Stuck (0): STARTED or DATA_RETRIEVED runs not seen (no heartbeat) for 100000 hours or more" in lines
    assert lines[-1].startswith("  00:10:00 – 00:10:00 │") and lines[-1].endswith("│ 6")


def test_the_command_prints_json_with_stable_keys(cli_env):
    out = run_cli("health", "--study", "70", "--json", "--tiny-bytes", "11", env=cli_env)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert list(doc) == ["study", "scope", "options", "study_states", "component_states", "funnel", "flags", "durations"]
    assert doc["study"] == {"id": 70, "title": "Health check"}
    assert doc["options"]["tiny_data_bytes"] == 11 and doc["options"]["stuck_after_hours"] == 24
    assert doc["funnel"][1] | {"states": None} == {
        "component_id": 72, "title": "Trials", "position": 1, "reached": 8, "finished": 6, "with_data": 6, "states": None,
    }
    flags = {f["key"]: f for f in doc["flags"]}
    assert list(flags) == [
        "finished-without-data", "mixed-formats", "reloaded", "not-in-store", "stuck", "duplicate-participants",
        "exceptionally-fast",
    ]
    assert flags["finished-without-data"]["study_result_ids"] == [2, 8] and flags["finished-without-data"]["count"] == 2
    assert flags["stuck"]["study_result_ids"] == [4, 5]  # 2024's runs, long before the clock's now
    assert set(doc["durations"]) == {
        "finished_runs", "scale", "mean_seconds", "sd_seconds", "median_seconds", "shortest_seconds",
        "longest_seconds", "fast_cutoff_seconds", "bins",
    }
    assert doc["durations"]["bins"] == [{"from_seconds": 600, "to_seconds": 600, "runs": 6, "fast": 0}]


def test_the_json_writes_a_control_character_as_its_escape(store, tmp_path, db_path):
    import_paths(store, hf.archive(tmp_path, hf.KNOWN, title="Evil\x1b]0;x\x07 ö"))
    out = run_cli("health", "--study", "70", "--json", env={"JATOS_RESULTS_DB": str(db_path)})
    assert "\x1b" not in out.stdout and "\\u001b]0;x\\u0007 ö" in out.stdout
    assert json.loads(out.stdout)["study"]["title"] == "Evil\x1b]0;x\x07 ö"
    text = run_cli("health", "--study", "70", env={"JATOS_RESULTS_DB": str(db_path)})
    assert "\x1b" not in text.stdout and text.stdout.startswith("Study health: Evil␛]0;x␇ ö")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--component", "72"], "study health is about study results"),
        ([], "say which study"),
        (["--study", "99"], "there is no study with id 99"),
        (["--study", "70", "--tiny-bytes", "0"], "--tiny-bytes: must be 1 or more"),
        (["--study", "70", "--stuck-hours", "-1"], "--stuck-hours: must be above 0"),
        (["--study", "70", "--filter", "(", "--regex"], "regular expression"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli_env, args, said):
    out = run_cli("health", *args, env=cli_env)
    assert out.returncode == 2 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and said in out.stderr


def test_the_command_says_when_test_runs_are_left_out(store, cli_env):
    from store.db.models import Worker

    Worker.update(worker_type="Jatos").where(Worker.id == 1003).execute()  # run 3: a test run
    out = run_cli("health", "--study", "70", "--exclude-test-runs", env=cli_env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "Study health: Health check (study 70), 8 study results (test runs left out)"
    out = run_cli("health", "--study", "70", "--exclude-test-runs", "--json", env=cli_env)
    scope = json.loads(out.stdout)["scope"]
    assert scope == {"narrowed": "test runs left out", "study_results": 8, "exclude_test_runs": True}
    out = run_cli("health", "--study", "70", "--json", env=cli_env)
    assert json.loads(out.stdout)["scope"] == {"narrowed": "", "study_results": 9, "exclude_test_runs": False}

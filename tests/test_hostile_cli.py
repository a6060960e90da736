"""Hostile input on the command line and from servers: one line, exit 2, never a traceback,
no escape sequence reaching the terminal, no token shown (issue "Hostile input")."""

from __future__ import annotations

import json
import os
import stat

import pytest

import jatos_fixtures as fx
from conftest import ON_POSTGRES, run_cli, sqlite_only, store_state
from fake_jatos import TOKEN, FakeJatos


@pytest.fixture
def imported(db_path, tmp_path):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    return db_path


@pytest.fixture
def server():
    fake = FakeJatos("3.10").start()
    yield fake
    fake.stop()


def one_line(r) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_a_filter_of_many_words_works(imported):
    r = run_cli("export", "data", "--filter", " ".join(["FINISHED"] * 150), "-o", "-")
    assert r.returncode == 0, r.stderr
    assert r.stdout == fx.DATA[301].decode() + "\n" + fx.DATA[302].decode() + "\n"


def test_a_regex_repeat_too_large_is_one_line(imported):
    line = one_line(run_cli("export", "data", "--regex", "--filter", "a{4294967296}", "-o", "-"))
    assert line.startswith("jatos-results: invalid regular expression 'a{4294967296}'")


def test_a_filter_that_is_not_utf8_is_one_line(imported):
    line = one_line(run_cli("export", "data", "--filter", b"\xff\xfeword", "-o", "-"))
    assert line == "jatos-results: --filter: not valid UTF-8 text"


@pytest.mark.parametrize("value", ["9223372036854775808", "-1", "١٢"])
def test_an_id_out_of_range_is_one_line(imported, value):
    line = one_line(run_cli("export", "data", "--study", value, "-o", "-"))
    assert "not an id" in line and "see --help" in line


def test_an_id_list_out_of_range_is_one_line(imported):
    line = one_line(run_cli("export", "data", "--ids", "1-9223372036854775808", "-o", "-"))
    assert line == "jatos-results: not an id or id range: '1-9223372036854775808'"


def test_escape_sequences_never_reach_the_terminal(db_path, tmp_path):
    doc = fx.metadata_doc()
    doc["data"][0]["studyTitle"] = "Stroop\x1b]0;PWNED\x07\x9b31m Task"
    archive = fx.write_zip(tmp_path / "a.zip", fx.ENTRIES + [("metadata.json", json.dumps(doc).encode())])
    assert run_cli("import", str(archive)).returncode == 0
    r = run_cli("studies")
    assert r.returncode == 0
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\x9b" not in r.stdout
    assert "Stroop␛]0;PWNED␇\ufffd31m Task" in r.stdout


@pytest.mark.parametrize("token", [f"{TOKEN}\n{TOKEN}", "jap_é123", f"{TOKEN} x"])
def test_a_token_that_is_not_one_ascii_word_is_refused_unseen(server, db_path, tmp_path, token):
    config = tmp_path / "config" / "jatos-results"
    config.mkdir(parents=True)
    (config / "token").write_text(token)
    (config / "token").chmod(0o600)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "JATOS_API_TOKEN": ""}
    line = one_line(run_cli("pull", "--url", server.url, "--study", "12", env=env))
    assert "has spaces, line breaks or non-ASCII characters" in line
    assert "jap_0123" not in line and "123" not in line.split("characters")[1]
    assert server.log == []  # nothing was sent


def test_a_token_echoed_by_the_server_is_masked(server, db_path, tmp_path):
    server.echo_token = True
    line = one_line(run_cli("pull", "--url", server.url, "--study", "12", env={"JATOS_API_TOKEN": TOKEN}))
    assert line.endswith("no access (403): denied for Bearer jap_…****")


def test_a_dripping_server_meets_the_deadline(server, db_path):
    server.drip = True
    r = run_cli("pull", "--url", server.url, "--study", "12", "--deadline", "1", env={"JATOS_API_TOKEN": TOKEN})
    assert one_line(r).endswith("the server took longer than 1 s to answer (--deadline)")


def test_a_gzip_bomb_is_capped(server, db_path):
    server.gzip_bomb = 50_000_000
    env = {"JATOS_API_TOKEN": TOKEN, "JATOS_RESULTS_MAX_DOWNLOAD_BYTES": "1000000"}
    line = one_line(run_cli("pull", "--url", server.url, "--study", "12", env=env))
    assert "the answer is larger than 1000000 bytes" in line


def test_pull_stages_inside_the_store(server, db_path, tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    seen = []

    def look(*_):
        staged = [p for p in (db_path.parent / "results-files" / ".staging").rglob("*") if p.is_file()]
        seen.extend((p.name, stat.S_IMODE(p.stat().st_mode)) for p in staged if p.suffix != ".lock")

    server.on_metadata = look
    r = run_cli("pull", "--url", server.url, "--study", "12", env={"JATOS_API_TOKEN": TOKEN, "TMPDIR": str(tmpdir)})
    assert r.returncode == 0, r.stderr
    assert list(tmpdir.iterdir()) == []
    assert not [p for p in (db_path.parent / "results-files" / ".staging").rglob("*") if p.suffix != ".lock"]


def test_anything_unforeseen_is_one_line_and_a_private_log(db_path, tmp_path, monkeypatch, capsys):
    import tui.cli.commands as cli

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(cli, "cmd_studies", lambda args: 1 / 0)
    assert cli.main(["studies"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    log = tmp_path / "state" / "jatos-results" / "crash.log"
    assert err == [f"jatos-results: unexpected error (ZeroDivisionError); the details are in {log}"]
    assert "ZeroDivisionError" in log.read_text() and stat.S_IMODE(log.stat().st_mode) == 0o600
    assert os.path.exists(log)


def test_an_export_never_replaces_a_pipe_or_device(imported, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    line = one_line(run_cli("export", "data", "-o", str(fifo), "--force"))
    assert line == f"jatos-results: {fifo}: is not a regular file; to write into it, use -o - and a redirect"
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize("own", [
    pytest.param("results.sqlite3", marks=sqlite_only("the database file")),
    pytest.param("results.sqlite3-wal", marks=sqlite_only("the database's write-ahead log")),
    "results-files/x.zip",
])
def test_an_export_never_goes_over_the_store(imported, own):
    file_bytes = (lambda: None) if ON_POSTGRES else imported.read_bytes
    before = store_state(imported), file_bytes()
    target = imported.parent / own
    line = one_line(run_cli("export", "archive", "-o", str(target), "--force"))
    assert "is part of the store itself" in line
    assert (store_state(imported), file_bytes()) == before


def test_half_written_exports_of_dead_processes_are_removed(imported, tmp_path):
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".jatos-results.data.txt.k3j4.part"
    stale.write_bytes(b"participant data")
    alive = out / ".jatos-results.other.txt.x9y8.part"
    alive.write_bytes(b"being written")
    with open(alive, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # an export still running in another process
        r = run_cli("export", "data", "-o", str(out / "data.txt"))
        assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == [alive.name, "data.txt"]


def test_metadata_csv_cells_never_run_as_formulas(db_path, tmp_path):
    doc = fx.metadata_doc()
    doc["data"][0]["studyResults"][0]["message"] = '=HYPERLINK("http://evil.example","click")'
    doc["data"][0]["studyResults"][1]["urlQueryParameters"] = {"PROLIFIC_PID": "@SUM(1+1)"}
    archive = fx.write_zip(tmp_path / "a.zip", fx.ENTRIES + [("metadata.json", json.dumps(doc).encode())])
    assert run_cli("import", str(archive)).returncode == 0
    safe = run_cli("export", "metadata-csv", "--columns", "all", "-o", "-").stdout
    assert '"\'=HYPERLINK(""http://evil.example"",""click"")"' in safe
    assert '"=HYPERLINK' not in safe
    raw = run_cli("export", "metadata-csv", "--columns", "all", "--raw-csv", "-o", "-").stdout
    assert '"=HYPERLINK(""http://evil.example"",""click"")"' in raw


@pytest.mark.parametrize("args", [
    ["studies"], ["labels"], ["export", "data", "-o", "-"], ["health", "--study", "1"], ["trash"],
    ["participants"], ["label", "exclude", "--ids", "1"], ["delete", "--ids", "1", "--yes"],
])
def test_a_command_that_reads_a_store_makes_none_where_there_is_none(tmp_path, args):
    """A mistyped --db: one line and status 2, and nothing made (an empty store, its folders and
    its files folder were made, and `studies` said it held none)."""
    where = tmp_path / "no" / "such" / "x.sqlite3"
    r = run_cli(*args, "--db", str(where))
    assert r.returncode == 2 and r.stderr == f"jatos-results: no store at {where}: check --db (jatos-results import … --db {where} makes one)\n"
    assert not (tmp_path / "no").exists()
    # As a URL, and in the environment (found in a walk-through: it made a store, silently).
    r = run_cli(*args, "--db", f"sqlite:///{where}")
    assert r.returncode == 2 and r.stderr.startswith(f"jatos-results: no store at sqlite:///{where}: check --db")
    r = run_cli(*args, env={"JATOS_RESULTS_DB": str(where)})
    assert r.returncode == 2 and r.stderr == (
        f"jatos-results: no store at {where}: check JATOS_RESULTS_DB (jatos-results import … --db {where} makes one)\n"
    )
    assert not (tmp_path / "no").exists()

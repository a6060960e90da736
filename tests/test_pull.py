"""`jatos-results pull` and `delete --remote` against a local stand-in for JATOS's API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from store import open_store
from store.db.models import ComponentResult, ResultFile, StudyResult

import jatos_fixtures as fx
from conftest import ROOT, run_cli, store_state
from fake_jatos import TOKEN, FakeJatos


@pytest.fixture(params=["3.10"])
def server(request):
    fake = FakeJatos(request.param).start()
    yield fake
    fake.stop()
    assert fake.errors == [], fake.errors  # every request and 3.10 response matched JATOS's contract


@pytest.fixture
def env(db_path, tmp_path):
    return {"JATOS_API_TOKEN": TOKEN, "XDG_CONFIG_HOME": str(tmp_path / "config")}


def pull(server, env, *extra):
    return run_cli("pull", "--url", server.url, "--study", "12", "-q", *extra, env=env)


# The real command line, whose third wait between rounds of --watch ends it (as an
# interrupt would, but with exit status 0): the product has no option to stop itself.
ROUNDS = """
import sys, time
from tui.cli.commands import main
rounds, wait, sleep = int(sys.argv[1]), float(sys.argv[2]), time.sleep
def counted(seconds):
    if seconds == wait:
        counted.waits += 1
        if counted.waits == rounds:
            sys.exit(0)
    sleep(seconds)
counted.waits = 0
time.sleep = counted
sys.exit(main(sys.argv[3:]))
"""


def pull_rounds(rounds: int, server, env, *extra):
    wait = extra[extra.index("--watch") + 1]
    args = ["pull", "--url", server.url, "--study", "12", "-q", *extra]
    return subprocess.run(
        [sys.executable, "-c", ROUNDS, str(rounds), wait, *args],
        capture_output=True, text=True, env={**os.environ, **env}, cwd=ROOT, timeout=120,
    )


def _contents(db_path):
    with open_store(db_path) as store:
        return (
            sorted((r.id, r.state) for r in StudyResult.select()),
            sorted((c.id, c.data) for c in ComponentResult.select()),
            sorted((f.component_result_id, f.filename, f.size) for f in ResultFile.select()),
            store.files_root,
        )


@pytest.mark.parametrize("version", ["3.8", "3.9", "3.10"])
def test_pull_every_version_then_only_metadata(db_path, env, version):
    fake = FakeJatos(version).start()
    try:
        r = pull(fake, env)
        assert r.returncode == 0, r.stderr
        assert "fetched 3 new or changed component results in 1 archives" in r.stdout
        srs, crs, files, root = _contents(db_path)
        assert srs == [(101, "FINISHED"), (102, "DATA_RETRIEVED")]
        assert crs == [(301, fx.DATA[301].decode()), (302, fx.DATA[302].decode()), (303, None)]
        assert files == [(302, "audio.webm", 48213)]
        assert (root / "study-result_101" / "comp-result_302" / "audio.webm").read_bytes() == fx.AUDIO
        fake.log.clear()
        r = pull(fake, env)
        assert r.returncode == 0, r.stderr
        assert "(metadata only)" in r.stdout
        assert [p for _, p, _ in fake.log] == ["/jatos/api/v1/results/metadata"]
    finally:
        fake.stop()
    assert fake.errors == []


def test_incremental_pull_fetches_only_new_and_changed(server, db_path, env):
    assert pull(server, env).returncode == 0
    server.finish_run(102, b'{"done":true}')
    server.add_run(104, 304, b"[1,2,3]")
    server.log.clear()
    r = pull(server, env)
    assert r.returncode == 0, r.stderr
    archive_requests = [b for _, p, b in server.log if p == "/jatos/api/v1/results"]
    assert archive_requests == [{"componentResultIds": [303, 304]}]
    srs, crs, _, _ = _contents(db_path)
    assert (102, "FINISHED") in srs and (104, "FINISHED") in srs
    assert (303, '{"done":true}') in crs and (304, "[1,2,3]") in crs


def test_deleted_on_server_kept_unless_prune(server, db_path, env):
    assert pull(server, env).returncode == 0
    server.delete({"studyResultIds": [102]}, {})
    r = pull(server, env)
    assert "1 study results deleted on the server are kept here (--prune removes them)" in r.stdout
    assert [s for s, _ in _contents(db_path)[0]] == [101, 102]
    r = pull(server, env, "--prune")
    assert "removed 1 study results deleted on the server" in r.stdout
    assert [s for s, _ in _contents(db_path)[0]] == [101]


def test_watch_shows_runs_arriving(server, db_path, env):
    def arrive(fake, seen=[0]):  # noqa: B006 (a counter across calls)
        seen[0] += 1
        if seen[0] == 2:
            fake.add_run(105, 305, b"new")

    server.on_metadata = arrive
    r = pull_rounds(3, server, env, "--watch", "0.05")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 3
    assert "fetched 3" in lines[0] and "fetched 1" in lines[1] and "metadata only" in lines[2]
    assert (105, "FINISHED") in _contents(db_path)[0]


def test_remote_delete(server, db_path, env):
    assert pull(server, env).returncode == 0
    r = run_cli("delete", "--ids", "101", "--remote", "--url", server.url, "--yes", env=env)
    assert r.returncode == 0, r.stderr
    assert f"deleted 2 component results on {server.url}" in r.stdout
    assert [m for m, p, _ in server.log if p.endswith("/delete")] == ["POST"]
    assert [sr["id"] for _, sr in server.study_results()] == [102]
    assert [s for s, _ in _contents(db_path)[0]] == [102]


def test_remote_delete_uses_put_before_310(db_path, env):
    fake = FakeJatos("3.9").start()
    try:
        assert pull(fake, env).returncode == 0
        r = run_cli("delete", "--ids", "102", "--remote", "--url", fake.url, "--yes", env=env)
        assert r.returncode == 0, r.stderr
        assert [m for m, p, _ in fake.log if p.endswith("/delete")] == ["PUT"]
        assert [sr["id"] for _, sr in fake.study_results()] == [101]
    finally:
        fake.stop()
    assert fake.errors == []


def test_remote_delete_refused_when_ids_disagree(server, db_path, env):
    assert pull(server, env).returncode == 0
    server.delete({"componentResultIds": [302]}, {})  # someone deleted part of 101 on the server
    before = store_state(db_path)
    r = run_cli("delete", "--ids", "101", "--remote", "--url", server.url, "--yes", env=env)
    assert r.returncode == 2
    assert "do not match" in r.stderr and "nothing was deleted" in r.stderr
    assert store_state(db_path) == before
    assert not [p for _, p, _ in server.log if p.endswith("/delete")][1:]


def test_remote_delete_on_a_locked_study(server, db_path, env):
    assert pull(server, env).returncode == 0
    server.locked = True
    before = store_state(db_path)
    r = run_cli("delete", "--ids", "101", "--remote", "--url", server.url, "--yes", env=env)
    assert r.returncode == 2 and "locked" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert store_state(db_path) == before


# -- faults: one clear line, non-zero exit, the old state -----------------------------------------


def _fails(server, env, db_path, *needles, extra=(), url=None):
    open_store(db_path).close()
    before = store_state(db_path)
    r = run_cli("pull", "--url", url or server.url, "--study", "12", "-q", *extra, env=env)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert TOKEN not in r.stderr and TOKEN not in r.stdout
    assert store_state(db_path) == before
    return lines[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_down(server, db_path, env):
    _fails(server, env, db_path, "cannot connect", url=f"http://127.0.0.1:{_free_port()}", extra=("--timeout", "2"))


def test_wrong_url(server, db_path, env):
    _fails(server, env, db_path, "not a server address", url="jatos.example.org")


def test_tls_error(server, db_path, env):
    _fails(server, env, db_path, "TLS error", url=server.url.replace("http://", "https://"))


def test_bad_token(server, db_path, env):
    env = dict(env, JATOS_API_TOKEN="jap_wrongwrongwrongwrongwrongwrongwr000000")
    line = _fails(server, env, db_path, "refused the API token (401)")
    assert "jap_wrong" not in line


@pytest.mark.parametrize("status,needle", [(403, "no access (403)"), (404, "not found (404)")])
def test_status_codes(server, db_path, env, status, needle):
    server.status = status
    _fails(server, env, db_path, needle)


def test_html_instead_of_json(server, db_path, env):
    server.html = True
    _fails(server, env, db_path, "HTML page", "login page")


def test_cut_off_archive(server, db_path, env):
    server.cut_archive = 99
    _fails(server, env, db_path, "cut off", "tried 4 times")


def test_cut_off_once_is_retried(server, db_path, env):
    server.cut_archive = 1
    r = pull(server, env)
    assert r.returncode == 0, r.stderr
    assert len(_contents(db_path)[0]) == 2


def test_slow_server_times_out_then_retries(server, db_path, env):
    server.slow, server.delay = 2, 1.5
    r = pull(server, env, "--timeout", "0.5")
    assert r.returncode == 0, r.stderr
    assert len(_contents(db_path)[0]) == 2


def test_token_file_must_be_private(server, db_path, tmp_path):
    cfg = tmp_path / "config" / "jatos-results"
    cfg.mkdir(parents=True)
    (cfg / "token").write_text(TOKEN + "\n")
    os.chmod(cfg / "token", 0o644)
    env = {"JATOS_API_TOKEN": "", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    r = run_cli("pull", "--url", server.url, "--study", "12", env=env)
    assert r.returncode == 2 and "chmod 600" in r.stderr
    os.chmod(cfg / "token", 0o600)
    r = run_cli("pull", "--url", server.url, "--study", "12", "-q", env=env)
    assert r.returncode == 0, r.stderr
    assert TOKEN not in r.stdout + r.stderr


def test_interrupted_pull_then_a_new_pull_completes(server, db_path, env):
    import threading

    open_store(db_path).close()
    before = store_state(db_path)
    server.hold_archive = threading.Event()
    full_env = dict(os.environ, **env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "pull", "--url", server.url, "--study", "12", "-q"],
        cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert server.archive_started.wait(30)
    proc.send_signal(signal.SIGINT)  # Ctrl-C in the middle of the download
    out, err = proc.communicate(timeout=30)
    server.hold_archive.set()
    assert proc.returncode == 130 and "interrupted" in err
    assert store_state(db_path) == before
    server.hold_archive = None
    r = pull(server, env)
    assert r.returncode == 0, r.stderr
    assert len(_contents(db_path)[0]) == 2

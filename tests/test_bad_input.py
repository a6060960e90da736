"""Each bad input: one clear line on stderr naming the file, exit status 2, nothing changed."""

from __future__ import annotations

import json
import struct
import zipfile

import pytest

import jatos_fixtures as fx
from conftest import another_writer, run_cli, store_state


@pytest.fixture
def populated(db_path, tmp_path):
    """A store that already holds the scenario, so 'unchanged' means something."""
    r = run_cli("import", str(fx.results_archive(tmp_path)))
    assert r.returncode == 0, r.stderr
    return db_path


def _assert_refused(db_path, path, *needles, extra_args=(), env=None):
    before = store_state(db_path)
    r = run_cli("import", *extra_args, str(path), env=env)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr  # one line, no traceback
    assert "Traceback" not in r.stderr
    assert str(path) in lines[0] or path.name in lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert store_state(db_path) == before
    return lines[0]


def test_not_a_zip(populated, tmp_path):
    p = tmp_path / "results.zip"
    p.write_bytes(b"this is not a zip file at all")
    _assert_refused(populated, p, "not a zip file")


def test_truncated_zip(populated, tmp_path):
    good = fx.results_archive(tmp_path / ".." / tmp_path.name, "3.10")
    p = tmp_path / "truncated.zip"
    p.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _assert_refused(populated, p, "truncated")


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/evil.txt",
        "study_result_101/comp-result_302/files/../../../../evil",
        "//etc/passwd",
        "study_result_101/../../evil/data.txt",
        "C:\\evil\\data.txt",
    ],
)
def test_entry_escaping_the_files_root(populated, tmp_path, name):
    p = fx.write_zip(tmp_path / "evil.zip", fx.ENTRIES + [(name, b"x"), ("metadata.json", fx.METADATA_310.encode())])
    _assert_refused(populated, p)
    assert not (tmp_path.parent / "evil").exists()


def test_metadata_not_json(populated, tmp_path):
    p = fx.write_zip(tmp_path / "a.zip", fx.ENTRIES + [("metadata.json", b'{"data":[{"studyId":12,')])
    _assert_refused(populated, p, "metadata.json", "not valid JSON")


def test_metadata_results_without_ids(populated, tmp_path):
    doc = fx.metadata_doc()
    del doc["data"][0]["studyResults"][0]["id"]
    p = fx.write_zip(tmp_path / "a.zip", fx.ENTRIES + [("metadata.json", json.dumps(doc).encode())])
    _assert_refused(populated, p, "without an id")


def test_data_for_unlisted_component_result(populated, tmp_path):
    p = fx.write_zip(
        tmp_path / "a.zip",
        fx.ENTRIES + [("study_result_101/comp-result_999/data.txt", b"stray"), ("metadata.json", fx.METADATA_310.encode())],
    )
    _assert_refused(populated, p, "999", "not listed in metadata.json")


def test_files_for_unknown_component_result_without_metadata(populated, tmp_path):
    p = fx.write_zip(tmp_path / "files.zip", [("study_result_7/comp-result_8/files/x.png", b"png")])
    _assert_refused(populated, p, "not in the store")


def test_zip_bomb_lying_about_its_size(populated, tmp_path):
    """An entry whose header declares 10 bytes but inflates to 50 MB."""
    payload = b"0" * 50_000_000
    p = tmp_path / "bomb.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("metadata.json", fx.METADATA_310)
        zf.writestr("study_result_101/comp-result_301/data.txt", payload)
    _patch_declared_size(p, "study_result_101/comp-result_301/data.txt", 10)
    _assert_refused(populated, p, "inflates beyond its declared size")


def test_entry_over_the_size_cap(populated, tmp_path):
    p = fx.write_zip(
        tmp_path / "big.zip",
        [("study_result_101/comp-result_301/data.txt", b"x" * 5000), ("metadata.json", fx.METADATA_310.encode())],
    )
    _assert_refused(populated, p, "limit", env={"JATOS_RESULTS_MAX_ENTRY_BYTES": "1000"})


def test_locked_database(populated, tmp_path):
    before = store_state(populated)
    with another_writer(populated, exclusive=True):
        r = run_cli("import", str(fx.data_zip(tmp_path)), env={"JATOS_RESULTS_LOCK_TIMEOUT": "0.5"})
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1
    assert "locked by another process" in r.stderr
    assert store_state(populated) == before


def test_plain_text_export_is_refused_clearly(populated, tmp_path):
    p = tmp_path / "jatos_results_20240501.txt"
    p.write_text('{"a":1}\n')
    _assert_refused(populated, p, "plain-text")


def test_all_or_nothing_across_files(populated, tmp_path):
    """A good archive and a bad one in one call: neither is imported."""
    doc = fx.metadata_doc()
    doc["data"][0]["studyResults"][0]["id"] = 555
    for cr in doc["data"][0]["studyResults"][0]["componentResults"]:
        cr["id"] += 1000
    good_dir = tmp_path / "good"
    good_dir.mkdir()
    good = fx.write_zip(good_dir / "good.zip", [("metadata.json", json.dumps(doc).encode())])
    bad = fx.write_zip(tmp_path / "bad.zip", [("study_result_1/comp-result_2/files/../../x", b"x")])
    before = store_state(populated)
    r = run_cli("import", str(good), str(bad))
    assert r.returncode == 2
    assert store_state(populated) == before


def test_failure_half_way_leaves_no_staged_files(populated, tmp_path):
    """A damaged entry after a good file entry: the staged file must not survive."""
    p = fx.write_zip(
        tmp_path / "a.zip",
        [
            ("study_result_101/comp-result_302/files/new.bin", b"new file"),
            ("study_result_101/comp-result_301/data.txt", b"\xff\xfe not utf-8"),
            ("metadata.json", fx.METADATA_310.encode()),
        ],
    )
    _assert_refused(populated, p, "not UTF-8")
    root = populated.with_name(populated.stem + "-files")
    assert not list(root.rglob("new.bin"))


def _patch_declared_size(path, name, size):
    """Rewrite the uncompressed size in both headers of one entry (and keep the CRC)."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    lh = info.header_offset
    assert raw[lh : lh + 4] == b"PK\x03\x04"
    struct.pack_into("<I", raw, lh + 22, size)
    cd = raw.find(b"PK\x01\x02")
    while cd != -1:
        fname_len = struct.unpack_from("<H", raw, cd + 28)[0]
        if raw[cd + 46 : cd + 46 + fname_len] == name.encode():
            struct.pack_into("<I", raw, cd + 24, size)
            break
        cd = raw.find(b"PK\x01\x02", cd + 4)
    path.write_bytes(bytes(raw))


def test_a_mysql_url_is_refused_in_one_line():
    r = run_cli("studies", "--db", "mysql://me:secret@db.example.org/lab")
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        "jatos-results: mysql://me:***@db.example.org/lab: MySQL/MariaDB is not supported; "
        "use an SQLite file or a postgresql:// URL"
    ]

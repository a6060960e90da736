"""Crafted zip structures (issue #11): each is refused in one line naming the file, with the
store unchanged, and never reaches a traceback (struct.error, IndexError, OverflowError,
MemoryError were what they raised)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from store.formats.zip_reader import ZipError, ZipReader

import jatos_fixtures as fx
from conftest import ROOT, run_cli, store_state
from hostile import craft, member, populate, refused, write, zip64_extra

META = fx.METADATA_310.encode()
DATA = "study_result_101/comp-result_301/data.txt"
HUGE = 2**64 - 1


def _plain(**central) -> list[dict]:
    return [member(DATA, fx.DATA[301], **central), member("metadata.json", META)]


CRAFTED = {
    # ZIP64 end records
    "locator pointing past the file": ([member("metadata.json", META)], {"record_at": HUGE}),
    "locator before the file": ([member("metadata.json", META)], {"record_at": 2**63}),
    "directory size of 2^64-1": ([member("metadata.json", META)], {"cd_size": HUGE}),
    "directory size of 2^62": ([member("metadata.json", META)], {"cd_size": 2**62}),
    "directory offset of 2^64-1": ([member("metadata.json", META)], {"cd_offset": HUGE}),
    "2^64-1 members": ([member("metadata.json", META)], {"count": HUGE}),
    "more members than room": ([member("metadata.json", META)], {"count": 1000}),
    # ZIP64 extra fields of one member
    "extra field longer than it is": (_plain(usize=0xFFFFFFFF, extra=zip64_extra(5, declared=800)), None),
    "extra field without the values": (_plain(usize=0xFFFFFFFF, csize=0xFFFFFFFF, extra=zip64_extra(5)), None),
    "extra field missing": (_plain(usize=0xFFFFFFFF), None),
    "compressed size of 2^63": (_plain(csize=0xFFFFFFFF, extra=zip64_extra(2**63)), None),
    "compressed size of 2^64-1": (_plain(csize=0xFFFFFFFF, extra=zip64_extra(HUGE)), None),
    "offset of 2^64-1": (_plain(offset=0xFFFFFFFF, extra=zip64_extra(HUGE)), None),
    "metadata.json of compressed size 2^63": (
        [member(DATA, fx.DATA[301]), member("metadata.json", META, csize=0xFFFFFFFF, extra=zip64_extra(2**63))], None),
    "metadata.json at offset 2^64-1": (
        [member(DATA, fx.DATA[301]), member("metadata.json", META, offset=0xFFFFFFFF, extra=zip64_extra(HUGE))], None),
    "offset of 2^62": (_plain(offset=0xFFFFFFFF, extra=zip64_extra(2**62)), None),
    # plain fields
    "compressed size past the file": (_plain(csize=0xFFFFFFF0), None),
    "offset past the file": (_plain(offset=0xFFFFFFF0), None),
    "name longer than the directory": ([member("metadata.json", META, n=60000)], None),
    "local extra field running into the next member": (
        [member(DATA, fx.DATA[301], local_extra=b"\0" * 4), member("metadata.json", META)], None),
}


def _fix_local_extra(raw: bytes) -> bytes:
    """Make the first local header claim a longer extra field than it has (2,000 bytes)."""
    out = bytearray(raw)
    out[28:30] = (2000).to_bytes(2, "little")
    return bytes(out)


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_zip_structures_are_refused(store, db_path, tmp_path, case):
    populate(store, tmp_path)
    members, zip64 = CRAFTED[case]
    raw = craft([dict(m) for m in members], zip64)
    if case.startswith("local extra"):
        raw = _fix_local_extra(raw)
    path = write(tmp_path, "crafted.zip", raw)
    refused(store, db_path, path)


def test_crafted_zip_reader_raises_only_zip_error(tmp_path):
    """The reader itself: every crafted case is a ZipError, whether met when the
    directory is read or when a member is."""
    for case, (members, zip64) in CRAFTED.items():
        raw = craft([dict(m) for m in members], zip64)
        if case.startswith("local extra"):
            raw = _fix_local_extra(raw)
        path = write(tmp_path, "c.zip", raw)
        try:
            zr = ZipReader(path)
        except ZipError:
            continue
        try:
            with pytest.raises(ZipError):
                for m in zr.members:
                    zr.read(m, min(m.size, 10_000_000) + 1)
                    b"".join(zr.chunks(m, min(m.size, 10_000_000) + 1))
        finally:
            zr.close()


def test_a_valid_crafted_archive_is_read(store, tmp_path):
    """The crafting itself is sound: without a lie, the same archives import."""
    path = write(tmp_path, "fine.zip", craft(_plain()))
    assert ZipReader(path).members[0].name == DATA
    path64 = write(tmp_path, "fine64.zip", craft(_plain(), {}))
    zr = ZipReader(path64)
    assert zr.read(zr.members[1], len(META) + 1) == META
    zr.close()


@pytest.mark.parametrize("case", ["locator pointing past the file", "metadata.json of compressed size 2^63", "extra field without the values"])
def test_crafted_zip_through_the_command_line(db_path, tmp_path, case):
    r = run_cli("import", str(fx.results_archive(tmp_path)))
    assert r.returncode == 0, r.stderr
    before = store_state(db_path)
    members, zip64 = CRAFTED[case]
    path = write(tmp_path, "crafted.zip", craft([dict(m) for m in members], zip64))
    r = run_cli("import", str(path))
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "crafted.zip" in lines[0], r.stderr
    assert store_state(db_path) == before


# -- members that share compressed bytes (zip bombs) ---------------------------------------------

FILE = "study_result_101/comp-result_302/files/f{}.bin"


def test_members_sharing_one_body_are_refused(store, db_path, tmp_path):
    """24 directory records pointing at one deflated body: each alone is within every
    limit, together they inflated the body 24 times (6 GiB from 264 KB)."""
    populate(store, tmp_path)
    body = b"\0" * 1_000_000
    members = [member(FILE.format(0), body, deflate=True)]
    members += [member(FILE.format(i), body, deflate=True, offset=0, shared=True) for i in range(1, 24)]
    path = write(tmp_path, "bomb.zip", craft(members + [member("metadata.json", META)]))
    refused(store, db_path, path, "overlap")


def test_a_member_inside_another_is_refused(store, db_path, tmp_path):
    """Distinct offsets, but one member's local header and data lie inside another's data
    (the overlapping zip bomb of nested members)."""
    populate(store, tmp_path)
    inner = craft([member(FILE.format(1), b"\0" * 5000)])
    inner = inner[: inner.index(b"PK\x01\x02")]  # its local header and data only
    outer = member(FILE.format(0), inner)
    nested = member(FILE.format(1), b"\0" * 5000, offset=30 + len(outer["name"]), shared=True)
    path = write(tmp_path, "nested.zip", craft([outer, nested, member("metadata.json", META)]))
    refused(store, db_path, path, "overlap")


def test_shared_body_through_the_command_line(db_path, tmp_path):
    r = run_cli("import", str(fx.results_archive(tmp_path)))
    assert r.returncode == 0, r.stderr
    before = store_state(db_path)
    body = b"\0" * 1_000_000
    members = [member(FILE.format(i), body, deflate=True, offset=0, shared=i > 0) for i in range(24)]
    path = write(tmp_path, "bomb.zip", craft(members + [member("metadata.json", META)]))
    r = run_cli("import", str(path))
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "bomb.zip" in lines[0] and "overlap" in lines[0], r.stderr
    assert store_state(db_path) == before


# -- what is not a regular file or folder ----------------------------------------------------------


def _cli_within(seconds: float, *args: str):
    """The command line, given `seconds` to finish: before the fix a FIFO hung it forever."""
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=seconds
    )


def _refused_within(db_path, path, *needles):
    before = store_state(db_path)
    r = _cli_within(60, "import", str(path))
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert store_state(db_path) == before


@pytest.mark.parametrize("name", ["results.zip", "metadata.json", "results.jzip"])
def test_a_fifo_as_the_import_path_is_refused(db_path, tmp_path, name):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    fifo = tmp_path / name
    os.mkfifo(fifo)
    _refused_within(db_path, fifo, name, "named pipe")


@pytest.mark.parametrize("inside", ["study-result_101/comp-result_302/audio.webm", "metadata.json"])
def test_a_fifo_inside_an_imported_folder_is_refused(db_path, tmp_path, inside):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    folder = tmp_path / "folder"
    (folder / "study-result_101" / "comp-result_302").mkdir(parents=True)
    os.mkfifo(folder / inside)
    _refused_within(db_path, folder, inside, "named pipe")


def test_a_device_is_refused(store, db_path, tmp_path):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    populate(store, tmp_path)
    refused(store, db_path, Path("/dev/zero"), "a device")

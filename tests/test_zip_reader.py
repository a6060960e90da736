"""The import's zip reader against zipfile's own archives and ours, with and without ZIP64."""

from __future__ import annotations

import struct
import zipfile

import pytest
from test_zip_writer import _entries, _write

from store.formats import zip_writer
from store.formats.zip_reader import ZipError, ZipReader


def _read_all(path):
    zr = ZipReader(path)
    try:
        return {m.name: zr.read(m, m.size + 1) for m in zr.members if not m.is_dir}, zr.members
    finally:
        zr.close()


@pytest.mark.parametrize("zip64", [False, True])
def test_reads_what_our_writer_writes(tmp_path, monkeypatch, zip64):
    if zip64:
        monkeypatch.setattr(zip_writer, "LIMIT", 60)
        monkeypatch.setattr(zip_writer, "COUNT_LIMIT", 10)
    entries = _entries(300)
    path = tmp_path / "a.zip"
    _write(path, entries, streamed={entries[-2][0]})
    raw = path.read_bytes()
    count = struct.unpack_from("<H", raw, raw.rfind(b"PK\x05\x06") + 10)[0]
    assert (count == 0xFFFF) == zip64  # the ZIP64 records are what is read
    got, members = _read_all(path)
    assert [m.name for m in members] == [n for n, _ in entries]
    assert got == dict(entries)


def test_reads_what_zipfile_writes(tmp_path):
    path = tmp_path / "b.zip"
    big = bytes(range(256)) * 20_000
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("stored.txt"), b"as it is")
        zf.writestr("deflated.txt", b"squeeze " * 1000, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("folder/", b"")
        zf.writestr("big.bin", big, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("Übung.txt", "ü".encode())
    got, members = _read_all(path)
    assert got == {"stored.txt": b"as it is", "deflated.txt": b"squeeze " * 1000, "big.bin": big, "Übung.txt": "ü".encode()}
    assert [m.name for m in members if m.is_dir] == ["folder/"]
    zr = ZipReader(path)
    member = next(m for m in zr.members if m.name == "big.bin")
    assert b"".join(zr.chunks(member, member.size + 1)) == big
    assert len(b"".join(zr.chunks(member, 1000))) == 1000  # stops at the limit
    zr.close()


def test_bytes_before_the_archive_are_seen_through(tmp_path):
    plain = tmp_path / "c.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("a.txt", b"alpha", compress_type=zipfile.ZIP_DEFLATED)
    shifted = tmp_path / "sfx.zip"
    shifted.write_bytes(b"#!/bin/sh\nexit 0\n" * 10 + plain.read_bytes())
    assert _read_all(shifted)[0] == {"a.txt": b"alpha"}


def _damage(path, name, edit):
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    edit(raw, info)
    path.write_bytes(bytes(raw))


def test_damage_is_named(tmp_path):
    path = tmp_path / "d.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.txt", b"alpha beta gamma")
    data_at = lambda info: info.header_offset + 30 + len(info.filename)  # noqa: E731
    _damage(path, "a.txt", lambda raw, info: raw.__setitem__(data_at(info), ord("A")))
    zr = ZipReader(path)
    with pytest.raises(ZipError, match="CRC"):
        zr.read(zr.members[0], 100)
    zr.close()
    # the encryption flag, in the central directory
    _damage(path, "a.txt", lambda raw, info: struct.pack_into("<H", raw, raw.find(b"PK\x01\x02") + 8, 1))
    zr = ZipReader(path)
    with pytest.raises(ZipError, match="encrypted"):
        zr.read(zr.members[0], 100)
    zr.close()
    (tmp_path / "e.zip").write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ZipError, match="truncated"):
        ZipReader(tmp_path / "e.zip")


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_chunks_are_a_megabyte_at_most_however_well_a_member_compresses(tmp_path, compression):
    """An archive's metadata.json is walked as it inflates: a member that compresses a
    thousandfold (JSON of repeated keys nearly does) comes in pieces, not whole."""
    path = tmp_path / "d.zip"
    body = b'{"id": 1},' * 800_000  # 8 MB, a few kilobytes deflated
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("metadata.json", body, compress_type=compression)
    zr = ZipReader(path)
    member = zr.members[0]
    pieces = list(zr.chunks(member, member.size + 1))
    zr.close()
    assert b"".join(pieces) == body
    assert max(len(p) for p in pieces) <= 1 << 20
    assert len(pieces) >= 8

"""Helpers for the hostile-input tests: zip archives crafted byte by byte (any field can lie),
and the check that an import was refused in one line with the store left as it was."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from store.errors import BadInput
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import store_state

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR = struct.Struct("<4sLQL")
_EOCD = struct.Struct("<4s4H2LH")


def member(name: str, body: bytes = b"", *, deflate: bool = False, **central) -> dict:
    """One member: `body` is what it holds; `central` overrides fields of its central
    directory record (csize, usize, offset, extra, n, crc) and `local_extra` its local header."""
    packed = zlib.compress(body, 9)[2:-4] if deflate else body
    return {"name": name.encode(), "body": body, "packed": packed, "method": 8 if deflate else 0, **central}


def craft(members: list[dict], zip64: dict | None = None) -> bytes:
    """An archive of `members`, each local header followed by its data, then the central
    directory. `zip64` (a dict, possibly empty) adds ZIP64 end records whose count,
    cd_size, cd_offset and record_at (the locator's pointer) may be overridden."""
    out = bytearray()
    central = bytearray()
    for m in members:
        at = len(out)
        m.setdefault("at", at)
        crc = zlib.crc32(m["body"])
        local_extra = m.get("local_extra", b"")
        if not m.get("shared"):  # a member that shares another's body writes no local header
            out += _LOCAL.pack(
                b"PK\x03\x04", 20, 0, 0, m["method"], 0, 0, crc, len(m["packed"]), len(m["body"]),
                len(m["name"]), len(local_extra),
            )
            out += m["name"] + local_extra + m["packed"]
        extra = m.get("extra", b"")
        central += _CENTRAL.pack(
            b"PK\x01\x02", 20, 0, 20, 0, 0, m["method"], 0, 0, m.get("crc", crc), m.get("csize", len(m["packed"])),
            m.get("usize", len(m["body"])), m.get("n", len(m["name"])), len(extra), 0, 0, 0, 0, m.get("offset", at),
        )
        central += m["name"] + extra
    cd_at = len(out)
    out += central
    count, cd_size, cd_offset = len(members), len(central), cd_at
    if zip64 is not None:
        record_at = len(out)
        n = zip64.get("count", count)
        out += _EOCD64.pack(
            b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, zip64.get("cd_size", cd_size), zip64.get("cd_offset", cd_offset)
        )
        out += _LOCATOR.pack(b"PK\x06\x07", 0, zip64.get("record_at", record_at), 1)
        count, cd_size, cd_offset = 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF
    out += _EOCD.pack(b"PK\x05\x06", 0, 0, count, count, cd_size, cd_offset, 0)
    return bytes(out)


def zip64_extra(*values: int, declared: int | None = None) -> bytes:
    """A ZIP64 extended-information field holding `values`; `declared` may lie about its length."""
    body = struct.pack(f"<{len(values)}Q", *values)
    return struct.pack("<2H", 1, len(body) if declared is None else declared) + body


def write(folder: Path, name: str, raw: bytes) -> Path:
    path = folder / name
    path.write_bytes(raw)
    return path


def refused(store, db_path: Path, path: Path, *needles: str) -> str:
    """Importing `path` in process raises BadInput whose one line names the file and each
    needle; the database and the files are as they were."""
    before = store_state(db_path)
    with pytest.raises(BadInput) as caught:
        import_paths(store, [path])
    line = str(caught.value)
    assert "\n" not in line, line
    assert path.name in line, line
    for needle in needles:
        assert needle in line, line
    assert store_state(db_path) == before
    return line


def populate(store, folder: Path) -> None:
    """The scenario in the store, so that 'unchanged' means something."""
    archive = folder / "populate"
    archive.mkdir()
    import_paths(store, [fx.results_archive(archive)])

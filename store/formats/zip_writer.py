"""A ZIP writer for exports: entries deflated in parallel, written in order.

JATOS's archives are plain deflated ZIPs (jatos.md §3.3). A results archive holds one small
data.txt per component result, hundreds of thousands of them; Python's zipfile spends more
time on each entry's bookkeeping (and seeks back to patch every header) than on deflating
it. Here small entries are deflated in batches on a thread pool (zlib lets go of the
interpreter while it works, so both cores deflate) and their headers are written once,
with sizes already known. Large entries (result files) are streamed and their header is
patched afterwards. ZIP64 records are written where a size, an offset or the number of
entries needs them (APPNOTE 6.3.x §4.3-4.5).
"""

from __future__ import annotations

import os
import struct
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO, Iterable

MARK, COUNT_MARK = 0xFFFFFFFF, 0xFFFF  # "see the ZIP64 record"
LIMIT, COUNT_LIMIT = MARK, COUNT_MARK  # from here on ZIP64 is needed (tests lower them)
BATCH = 256  # small entries deflated per task
LEVEL = 6  # zlib's default, as JATOS (java.util.zip) and the zip command use

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")
_UTF8 = 0x800


def _deflate(items: list[tuple[str, bytes]]) -> list[tuple[str, bytes, int, int]]:
    out = []
    for name, data in items:
        c = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        out.append((name, c.compress(data) + c.flush(), zlib.crc32(data), len(data)))
    return out


def _dos_time(when: tuple) -> tuple[int, int]:
    y, mo, d, h, mi, s = when
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


class ZipWriter:
    """Write entries in the order added; close() writes the central directory."""

    def __init__(self, fh: BinaryIO, when: tuple, mode: int = 0o600) -> None:
        self.fh = fh
        self.time, self.date = _dos_time(when)
        self.attr = (0o100000 | mode) << 16  # a regular file with these permissions
        self.entries: list[tuple] = []  # (name bytes, flags, crc, csize, usize, offset)
        self.offset = fh.tell()
        self.workers = max(1, min(4, os.cpu_count() or 1))
        self.pool = ThreadPoolExecutor(max_workers=self.workers)
        self.pending: deque[Future] = deque()
        self.batch: list[tuple[str, bytes]] = []

    # -- small entries: deflated on the pool, written in order ------------------------------

    def add(self, name: str, data: bytes) -> None:
        self.batch.append((name, data))
        if len(self.batch) >= BATCH:
            self._submit()

    def _submit(self) -> None:
        if self.batch:
            self.pending.append(self.pool.submit(_deflate, self.batch))
            self.batch = []
        while len(self.pending) > 2 * self.workers:  # bounded memory
            self._write_done(self.pending.popleft())

    def _write_done(self, future: Future) -> None:
        for name, packed, crc, size in future.result():
            self._entry(name, packed, crc, size)

    def _drain(self) -> None:
        self._submit()
        while self.pending:
            self._write_done(self.pending.popleft())

    def _entry(self, name: str, packed: bytes, crc: int, size: int) -> None:
        raw, flags = self._name(name)
        zip64 = size >= LIMIT or len(packed) >= LIMIT
        extra = struct.pack("<HHQQ", 1, 16, size, len(packed)) if zip64 else b""
        header = _LOCAL.pack(
            0x04034B50, 45 if zip64 else 20, flags, 8, self.time, self.date, crc,
            MARK if zip64 else len(packed), MARK if zip64 else size, len(raw), len(extra),
        )
        self.fh.write(header + raw + extra)
        self.fh.write(packed)
        self.entries.append((raw, flags, crc, len(packed), size, self.offset))
        self.offset += len(header) + len(raw) + len(extra) + len(packed)

    @staticmethod
    def _name(name: str) -> tuple[bytes, int]:
        try:
            return name.encode("ascii"), 0
        except UnicodeEncodeError:
            return name.encode("utf-8"), _UTF8

    # -- large entries: streamed, header patched afterwards ------------------------------------

    def add_stream(self, name: str, pieces: Iterable[bytes], size_hint: int) -> None:
        """Deflate an entry given in pieces (a result file may be bigger than memory)."""
        self._drain()  # keep the order
        raw, flags = self._name(name)
        zip64 = size_hint >= LIMIT // 2  # it could grow past the limit: make room for ZIP64
        extra = struct.pack("<HHQQ", 1, 16, 0, 0) if zip64 else b""
        start = self.offset
        self.fh.write(_LOCAL.pack(0x04034B50, 45 if zip64 else 20, flags, 8, self.time, self.date, 0, 0, 0, len(raw), len(extra)))
        self.fh.write(raw + extra)
        c = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        crc = size = packed = 0
        for piece in pieces:
            crc = zlib.crc32(piece, crc)
            size += len(piece)
            out = c.compress(piece)
            packed += len(out)
            self.fh.write(out)
        out = c.flush()
        packed += len(out)
        self.fh.write(out)
        end = self.fh.tell()
        if not zip64 and (size >= LIMIT or packed >= LIMIT):
            raise ValueError(f"{name}: grew past 4 GiB while being read")
        self.fh.seek(start + 14)
        if zip64:
            self.fh.write(struct.pack("<III", crc, MARK, MARK))
            self.fh.seek(start + _LOCAL.size + len(raw) + 4)
            self.fh.write(struct.pack("<QQ", size, packed))
        else:
            self.fh.write(struct.pack("<III", crc, packed, size))
        self.fh.seek(end)
        self.entries.append((raw, flags, crc, packed, size, start))
        self.offset = end

    # -- the central directory ----------------------------------------------------------------

    def abort(self) -> None:
        """Stop the pool without writing more (the output is being thrown away)."""
        self.pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        try:
            self._drain()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
        cd_start = self.offset
        for raw, flags, crc, packed, size, offset in self.entries:
            # ZIP64 extra: only the fields that overflow, in this order (APPNOTE 4.5.3).
            sizes64 = size >= LIMIT or packed >= LIMIT
            fields = ([size, packed] if sizes64 else []) + ([offset] if offset >= LIMIT else [])
            extra = struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""
            version = 45 if fields else 20
            self.fh.write(
                _CENTRAL.pack(
                    0x02014B50, (3 << 8) | version, version, flags, 8, self.time, self.date, crc,
                    MARK if sizes64 else packed, MARK if sizes64 else size, len(raw), len(extra), 0, 0, 0,
                    self.attr, MARK if offset >= LIMIT else offset,
                )
            )
            self.fh.write(raw + extra)
        cd_end = self.fh.tell()
        count, cd_size = len(self.entries), cd_end - cd_start
        if count >= COUNT_LIMIT or cd_size >= LIMIT or cd_start >= LIMIT:
            self.fh.write(_END64.pack(0x06064B50, 44, (3 << 8) | 45, 45, 0, 0, count, count, cd_size, cd_start))
            self.fh.write(_LOCATOR64.pack(0x07064B50, 0, cd_end, 1))
            self.fh.write(_END.pack(0x06054B50, 0, 0, COUNT_MARK, COUNT_MARK, MARK, MARK, 0))
        else:
            self.fh.write(_END.pack(0x06054B50, 0, 0, count, count, cd_size, cd_start, 0))

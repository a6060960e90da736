"""Reading zip archives member by member, lean enough for 300,000 small entries.

`zipfile` builds a ZipInfo object and re-reads each member's header through a shared,
locked file object; for a results archive of a million small data.txt files that is
most of an import's time. Here the central directory is parsed in one pass into
tuples, and a member is read with `os.pread` (no shared file position, so a thread
can read while another opens) and inflated by zlib, its CRC checked.

Only what JATOS and common zip tools write is read: stored or deflated members,
ZIP64 sizes and offsets, UTF-8 or CP437 names. Anything else is refused by name.
Every size and offset the directory declares is checked against the file before it is
used, and members must not share bytes: an archive is hostile input (a crafted ZIP64
field must not become a huge read, and overlapping members are how zip bombs inflate
one small body many times).
"""

from __future__ import annotations

import os
import stat
import struct
import zlib
from array import array
from typing import Iterator, NamedTuple

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CHUNK = 1 << 20


class ZipError(Exception):
    """The archive, or one member, cannot be read; the text says why."""


class Member(NamedTuple):
    name: str
    flags: int
    method: int
    crc: int
    compressed: int
    size: int
    offset: int  # of the local header
    name_len: int = 0  # of the raw name: the local header's is the same
    end: int = 0  # where the next member (or the central directory) starts: nothing is read past it

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")


class _Directory:
    """The central directory in columns, a member an index: an archive of a million members
    holds a few arrays and one bytes object of names, not a million tuples of Python ints
    and strings (an import holds the directory while it runs)."""

    def __init__(self):
        self.names = bytearray()  # the raw names, one after the other
        self.name_at = array("Q", [0])  # member i's name is names[name_at[i]:name_at[i + 1]]
        self.flags = array("H")
        self.method = array("H")
        self.crc = array("L")
        self.compressed = array("Q")
        self.size = array("Q")
        self.offset = array("Q")
        self.end = array("Q")

    def __len__(self) -> int:
        return len(self.flags)

    def add(self, raw_name: bytes, flags: int, method: int, crc: int, compressed: int, size: int, offset: int) -> None:
        self.names += raw_name
        self.name_at.append(len(self.names))
        self.flags.append(flags)
        self.method.append(method)
        self.crc.append(crc)
        self.compressed.append(compressed)
        self.size.append(size)
        self.offset.append(offset)

    def name(self, i: int) -> str:
        raw = self.names[self.name_at[i] : self.name_at[i + 1]]
        return raw.decode("utf-8" if self.flags[i] & 0x800 else "cp437", "replace")

    def member(self, i: int, named: bool = True) -> Member:
        """Member i; without its name (what reading it needs not) unless `named`."""
        return Member(
            self.name(i) if named else "", self.flags[i], self.method[i], self.crc[i], self.compressed[i],
            self.size[i], self.offset[i], self.name_at[i + 1] - self.name_at[i], self.end[i],
        )


class ZipReader:
    def __init__(self, path: str | os.PathLike):
        # O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
        self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            if not stat.S_ISREG(os.fstat(self._fd).st_mode):
                raise ZipError("not a regular file")
            self._dir = self._central_directory()
        except BaseException:
            os.close(self._fd)
            raise

    def __len__(self) -> int:
        return len(self._dir)

    @property
    def members(self) -> list[Member]:
        """Every member, as tuples (made on each call: `member(i)` makes one)."""
        return [self._dir.member(i) for i in range(len(self._dir))]

    def member(self, i: int) -> Member:
        return self._dir.member(i)

    def name(self, i: int) -> str:
        return self._dir.name(i)

    def size(self, i: int) -> int:
        return self._dir.size[i]

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _pread(self, n: int, at: int) -> bytes:
        data = os.pread(self._fd, n, at)
        if len(data) != n:
            raise ZipError("truncated")
        return data

    def _central_directory(self) -> _Directory:
        end = os.fstat(self._fd).st_size
        tail_at = max(0, end - _EOCD.size - 65_535)
        tail = os.pread(self._fd, end - tail_at, tail_at)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _EOCD.size:
            raise ZipError("not a zip file, or a truncated one")
        _, _, _, _, count, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, at)
        eocd_at = tail_at + at
        record_at = eocd_at  # where the directory's end records start
        if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
            record_at = eocd_at - _EOCD64_LOCATOR.size - _EOCD64.size
            if record_at < 0:
                raise ZipError("a ZIP64 archive without its ZIP64 directory record")
            loc = self._pread(_EOCD64_LOCATOR.size, eocd_at - _EOCD64_LOCATOR.size)
            sig, _, eocd64_at, _ = _EOCD64_LOCATOR.unpack(loc)
            if sig != b"PK\x06\x07":
                raise ZipError("a ZIP64 archive without its ZIP64 directory record")
            # The record is read where it must be; its declared offset only has to lie in the file.
            if eocd64_at > record_at:
                raise ZipError("damaged ZIP64 directory record")
            rec = _EOCD64.unpack(self._pread(_EOCD64.size, record_at))
            if rec[0] != b"PK\x06\x06":
                raise ZipError("damaged ZIP64 directory record")
            count, cd_size, cd_offset = rec[7], rec[8], rec[9]
        # Bytes before the archive (a self-extractor) shift every offset by the same amount.
        shift = record_at - cd_size - cd_offset
        if shift < 0 or cd_size > record_at:
            raise ZipError("not a zip file, or a truncated one")
        if count > cd_size // _CENTRAL.size:
            raise ZipError("damaged central directory (more members than it has room for)")
        cd_at = cd_offset + shift
        cd = self._pread(cd_size, cd_at)
        members = _Directory()
        pos = 0
        unpack = _CENTRAL.unpack_from
        for _ in range(count):
            if pos + _CENTRAL.size > len(cd):
                raise ZipError("damaged central directory")
            (sig, _, _, _, _, flags, method, _, _, crc, csize, usize, n, m, k, _, _, _, offset) = unpack(cd, pos)
            if sig != b"PK\x01\x02":
                raise ZipError("damaged central directory")
            pos += _CENTRAL.size
            if pos + n + m + k > len(cd):
                raise ZipError("damaged central directory")
            raw_name = cd[pos : pos + n]
            if usize == 0xFFFFFFFF or csize == 0xFFFFFFFF or offset == 0xFFFFFFFF:
                name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
                usize, csize, offset = _zip64_extra(cd[pos + n : pos + n + m], usize, csize, offset, name)
            pos += n + m + k
            members.add(raw_name, flags, method, crc, csize, usize, offset + shift)
        _bound(members, cd_at)
        return members

    def _data_start(self, member: Member) -> int:
        head = self._pread(_LOCAL.size, member.offset)
        fields = _LOCAL.unpack(head)
        if fields[0] != b"PK\x03\x04":
            raise ZipError("bad local header")
        return _checked_start(member, fields[10], fields[11])

    def _check(self, member: Member) -> None:
        if member.flags & 0x1:
            raise ZipError("encrypted")
        if member.method not in (0, 8):
            raise ZipError(f"compression method {member.method} is not supported")

    def read(self, member: Member | int, limit: int) -> bytes:
        """The whole member (or the member of that index); at most `limit` bytes are inflated
        (a caller compares the length with the declared size to catch a member that inflates
        beyond it)."""
        if type(member) is int:
            member = self._dir.member(member, named=False)
        self._check(member)
        # One read for the header and the data: the local header's name and extra field
        # are nearly always as long as the directory's, and 256 bytes spare cover the rest.
        want = min(member.end - member.offset, _LOCAL.size + member.name_len + 256 + member.compressed)
        block = os.pread(self._fd, want, member.offset)
        if len(block) < _LOCAL.size or block[:4] != b"PK\x03\x04":
            raise ZipError("bad local header")
        _, _, _, _, _, _, _, _, _, _, n, m = _LOCAL.unpack_from(block)
        start = _checked_start(member, n, m) - member.offset
        raw = block[start : start + member.compressed]
        if len(raw) != member.compressed:
            raw = self._pread(member.compressed, member.offset + start)
        if member.method == 8:
            try:
                data = zlib.decompressobj(-15).decompress(raw, limit)
            except zlib.error as exc:
                raise ZipError(f"damaged: {exc}") from None
        else:
            data = raw[:limit]
        if len(data) == member.size and zlib.crc32(data) != member.crc:
            raise ZipError("bad CRC")
        return data

    def chunks(self, member: Member | int, limit: int) -> Iterator[bytes]:
        """The member (or the member of that index) in pieces of at most a megabyte each (a
        highly compressed member too), for large files; stops after `limit` bytes."""
        if type(member) is int:
            member = self._dir.member(member, named=False)
        self._check(member)
        at = self._data_start(member)
        left = member.compressed
        inflate = zlib.decompressobj(-15) if member.method == 8 else None
        crc = out = 0
        raw = b""
        while (left or raw) and out < limit:
            if not raw:
                raw = self._pread(min(_CHUNK, left), at)
                at += len(raw)
                left -= len(raw)
            want = min(_CHUNK, limit - out)
            try:
                if inflate:
                    piece = inflate.decompress(raw, want)
                    raw = inflate.unconsumed_tail
                else:
                    piece, raw = raw[:want], raw[want:]
            except zlib.error as exc:
                raise ZipError(f"damaged: {exc}") from None
            crc = zlib.crc32(piece, crc)
            out += len(piece)
            yield piece
        if out == member.size and crc != member.crc:
            raise ZipError("bad CRC")


def _bound(members: _Directory, cd_at: int) -> None:
    """Each member's end of the space it may use: the next member's local header, or the
    central directory. Members whose headers and data cannot all fit, one after the other,
    overlap: refused, as a zip bomb of shared bodies would be."""
    offsets = members.offset
    n = len(members)
    if all(offsets[i] <= offsets[i + 1] for i in range(n - 1)):
        order = range(n)  # as writers write them: no list of a million indices
    else:
        order = sorted(range(n), key=offsets.__getitem__)
    ends = array("Q", bytes(8 * n))
    previous = None
    for i in order:
        if previous is not None:
            ends[previous] = offsets[i]
        previous = i
    if previous is not None:
        ends[previous] = cd_at
    members.end = ends
    for pos, i in enumerate(order):
        name_len = members.name_at[i + 1] - members.name_at[i]
        if offsets[i] + _LOCAL.size + name_len + members.compressed[i] > ends[i]:
            if pos + 1 == n:
                raise ZipError(f"member {members.name(i)!r} runs into the central directory (damaged or crafted)")
            other = order[pos + 1]
            raise ZipError(f"members {members.name(i)!r} and {members.name(other)!r} overlap (a zip bomb, or a damaged archive)")


def _checked_start(member: Member, n: int, m: int) -> int:
    """Where a member's data starts, by its local header; its data must end in its space."""
    start = member.offset + _LOCAL.size + n + m
    if start + member.compressed > member.end:
        raise ZipError("local header does not match the central directory")
    return start


def _zip64_extra(extra: bytes, usize: int, csize: int, offset: int, name: str) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        kind, size = struct.unpack_from("<2H", extra, pos)
        if kind == 1:
            if pos + 4 + size > len(extra):
                raise ZipError(f"member {name!r}: damaged ZIP64 sizes")
            values = list(struct.unpack_from(f"<{size // 8}Q", extra, pos + 4))
            try:
                if usize == 0xFFFFFFFF:
                    usize = values.pop(0)
                if csize == 0xFFFFFFFF:
                    csize = values.pop(0)
                if offset == 0xFFFFFFFF:
                    offset = values.pop(0)
            except IndexError:
                raise ZipError(f"member {name!r}: damaged ZIP64 sizes") from None
            return usize, csize, offset
        pos += 4 + size
    raise ZipError(f"member {name!r}: ZIP64 sizes are missing")

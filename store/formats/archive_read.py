"""Reading what JATOS exports: results archives of every version, data-only and
files-only zips, the legacy on-disk files layout, metadata JSON, and study archives
(jatos.md §3.3-3.5, §7). Nothing here touches the database.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from store.disk.files import check_filename
from store.errors import BadInput
from store.formats.archive_entries import Entry, ZipEntries
from store.formats.json_stream import JsonWalker
from store.formats.limits import Budget
from store.formats.metadata_json import checked_text, metadata_studies, normalise_result, parse_metadata
from store.formats.zip_reader import Member, ZipError, ZipReader

_DATA = re.compile(r"study_result_(\d+)/comp-result_(\d+)/data\.txt")
_FILE = re.compile(r"study_result_(\d+)/comp-result_(\d+)/files/(.+)")
_LEGACY = re.compile(r"study-result_(\d+)/comp-result_(\d+)/(.+)")
_LEGACY_COMP = re.compile(r"comp-result_(\d+)/(.+)")
_RESULT_TOP = re.compile(r"(study_result_\d+|study-result_\d+|comp-result_\d+|metadata\.json)")
_JUNK = re.compile(r"(^|/)(__MACOSX(/|$)|\.DS_Store$|Thumbs\.db$)")


@dataclass
class Source:
    path: Path
    kind: str  # "results" or "study-archive"
    metadata: list[dict] | None = None
    entries: list[Entry] | ZipEntries = field(default_factory=list)
    study_archive: dict | None = None
    # An archive's metadata.json, read in pieces as it inflates each time it is asked for:
    # an import normalises it study result by study result in a thread while it writes
    # (see iter_results), holding neither its bytes nor its text whole.
    metadata_raw: Callable[[], Iterator[bytes]] | None = field(default=None, repr=False)
    _zip: ZipReader | None = field(default=None, repr=False)

    @property
    def has_metadata(self) -> bool:
        return self.metadata is not None or self.metadata_raw is not None

    def iter_results(self) -> Iterator[tuple[dict, dict]]:
        """(study, study result) of the metadata, each normalised as it is reached."""
        if self.metadata is not None:
            for st in self.metadata:
                for sr in st["results"]:
                    yield st, sr
            return
        label = f"{self.path}: metadata.json"
        for st in metadata_studies(self.metadata_raw(), label):
            for ri, sr in enumerate(st["results"]):
                yield st, normalise_result(sr, ri, st["where"], label)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    @property
    def total_bytes(self) -> int:
        if isinstance(self.entries, ZipEntries):
            return self.entries.total
        return sum(e.size for e in self.entries)


def read_source(path: str | os.PathLike) -> Source:
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        return _read_folder(path)
    if not stat.S_ISREG(mode):
        raise BadInput(f"{path}: {_kind(mode)}, not a file or folder to import")
    if path.suffix.lower() == ".json":
        return Source(path, "results", metadata=parse_metadata(_read_plain(path, path), f"{path}"))
    if path.suffix.lower() == ".txt":
        raise BadInput(
            f"{path}: a plain-text data export cannot be imported: it does not say which result each "
            "line belongs to (import the results archive instead)"
        )
    if path.suffix.lower() == ".csv":
        raise BadInput(f"{path}: a metadata CSV cannot be imported (import the results archive or its metadata.json)")
    try:
        zf = ZipReader(path)
    except ZipError as exc:
        raise BadInput(f"{path}: {'not a zip file, or a truncated one' if 'truncated' in str(exc) else exc}") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return _read_zip(path, zf)
    except BaseException:
        zf.close()
        raise


def _read_zip(path: Path, zf: ZipReader) -> Source:
    # By index: the members are made one at a time (an archive may hold a million).
    kept, jas = [], None
    for i in range(len(zf)):
        name = zf.name(i)
        if not _skipped(name):
            kept.append(i)
            if jas is None and "/" not in name and name.endswith(".jas"):
                jas = i
    budget = Budget(path)
    if jas is not None:
        budget.take(f"entry {zf.name(jas)} declares", zf.size(jas))
        return _read_study_archive(path, zf, zf.member(jas))
    prefix = _common_prefix(zf.name(i) for i in kept)
    source = Source(path, "results", entries=ZipEntries(zf), _zip=zf)
    for i in kept:
        label, size = zf.name(i), zf.size(i)
        name = label[len(prefix):] if prefix and label.startswith(prefix) else label
        data = _DATA.fullmatch(name)
        if data is None:  # anything but a plain data.txt gets every check
            name = _relative(path, label, prefix)
        if name == "metadata.json":
            budget.take(f"entry {label} declares", size)
            source.metadata_raw = partial(_entry_pieces, path, zf, zf.member(i))
            continue
        if data is not None:
            entry = Entry("data", int(data[1]), int(data[2]), "data.txt", size, reader=zf, where=i)
        else:
            entry = _classify(path, name, label, size, reader=zf, where=i)
        budget.take(f"entry {label} declares", size, entry.kind == "data")
        source.entries.append(entry)
    del kept
    if source.metadata_raw is not None:
        # Every field is checked before the import writes anything (and fails in a second,
        # not after minutes of writing); the import normalises it again as it writes.
        for _ in source.iter_results():
            pass
    return source


def _read_entry(path: Path, zf: ZipReader, member: Member) -> bytes:
    try:
        data = zf.read(member, member.size + 1)
    except (ZipError, OSError) as exc:
        raise BadInput(f"{path}: entry {member.name} is damaged: {exc}") from None
    if len(data) != member.size:
        raise BadInput(f"{path}: entry {member.name} inflates beyond its declared size")
    return data


def _entry_pieces(path: Path, zf: ZipReader, member: Member) -> Iterator[bytes]:
    """The member as it inflates, in pieces, held to its declared size."""
    got = 0
    try:
        for piece in zf.chunks(member, member.size + 1):
            got += len(piece)
            if got > member.size:
                raise BadInput(f"{path}: entry {member.name} inflates beyond its declared size")
            yield piece
    except (ZipError, OSError) as exc:
        raise BadInput(f"{path}: entry {member.name} is damaged: {exc}") from None
    if got != member.size:
        raise BadInput(f"{path}: entry {member.name} is shorter than its declared size")


def _skipped(name: str) -> bool:
    return name.endswith("/") or _JUNK.search(name) is not None


def _common_prefix(names: Iterable[str]) -> str:
    """An unpacked archive zipped again has everything under one folder: see through it."""
    firsts: set[str] = set()
    tops: set[str] = set()
    for n in names:
        if "/" in n.lstrip("/"):
            firsts.add(n.split("/", 1)[0])
        tops.add(n.lstrip("/").split("/", 1)[0])
        if len(tops) > 1 or len(firsts) > 1:
            return ""
    if len(tops) == 1 and len(firsts) == 1:
        top = next(iter(tops))
        if not _RESULT_TOP.fullmatch(top):
            return top + "/"
    return ""


def _relative(path: Path, name: str, prefix: str) -> str:
    original = name
    if name.startswith("/"):
        name = name[1:]  # JATOS 3.8.1 put a leading slash on every entry
    if prefix and name.startswith(prefix):
        name = name[len(prefix):]
    parts = name.split("/")
    if (
        name.startswith("/")
        or "\\" in name
        or re.match(r"^[A-Za-z]:", name)
        or any(p in ("..", ".") for p in parts)
        or "\0" in name
    ):
        raise BadInput(f"{path}: entry {original!r} points outside the results folder")
    return name


def _classify(path: Path, name: str, label: str, size: int, read=None, chunks=None, **reader) -> Entry:
    m = _DATA.fullmatch(name)
    if m:
        return Entry("data", int(m[1]), int(m[2]), "data.txt", size, read, chunks, label, **reader)
    for pattern, has_sr in ((_FILE, True), (_LEGACY, True), (_LEGACY_COMP, False)):
        m = pattern.fullmatch(name)
        if m:
            filename = m[3] if has_sr else m[2]
            why = check_filename(filename)
            if why:
                raise BadInput(f"{path}: entry {label!r}: {why}")
            sr = int(m[1]) if has_sr else None
            cr = int(m[2]) if has_sr else int(m[1])
            return Entry("file", sr, cr, filename, size, read, chunks, label, **reader)
    raise BadInput(f"{path}: entry {label!r} is not part of a JATOS results archive")


def _read_folder(path: Path) -> Source:
    """The legacy on-disk layout, or an unpacked results archive."""
    source = Source(path, "results")
    budget = Budget(path)
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        dirnames.sort()
        for fn in sorted(filenames):
            full = Path(dirpath) / fn
            rel = full.relative_to(path).as_posix()
            if _JUNK.search(rel):
                continue
            st = full.lstat()
            if stat.S_ISLNK(st.st_mode):
                raise BadInput(f"{path}: {rel} is a symbolic link; result files must be plain files")
            if not stat.S_ISREG(st.st_mode):
                raise BadInput(f"{path}: {rel} is {_kind(st.st_mode)}; result files must be plain files")
            size = st.st_size
            if rel == "metadata.json":
                budget.take(f"{rel} has", size)
                source.metadata = parse_metadata(_read_plain(path, full), f"{path}: metadata.json")
                continue
            name = _relative(path, rel, "")
            entry = _classify(path, name, rel, size, _file_reader(path, full), _file_chunks(path, full))
            budget.take(f"{rel} has", size, entry.kind == "data")
            source.entries.append(entry)
    return source


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _open_plain(path: Path, full: Path):
    """Open a regular file for reading. Without O_NONBLOCK, opening a FIFO waits for a writer
    forever; the check after opening holds even if the name was swapped since it was listed."""
    flags = os.O_RDONLY | os.O_NONBLOCK
    if full != path:  # inside a folder: a symbolic link is refused, as when listed
        flags |= os.O_NOFOLLOW
    fd = os.open(full, flags)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        where = f"{path}" if full == path else f"{path}: {full.relative_to(path).as_posix()}"
        raise BadInput(f"{where} is {_kind(mode)}, not a file to import")
    return open(fd, "rb")


def _read_plain(path: Path, full: Path) -> bytes:
    with _open_plain(path, full) as fh:
        return fh.read()


def _file_reader(path: Path, full: Path):
    def read(limit: int) -> bytes:
        with _open_plain(path, full) as fh:
            return fh.read(limit)

    return read


def _file_chunks(path: Path, full: Path):
    def chunks(limit: int) -> Iterator[bytes]:
        with _open_plain(path, full) as fh:
            while limit > 0:
                piece = fh.read(min(1 << 20, limit))
                if not piece:
                    return
                limit -= len(piece)
                yield piece

    return chunks


# -- study archives (.jzip) -------------------------------------------------------------------


def _read_study_archive(path: Path, zf: ZipReader, info: Member) -> Source:
    raw = _read_entry(path, zf, info)
    label = f"{path}: {info.name}"
    try:
        doc = JsonWalker(raw.decode("utf-8-sig")).whole()
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{label} is not valid JSON ({exc})") from None
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("componentList"), list):
        raise BadInput(f"{path}: {info.name} is not a JATOS study description")
    components = []
    for pos, comp in enumerate(data["componentList"]):
        at = f"data.componentList[{pos}]"
        if not isinstance(comp, dict):
            raise BadInput(f"{label}: {at}: not an object")
        uuid = checked_text(comp, "uuid", label, at)
        if uuid:
            components.append({"uuid": uuid, "title": checked_text(comp, "title", label, at) or "", "position": pos})
    study = {
        "uuid": checked_text(data, "uuid", label, "data"),
        "title": checked_text(data, "title", label, "data") or "",
        "components": components,
    }
    zf.close()
    return Source(path, "study-archive", study_archive=study)

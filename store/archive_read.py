"""Reading what JATOS exports: results archives of every version, data-only and
files-only zips, the legacy on-disk files layout, metadata JSON, and study archives
(jatos.md §3.3-3.5, §7). Nothing here touches the database.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import stat
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from .errors import BadInput
from .files import check_filename
from .json_stream import JsonWalker
from .zip_reader import Member, ZipError, ZipReader

# Generous: JATOS's defaults are 5 MB of data and 30 MB per file, and labs raise them.
DEFAULT_MAX_ENTRY = 1 << 30


def max_entry_size() -> int:
    try:
        return int(os.environ.get("JATOS_RESULTS_MAX_ENTRY_BYTES", DEFAULT_MAX_ENTRY))
    except ValueError:
        return DEFAULT_MAX_ENTRY


_DATA = re.compile(r"study_result_(\d+)/comp-result_(\d+)/data\.txt")
_FILE = re.compile(r"study_result_(\d+)/comp-result_(\d+)/files/(.+)")
_LEGACY = re.compile(r"study-result_(\d+)/comp-result_(\d+)/(.+)")
_LEGACY_COMP = re.compile(r"comp-result_(\d+)/(.+)")
_RESULT_TOP = re.compile(r"(study_result_\d+|study-result_\d+|comp-result_\d+|metadata\.json)")
_JUNK = re.compile(r"(^|/)(__MACOSX(/|$)|\.DS_Store$|Thumbs\.db$)")


@dataclass
class Entry:
    kind: str  # "data" or "file"
    study_result_id: int | None  # None: legacy component-page layout, resolved by the importer
    component_result_id: int
    name: str  # file name ("data.txt" for data)
    size: int
    # read(limit): the content, at most `limit` bytes; chunks(limit): the same in pieces.
    read: Callable[[int], bytes] = field(repr=False)
    chunks: Callable[[int], Iterator[bytes]] = field(repr=False)
    label: str = ""


@dataclass
class Source:
    path: Path
    kind: str  # "results" or "study-archive"
    metadata: list[dict] | None = None
    entries: list[Entry] = field(default_factory=list)
    study_archive: dict | None = None
    # An archive's metadata.json is read when first asked for: an import normalises it
    # study result by study result in a thread while it writes (see iter_results).
    metadata_raw: Callable[[], bytes] | None = field(default=None, repr=False)
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
    members = [m for m in zf.members if not m.is_dir and not _JUNK.search(m.name)]
    jas = [m for m in members if "/" not in m.name and m.name.endswith(".jas")]
    if jas:
        return _read_study_archive(path, zf, jas[0])
    prefix = _common_prefix([m.name for m in members])
    cap = max_entry_size()
    source = Source(path, "results", _zip=zf)
    for m in members:
        name = m.name[len(prefix):] if prefix and m.name.startswith(prefix) else m.name
        data = _DATA.fullmatch(name)
        if data is None:  # anything but a plain data.txt gets every check
            name = _relative(path, m.name, prefix)
        if m.size > cap:
            raise BadInput(
                f"{path}: entry {m.name} declares {m.size} bytes, more than the limit of "
                f"{cap} (set JATOS_RESULTS_MAX_ENTRY_BYTES to raise it)"
            )
        if name == "metadata.json":
            source.metadata_raw = partial(_read_entry, path, zf, m)
            continue
        read, chunks = partial(zf.read, m), partial(zf.chunks, m)
        if data is not None:
            source.entries.append(Entry("data", int(data[1]), int(data[2]), "data.txt", m.size, read, chunks, m.name))
        else:
            source.entries.append(_classify(path, name, m.name, m.size, read, chunks))
    return source


def _read_entry(path: Path, zf: ZipReader, member: Member) -> bytes:
    try:
        data = zf.read(member, member.size + 1)
    except (ZipError, OSError) as exc:
        raise BadInput(f"{path}: entry {member.name} is damaged: {exc}") from None
    if len(data) != member.size:
        raise BadInput(f"{path}: entry {member.name} inflates beyond its declared size")
    return data


def _common_prefix(names: list[str]) -> str:
    """An unpacked archive zipped again has everything under one folder: see through it."""
    firsts = {n.split("/", 1)[0] for n in names if "/" in n.lstrip("/")}
    tops = {n.lstrip("/").split("/", 1)[0] for n in names}
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


def _classify(path: Path, name: str, label: str, size: int, read, chunks) -> Entry:
    m = _DATA.fullmatch(name)
    if m:
        return Entry("data", int(m[1]), int(m[2]), "data.txt", size, read, chunks, label)
    for pattern, has_sr in ((_FILE, True), (_LEGACY, True), (_LEGACY_COMP, False)):
        m = pattern.fullmatch(name)
        if m:
            filename = m[3] if has_sr else m[2]
            why = check_filename(filename)
            if why:
                raise BadInput(f"{path}: entry {label!r}: {why}")
            sr = int(m[1]) if has_sr else None
            cr = int(m[2]) if has_sr else int(m[1])
            return Entry("file", sr, cr, filename, size, read, chunks, label)
    raise BadInput(f"{path}: entry {label!r} is not part of a JATOS results archive")


def _read_folder(path: Path) -> Source:
    """The legacy on-disk layout, or an unpacked results archive."""
    source = Source(path, "results")
    cap = max_entry_size()
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
            if size > cap:
                raise BadInput(f"{path}: {rel} has {size} bytes, more than the limit of {cap}")
            if rel == "metadata.json":
                source.metadata = parse_metadata(_read_plain(path, full), f"{path}: metadata.json")
                continue
            name = _relative(path, rel, "")
            source.entries.append(_classify(path, name, rel, size, _file_reader(path, full), _file_chunks(path, full)))
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


# -- metadata.json ---------------------------------------------------------------------------


def _date(value, label: str):
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadInput(f"{label}: a date is not a number: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        # Before 3.8.2 some JATOS JSON carried server-time strings.
        try:
            dt = _dt.datetime.strptime(value, "%Y/%m/%d %H:%M:%S")
        except ValueError:
            raise BadInput(f"{label}: not a date: {value!r}") from None
        return int(dt.astimezone().timestamp() * 1000)
    raise BadInput(f"{label}: not a date: {value!r}")


def _int(obj: dict, key: str, label: str, required: bool = True):
    value = obj.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise BadInput(f"{label}: {'missing' if value is None else 'invalid'} {key}")
    return value


def parse_metadata(raw: bytes, label: str) -> list[dict]:
    """Validate and normalise JATOS metadata JSON of any version into plain dicts."""
    return [study_results_normalised(st, label) for st in metadata_studies(raw, label)]


def metadata_studies(raw: bytes, label: str) -> Iterator[dict]:
    """The studies of metadata JSON, each a study dict whose "results" are JATOS's raw
    objects (`normalise_result` turns one into ours), decoded one by one as they are
    reached where the file has JATOS's key order (store/json_stream.py): take each
    study's results before the next study. Bad JSON is found where it is reached."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{label}: not valid JSON ({exc})") from None
    del raw  # the text is what is walked; the caller holds no other reference
    walker = JsonWalker(text)
    try:
        if walker.peek() == "{":
            other = {}
            listed = False
            for key in walker.members():
                if key == "data" and walker.peek() == "[" and not listed:
                    listed = True
                    yield from _studies(walker, label)
                else:
                    other[key] = walker.value()
            if not listed:
                if "error" in other and "data" not in other:
                    raise BadInput(f"{label}: a JATOS error response, not results: {other.get('error')}")
                raise BadInput(f"{label}: not JATOS results metadata (expected a list of studies)")
        elif walker.peek() == "[":
            yield from _studies(walker, label)
        else:
            walker.value()
            raise BadInput(f"{label}: not JATOS results metadata (expected a list of studies)")
        walker.end()
    except json.JSONDecodeError as exc:
        raise BadInput(f"{label}: not valid JSON ({exc})") from None


_STUDY_HEAD = ("studyId", "studyUuid", "studyTitle")


def _studies(walker: JsonWalker, label: str) -> Iterator[dict]:
    for si, _ in enumerate(walker.elements()):
        where = f"{label}: study #{si + 1}"
        if walker.peek() != "{":
            walker.value()
            raise BadInput(f"{where}: not an object")
        head: dict = {}
        done = False
        for key in walker.members():
            if key == "studyResults" and not done and walker.peek() == "[" and all(k in head for k in _STUDY_HEAD):
                # JATOS writes the study's own keys first: its results can be taken one by one.
                results = _one_by_one(walker, label)
                yield _study(head, results, where)
                for _ in results:  # whatever the caller left
                    pass
                done = True
            else:
                head[key] = walker.value()
        if not done:
            srs = head.get("studyResults")
            if not isinstance(srs, list):
                raise BadInput(f"{where}: studyResults is missing")
            yield _study(head, srs, where)


def _one_by_one(walker: JsonWalker, label: str) -> Iterator:
    try:
        for _ in walker.elements():
            yield walker.value()
    except json.JSONDecodeError as exc:  # met by whoever takes the results
        raise BadInput(f"{label}: not valid JSON ({exc})") from None


def _study(head: dict, results, where: str) -> dict:
    return {
        "id": _int(head, "studyId", where),
        "uuid": head.get("studyUuid"),
        "title": head.get("studyTitle") or "",
        "results": results,
        "where": where,
    }


def study_results_normalised(study: dict, label: str) -> dict:
    out = {k: study[k] for k in ("id", "uuid", "title")}
    out["results"] = [normalise_result(sr, ri, study["where"], label) for ri, sr in enumerate(study["results"])]
    return out


def normalise_result(sr, ri: int, where: str, label: str) -> dict:
    """One study result of JATOS's metadata JSON, with its component results, as ours."""
    w = f"{where}, study result #{ri + 1}"
    if not isinstance(sr, dict):
        raise BadInput(f"{w}: not an object")
    if sr.get("id") is None:
        raise BadInput(f"{w}: a study result without an id")
    sr_id = _int(sr, "id", w)
    w = f"{label}: study result {sr_id}"
    uqp = sr.get("urlQueryParameters")
    if isinstance(uqp, (dict, list)):
        uqp = json.dumps(uqp, ensure_ascii=False, separators=(",", ":")) if uqp else None
    elif uqp in ("", "{}"):
        uqp = None
    result = {
        "id": sr_id,
        "uuid": sr.get("uuid"),
        "study_code": sr.get("studyCode"),
        "comment": sr.get("comment"),
        "start_date": _date(sr.get("startDate"), w),
        "end_date": _date(sr.get("endDate"), w),
        "last_seen_date": _date(sr.get("lastSeenDate"), w),
        "state": sr.get("studyState") or "STARTED",
        "message": sr.get("message"),
        "url_query_parameters": uqp,
        "worker_id": _int(sr, "workerId", w),
        "worker_type": sr.get("workerType") or "GeneralSingle",
        "batch_id": _int(sr, "batchId", w, required=False),
        "batch_uuid": sr.get("batchUuid"),
        "batch_title": sr.get("batchTitle") or "",
        "group_id": _int(sr, "groupId", w, required=False),
        "confirmation_code": sr.get("confirmationCode"),
        "quota_reached": bool(sr.get("isQuotaReached", False)),
        "components": [],
    }
    crs = sr.get("componentResults")
    if crs is None:
        crs = []
    if not isinstance(crs, list):
        raise BadInput(f"{w}: componentResults is not a list")
    for ci, cr in enumerate(crs):
        cw = f"{w}, component result #{ci + 1}"
        if not isinstance(cr, dict) or cr.get("id") is None:
            raise BadInput(f"{cw}: a component result without an id")
        cr_id = _int(cr, "id", cw)
        cw = f"{label}: component result {cr_id}"
        data = cr.get("data") if isinstance(cr.get("data"), dict) else {}
        files = []
        for f in cr.get("files") or []:
            if isinstance(f, dict) and isinstance(f.get("filename"), str):
                files.append({"filename": f["filename"], "size": f.get("size")})
        result["components"].append(
            {
                "id": cr_id,
                "component_id": _int(cr, "componentId", cw),
                "component_uuid": cr.get("componentUuid"),
                "start_date": _date(cr.get("startDate"), cw),
                "end_date": _date(cr.get("endDate"), cw),
                "state": cr.get("componentState") or "STARTED",
                "data_size": int(data.get("size") or 0),
                "files": files,
                "quota_reached": bool(cr.get("isQuotaReached", False)),
            }
        )
    return result


# -- study archives (.jzip) -------------------------------------------------------------------


def _read_study_archive(path: Path, zf: ZipReader, info: Member) -> Source:
    raw = _read_entry(path, zf, info)
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path}: {info.name} is not valid JSON ({exc})") from None
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("componentList"), list):
        raise BadInput(f"{path}: {info.name} is not a JATOS study description")
    components = []
    for pos, comp in enumerate(data["componentList"]):
        if isinstance(comp, dict) and comp.get("uuid"):
            components.append({"uuid": comp["uuid"], "title": comp.get("title") or "", "position": pos})
    study = {"uuid": data.get("uuid"), "title": data.get("title") or "", "components": components}
    zf.close()
    return Source(path, "study-archive", study_archive=study)

"""JATOS's metadata JSON (jatos.md §3.3): walked study result by study result, every field
checked against what JATOS can write, and normalised into our plain dicts.

The file is hostile input until checked. JATOS writes ids as Java longs (positive,
below 2^63), dates as epoch milliseconds (before 3.8.2 some JSON carried server-time
strings), states from the enums of §1.7, and text or null elsewhere. Anything else
(NaN, 1e400, an id of 2^63, a list where a title belongs, a lone surrogate that no
database can store) is refused here, naming the file and the field, before a value
can reach the store: what passes can be bound to SQLite, rendered and searched.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Iterable, Iterator

from store.errors import BadInput
from store.formats.jatos_values import COMPONENT_STATES, STUDY_STATES, WORKER_TYPES
from store.formats.json_stream import JsonWalker

ID_MAX = 2**63 - 1  # a Java long, and SQLite's INTEGER
# Epoch milliseconds from 1970 to the end of 9999-12-30 UTC: any time zone still renders
# it as a date of years 1969-9999 (Python's datetime ends with 9999).
DATE_MIN = 0
DATE_MAX = 253_402_214_399_999

_STUDY_STATES = frozenset(STUDY_STATES)
_COMPONENT_STATES = frozenset(COMPONENT_STATES)
_WORKER_TYPES = frozenset(WORKER_TYPES)


def _shown(value) -> str:
    """A value as a message shows it: short, and in JSON's words."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, int):
        text = str(value)
        return text if len(text) <= 40 else f"a number of {len(text)} digits"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:40]) + "…"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _bad(label: str, at: str, key: str, problem: str):
    raise BadInput(f"{label}: {at}.{key}: {problem}" if at else f"{label}: {key}: {problem}")


def _storable(text: str) -> bool:
    """Text that UTF-8 can encode: JSON's \\ud800 escapes decode to lone surrogates, which not."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _id(obj: dict, key: str, label: str, at: str, required: bool = True):
    value = obj.get(key)
    if type(value) is int and 0 < value <= ID_MAX:
        return value
    if value is None:
        if required:
            _bad(label, at, key, "missing")
        return None
    # JATOS's API docs call groupId a string: ASCII digits are taken.
    if type(value) is str:
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 19 and 0 < int(text) <= ID_MAX:
            return int(text)
    _bad(label, at, key, f"not an id ({_shown(value)}): JATOS's ids are whole numbers from 1 to 2^63-1")


def _date(obj: dict, key: str, label: str, at: str):
    value = obj.get(key)
    if type(value) is int and DATE_MIN <= value <= DATE_MAX:
        return value
    if value is None:
        return None
    ms = None
    if type(value) is float and math.isfinite(value):
        ms = int(value)
    elif type(value) is str:
        # Before 3.8.2 some JATOS JSON carried server-time strings.
        try:
            ms = int(_dt.datetime.strptime(value, "%Y/%m/%d %H:%M:%S").astimezone().timestamp() * 1000)
        except (ValueError, OverflowError, OSError):
            ms = None
    elif type(value) is int:
        ms = value
    if ms is None:
        _bad(label, at, key, f"not a date ({_shown(value)})")
    if not DATE_MIN <= ms <= DATE_MAX:
        _bad(label, at, key, f"a date out of range ({_shown(value)}): JATOS writes milliseconds since 1970")
    return ms


def checked_text(obj: dict, key: str, label: str, at: str) -> str | None:
    """obj[key] when it is text or null; names the field in a BadInput otherwise."""
    value = obj.get(key)
    if type(value) is str:
        if not _storable(value):
            _bad(label, at, key, "not valid text (it holds a lone surrogate)")
        return value
    if value is None:
        return None
    _bad(label, at, key, f"not text ({_shown(value)})")


def _enum(obj: dict, key: str, allowed: frozenset, default: str, label: str, at: str) -> str:
    value = obj.get(key)
    if type(value) is str and value in allowed:
        return value
    if value is None:
        return default
    _bad(label, at, key, f"not one of JATOS's values ({_shown(value)})")


def _flag(obj: dict, key: str, label: str, at: str) -> bool:
    value = obj.get(key)
    if value is True or value is False:
        return value
    if value is None:
        return False
    _bad(label, at, key, f"not true or false ({_shown(value)})")


def _size(obj: dict, key: str, label: str, at: str):
    value = obj.get(key)
    if type(value) is int and 0 <= value <= ID_MAX:
        return value
    if value is None:
        return None
    _bad(label, at, key, f"not a size in bytes ({_shown(value)})")


def _object(obj: dict, key: str, label: str, at: str) -> dict | None:
    value = obj.get(key)
    if value is None or type(value) is dict:
        return value
    _bad(label, at, key, f"not an object ({_shown(value)})")


def _list(obj: dict, key: str, label: str, at: str) -> list:
    value = obj.get(key)
    if type(value) is list:
        return value
    if value is None:
        return []
    _bad(label, at, key, f"not a list ({_shown(value)})")


def _query_parameters(sr: dict, label: str, at: str):
    """A JSON object of the start URL's query parameters (text values), or its text."""
    value = sr.get("urlQueryParameters")
    if value is None or value in ("", "{}"):
        return None
    if type(value) is str:
        return checked_text(sr, "urlQueryParameters", label, at)
    if type(value) is not dict:
        _bad(label, at, "urlQueryParameters", f"not an object ({_shown(value)})")
    for name, v in value.items():
        if type(v) is not str:
            _bad(label, f"{at}.urlQueryParameters", name, f"not text ({_shown(v)})")
        if not (_storable(name) and _storable(v)):
            _bad(label, f"{at}.urlQueryParameters", repr(name), "not valid text (it holds a lone surrogate)")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# -- the walk ---------------------------------------------------------------------------------


def parse_metadata(raw: bytes, label: str) -> list[dict]:
    """Validate and normalise JATOS metadata JSON of any version into plain dicts."""
    return [study_results_normalised(st, label) for st in metadata_studies(raw, label)]


def metadata_studies(raw: bytes | Iterable[bytes], label: str) -> Iterator[dict]:
    """The studies of metadata JSON (bytes, or its bytes in pieces: an archive's entry as it
    inflates), each a study dict whose "results" are JATOS's raw objects
    (`normalise_result` turns one into ours), decoded one by one as they are reached where
    the file has JATOS's key order (store/formats/json_stream.py): take each study's
    results before the next study. Bad JSON is found where it is reached."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadInput(f"{label}: not valid JSON ({exc})") from None
        del raw  # the text is what is walked; the caller holds no other reference
        walker = JsonWalker(text)
    else:
        walker = JsonWalker.of_pieces(raw)
    try:
        if walker.peek() == "{":
            other = {}
            listed = False
            for key in walker.members():
                if key == "data" and walker.peek() == "[" and not listed:
                    listed = True
                    yield from _studies(walker, label, "data")
                else:
                    other[key] = walker.value()
            if not listed:
                if "error" in other and "data" not in other:
                    raise BadInput(f"{label}: a JATOS error response, not results: {_shown(other.get('error'))}")
                raise BadInput(f"{label}: not JATOS results metadata (expected a list of studies)")
            if other.get("apiVersion") is not None:
                checked_text(other, "apiVersion", label, "")
        elif walker.peek() == "[":
            yield from _studies(walker, label, "")
        else:
            walker.value()
            raise BadInput(f"{label}: not JATOS results metadata (expected a list of studies)")
        walker.end()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{label}: not valid JSON ({exc})") from None


_STUDY_HEAD = ("studyId", "studyUuid", "studyTitle")


def _studies(walker: JsonWalker, label: str, top: str) -> Iterator[dict]:
    for si, _ in enumerate(walker.elements()):
        at = f"{top}[{si}]"
        if walker.peek() != "{":
            walker.value()
            raise BadInput(f"{label}: {at}: not an object")
        head: dict = {}
        done = False
        for key in walker.members():
            if key == "studyResults" and not done and walker.peek() == "[" and all(k in head for k in _STUDY_HEAD):
                # JATOS writes the study's own keys first: its results can be taken one by one.
                results = _one_by_one(walker, label, at)
                yield _study(head, results, label, at)
                for _ in results:  # whatever the caller left
                    pass
                done = True
            else:
                try:
                    head[key] = walker.value()
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise BadInput(f"{label}: {at}.{key}: not valid JSON ({exc})") from None
        if not done:
            srs = head.get("studyResults")
            if srs is None:
                raise BadInput(f"{label}: {at}: studyResults is missing")
            if type(srs) is not list:
                _bad(label, at, "studyResults", f"not a list ({_shown(srs)})")
            yield _study(head, srs, label, at)


def _one_by_one(walker: JsonWalker, label: str, at: str) -> Iterator:
    ri = 0
    try:
        for ri, _ in enumerate(walker.elements()):  # noqa: B007 (ri names the result in the message below)
            yield walker.value()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:  # met by whoever takes the results
        raise BadInput(f"{label}: {at}.studyResults[{ri}]: not valid JSON ({exc})") from None


def _study(head: dict, results, label: str, at: str) -> dict:
    return {
        "id": _id(head, "studyId", label, at),
        "uuid": checked_text(head, "studyUuid", label, at),
        "title": checked_text(head, "studyTitle", label, at) or "",
        "results": results,
        "where": at,
    }


def study_results_normalised(study: dict, label: str) -> dict:
    out = {k: study[k] for k in ("id", "uuid", "title")}
    out["results"] = [normalise_result(sr, ri, study["where"], label) for ri, sr in enumerate(study["results"])]
    return out


def normalise_result(sr, ri: int, where: str, label: str) -> dict:
    """One study result of JATOS's metadata JSON, with its component results, as ours."""
    at = f"{where}.studyResults[{ri}]"
    if type(sr) is not dict:
        raise BadInput(f"{label}: {at}: not an object ({_shown(sr)})")
    if sr.get("id") is None:
        raise BadInput(f"{label}: {at}.id: missing (a study result without an id)")
    checked_text(sr, "duration", label, at)  # JATOS's rendering of the dates: not kept
    result = {
        "id": _id(sr, "id", label, at),
        "uuid": checked_text(sr, "uuid", label, at),
        "study_code": checked_text(sr, "studyCode", label, at),
        "comment": checked_text(sr, "comment", label, at),
        "start_date": _date(sr, "startDate", label, at),
        "end_date": _date(sr, "endDate", label, at),
        "last_seen_date": _date(sr, "lastSeenDate", label, at),
        "state": _enum(sr, "studyState", _STUDY_STATES, "STARTED", label, at),
        "message": checked_text(sr, "message", label, at),
        "url_query_parameters": _query_parameters(sr, label, at),
        "worker_id": _id(sr, "workerId", label, at),
        "worker_type": _enum(sr, "workerType", _WORKER_TYPES, "GeneralSingle", label, at),
        "batch_id": _id(sr, "batchId", label, at, required=False),
        "batch_uuid": checked_text(sr, "batchUuid", label, at),
        "batch_title": checked_text(sr, "batchTitle", label, at) or "",
        "group_id": _id(sr, "groupId", label, at, required=False),
        "confirmation_code": checked_text(sr, "confirmationCode", label, at),
        "quota_reached": _flag(sr, "isQuotaReached", label, at),
        "components": [],
    }
    for ci, cr in enumerate(_list(sr, "componentResults", label, at)):
        result["components"].append(_component(cr, f"{at}.componentResults[{ci}]", label))
    return result


def _component(cr, at: str, label: str) -> dict:
    if type(cr) is not dict:
        raise BadInput(f"{label}: {at}: not an object ({_shown(cr)})")
    if cr.get("id") is None:
        raise BadInput(f"{label}: {at}.id: missing (a component result without an id)")
    for key in ("duration", "path"):  # JATOS's renderings: not kept
        checked_text(cr, key, label, at)
    data = _object(cr, "data", label, at) or {}
    if data:
        for key in ("sizeHumanReadable", "filename"):
            checked_text(data, key, label, f"{at}.data")
    files = []
    for fi, f in enumerate(_list(cr, "files", label, at)):
        fat = f"{at}.files[{fi}]"
        if type(f) is not dict:
            raise BadInput(f"{label}: {fat}: not an object ({_shown(f)})")
        name = checked_text(f, "filename", label, fat)
        if not name:
            _bad(label, fat, "filename", "missing")
        checked_text(f, "sizeHumanReadable", label, fat)
        files.append({"filename": name, "size": _size(f, "size", label, fat)})
    return {
        "id": _id(cr, "id", label, at),
        "component_id": _id(cr, "componentId", label, at),
        "component_uuid": checked_text(cr, "componentUuid", label, at),
        "start_date": _date(cr, "startDate", label, at),
        "end_date": _date(cr, "endDate", label, at),
        "state": _enum(cr, "componentState", _COMPONENT_STATES, "STARTED", label, at),
        "data_size": _size(data, "size", label, f"{at}.data") or 0,
        "files": files,
        "quota_reached": _flag(cr, "isQuotaReached", label, at),
    }

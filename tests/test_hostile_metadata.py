"""metadata.json and .jas fields that JATOS cannot write (issue #11): each import is refused
in one line naming the file and the field, before the store is touched, and never ends in
a traceback (OverflowError binding to SQLite, TypeError, RecursionError, ValueError were
what they raised)."""

from __future__ import annotations

import json
import random
import zipfile

import pytest

from store.errors import BadInput
from store.importing.importer import import_paths

import jatos_fixtures as fx
from conftest import run_cli, store_state
from hostile import populate, refused

SR = "data[0].studyResults[0]"
CR = f"{SR}.componentResults[0]"
RAW = "@@raw@@"  # a string value replaced by raw JSON text (1e400, digits without end)


def _set(doc: dict, path: tuple, value) -> dict:
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


def _archive(folder, doc, name="a.zip", raw: str | None = None):
    text = json.dumps(doc)  # ASCII: a lone surrogate is written as JSON writes it, an escape
    if raw is not None:
        text = text.replace(json.dumps(RAW), raw)
    return fx.write_zip(folder / name, fx.ENTRIES + [("metadata.json", text.encode())])


def _path_text(path: tuple) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else f".{step}"
    return out.lstrip(".")


S = ("data", 0, "studyResults", 0)
C = S + ("componentResults", 0)
CASES = [
    # numbers JSON allows and JATOS never writes
    (C + ("startDate",), float("nan"), None, "not a date (NaN)"),
    (S + ("endDate",), float("inf"), None, "not a date (Infinity)"),
    (S + ("lastSeenDate",), RAW, "1e400", "not a date (Infinity)"),
    (S + ("startDate",), -1, None, "out of range"),
    (S + ("startDate",), 2**63, None, "out of range"),
    (C + ("endDate",), 253_402_300_800_000, None, "out of range"),  # year 10000
    (S + ("startDate",), "2024-05-01T10:00:00Z", None, "not a date"),
    (S + ("startDate",), "0001/01/01 00:00:00", None, "not a date"),
    (S + ("startDate",), True, None, "not a date (true)"),
    # ids: Java longs from 1
    (S + ("id",), 2**63, None, "not an id"),
    (S + ("workerId",), 2**64 + 1, None, "not an id"),
    (S + ("batchId",), -14, None, "not an id"),
    (S + ("groupId",), 0, None, "not an id"),
    (C + ("componentId",), "\u0664\u0660", None, "not an id"),  # Arabic-Indic digits
    (C + ("id",), "\u00b3", None, "not an id"),  # a superscript three: isdigit(), not int()
    (S + ("workerId",), float("inf"), None, "not an id (Infinity)"),
    (S + ("workerId",), 57.0, None, "not an id"),
    (S + ("id",), RAW, "1" * 5000, "number too long"),
    (S + ("id",), RAW, "0." + "1" * 5000, "not an id"),
    (("data", 0, "studyId"), "12345678901234567890", None, "not an id"),
    # wrong types
    (S + ("studyState",), "DONE", None, "not one of JATOS's values"),
    (S + ("studyState",), 3, None, "not one of JATOS's values"),
    (C + ("componentState",), ["FINISHED"], None, "not one of JATOS's values"),
    (S + ("workerType",), "MTurk", None, "not one of JATOS's values"),
    (S + ("message",), {"text": "x"}, None, "not text (an object)"),
    (S + ("comment",), 5, None, "not text (5)"),
    (S + ("uuid",), [], None, "not text (a list)"),
    (S + ("studyCode",), 1.5, None, "not text"),
    (S + ("batchTitle",), True, None, "not text (true)"),
    (S + ("confirmationCode",), float("nan"), None, "not text (NaN)"),
    (S + ("comment",), "\ud800", None, "lone surrogate"),
    (("data", 0, "studyTitle"), {"de": "x"}, None, "not text"),
    (("data", 0, "studyUuid"), 7, None, "not text"),
    (S + ("urlQueryParameters",), 5, None, "not an object"),
    (S + ("urlQueryParameters",), ["a"], None, "not an object"),
    (S + ("urlQueryParameters",), {"PROLIFIC_PID": 5}, None, "not text"),
    (S + ("urlQueryParameters",), {"a": {"b": "c"}}, None, "not text"),
    (S + ("isQuotaReached",), "false", None, "not true or false"),
    (S + ("componentResults",), {"0": {}}, None, "not a list"),
    (C + ("data", "size"), "27", None, "not a size"),
    (C + ("data", "size"), -1, None, "not a size"),
    (C + ("data", "size"), 2**63, None, "not a size"),
    (C + ("data",), "27 B", None, "not an object"),
    (C + ("files",), "audio.webm", None, "not a list"),
    (S + ("componentResults", 1, "files", 0, "size"), "48 kB", None, "not a size"),
    (S + ("componentResults", 1, "files", 0, "filename"), 5, None, "not text"),
    (S + ("componentResults", 1, "files", 0), "audio.webm", None, "not an object"),
    (S + ("duration",), 659, None, "not text"),
    (C + ("path",), [], None, "not text"),
    # nesting thousands of levels deep: the study result is named
    (S + ("urlQueryParameters",), RAW, "[" * 5000 + "]" * 5000, "nested too deeply"),
    (S + ("x-extra",), RAW, '{"a":' * 5000 + "1" + "}" * 5000, "nested too deeply"),
]


@pytest.mark.parametrize("path,value,raw,needle", CASES, ids=[f"{_path_text(c[0])}={(c[2] or repr(c[1]))[:20]}" for c in CASES])
def test_bad_field_is_named(store, db_path, tmp_path, path, value, raw, needle):
    populate(store, tmp_path)
    doc = _set(fx.metadata_doc(), path, value)
    line = refused(store, db_path, _archive(tmp_path, doc, raw=raw), "metadata.json", needle)
    named = _path_text(path)
    if "nested" in needle or "too long" in needle:
        named = SR  # the walk knows which study result it was decoding, not which field
    assert named in line, line


def test_the_message_reads_as_the_issue_asks(store, db_path, tmp_path):
    populate(store, tmp_path)
    doc = _set(fx.metadata_doc(), C + ("startDate",), float("nan"))
    line = refused(store, db_path, _archive(tmp_path, doc, name="x.zip"))
    assert line.endswith(f"x.zip: metadata.json: {CR}.startDate: not a date (NaN)"), line


def test_top_level_nesting_and_digits(store, db_path, tmp_path):
    populate(store, tmp_path)
    deep = '{"apiVersion":' + "[" * 5000 + "]" * 5000 + ',"data":[]}'
    p = fx.write_zip(tmp_path / "deep.zip", [("metadata.json", deep.encode())])
    refused(store, db_path, p, "metadata.json", "nested too deeply")
    long_number = '{"apiVersion":' + "9" * 5000 + ',"data":[]}'
    p = fx.write_zip(tmp_path / "long.zip", [("metadata.json", long_number.encode())])
    refused(store, db_path, p, "metadata.json", "number too long")


def test_what_jatos_writes_still_imports(store, tmp_path):
    """Values at the edges of what JATOS writes, and the leniencies kept: ids as digit
    strings (the API docs call groupId a string), float dates, legacy date strings, nulls."""
    doc = fx.metadata_doc()
    sr = doc["data"][0]["studyResults"][0]
    sr.update(groupId="7", startDate=1714557296000.0, lastSeenDate="2024/05/01 10:05:55", endDate=None)
    sr["urlQueryParameters"] = {"PROLIFIC_PID": "ä\U0001f600"}
    sr["comment"] = "Ü\U0001f600"
    sr["componentResults"][0]["files"] = None
    running = doc["data"][0]["studyResults"][1]  # no entries in the archive: its ids may change
    running.update(id=2**63 - 1, workerId=2**63 - 1, lastSeenDate=253_402_214_399_999)
    running["componentResults"][0].update(id=2**63 - 2, data=None)
    summary = import_paths(store, [_archive(tmp_path, doc)])
    assert 2**63 - 1 in summary.study_results


def test_metadata_json_file_and_folder_are_checked_too(store, db_path, tmp_path):
    populate(store, tmp_path)
    doc = _set(fx.metadata_doc(), C + ("startDate",), float("nan"))
    p = tmp_path / "jatos_results_metadata.json"
    p.write_text(json.dumps(doc))
    refused(store, db_path, p, f"{CR}.startDate: not a date (NaN)")
    folder = tmp_path / "unpacked"
    folder.mkdir()
    (folder / "metadata.json").write_text(json.dumps(doc))
    refused(store, db_path, folder, f"{CR}.startDate: not a date (NaN)")


# -- study archives (.jas) --------------------------------------------------------------------


def _jzip(folder, jas_text: str):
    return fx.write_zip(folder / "study.jzip", [("study/a.html", b"<html></html>"), ("study_1.jas", jas_text.encode())])


def _jas(**changes) -> dict:
    comp = {"uuid": "c0a80001-0000-4000-8000-000000000040", "title": "Instructions"}
    comp.update(changes.pop("component", {}))
    data = {"uuid": "3f1c2a9e-7b1d-4c55-9e0a-1a2b3c4d5e6f", "title": "Stroop Task", "componentList": [comp]}
    data.update(changes)
    return {"version": "3", "data": data}


@pytest.mark.parametrize(
    "text,needle",
    [
        ('{"version":"3","data":' + "[" * 5000 + "]" * 5000 + "}", "nested too deeply"),
        ('{"version":' + "7" * 5000 + ',"data":{}}', "number too long"),
        (json.dumps(_jas(component={"uuid": 40})), "data.componentList[0].uuid: not text"),
        (json.dumps(_jas(component={"title": ["a"]})), "data.componentList[0].title: not text"),
        (json.dumps(_jas(title={"en": "x"})), "data.title: not text"),
        (json.dumps(_jas(uuid=float("nan"))), "data.uuid: not text (NaN)"),
        (json.dumps(_jas(componentList=[7])), "data.componentList[0]: not an object"),
        (json.dumps(_jas(component={"title": "\ud800"})), "lone surrogate"),
    ],
)
def test_bad_study_archive_is_named(store, db_path, tmp_path, text, needle):
    populate(store, tmp_path)
    path = fx.write_zip(
        tmp_path / "study.jzip",
        [("study/a.html", b"<html></html>"), ("study_1.jas", text.encode("utf-8", "surrogatepass"))],
    )
    refused(store, db_path, path, "study_1.jas", needle)


# -- random substitutions ---------------------------------------------------------------------

_COMMON = [float("nan"), float("inf"), float("-inf"), RAW, 2**63, 2**64 + 5, -1, [], [1, [2]], {"a": {}}, "\ud800"]
_POOLS = {
    "id": _COMMON + ["\u0664\u0662", "12.0", 1.5, True, "x", ""],
    "date": _COMMON + ["2024-05-01", True, "x", 2**53 * 40000],
    "text": _COMMON + [True, 5, 0, False],
    "flag": _COMMON + ["false", 0, 1, "true"],
    "enum": _COMMON + ["finished", 3, "x", ""],
    "size": _COMMON + ["27", 1.5, True, "x"],
    "object": [float("nan"), 5, "x", True, [1]],
    "list": [float("nan"), 5, "x", True, {"a": 1}],
    "query": [5, [], True, {"a": 5}, {"a": [1]}, {"a": "\ud800"}, {"\ud800": "a"}, float("nan")],
}
_KINDS = {
    "id": "id", "workerId": "id", "batchId": "id", "groupId": "id", "componentId": "id", "studyId": "id",
    "startDate": "date", "endDate": "date", "lastSeenDate": "date",
    "uuid": "text", "studyCode": "text", "comment": "text", "duration": "text", "message": "text",
    "batchUuid": "text", "batchTitle": "text", "confirmationCode": "text", "componentUuid": "text",
    "path": "text", "sizeHumanReadable": "text", "filename": "text", "studyUuid": "text", "studyTitle": "text",
    "isQuotaReached": "flag", "studyState": "enum", "componentState": "enum", "workerType": "enum",
    "size": "size", "data": "object", "files": "list", "componentResults": "list",
    "urlQueryParameters": "query",
}


def _fields(node, path=()):
    """(path, kind) of every field of the fixture's metadata that JATOS defines."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _KINDS:
                yield path + (key,), _KINDS[key]
            yield from _fields(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, dict) and path[-1] in ("studyResults", "componentResults", "files"):
                yield path + (i,), "object"
            yield from _fields(value, path + (i,))


def test_random_substitutions_are_refused_naming_the_field(store, db_path, tmp_path):
    """A few hundred seeded substitutions of values JATOS never writes: every one is a
    BadInput of one line naming the file and the field, and the store never changes."""
    populate(store, tmp_path)
    before = store_state(db_path)
    fields = list(_fields(fx.metadata_doc()))
    rng = random.Random(20240501)
    for case in range(300):
        path, kind = rng.choice(fields)
        value = rng.choice(_POOLS[kind])
        raw = None
        if value == RAW:
            raw = rng.choice(["1e400", "-1e400", "1" * 4400, "[" * 3000 + "]" * 3000])
        doc = _set(fx.metadata_doc(), path, value)
        archive = _archive(tmp_path, doc, name=f"case{case}.zip", raw=raw)
        with pytest.raises(BadInput) as caught:
            import_paths(store, [archive])
        line = str(caught.value)
        assert "\n" not in line and f"case{case}.zip: metadata.json: " in line, (path, value, line)
        named = _path_text(path)
        if raw and raw[0] in "1[" and len(path) > 4:  # met while decoding: the study result is named
            named = _path_text(path[:4])
        assert named in line, (path, value, raw, line)
        archive.unlink()
    assert store_state(db_path) == before


# -- through the command line -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,value,raw,needle",
    [
        (C + ("startDate",), float("nan"), None, f"{CR}.startDate: not a date (NaN)"),
        (S + ("id",), 2**63, None, f"{SR}.id: not an id"),
        (S + ("message",), ["x"], None, f"{SR}.message: not text"),
        (S + ("urlQueryParameters",), RAW, "[" * 100000 + "]" * 100000, f"{SR}: not valid JSON (nested too deeply"),
    ],
    ids=["NaN date", "id 2^63", "message a list", "nested 100000 deep"],
)
def test_bad_fields_through_the_command_line(db_path, tmp_path, path, value, raw, needle):
    assert run_cli("import", str(fx.results_archive(tmp_path))).returncode == 0
    before = store_state(db_path)
    archive = _archive(tmp_path, _set(fx.metadata_doc(), path, value), name="x.zip", raw=raw)
    r = run_cli("import", str(archive))
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "x.zip: metadata.json: " in lines[0] and needle in lines[0], r.stderr
    assert store_state(db_path) == before


def test_fields_are_checked_before_the_store_is_touched(tmp_path):
    """Reading the archive alone refuses it, even where the bad field is in the last of
    600 study results (the import writes its first batch after 250)."""
    from store.formats.archive_read import read_source

    archive = fx.synthetic_archive(tmp_path / "many.zip", n=600)
    with zipfile.ZipFile(archive) as zf:
        doc = json.loads(zf.read("metadata.json"))
        entries = [(n, zf.read(n)) for n in zf.namelist() if n != "metadata.json"]
    doc["data"][0]["studyResults"][-1]["componentResults"][0]["endDate"] = float("nan")
    bad = fx.write_zip(tmp_path / "bad.zip", entries + [("metadata.json", json.dumps(doc).encode())])
    with pytest.raises(BadInput, match=r"data\[0\]\.studyResults\[599\]\.componentResults\[0\]\.endDate: not a date"):
        read_source(bad).close()

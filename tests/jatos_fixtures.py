"""Results archives built from the spec (jatos.md §3.6), in every flavour JATOS has written.

Scenario: study 12 "Stroop Task", batch 14 "Default", components 40 and 41.
SR 101: PersonalSingle worker 57 (comment P-001), FINISHED, component results 301 and 302
(302 with an uploaded audio.webm). SR 102: GeneralMultiple worker 58, still running,
started with ?PROLIFIC_PID=abc123, component result 303 without data.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

# §3.6 verbatim: the wrapped lines joined (the real file is one line).
METADATA_310 = (
    '{"apiVersion":"1.1.0","data":[{"studyId":12,"studyUuid":"3f1c2a9e-7b1d-4c55-9e0a-1a2b3c4d5e6f",'
    '"studyTitle":"Stroop Task","studyResults":['
    '{"id":101,"uuid":"9d4b0c1e-2f3a-4b5c-8d7e-6f5a4b3c2d1e","studyCode":"Xk3pQ9LmA2z","comment":"P-001",'
    '"startDate":1714557296000,"endDate":1714557955000,"duration":"00:10:59","lastSeenDate":1714557955000,'
    '"studyState":"FINISHED","workerId":57,"workerType":"PersonalSingle","batchId":14,'
    '"batchUuid":"b7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2918","batchTitle":"Default","groupId":null,'
    '"isQuotaReached":false,"componentResults":['
    '{"id":301,"componentId":40,"componentUuid":"c0a80001-0000-4000-8000-000000000040",'
    '"startDate":1714557297000,"endDate":1714557601000,"duration":"00:05:04","componentState":"FINISHED",'
    '"path":"/study_result_101/comp-result_301","data":{"size":27,"sizeHumanReadable":"27 B"},'
    '"files":[],"isQuotaReached":false},'
    '{"id":302,"componentId":41,"componentUuid":"c0a80001-0000-4000-8000-000000000041",'
    '"startDate":1714557601000,"endDate":1714557955000,"duration":"00:05:54","componentState":"FINISHED",'
    '"path":"/study_result_101/comp-result_302","data":{"size":29,"sizeHumanReadable":"29 B"},'
    '"files":[{"filename":"audio.webm","size":48213,"sizeHumanReadable":"48.2 kB"}],"isQuotaReached":false}]},'
    '{"id":102,"uuid":"0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b","studyCode":"Gm7TqW2nR8s",'
    '"startDate":1714560000000,"endDate":null,"duration":null,"lastSeenDate":1714560185000,'
    '"studyState":"DATA_RETRIEVED","urlQueryParameters":{"PROLIFIC_PID":"abc123"},"workerId":58,'
    '"workerType":"GeneralMultiple","batchId":14,"batchUuid":"b7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2918",'
    '"batchTitle":"Default","groupId":null,"isQuotaReached":false,"componentResults":['
    '{"id":303,"componentId":40,"componentUuid":"c0a80001-0000-4000-8000-000000000040",'
    '"startDate":1714560001000,"endDate":null,"duration":null,"componentState":"DATA_RETRIEVED",'
    '"path":"/study_result_102/comp-result_303","data":{"size":0,"sizeHumanReadable":"0 B","filename":"data.txt"},'
    '"files":[],"isQuotaReached":false}]}]}]}'
)

DATA = {301: b'{"trial":1,"rt":532,"ok":1}', 302: b'[{"trial":2,"rt":611,"ok":0}]'}
AUDIO = bytes((i * 7 + 3) % 256 for i in range(48213))
OWNER = {301: 101, 302: 101, 303: 102}

# Entry order of §3.6: files first, then data.txt, per component result; metadata last.
ENTRIES = [
    ("study_result_101/comp-result_301/data.txt", DATA[301]),
    ("study_result_101/comp-result_302/files/audio.webm", AUDIO),
    ("study_result_101/comp-result_302/data.txt", DATA[302]),
]


def metadata_doc() -> dict:
    return json.loads(METADATA_310)


def _strip_keys(obj, keys):
    if isinstance(obj, dict):
        return {k: _strip_keys(v, keys) for k, v in obj.items() if k not in keys}
    if isinstance(obj, list):
        return [_strip_keys(v, keys) for v in obj]
    return obj


def metadata_bytes(flavour: str, doc: dict | None = None) -> bytes:
    doc = doc or metadata_doc()
    data = doc["data"]
    if flavour == "3.10":
        out = {"apiVersion": "1.1.0", "data": data}
    elif flavour == "3.9":  # GUI, before isQuotaReached (3.9.8)
        out = {"data": _strip_keys(data, {"isQuotaReached"})}
    elif flavour == "3.8.1":  # bare array; no comment (3.8.5) nor isQuotaReached
        out = _strip_keys(data, {"isQuotaReached", "comment"})
    else:
        raise ValueError(flavour)
    return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write_zip(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, payload in entries:
            zf.writestr(name, payload)
    return path


def results_archive(folder: Path, flavour: str = "3.10", doc: dict | None = None) -> Path:
    """A full results archive as the given JATOS version wrote it."""
    meta = metadata_bytes(flavour, doc) if doc is not None or flavour != "3.10" else METADATA_310.encode()
    if flavour == "3.10":
        return write_zip(folder / "jatos_results_20240501104500.zip", ENTRIES + [("metadata.json", meta)])
    if flavour == "3.9":
        return write_zip(folder / "jatos_results_20240501104500.jrzip", ENTRIES + [("metadata.json", meta)])
    # 3.8.1: a leading slash on every entry
    return write_zip(
        folder / "jatos_results_20240501104500.jrzip",
        [("/" + n, p) for n, p in ENTRIES] + [("/metadata.json", meta)],
    )


def metadata_json(folder: Path) -> Path:
    path = folder / "jatos_results_metadata_20240501104500.json"
    path.write_bytes(METADATA_310.encode())
    return path


def data_zip(folder: Path) -> Path:
    return write_zip(folder / "jatos_results_data_20240501104500.zip", [e for e in ENTRIES if e[0].endswith("data.txt")])


def files_zip(folder: Path) -> Path:
    return write_zip(folder / "jatos_results_files_20240501104500.zip", [e for e in ENTRIES if "/files/" in e[0]])


def legacy_files_folder(folder: Path) -> Path:
    """≤3.7 "Export Files" unpacked: the on-disk layout with hyphens."""
    root = folder / "jatos_resultfiles"
    d = root / "study-result_101" / "comp-result_302"
    d.mkdir(parents=True)
    (d / "audio.webm").write_bytes(AUDIO)
    return root


def legacy_files_zip(folder: Path, component_page: bool = False) -> Path:
    name = "comp-result_302/audio.webm" if component_page else "study-result_101/comp-result_302/audio.webm"
    return write_zip(folder / "jatos_resultfiles_20200101000000.zip", [(name, AUDIO)])


def study_archive(folder: Path) -> Path:
    jas = {
        "version": "3",
        "data": {
            "uuid": "3f1c2a9e-7b1d-4c55-9e0a-1a2b3c4d5e6f",
            "title": "Stroop Task",
            "componentList": [
                {"uuid": "c0a80001-0000-4000-8000-000000000040", "title": "Instructions", "htmlFilePath": "a.html"},
                {"uuid": "c0a80001-0000-4000-8000-000000000041", "title": "Stroop trials", "htmlFilePath": "b.html"},
            ],
            "batchList": [],
        },
    }
    return write_zip(
        folder / "stroop.jzip",
        [("stroop/a.html", b"<html></html>"), ("stroop_123.jas", json.dumps(jas).encode())],
    )


def synthetic_archive(path: Path, n: int, data_bytes: int = 1000, first_id: int = 1) -> Path:
    """A 3.10 archive of n one-component runs of study 12 (for scale and concurrency tests)."""
    srs = []
    entries = []
    for k in range(n):
        sr_id, cr_id = first_id + k, 100_000 + first_id + k
        payload = (json.dumps({"run": sr_id, "rt": k % 997}) + " " * data_bytes)[:data_bytes].encode()
        entries.append((f"study_result_{sr_id}/comp-result_{cr_id}/data.txt", payload))
        srs.append(
            {
                "id": sr_id, "uuid": f"00000000-0000-4000-8000-{sr_id:012d}", "studyCode": "Xk3pQ9LmA2z",
                "startDate": 1714557296000 + k * 1000, "endDate": 1714557356000 + k * 1000,
                "duration": "00:01:00", "lastSeenDate": 1714557356000 + k * 1000, "studyState": "FINISHED",
                "workerId": 1000 + sr_id, "workerType": "GeneralSingle", "batchId": 14,
                "batchUuid": "b7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2918", "batchTitle": "Default", "groupId": None,
                "isQuotaReached": False,
                "componentResults": [
                    {
                        "id": cr_id, "componentId": 40, "componentUuid": "c0a80001-0000-4000-8000-000000000040",
                        "startDate": 1714557296000 + k * 1000, "endDate": 1714557356000 + k * 1000,
                        "duration": "00:01:00", "componentState": "FINISHED",
                        "path": f"/study_result_{sr_id}/comp-result_{cr_id}",
                        "data": {"size": len(payload), "sizeHumanReadable": ""}, "files": [], "isQuotaReached": False,
                    }
                ],
            }
        )
    doc = {"apiVersion": "1.1.0", "data": [{"studyId": 12, "studyUuid": "3f1c2a9e-7b1d-4c55-9e0a-1a2b3c4d5e6f",
                                             "studyTitle": "Stroop Task", "studyResults": srs}]}
    return write_zip(path, entries + [("metadata.json", json.dumps(doc).encode())])

"""Studies for the health report, as JATOS 3.10 results archives (and a study archive for the
components' titles and order), built from a short description of each run.

A run is (id, state, start s, end s or None, last seen s or None, URL parameters or None,
component results); a component result is (id, component, state, data): data None is no
data, bytes are data.txt, and ("metadata only", n) is data of n bytes the archive's metadata
names and no data.txt carries (the store then knows it only from metadata).
"""

from __future__ import annotations

import json
from pathlib import Path

from jatos_fixtures import write_zip

T0 = 1_714_557_296_000  # ms: every run's times are seconds after this
HOUR = 3_600_000

COMPONENTS = {71: "Consent", 72: "Trials", 73: "Survey"}


def component_uuid(cid: int) -> str:
    return f"c0000000-0000-4000-8000-{cid:012d}"


def archive(folder: Path, runs: list, study: int = 70, title: str = "Health check", name: str = "health.zip") -> list[Path]:
    """The results archive of these runs and the study archive of COMPONENTS (in that order)."""
    entries, results = [], []
    for sr, state, start, end, seen, params, crs in runs:
        comps = []
        for cr, component, cstate, data in crs:
            size = data[1] if isinstance(data, tuple) else len(data) if data is not None else 0
            if isinstance(data, bytes):
                entries.append((f"study_result_{sr}/comp-result_{cr}/data.txt", data))
            comps.append({
                "id": cr, "componentId": component, "componentUuid": component_uuid(component),
                "startDate": T0 + start * 1000, "endDate": None, "duration": None, "componentState": cstate,
                "path": f"/study_result_{sr}/comp-result_{cr}",
                "data": {"size": size, "sizeHumanReadable": f"{size} B"}, "files": [], "isQuotaReached": False,
            })
        result = {
            "id": sr, "uuid": f"00000000-0000-4000-8000-{sr:012d}", "studyCode": "Xk3pQ9LmA2z",
            "startDate": T0 + start * 1000, "endDate": T0 + end * 1000 if end is not None else None, "duration": None,
            "lastSeenDate": T0 + seen * 1000 if seen is not None else None, "studyState": state,
            "workerId": 1000 + sr, "workerType": "GeneralSingle", "batchId": 14,
            "batchUuid": "b7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2918", "batchTitle": "Default", "groupId": None,
            "isQuotaReached": False, "componentResults": comps,
        }
        if params:
            result["urlQueryParameters"] = params
        results.append(result)
    doc = {"apiVersion": "1.1.0", "data": [{"studyId": study, "studyUuid": f"5f000000-0000-4000-8000-{study:012d}",
                                             "studyTitle": title, "studyResults": results}]}
    jas = {"version": "3", "data": {
        "uuid": f"5f000000-0000-4000-8000-{study:012d}", "title": title, "batchList": [],
        "componentList": [{"uuid": component_uuid(c), "title": t, "htmlFilePath": f"{c}.html"} for c, t in COMPONENTS.items()],
    }}
    return [
        write_zip(folder / name, entries + [("metadata.json", json.dumps(doc).encode())]),
        write_zip(folder / f"study{study}.jzip", [("s/a.html", b"<html></html>"), ("s_1.jas", json.dumps(jas).encode())]),
    ]


JSON = b'[{"rt": 532, "correct": true}]'
SURVEY = b'{"age": 31, "handedness": "right"}'
NOW = T0 + 200 * HOUR  # "now" of the known study's report

# The known study: each run is here for one figure or flag (the comment says which), and
# most runs are plain, so that each flag is an exception.
KNOWN = [
    (1, "FINISHED", 0, 600, 600, {"PROLIFIC_PID": "aaa111"}, [
        (101, 71, "FINISHED", None), (102, 72, "FINISHED", JSON), (103, 73, "FINISHED", SURVEY)]),
    # tiny data in Trials: flagged; no data in Consent (no run leaves any there): not
    (2, "FINISHED", 1000, 1600, 1600, {"PROLIFIC_PID": "bbb222"}, [
        (201, 71, "FINISHED", None), (202, 72, "FINISHED", b"x"), (203, 73, "FINISHED", SURVEY)]),
    # CSV where the rest of Survey is JSON: flagged; also the second run of participant aaa111
    (3, "FINISHED", 2000, 2600, 2600, {"PROLIFIC_PID": "aaa111", "SESSION_ID": "s3"}, [
        (301, 71, "FINISHED", None), (302, 72, "FINISHED", JSON), (303, 73, "FINISHED", b"  age,hand\n31,right")]),
    # no heartbeat for 190 hours: stuck
    (4, "DATA_RETRIEVED", 3000, None, 36_000, None, [(401, 71, "FINISHED", None), (402, 72, "DATA_RETRIEVED", None)]),
    # last seen an hour before now: not stuck
    (5, "DATA_RETRIEVED", 4000, None, 199 * 3600, None, [(501, 71, "FINISHED", None), (502, 72, "DATA_RETRIEVED", None)]),
    # Trials reloaded (two component results of it): flagged, and one run in the funnel
    (6, "FINISHED", 5000, 5600, 5600, None, [
        (601, 71, "FINISHED", None), (602, 72, "RELOADED", None), (603, 72, "FINISHED", JSON),
        (604, 73, "FINISHED", SURVEY)]),
    # Trials' data known only from metadata: not in the store (and not tiny)
    (7, "FINISHED", 6000, 6600, 6600, None, [
        (701, 71, "FINISHED", None), (702, 72, "FINISHED", ("metadata only", 500)), (703, 73, "FINISHED", SURVEY)]),
    # data of exactly 10 bytes, leading white space before JSON: neither tiny nor another format
    (8, "FINISHED", 7000, 7600, 7600, {"workerId": "bbb222x"}, [
        (801, 71, "FINISHED", None), (802, 72, "FINISHED", b"[1,2,3,44]"), (803, 73, "FINISHED", b"\n " + SURVEY)]),
    # aborted in Consent: JATOS removed its data
    (9, "ABORTED", 8000, 8100, 8100, None, [(901, 71, "ABORTED", None)]),
]


def fast_runs() -> list:
    """Twenty-five finished runs of one component: 23 of 600 s, one of 285 s and one of 340 s
    (ids 1001-1023, 1024 and 1025). By hand: mean 14425 / 25 = 577 s; squared deviations 23 × 23² +
    292² + 237² = 12167 + 85264 + 56169 = 153600; sample variance 153600 / 24 = 6400, SD 80 s;
    mean − 3 SD = 577 − 240 = 337 s: run 1024 (285 s) is exceptionally fast and run 1025
    (340 s) is not. (With the population's SD, √6144 = 78.38 s, the cut-off would be 341.85 s
    and take run 1025 too.)"""
    durations = [600] * 23 + [285, 340]
    return [
        (i, "FINISHED", i * 1000, i * 1000 + d, i * 1000 + d, None, [(i * 10, 72, "FINISHED", JSON)])
        for i, d in enumerate(durations, start=1001)
    ]

"""A results archive with participants: the spec's scenario (study 12, jatos_fixtures) and more
runs started from recruitment links.

SR 101: no URL query parameters. SR 102 and 103: Prolific participant abc123, both in study
12, batch 14 (a duplicate). SR 104: a SONA-style link (`sona_id=s77`), a participant only once
`sona_id` is configured. SR 201: abc123 again, in study 13 "Memory", batch 15 "Pilot" (once in
that study). SR 103 ends with a long message.
"""

from __future__ import annotations

import copy
from pathlib import Path

import jatos_fixtures as fx

LONG_MESSAGE = (
    "Experiment aborted: the participant closed the window during block 3 of 4, after the attention check, "
    "and came back through the same link the next day"
)


def _run(template: dict, sr_id: int, cr_id: int, worker: int, params: dict | None, **more) -> dict:
    run = copy.deepcopy(template)
    run.update(id=sr_id, uuid=f"00000000-0000-4000-8000-{sr_id:012d}", workerId=worker, **more)
    if params is None:
        run.pop("urlQueryParameters", None)
    else:
        run["urlQueryParameters"] = params
    cr = run["componentResults"][0]
    cr.update(id=cr_id, path=f"/study_result_{sr_id}/comp-result_{cr_id}")
    return run


def people_archive(folder: Path) -> Path:
    doc = fx.metadata_doc()
    study = doc["data"][0]
    running = study["studyResults"][1]  # SR 102: abc123, one component result without data
    study["studyResults"] += [
        _run(running, 103, 304, 59, {"PROLIFIC_PID": "abc123"}, studyState="FAIL", endDate=1714560300000,
             startDate=1714560100000, message=LONG_MESSAGE),
        _run(running, 104, 305, 60, {"sona_id": "s77", "lang": "de"}),
    ]
    other = {
        "studyId": 13, "studyUuid": "5e2d3c4b-1a09-4f8e-9d7c-6b5a49382716", "studyTitle": "Memory",
        "studyResults": [
            _run(running, 201, 401, 61, {"PROLIFIC_PID": "abc123"}, batchId=15,
                 batchUuid="a1b2c3d4-e5f6-4789-8abc-def012345678", batchTitle="Pilot", startDate=1714646400000,
                 lastSeenDate=1714646500000),
        ],
    }
    other["studyResults"][0]["componentResults"][0].update(componentId=50, componentUuid="c0a80001-0000-4000-8000-000000000050")
    doc["data"].append(other)
    return fx.results_archive(folder, doc=doc)

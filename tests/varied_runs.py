"""Random runs of study 12 that differ in everything a field term reads (issue #13): state,
worker type (Jatos test runs among them), batch (14 "Default", 15 "Pilot"), components 40
"Instructions" and 41 "Stroop trials" (titles from fx.study_archive), start and end times
over the first days of May 2024, data sizes (none, a few bytes, kilobytes), uploaded files.
Seeded: the same rows every run."""

from __future__ import annotations

import json
import random
from pathlib import Path

import jatos_fixtures as fx

STATES = ("PRE", "STARTED", "DATA_RETRIEVED", "FINISHED", "FINISHED", "ABORTED", "FAIL")
TYPES = ("Jatos", "PersonalSingle", "PersonalMultiple", "GeneralSingle", "GeneralMultiple", "MT", "MTSandbox")
BATCHES = {14: ("b7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2918", "Default"), 15: ("b7e6d5c4-b3a2-4190-8f7e-6d5c4b3a2919", "Pilot")}
COMPONENTS = {40: "c0a80001-0000-4000-8000-000000000040", 41: "c0a80001-0000-4000-8000-000000000041"}
MAY_1 = 1714514400000  # 2024-05-01T00:00+02:00


def varied_archive(folder: Path, n: int = 120, first_id: int = 5000, seed: int = 13) -> Path:
    rng = random.Random(seed)
    srs, entries = [], []
    for k in range(n):
        sr_id = first_id + k
        kind = rng.choice(TYPES)
        worker = rng.choice((1, 2)) if kind == "Jatos" else 9000 + sr_id
        state = rng.choice(STATES)
        start = MAY_1 + rng.randrange(-3 * 86_400_000, 10 * 86_400_000)
        ended = state in ("FINISHED", "ABORTED", "FAIL")
        length = rng.choice((20_000, 5 * 60_000, 11 * 60_000, 3_600_000))
        batch = rng.choice(list(BATCHES))
        crs = []
        for j, component in enumerate(rng.sample(list(COMPONENTS), rng.choice((1, 2)))):
            cr_id = 200_000 + sr_id * 2 + j
            size = 0 if state == "ABORTED" else rng.choice((0, 4, 9, 10, 27, 2500))
            path = f"study_result_{sr_id}/comp-result_{cr_id}"
            files = []
            if size and rng.random() < 0.2:
                payload = bytes(rng.randrange(256) for _ in range(rng.choice((5, 40))))
                files.append({"filename": "audio.webm", "size": len(payload), "sizeHumanReadable": ""})
                entries.append((f"{path}/files/audio.webm", payload))
            if size:
                entries.append((f"{path}/data.txt", (json.dumps({"run": sr_id, "c": component}) + "x" * size)[:size].encode()))
            data = {"size": size, "sizeHumanReadable": ""} | ({} if size else {"filename": "data.txt"})
            crs.append({
                "id": cr_id, "componentId": component, "componentUuid": COMPONENTS[component],
                "startDate": start + j * 1000, "endDate": start + length if ended else None, "duration": None,
                "componentState": rng.choice(("FINISHED", "ABORTED", "FAIL", "DATA_RETRIEVED", "RELOADED")),
                "path": "/" + path, "data": data, "files": files, "isQuotaReached": False,
            })
        srs.append({
            "id": sr_id, "uuid": f"00000000-0000-4000-8000-{sr_id:012d}", "studyCode": "Xk3pQ9LmA2z",
            "startDate": start, "endDate": start + length if ended else None, "duration": None,
            "lastSeenDate": start + length, "studyState": state, "workerId": worker, "workerType": kind,
            "batchId": batch, "batchUuid": BATCHES[batch][0], "batchTitle": BATCHES[batch][1], "groupId": None,
            "isQuotaReached": False, "componentResults": crs,
        })
    doc = {"apiVersion": "1.1.0", "data": [{"studyId": 12, "studyUuid": "3f1c2a9e-7b1d-4c55-9e0a-1a2b3c4d5e6f",
                                             "studyTitle": "Stroop Task", "studyResults": srs}]}
    return fx.write_zip(folder / "varied.zip", entries + [("metadata.json", json.dumps(doc).encode())])

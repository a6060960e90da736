"""Deterministic benchmark data sets, built through the store's importer.

S: 100k study results x 3 component results x ~1 KB JSON data (~300 MB).
M: 1M study results x 1 component result of small data.
Data is made on demand by each entry's opener, so nothing large sits in memory.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from store.formats.archive_read import Entry, Source

RARE = "zebrafinch"  # in 0.1% of the data
START = 1_700_000_000_000


def _trial_data(sr: int, k: int, size: int) -> bytes:
    rng = random.Random(sr * 7 + k)
    parts, length = [], 2
    while length < size:
        t = {
            "trial_index": len(parts),
            "rt": rng.randint(250, 1999),
            "correct": rng.random() < 0.8,
            "stimulus": rng.choice(["RED", "GREEN", "BLUE", "YELLOW"]),
            "response": rng.choice("rgby"),
        }
        if sr % 1000 == 7 and k == 1 and not parts:
            t["note"] = RARE
        text = json.dumps(t, separators=(",", ":"))
        parts.append(text)
        length += len(text) + 1
    return ("[" + ",".join(parts) + "]").encode()


def _small_data(sr: int) -> bytes:
    rng = random.Random(sr)
    extra = {"note": RARE} if sr % 1000 == 7 else {}
    return json.dumps({"rt": rng.randint(250, 1999), "correct": rng.random() < 0.8, **extra}).encode()


def build_source(name: str, n_results: int, n_components: int, data_bytes: int) -> Source:
    states = ["FINISHED"] * 8 + ["DATA_RETRIEVED", "FAIL"]
    types = ["GeneralSingle", "GeneralMultiple", "PersonalSingle", "MT", "Jatos"]
    results = []
    entries = []
    cr_id = 10_000_000
    for i in range(n_results):
        sr_id = 1_000_000 + i
        start = START + i * 60_000
        state = states[i % len(states)]
        comps = []
        for k in range(n_components):
            cr_id += 1
            comps.append(
                {
                    "id": cr_id, "component_id": 500 + k, "component_uuid": f"c0000000-0000-4000-8000-{500 + k:012d}",
                    "start_date": start + k * 20_000, "end_date": start + (k + 1) * 20_000, "state": "FINISHED",
                    "data_size": 0, "files": [], "quota_reached": False,
                }
            )
            if n_components == 1:
                maker = lambda sr=sr_id: _small_data(sr)  # noqa: E731
            else:
                maker = lambda sr=sr_id, k=k: _trial_data(sr, k, data_bytes)  # noqa: E731
            entries.append(_entry(sr_id, cr_id, maker))
        results.append(
            {
                "id": sr_id, "uuid": f"00000000-0000-4000-8000-{sr_id:012d}", "study_code": f"code{i % 97:07d}",
                "comment": None, "start_date": start, "end_date": None if state == "DATA_RETRIEVED" else start + 70_000,
                "last_seen_date": start + 70_000, "state": state, "message": None, "url_query_parameters": None,
                "worker_id": 5_000_000 + i, "worker_type": types[i % len(types)], "batch_id": 90 + i % 3,
                "batch_uuid": f"b0000000-0000-4000-8000-{90 + i % 3:012d}", "batch_title": ["Default", "Pilot", "Prolific"][i % 3],
                "group_id": None, "confirmation_code": None, "quota_reached": False, "components": comps,
            }
        )
    meta = [{"id": 77, "uuid": "77777777-0000-4000-8000-000000000077", "title": f"Benchmark {name}", "results": results}]
    return Source(Path(f"bench-{name}"), "results", metadata=meta, entries=entries)


def _entry(sr: int, cr: int, maker) -> Entry:
    payload = maker()
    return Entry(
        "data", sr, cr, "data.txt", len(payload),
        lambda limit, p=payload: p[:limit],
        lambda limit, p=payload: iter([p[:limit]]),
        f"study_result_{sr}/comp-result_{cr}/data.txt",
    )


SETS = {
    "S": dict(n_results=100_000, n_components=3, data_bytes=1000),
    "M": dict(n_results=1_000_000, n_components=1, data_bytes=0),
    "tiny": dict(n_results=2_000, n_components=3, data_bytes=1000),
}
